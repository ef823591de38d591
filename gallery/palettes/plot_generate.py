"""
Generating a palette that survives every colour-vision type
===========================================================

``generate(n)`` maximises the smallest pairwise ΔE over normal vision AND protan, deutan and
tritan vision at once (glasbey guards one type at a time). It runs a greedy farthest-point
search over a cached candidate grid, then local-improvement sweeps; it is deterministic for
a seed. ``extend=`` keeps given colours and adds new ones; ``grayscale=`` adds a lightness
floor between colours so the palette still works printed in black and white.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.palettes import check_palette, generate, plot_palette

ten = generate(10)
extended = generate(6, extend=["#0072b2", "#d55e00"])
gray_safe = generate(6, grayscale=True)
for label, colors in (("generate(10)", ten), ("extend", extended), ("grayscale", gray_safe)):
    rep = check_palette(colors)
    print(
        f"{label:<13} {rep.verdict}: normal {rep.min_delta_e_normal:.1f}, "
        f"CVD {rep.min_delta_e_cvd:.1f}"
    )

# %%
# The ten generated colours under every vision, then the grayscale-safe six.
with chartkit.theme("default"):
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.5))
    plot_palette(ten, ax=axes[0])
    plot_palette(gray_safe, ax=axes[1])
    plt.show()
