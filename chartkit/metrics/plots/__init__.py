"""Plots of training and tuning logs (each takes a `~chartkit.metrics.schema.RunLog`)."""

from chartkit.metrics.plots.curves import plot_curves

__all__ = ["plot_curves"]
