"""
Hyper-parameter importance
==========================

``plot_importance`` measures, one parameter at a time, the share of the variance of the
trials' loss *ranks* that the parameter explains: the squared Spearman correlation for
numbers (the same on a log scale, since ranks do not change) and the correlation ratio
eta squared for choices. It is a quick, documented first look, not fANOVA: interactions
are ignored, and below ten trials it warns that the values are mostly noise.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import sample_path
from chartkit.metrics.plots import param_importance, plot_importance
from chartkit.metrics.readers.ray import read_ray

log = read_ray(sample_path("ray_asha"))
print(param_importance(log, "loss", step=1).round(3).to_string(index=False))

# %%
# Scored at the first rung, where all 16 trials have a loss.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.5, 3.4), layout="constrained")
    plot_importance(log, "loss", step=1, ax=ax)
    plt.show()
