"""
Free scales and free space
==========================

Metrics with different units do not share axes: ``share="none"`` gives every panel its own
x and y range (and its own tick labels, with room measured for each). ``space="free"``
additionally makes each column as wide as its x range, so one step is the same width in
every panel.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(3)
frames = []
for metric, n, scale in (
    ("loss", 300, 1.0),
    ("accuracy (%)", 150, 100.0),
    ("grad norm", 60, 40.0),
):
    step = np.arange(n) * 10
    value = scale * (0.5 + 0.5 * np.tanh(step / (n * 3))) + rng.normal(0, 0.02 * scale, n)
    frames.append(pd.DataFrame({"step": step, "value": value, "metric": metric}))
df = pd.concat(frames, ignore_index=True)

# %%
# Free scales: every panel keeps its own axes.
with chartkit.theme("default"):
    g = facet(df, col="metric", share="none", title="Free scales", height=2.2)
    g.map("plot", "step", "value")
    plt.show()

# %%
# Free space: x is free per column and the column widths follow the step ranges; y is free too.
with chartkit.theme("default"):
    g = facet(df, col="metric", share={"x": "col", "y": "none"}, space="free", height=2.2)
    g.map("plot", "step", "value")
    g.set_title("Free space: one step has the same width everywhere")
    plt.show()
