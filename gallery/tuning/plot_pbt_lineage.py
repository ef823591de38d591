"""
PBT lineage as segments
=======================

Population-based training copies the weights of a good trial into a bad one and perturbs
its hyper-parameters: in Ray's ``result.json`` the trial's ``training_iteration`` goes back
(it restored an older checkpoint) and its ``config`` changes mid-file. The reader keeps one
params row per lineage segment, and ``plot_trials`` colours each segment by its own
learning rate and marks where it starts; ``plot_lineage`` draws the same segments as bars,
one row per trial. The data are a small real Ray Tune PBT run bundled with chartkit:
4 trials, ``perturbation_interval=2``, one trial failing at iteration 3 (an ERROR trial,
ending in an X).
"""

import warnings
from importlib.resources import files

import matplotlib.pyplot as plt

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics.plots import plot_lineage, plot_trials
from chartkit.metrics.readers.ray import read_ray

# %%
# The reader warns about the rewinds it kept as segments; its summary is printed instead,
# with the params frame (one row per trial and segment).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DataWarning)
    log = read_ray(files("chartkit.metrics") / "sample_data" / "ray_tune" / "tune_pbt_error")
print(log.info.summary())
print(log.params.to_string(index=False))

# %%
# One trial diverged to a loss near 100 before PBT replaced its weights, so the y axis is
# symmetric-log (linear below 0.1, where the loss crosses zero).
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    plot_trials(log, "loss", color_by="lr", ax=ax)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(-0.03, 300)
    plt.show()

# %%
# The lineage as bars: trial 00000 went through five learning rates; the tick marks a
# segment that a later restore overwrote before it logged a step of its own.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    plot_lineage(log, "lr", ax=ax)
    plt.show()
