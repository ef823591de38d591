"""
Where the step time goes: torch.profiler traces of four DDP ranks
=================================================================

``read_trace`` reads the Chrome traces ``torch.profiler`` writes per rank (here gzipped, as
``tensorboard_trace_handler`` can) and sorts every event into compute, optimizer, data
loading, memory copy and communication. ``plot_step_breakdown`` splits each rank's step into
exclusive time, with the communication that made the step longer (exposed) apart from the
communication that ran under other work; ``plot_timeline`` shows two steps lane by lane;
``plot_straggler`` names the rank the others wait for. On this run rank 2 sleeps in its data
loading and ranks 0, 1 and 3 wait for it inside ``gloo:all_reduce``.
"""

# %%
import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read_jsonl, read_trace, sample_path
from chartkit.metrics.plots import plot_step_breakdown, plot_straggler, plot_timeline

folder = sample_path("profiler_world4")
trace = read_trace(folder)
steps = read_jsonl(folder)  # the per-rank step log written beside the traces

with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_step_breakdown(trace, ax=ax)
    chartkit.annotate.titles(ax, "Step time by category, per rank",
                             subtitle="4 DDP ranks on CPU (gloo), profiled steps 3-6")
    plt.show()

    fig, ax = plt.subplots(figsize=(9, 4.6))
    plot_timeline(trace, steps=[4, 5], ax=ax)
    chartkit.annotate.titles(ax, "Two steps, lane by lane")
    plt.show()

    fig, ax = plt.subplots(figsize=(8, 3.8))
    plot_straggler(trace, metrics=steps, ax=ax)
    chartkit.annotate.titles(ax, "Which rank the others wait for")
    plt.show()
