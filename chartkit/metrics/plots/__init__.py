"""Plots of training and tuning logs (each takes a `~chartkit.metrics.schema.RunLog`)."""

from chartkit.metrics.plots.curves import plot_curves
from chartkit.metrics.plots.importance import param_importance, plot_importance
from chartkit.metrics.plots.parallel import plot_parallel
from chartkit.metrics.plots.rungs import plot_rungs
from chartkit.metrics.plots.trials import plot_trials

__all__ = [
    "param_importance",
    "plot_curves",
    "plot_importance",
    "plot_parallel",
    "plot_rungs",
    "plot_trials",
]
