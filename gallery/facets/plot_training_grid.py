"""
Training plots on a facet grid: runs x metrics
==============================================

chartkit's own plots draw on chartkit's own grid: `plot_curves` takes a long metrics frame
(a facet's subset) and ``ax=``, so ``FacetGrid.map_dataframe`` calls it once per panel and
per hue level, with the level's ``color=`` and ``label=``. The hue colours come from the one
palette resolver, so rank 1 has the same colour in every panel, and the grid collects one
legend for the figure. Two bundled DDP runs (world size 2 and 4), loss and throughput.
"""

import warnings

import matplotlib.pyplot as plt
import pandas as pd

import chartkit
from chartkit.facets import facet
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_curves

with warnings.catch_warnings():
    warnings.simplefilter("ignore", chartkit.errors.ChartkitWarning)
    runs = [read(sample_path("ddp_world2")), read(sample_path("ddp_world4"))]
frame = pd.concat([run.metrics for run in runs], ignore_index=True)
frame = frame[frame["metric"].isin(["loss", "samples_per_sec"])]

# %%
# ``row="run"`` x ``col="metric"``; each metric column keeps its own y range, ranks are
# categorical hue levels (one legend), and each panel's own legend is turned off.
with chartkit.theme("default"):
    g = facet(
        frame,
        row="run",
        col="metric",
        hue="rank",
        hue_kind="categorical",
        palette="okabe_ito",
        share={"x": "all", "y": "col"},
        height=2.2,
        aspect=1.6,
    )
    g.map_dataframe(plot_curves, legend=False)
    g.set_title("DDP runs: loss and throughput per rank")
    plt.show()
