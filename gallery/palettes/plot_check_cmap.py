"""
Checking a colormap's lightness
===============================

``check_cmap`` samples a colormap, reads its CAM02-UCS lightness J' and classifies it as
sequential, diverging (lightness peak or trough with a neutral centre), cyclic or other. A
sequential map whose J' reverses by more than 1.0 fails: its lightness no longer orders the
values (jet, turbo, rainbow). ``plot_palette`` on a colormap shows the J' profile above the
map as seen under each deficiency and in grayscale.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.palettes import check_cmap, plot_palette

for name in ("jet", "turbo", "viridis", "cividis", "coolwarm", "twilight"):
    rep = check_cmap(name)
    print(f"{name:<10} {rep.kind:<11} {rep.verdict:<5} reversal {rep.reversal:5.1f}")

# %%
# jet fails (J' rises and falls), viridis passes (J' climbs steadily).
with chartkit.theme("default"):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    plot_palette("jet", ax=axes[0], title="jet: FAIL, J' reverses by 66")
    plot_palette("viridis", ax=axes[1], title="viridis: PASS, J' monotone")
    plt.show()
