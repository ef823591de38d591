"""
Simulating colour-vision deficiency on a rendered chart
=======================================================

``simulate_cvd`` takes colour lists, float arrays or uint8 RGB(A) images. For images it uses
a lookup-table fast path (decode table, one 3x3 Machado matrix in linear RGB, encode table)
that stays within 1/255 of colorspacious. Here the same chart, drawn with tab10 and with
Okabe-Ito, is shown as a deuteranope (severity 100) would see it: with tab10 the green and
red runs become hard to tell apart.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.palettes import palette, simulate_cvd

rng = np.random.default_rng(0)
steps = np.arange(300)
curves = [np.exp(-steps / (50 + 25 * k)) + rng.normal(0, 0.004, 300).cumsum() for k in range(4)]


def render(colors):
    fig, ax = plt.subplots(figsize=(3.2, 2.4), dpi=100)
    for k, (y, c) in enumerate(zip(curves, colors, strict=False)):
        ax.plot(steps, y, color=c, lw=2, label=f"run {k}")
    ax.legend(fontsize=7)
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    return img


# %%
# Render each palette's chart to pixels, simulate deuteranomaly, show all four images.
with chartkit.theme("default"):
    tab = render(palette("tab10")[2:6])
    oi = render([palette("okabe_ito")[i] for i in (2, 5, 0, 4)])
    fig, axes = plt.subplots(2, 2, figsize=(7, 5.4))
    panels = [
        (tab, "tab10, normal vision"),
        (simulate_cvd(tab, "deuteranomaly"), "tab10, deuteranomaly 100"),
        (oi, "Okabe-Ito, normal vision"),
        (simulate_cvd(oi, "deuteranomaly"), "Okabe-Ito, deuteranomaly 100"),
    ]
    for ax, (img, title) in zip(axes.flat, panels, strict=True):
        ax.imshow(img)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    plt.show()
