"""
Auditing a chart before it is saved
===================================

``chartkit.audit.check_figure`` draws a finished figure once and reads its artists: series
colours under simulated colour-vision deficiency, colormaps, text contrast against what is
behind it, glyphs the fonts lack, overlapping or cut-off text, tiny text and legends over
data. Here a first draft has two planted problems (a red/green pair of curves and a legend
on top of them); the report names both, and the fixed chart below passes: Okabe-Ito colours,
different line styles and names written at the line ends instead of a legend.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import label_lines
from chartkit.audit import check_figure

rng = np.random.default_rng(5)
steps = np.arange(0, 3000, 10)
train = 2.2 * np.exp(-steps / 600) + 0.25 + rng.normal(0, 0.015, steps.size)
val = 2.0 * np.exp(-steps / 900) + 0.4

# %%
# The draft: tab10's red and green, a legend in the middle of the curves. The report is
# printed; the draft itself is closed, not shipped.
with chartkit.theme("default"):
    draft, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(steps, train, color="#d62728", label="train")
    ax.plot(steps, val, color="#2ca02c", label="validation")
    ax.legend(loc="lower right")
    print(check_figure(draft))
    plt.close(draft)

# %%
# The fix: colours that stay apart for deuteranopes and protanopes, a second channel (line
# style) and direct labels. ``check_figure`` now finds nothing.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(steps, train, color="#0072B2", label="train")
    ax.plot(steps, val, color="#b35000", linestyle="--", label="validation")
    ax.set(xlabel="step", ylabel="loss", title="Training and validation loss")
    label_lines(ax=ax)
    report = check_figure(fig)
    print(report)
    plt.show()
