"""
HyperBand brackets
==================

Ray's synchronous ``HyperBandScheduler`` runs several brackets: bracket ``s`` starts its
trials at ``max_t * eta**-s`` iterations and keeps the best ``1/eta`` at each of its
rungs. Ray stores the scheduler only in a pickle, which chartkit never opens, so the
run's files show early stops but not which scheduler made them: ``plot_rungs`` draws
brackets when told ``scheduler="hyperband"`` (the reduction factor and ``max_t`` are read
from the stopping iterations when not given, and the note says where every number came
from). Trials fill the brackets in creation order, as Ray does. The data are a small real
run bundled with chartkit: 10 trials, ``max_t=9``, ``reduction_factor=2``: four trials in
a bracket without early stopping, four stopped at 4 or 8, two started at 2.
"""

import warnings

import matplotlib.pyplot as plt

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics import sample_path
from chartkit.metrics.plots import plot_rungs
from chartkit.metrics.readers.ray import read_ray
from chartkit.metrics.schedulers import rung_facts

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DataWarning)
    log = read_ray(sample_path("ray_hyperband"))
for b in rung_facts(log, scheduler="hyperband")["brackets"]:
    print(b["s"], b["trials"], b["survivors"])

# %%
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_rungs(log, scheduler="hyperband", ax=ax)
    plt.show()
