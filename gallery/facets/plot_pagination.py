"""
Pagination: 30 trials on pages of 12
====================================

``max_per_page=12`` splits a large sweep into several figures with the same grid, the same
figure size, the same axis limits (the axes are shared by all panels) and the full legend
and title on every page, so the pages can be flipped through or put side by side in a
report. ``FacetGrid.savefig("sweep.png")`` writes ``sweep-1.png``, ``sweep-2.png``, ...
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(4)
steps = np.arange(0, 500, 5)
rows = []
for trial in range(30):
    rate = rng.uniform(40, 300)
    for split, off in (("train", 0.0), ("validation", 0.08)):
        loss = np.exp(-steps / rate) + off + rng.normal(0, 0.02, steps.size)
        rows.append(
            pd.DataFrame({"step": steps, "loss": loss, "trial": f"#{trial:02d}", "split": split})
        )
df = pd.concat(rows, ignore_index=True)

# %%
# Three pages of 4 x 3 panels; the last page has six panels and the same layout.
with chartkit.theme("default"):
    g = facet(df, col="trial", wrap=4, max_per_page=12, hue="split", title="Sweep of 30 trials")
    g.map("plot", "step", "loss", linewidth=1.2)
    print(len(g.pages), "pages of", g.axes.shape)
    plt.show()
