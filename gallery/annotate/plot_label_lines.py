"""
Direct line labels: 학습률별 손실 곡선
======================================

``label_lines`` names each curve at its end, in the curve's colour, instead of a legend:
the eye goes straight from a line to its name. The names form a column just right of the
last points, so no curve can cross them; names that would collide are stacked with the
least movement and joined to their line by a thin leader. The lines below are drawn without
``label=`` (as seaborn or a plotting helper may draw them), so the Korean names are passed
with ``names=``.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import label_lines

rng = np.random.default_rng(3)
steps = np.arange(0, 5000, 25)
rates = [0.3, 0.1, 0.05, 0.03, 0.01, 0.003]

# %%
# Six learning rates; two of them end almost at the same loss, so their names are stacked.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for k, lr in enumerate(rates):
        floor = 0.22 + 0.015 * k if lr > 0.02 else 0.3 + 2 * (0.03 - lr)
        loss = floor + 2.1 * np.exp(-steps * lr / 80)
        noise = rng.normal(0, 0.012, steps.size).cumsum() * 0.08
        ax.plot(steps, loss + noise)
    ax.set_title("학습률별 검증 손실")
    ax.set_xlabel("스텝")
    ax.set_ylabel("손실")
    label_lines(names=[f"학습률 {lr}" for lr in rates], ax=ax)
    plt.show()

# %%
# ``where="best"`` puts each name beside its own line, at the place with the most room
# from every line and from the other names; a line with no such place keeps its end label.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    t = np.linspace(0, 10, 300)
    for k, name in enumerate(["훈련 손실", "검증 손실", "테스트 손실"]):
        ax.plot(t, np.exp(-t / (2 + k)) + 0.15 * k + 0.03 * np.sin(3 * t + k), label=name)
    ax.set_title("where='best': 선 옆 빈 자리")
    ax.set_xlabel("에폭")
    label_lines(where="best", ax=ax)
    plt.show()
