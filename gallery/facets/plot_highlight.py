"""
Highlight in context
====================

``highlight=True`` draws, in every panel, all the series of the grid in light grey behind
the panel's own series in colour: each learning-rate schedule is read against the whole
sweep without a spaghetti plot.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(5)
steps = np.arange(0, 3000, 15)
schedules = {
    "constant": lambda s: np.full_like(s, 1.0, dtype=float),
    "step decay": lambda s: 0.3 ** (s // 1000),
    "cosine": lambda s: 0.5 * (1 + np.cos(np.pi * s / s[-1])),
    "warmup + cosine": lambda s: np.minimum(s / 300, 1) * 0.5 * (1 + np.cos(np.pi * s / s[-1])),
    "linear": lambda s: 1 - s / s[-1],
    "one-cycle": lambda s: np.interp(s, [0, 900, 3000], [0.1, 1.0, 0.01]),
}
rows = []
for name, lr in schedules.items():
    rate = np.cumsum(lr(steps)) / 40
    loss = 0.3 + 2.0 * np.exp(-rate / 2.5) + rng.normal(0, 0.015, steps.size)
    rows.append(pd.DataFrame({"step": steps, "loss": loss, "schedule": name}))
df = pd.concat(rows, ignore_index=True)

# %%
# Six schedules, each against the others.
with chartkit.theme("default"):
    g = facet(
        df,
        col="schedule",
        wrap=3,
        highlight=True,
        labeller="{value}",
        title="Learning-rate schedules, each against the others",
    )
    g.map("plot", "step", "loss", linewidth=1.6)
    plt.show()
