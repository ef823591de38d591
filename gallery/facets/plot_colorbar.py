"""
Continuous hue: one shared colourbar
====================================

A numeric ``hue`` is continuous: every panel colours its lines from one colormap and one
norm, and a single colourbar outside the panels explains them (``colorbar="each"`` gives
every panel its own instead).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(6)
steps = np.arange(0, 1000, 10)
rows = []
for model in ("ResNet-18", "ResNet-50", "ViT-S", "ViT-B"):
    for wd in (0.0, 0.01, 0.03, 0.1, 0.3):
        loss = 0.3 + wd + np.exp(-steps / (150 + 400 * wd)) + rng.normal(0, 0.01, steps.size)
        rows.append(
            pd.DataFrame({"step": steps, "loss": loss, "model": model, "weight decay": wd})
        )
df = pd.concat(rows, ignore_index=True)

# %%
# Four models, five weight-decay values each, coloured by the value.
with chartkit.theme("default"):
    g = facet(
        df,
        col="model",
        wrap=2,
        hue="weight decay",
        cmap="viridis",
        labeller="{value}",
        title="Weight decay sweep",
    )
    g.map("plot", "step", "loss", linewidth=1.4)
    plt.show()
