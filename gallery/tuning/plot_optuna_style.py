"""
Optimisation history, slice, contour and distribution, pruned trials included
=============================================================================

The four tuning charts Optuna users know, on a Ray Tune ASHA sweep: ``plot_history``
(every trial's value in completion order and the best so far), ``plot_slice`` (the value
against one parameter, on a log axis for the log-uniform learning rate), ``plot_contour``
(the value over two parameters, interpolated between trials) and ``plot_edf`` (the
empirical distribution of the values). Optuna's charts leave out pruned trials; here the
15 trials ASHA stopped keep their own hollow marker, and each chart states what a trial's
value is.
"""

# %%
import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots.tuning_charts import plot_contour, plot_edf, plot_history, plot_slice

log = read(sample_path("ray_asha"))

with chartkit.theme("default"):
    fig, axs = plt.subplots(2, 2, figsize=(11, 8))
    plot_history(log, "loss", ax=axs[0, 0])
    plot_slice(log, "loss", "lr", ax=axs[0, 1])
    plot_contour(log, "loss", x="lr", y="batch_size", ax=axs[1, 0])
    plot_edf(log, "loss", ax=axs[1, 1])
    chartkit.annotate.abc(axs)
    plt.show()
