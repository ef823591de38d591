"""
ASHA rungs: who stopped where
=============================

``plot_rungs`` shows an ASHA (or HyperBand) run the way the scheduler saw it: a dashed
line at each rung ``grace_period x reduction_factor^k``, each trial's stop point marked,
and the number of trials that reached each rung (16 -> 9 -> 6 -> 2 -> 1 on the bundled
run). Ray writes ``TERMINATED`` for trials ASHA stopped and for trials that finished, so
the stop points are told apart by the scheduler's ``max_t``; the rungs are inferred from
the trials' last iterations when the scheduler's arguments are not given.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import sample_path
from chartkit.metrics.plots import plot_rungs
from chartkit.metrics.readers.ray import read_ray

log = read_ray(sample_path("ray_asha"))

# %%
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    plot_rungs(log, "loss", ax=ax)
    plt.show()
