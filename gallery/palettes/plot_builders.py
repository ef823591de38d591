"""
Sequential and diverging maps built in CAM02-UCS
================================================

``sequential(color)`` lays out evenly stepped lightness J' at the colour's hue;
``diverging(low, high)`` mirrors the lightness around a neutral grey centre. Both return a
``ListedColormap``. chartkit's shipped maps are built this way and registered with
matplotlib as ``chartkit.<name>`` (and ``chartkit.<name>_r``), so ``cmap="chartkit.blues"``
works anywhere.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.palettes import check_cmap, diverging, sequential

rng = np.random.default_rng(0)
field = np.cumsum(np.cumsum(rng.normal(size=(60, 80)), axis=0), axis=1)
field = (field - field.mean()) / field.std()

teal = sequential("#009e73", name="teal")
purple_orange = diverging("#7a21dd", "#e66100", name="purple_orange")
for cmap in (teal, purple_orange):
    rep = check_cmap(cmap)
    print(f"{cmap.name}: {rep.kind}, {rep.verdict}, symmetry {rep.symmetry}")

# %%
# A custom sequential map, a custom diverging map, and two registered chartkit maps.
with chartkit.theme("default"):
    fig, axes = plt.subplots(2, 2, figsize=(8, 6))
    panels = [
        (np.abs(field), teal, "sequential('#009e73')"),
        (field, purple_orange, "diverging('#7a21dd', '#e66100')"),
        (np.abs(field), "chartkit.blues", "cmap='chartkit.blues'"),
        (field, "chartkit.blue_orange", "cmap='chartkit.blue_orange'"),
    ]
    for ax, (data, cmap, title) in zip(axes.flat, panels, strict=True):
        lim = np.abs(data).max()
        vmin = 0 if data.min() >= 0 else -lim
        im = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=lim)
        fig.colorbar(im, ax=ax, shrink=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    plt.show()
