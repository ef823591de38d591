"""
Title stacks: title, subtitle, caption, source and panel tags
=============================================================

``chartkit.annotate.titles`` puts a title and subtitle above a panel (or a whole figure) and a
caption and source below it; ``abc`` tags the panels. The space comes from the layout engine,
so nothing overlaps the tick labels, the axes' legends, or each other, even with long titles
that wrap and a legend placed outside the axes.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import abc, titles

rng = np.random.default_rng(7)
epochs = np.arange(1, 91)

# %%
# Two panels, each with its own stack, tagged (a) and (b), and a figure-level stack.
with chartkit.theme("default"):
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
    for ax, lr in zip(axes, (0.1, 0.01), strict=True):
        train = 2.3 * np.exp(-epochs * lr / 3) + rng.normal(0, 0.02, epochs.size) + 0.15
        val = 2.3 * np.exp(-epochs * lr / 3.5) + 0.25
        ax.plot(epochs, train, label="train")
        # Names in the title take their series' colour: a dark vermillion reads as text
        # (5.2:1 on white; the palette's orange would be 2.3:1).
        ax.plot(epochs, val, label="validation", color="#b35000")
        ax.set_xlabel("epoch")
        titles(
            ax,
            title=f"<train> loss vs <validation> loss at lr = {lr}",
            subtitle="ResNet-50 on ImageNet, batch 256",
            caption="Validation every epoch; training loss averaged per epoch.",
        )
    axes[0].set_ylabel("cross-entropy")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="split")
    abc(axes, "(a)")
    titles(
        fig,
        title="A smaller learning rate converges later but generalises as well",
        caption="Synthetic curves for illustration.",
        source="Source: chartkit gallery",
        align="plot",
    )
    plt.show()
