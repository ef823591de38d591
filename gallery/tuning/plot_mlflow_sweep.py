"""
An MLflow sweep read from its file store
========================================

``chartkit.metrics.read`` reads an MLflow file store (``mlruns/``) from its files, without
importing mlflow: each metric file's ``timestamp value step`` lines, ``params/``,
``tags/`` and ``meta.yaml``. Runs nested under a parent run are the parent's trials, with
their status (``FINISHED`` becomes ``TERMINATED``, ``FAILED`` becomes ``ERROR``), so the
tuning charts work on them as on a Ray Tune experiment. The data are a small real sweep
bundled with chartkit: logistic regression trained by minibatch SGD for 15 epochs, 10
runs over the learning rate, the batch size and the weight decay, one of which failed
after 4 epochs.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_parallel, plot_trials

log = read(sample_path("mlflow_sweep"))
print(log.info.extra["trials"][["trial", "status", "last_iteration"]])

# %%
# Every run's validation loss, coloured by its learning rate; the failed run stops early.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_trials(log, "val_loss", color_by="lr", ax=ax)
    plt.show()

# %%
# The final validation loss against the three parameters: one line per run.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_parallel(log, "val_loss", params=["lr", "batch_size", "weight_decay"], ax=ax)
    plt.show()
