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

# %%
# ``joint=True`` with one Axes per label solves the panels of a figure together: a name may
# leave its panel (staying inside the figure) and keeps clear of the names of the others,
# and priorities are compared across all panels. Here two panels share a y axis.
with chartkit.theme("default"):
    fig, axs = plt.subplots(1, 2, figsize=(6.4, 3.2), sharey=True)
    owners, xs, ys, labels = [], [], [], []
    panels = [("학습 (train)", 0.0), ("검증 (val)", -0.04)]
    for ax, (title, shift) in zip(axs, panels, strict=True):
        acc = accuracy[:30] + shift
        ax.scatter(params[:30], acc, s=14, color="#009e73")
        ax.set_xscale("log")
        ax.set_title(title, loc="left")
        owners += [ax] * 30
        xs.append(params[:30])
        ys.append(acc)
        labels += names[:30]
    axs[0].set_ylabel("top-1 accuracy")
    label_points(np.concatenate(xs), np.concatenate(ys), labels, ax=owners, joint=True, fontsize=7)
    plt.show()
