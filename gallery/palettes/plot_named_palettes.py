"""
Named palettes and their colour-vision verdicts
===============================================

``chartkit.palettes.palette(name)`` returns a shipped set as a plain list of hex colours.
Every set carries metadata measured by `check_palette`: the smallest CAM02-UCS ΔE between two
of its colours under normal vision and under simulated protan, deutan and tritan vision
(Machado 2009, severity 100, unclipped). tab10 and seaborn's deep fail (two colours collapse
for protans); Okabe-Ito, Paul Tol's muted and Petroff's sets pass.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.palettes import _data, list_palettes, palette

names = list_palettes("categorical")

# %%
# One row per set, labelled with its verdict and the two ΔE numbers.
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(8, 6))
    for row, name in enumerate(names):
        meta = _data.PALETTES[name]
        for k, color in enumerate(palette(name)):
            ax.add_patch(plt.Rectangle((k, row + 0.1), 0.9, 0.8, color=color))
        ax.text(
            10.3,
            row + 0.5,
            f"{meta['verdict'].upper():<5} normal {meta['min_delta_e_normal']:>4.1f}  "
            f"CVD {meta['min_delta_e_cvd']:>4.1f}",
            va="center",
            family="DejaVu Sans Mono",
            fontsize=9,
        )
    ax.set_xlim(0, 16)
    ax.set_ylim(len(names), 0)
    ax.set_yticks([i + 0.5 for i in range(len(names))], names)
    ax.set_xticks([])
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Shipped palettes: min ΔE (CAM02-UCS), normal and worst CVD")
    plt.show()
