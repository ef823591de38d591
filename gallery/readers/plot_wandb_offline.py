"""
Weights & Biases offline runs: three learning rates from one ``wandb/`` folder
==============================================================================

A run started with ``WANDB_MODE=offline`` keeps its history, config and summary in
``wandb/offline-run-<date>-<id>/run-<id>.wandb``, the file ``wandb sync`` would upload.
``read_wandb`` reads every run of the folder into one long frame (one ``run`` per display
name), with the config as ``params`` and the summary and exit status as facts; the records
are decoded with wandb's own protobuf classes (``pip install "chartkit[wandb]"``) and every
chunk's CRC-32 is checked. The three runs bundled here were written by wandb 0.31 itself,
offline, with learning rates 0.01, 0.03 and 0.1 (the last one logging every second step).
"""

# %%
import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read_wandb, sample_path
from chartkit.metrics.plots import plot_curves

log = read_wandb(sample_path("wandb_offline"))
print(log.info.extra["runs"][["name", "status", "files"]].to_string(index=False))
print(log.params[["run", "lr", "seed"]].to_string(index=False))

# %%
# Training and validation loss of every run, one colour per run.
with chartkit.theme("default"):
    fig, axs = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True, layout="constrained")
    plot_curves(log, "loss", by="run", smooth=None, ax=axs[0])
    plot_curves(log, "val_loss", by="run", smooth=None, legend=False, ax=axs[1])
    axs[0].set_title("loss")
    axs[1].set_title("val_loss")
    plt.show()
