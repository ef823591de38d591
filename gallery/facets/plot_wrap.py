"""
Wrapped facets: one panel per trial
===================================

``chartkit.facets.facet`` turns a tidy frame (one row per logged value) into small
multiples: ``col="trial", wrap=4`` puts four trials per row, ``hue="split"`` colours the
train/validation curves the same way in every panel, and one legend sits outside on the
right. The margins for strips, tick labels and the legend are measured in the one draw of
the save (no ``tight_layout``).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(1)
steps = np.arange(0, 2000, 20)
rows = []
for trial in range(10):
    rate = rng.uniform(200, 900)
    for split, gap in (("train", 0.0), ("validation", 0.15)):
        loss = 2.3 * np.exp(-steps / rate) + 0.2 + gap * (steps / steps[-1])
        loss += rng.normal(0, 0.03, steps.size)
        rows.append(pd.DataFrame({"step": steps, "loss": loss, "trial": trial, "split": split}))
df = pd.concat(rows, ignore_index=True)

# %%
# Ten trials, wrapped four to a row. Panels share both axes, so tick labels are drawn on the
# outer panels only (and under the last panel of each column).
with chartkit.theme("default"):
    g = facet(df, col="trial", wrap=4, hue="split", title="Loss of ten tuning trials")
    g.map("plot", "step", "loss")
    plt.show()
