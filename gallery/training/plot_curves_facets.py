"""
Training curves on a facet grid: runs x metrics, one legend
===========================================================

chartkit's plots take a `RunLog` or its long frame, so a chartkit facet grid hosts them
directly: ``facet(frame, row="run", col="metric", hue="rank").map_dataframe(plot_curves)``
calls ``plot_curves`` once per panel and rank with that panel's rows (the metric is the only
one in the subset, so ``metric=`` can be left out), with the hue's colour and label; the grid
draws one legend. Each panel keeps plot_curves' rules: loss and throughput are smoothed, the
constant learning rate is not (smoothing by kind), and off-scale values would be marked per
panel against the healthy range of every series it shares its y axis with. The runs are the
real world-2 and world-4 DDP runs bundled with chartkit.
"""

import matplotlib.pyplot as plt
import pandas as pd

import chartkit
from chartkit.facets import facet
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_curves

runs = [read(sample_path("ddp_world2")), read(sample_path("ddp_world4"))]
frame = pd.concat([r.metrics for r in runs], ignore_index=True)
frame = frame[frame["metric"].isin(["loss", "samples_per_sec", "lr"])]

# %%
with chartkit.theme():
    g = facet(
        frame,
        row="run",
        col="metric",
        hue="rank",
        hue_kind="categorical",
        share={"x": "all", "y": "col"},
        height=2.4,
        aspect=1.6,
    )
    g.map_dataframe(plot_curves)
    plt.show()
