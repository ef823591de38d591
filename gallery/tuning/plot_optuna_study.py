"""
An Optuna study read from its SQLite storage
============================================

``chartkit.metrics.read`` recognises an Optuna storage file (``sqlite:///study.db``, the
storage Optuna users keep) by its SQLite header and Optuna's tables, and reads it through
``optuna`` itself (the ``chartkit[optuna]`` extra) with the file opened read-only: nothing
in the store is written. Each trial becomes a trial of the canonical long frame: the
values reported with ``trial.report`` are the ``intermediate_value`` curve (so pruned
trials have curves up to the step the pruner stopped them), the objective is ``value``.
The search space is known, not guessed: ``lr`` was sampled with ``log=True``, so its axis
is logarithmic. The data are a small real study bundled with chartkit: a tiny MLP trained
for 8 epochs per trial under a ``MedianPruner``, 24 trials of which 14 were pruned and one
failed.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_slice, plot_trials

log = read(sample_path("optuna_study"))
print(log.info.extra["trials"]["state"].value_counts().to_dict())
print(log.info.extra["param_scales"])

# %%
# Every trial's learning curve, coloured by its learning rate; pruned trials end early.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_trials(log, "intermediate_value", color_by="lr", ax=ax)
    plt.show()

# %%
# The objective against the learning rate, on the log axis the distribution asked for.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_slice(log, "value", "lr", ax=ax)
    plt.show()
