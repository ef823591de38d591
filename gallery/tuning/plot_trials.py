"""
Trial curves coloured by learning rate
======================================

``plot_trials`` draws every trial of a Ray Tune sweep, coloured by a hyper-parameter. The
learning rate was sampled log-uniformly, so its colours follow a log scale (detected from
the values' spread) and the colourbar is labelled in its units. The best trial (lowest last
loss, as the note under the title says) is drawn on top and labelled with its config; the
dots mark where each trial stopped. The data are the bundled ASHA run: 16 trials, most
stopped after one or two iterations.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import sample_path
from chartkit.metrics.plots import plot_trials
from chartkit.metrics.readers.ray import read_ray

log = read_ray(sample_path("ray_asha"))

# %%
# Loss per trial, coloured by ``lr``.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    plot_trials(log, "loss", color_by="lr", ax=ax)
    plt.show()

# %%
# Accuracy coloured by a choice parameter (the theme's colour cycle and a legend), the best
# trial chosen by its highest accuracy over all iterations.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    plot_trials(log, "accuracy", color_by="batch_size", scope="max", ax=ax)
    plt.show()
