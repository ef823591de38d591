"""
One page per run: loss, learning rate, throughput and memory
============================================================

``run_overview`` puts the quantities a training run is judged by on one ``chartkit.facets``
page with a shared step axis: training and validation loss together, the learning rate
(never smoothed: it is a schedule), throughput and memory, each found by meaning and unit.
The header gives the run's config and what its log recorded; quantities the run did not
log are named, not drawn empty. Here a Lightning run with a StepLR schedule.
"""

# %%
import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots.overview import run_overview

log = read(sample_path("lightning"))

with chartkit.theme("default"):
    grid = run_overview(log)
    plt.show()
