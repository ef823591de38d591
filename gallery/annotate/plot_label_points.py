"""
Repel placer: naming many points
================================

``label_points`` puts each name beside its point, clear of the other names, of the markers
and of the lines on the Axes. It tries the eight places touching the point first, then
rings farther out with a leader line back to the point. When there is no room left, the
names with the lowest priority are hidden and reported in the returned ``Placement``; the
placement is deterministic (budgets are counts, never seconds).
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import label_points

rng = np.random.default_rng(11)
n = 80
params = 10 ** rng.uniform(0, 3, n)  # millions of parameters
accuracy = 0.55 + 0.09 * np.log10(params) + rng.normal(0, 0.03, n)
names = [f"net-{i:02d}" for i in range(n)]

# %%
# Eighty models; the most accurate ones are named first, the rest when there is room.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.scatter(params, accuracy, s=16, color="#0072b2", zorder=2)
    ax.set_xscale("log")
    fit = np.polyfit(np.log10(params), accuracy, 1)
    xs = np.logspace(0, 3, 50)
    ax.plot(xs, np.polyval(fit, np.log10(xs)), color="0.6", lw=1, zorder=1)
    ax.set_xlabel("parameters (M)")
    ax.set_ylabel("top-1 accuracy")
    # A title line is there before the names are placed, so the counts written into it
    # describe the final layout (a later layout change would place the names again).
    title = ax.set_title("names", loc="left")
    placed = label_points(params, accuracy, names, priority=accuracy, fontsize=7, ax=ax)
    title.set_text(f"{len(placed.shown)} names shown, {len(placed.hidden)} hidden")
    plt.show()
