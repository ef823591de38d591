"""
One folder, several logs: discover and read
===========================================

A GPU session folder often holds logs of several kinds: an nvidia-smi CSV, a per-step JSONL
log, a batch-size probe. ``chartkit.metrics.discover`` finds each one by its content (a CSV's
header, a JSONL's first record, event-file framing, Ray trial folders), says why it took it,
and lists every file it left out with the reason. ``chartkit.metrics.read`` on such a folder
returns a ``Session``: one ``RunLog`` per log, nothing dropped silently. Here the bundled H100
session is charted from one ``read`` call: utilisation from the nvidia-smi log, the loss from
the step log, and memory with the probe's out-of-memory batch marked.
"""

import warnings

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import discover, read, sample_path
from chartkit.metrics.plots import plot_curves, plot_gpu_heatmap

session_dir = sample_path("nvidia_smi").parent
print(discover(session_dir).summary())

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the probe reader marks the failed batch
    session = read(session_dir)
print(session)
logs = {source.kind: log for source, log in zip(session.sources, session, strict=True)}

# %%
# Each log of the session gets the chart that fits it.
with chartkit.theme():
    fig, axs = plt.subplots(1, 3, figsize=(18, 4.5), layout="constrained")
    plot_gpu_heatmap(logs["nvidia_smi"], "utilization", events=False, ax=axs[0])
    axs[0].set_title("nvidia_smi_query.csv")
    plot_curves(logs["jsonl"], "loss", ax=axs[1])
    axs[1].set_title("gpu_train_steps.jsonl")
    plot_gpu_heatmap(logs["nvidia_smi"], "memory", probe=logs["batch_probe"], ax=axs[2])
    axs[2].set_title("nvidia-smi memory + gpu_bs_probe.csv")
    plt.show()
