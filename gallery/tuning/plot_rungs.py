"""
ASHA rungs: who stopped where
=============================

``plot_rungs`` shows an ASHA (or HyperBand) run the way the scheduler saw it: a dashed
line at each rung ``grace_period x reduction_factor^k``, each trial's stop point marked,
and the number of trials that reached each rung (16 -> 9 -> 6 -> 2 -> 1 on the bundled
run). Ray writes ``TERMINATED`` for trials ASHA stopped and for trials that finished, so
the stop points are told apart by the scheduler's ``max_t``. Ray keeps the scheduler itself
only in a pickle, so the rungs come from evidence: here the trials stopped early at 1, 2, 4
and 8, a geometric ladder, so one ASHA bracket with ``grace_period=1`` and
``reduction_factor=2`` is inferred and the note says so. A run whose trials all ran to the
end (no scheduler, or PBT) gets no rungs, and the Axes say why; pass ``scheduler=`` and the
arguments to override.
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
