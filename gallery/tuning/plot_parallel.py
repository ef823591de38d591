"""
Parallel coordinates that keep stopped trials
=============================================

``plot_parallel`` draws one axis per hyper-parameter that varied and ends on the metric.
Log-uniform parameters get log axes (``lr``, and the power-of-two layer widths), choices
get categorical axes (``batch_size``), and the lines are coloured by the loss, darkest
for the best. Trials an ASHA scheduler stopped early are drawn dashed and ERROR trials
dotted: Optuna's parallel-coordinate plot keeps COMPLETE trials only, which after ASHA
leaves one line out of sixteen.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import sample_path
from chartkit.metrics.plots import plot_parallel
from chartkit.metrics.readers.ray import read_ray

log = read_ray(sample_path("ray_asha"))

# %%
# Every trial scored by its last loss (stopped trials at the iteration they stopped).
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    plot_parallel(log, "loss", ax=ax)
    plt.show()

# %%
# A fairer comparison: every trial at the first rung, which all of them reached.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    plot_parallel(log, "loss", step=1, ax=ax)
    plt.show()
