"""
Contrast-aware value labels on bars and heatmaps
================================================

``bar_labels`` writes each bar's value just inside its end, in black or white, whichever
has the higher WCAG contrast ratio with the bar (always at least 4.5:1); a label that does not
fit inside moves outside and contrasts with the background instead. ``heatmap_labels`` does
the same for every cell of an image or mesh.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import bar_labels, heatmap_labels, text_color_for

rng = np.random.default_rng(0)

# %%
# Accuracy per model: dark and light bars get white and black labels; the tiny bar's
# label moves outside.
with chartkit.theme("default"):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=(1, 1.2))
    models = ["ResNet", "ViT", "ConvNeXt", "MLP", "Linear"]
    acc = [76.1, 81.8, 82.1, 61.0, 2.0]
    colors = ["#0072B2", "#E69F00", "#009E73", "#F0E442", "#56B4E9"]
    bars = ax1.barh(models, acc, color=colors)
    bar_labels(bars, "{:.1f}%")
    ax1.invert_yaxis()
    ax1.set_xlabel("top-1 accuracy (%)")
    ax1.set_title("Bar labels")

    confusion = rng.dirichlet(np.ones(5) * 0.6, size=5) * 0.5 + np.eye(5) * 0.5
    im = ax2.imshow(confusion, cmap="viridis", vmin=0, vmax=1)
    heatmap_labels(im, "{:.2f}", fontsize=8)
    ax2.set_xticks(range(5), [f"c{k}" for k in range(5)])
    ax2.set_yticks(range(5), [f"c{k}" for k in range(5)])
    ax2.grid(False)
    ax2.set_title("Heatmap cells")
    plt.show()

# %%
# ``text_color_for`` alone picks the label colour for any background.
print({c: text_color_for(c) for c in colors})
