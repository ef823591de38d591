"""
Offset texts and crowded tick labels
====================================

The audit measures every text a draw actually puts on the canvas, axis texts included: the
offset text a large axis writes above itself ("1e6"), tick labels (only those of ticks in
view), an annotation's text without its arrow. Here a draft has a note written over the
"1e6" of a diverging loss and twelve hyper-parameter names crowding the x axis of a second
panel; the report names each text by its role. The fix below uses
``chartkit.annotate.titles`` (the stack keeps clear of the offset text in every layout
mode) and fewer, rotated tick labels.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import titles
from chartkit.audit import check_figure

steps = np.arange(0, 400)
loss = 2.5 * np.exp(-steps / 80) + 0.3
loss[300:] = 0.3 * np.exp((steps[300:] - 300) / 6.0)  # diverges to ~3e7
names = [f"lr_stage_{k}" for k in range(12)]
score = np.linspace(0.6, 0.9, 12)

# %%
# The draft: a note placed by hand on top of the y axis, twelve long tick labels in 3 in.
with chartkit.theme("default"):
    draft, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4), layout="constrained")
    ax1.plot(steps, loss)
    ax1.text(0, 1.01, "diverged at step 300", transform=ax1.transAxes, va="bottom")
    ax2.plot(range(12), score, marker="o")
    ax2.set_xticks(range(12), names)
    print(check_figure(draft, rules="text-overlap"))
    plt.close(draft)

# %%
# The fix: the note goes in a title stack (above the offset text), the tick labels are
# rotated and every second one is kept.
with chartkit.theme("default"):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4), layout="constrained")
    ax1.plot(steps, loss)
    ax1.set(xlabel="step", ylabel="loss")
    titles(ax1, title="Loss", subtitle="diverged at step 300")
    ax2.plot(range(12), score, marker="o")
    ax2.set_xticks(range(0, 12, 2), names[::2], rotation=45, ha="right")
    ax2.set(ylabel="score")
    titles(ax2, title="Score by stage")
    print(check_figure(fig))
    plt.show()
