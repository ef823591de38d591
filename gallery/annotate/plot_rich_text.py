"""
Rich text: series colours, bold and sizes in one line
=====================================================

Markup such as ``"<loss> falls below <val_loss>"`` draws each name in the colour of the series
labelled so; ``<b>``, ``<i>``, ``<big>``, ``<small>`` and ``<{color=#d55e00, size=14}>...</>``
style other runs. The text is laid out when the figure is drawn, so adding it costs no extra
draw and it stays aligned when the figure is resized.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import rich_text, titles

rng = np.random.default_rng(3)
steps = np.arange(0, 5000, 25)
loss = 2.0 * np.exp(-steps / 900) + 0.3 + rng.normal(0, 0.02, steps.size)
val_loss = 1.6 * np.exp(-steps / 1400) + 0.42

# %%
# The title names the series instead of a legend; an annotation marks the crossing.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(steps, loss, label="loss")
    # The title writes "val_loss" in this colour: dark enough to read as text (5.2:1).
    ax.plot(steps, val_loss, label="val_loss", color="#b35000")
    cross = steps[np.argmax(loss < val_loss)]
    ax.axvline(cross, color="0.6", lw=0.8, ls="--")
    titles(
        ax,
        title="<loss> falls below <val_loss> after warm-up",
        subtitle="<b>Bold</b>, <i>italic</i> and <{color=#b35000}>coloured</> runs in a subtitle",
    )
    rich_text(
        ax,
        cross,
        2.3,
        f"  <b>step {cross}</b>\n  <small>gap closes here</small>",
        va="top",
    )
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    plt.show()
