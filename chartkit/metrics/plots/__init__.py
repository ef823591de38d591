"""Plots of training and tuning logs (each takes a `~chartkit.metrics.schema.RunLog`)."""

from chartkit.metrics.plots.compare import plot_compare
from chartkit.metrics.plots.curves import plot_curves
from chartkit.metrics.plots.density import plot_density
from chartkit.metrics.plots.gpu import (
    heatmap_height,
    memory_events,
    plot_batch_probe,
    plot_gpu_heatmap,
    plot_gpu_lines,
    plot_gpu_memory,
    probe_summary,
)
from chartkit.metrics.plots.gpu_overview import gpu_overview
from chartkit.metrics.plots.importance import param_importance, plot_importance
from chartkit.metrics.plots.overview import run_overview
from chartkit.metrics.plots.parallel import plot_parallel
from chartkit.metrics.plots.ranks import (
    find_stragglers,
    plot_rank_spread,
    plot_scaling,
    plot_throughput,
    rank_table,
    scaling_table,
    throughput_table,
)
from chartkit.metrics.plots.rungs import plot_rungs
from chartkit.metrics.plots.trace import plot_step_breakdown, plot_straggler, plot_timeline
from chartkit.metrics.plots.trials import plot_lineage, plot_trials
from chartkit.metrics.plots.tuning_charts import plot_contour, plot_edf, plot_history, plot_slice

__all__ = [
    "find_stragglers",
    "gpu_overview",
    "heatmap_height",
    "memory_events",
    "param_importance",
    "plot_batch_probe",
    "plot_compare",
    "plot_contour",
    "plot_curves",
    "plot_density",
    "plot_edf",
    "plot_gpu_heatmap",
    "plot_gpu_lines",
    "plot_gpu_memory",
    "plot_history",
    "plot_importance",
    "plot_lineage",
    "plot_parallel",
    "plot_rank_spread",
    "plot_rungs",
    "plot_scaling",
    "plot_slice",
    "plot_step_breakdown",
    "plot_straggler",
    "plot_throughput",
    "plot_timeline",
    "plot_trials",
    "probe_summary",
    "rank_table",
    "run_overview",
    "scaling_table",
    "throughput_table",
]
