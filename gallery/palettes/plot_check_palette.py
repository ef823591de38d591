"""
Checking a palette: pass, warn or fail with evidence
====================================================

``check_palette`` stacks normal vision and the three deficiencies into one CAM02-UCS
conversion and returns a `PaletteReport`: the verdict, the smallest ΔE under normal vision
and under CVD, the closest pair and the vision where it happens, and every pairwise ΔE
matrix (``report.delta_e["deuteranomaly-100"]``). ``plot_palette`` draws the evidence:
swatches under each vision and in grayscale. The printed report is what
``chartkit palette check tab10`` prints.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.palettes import check_palette, plot_palette

print(check_palette("tab10"))

# %%
# tab10 fails: colours 0 and 4 (blue and purple) are ΔE 2.4 apart for a protan.
# Petroff's 10-colour set passes even Petroff's strict thresholds.
with chartkit.theme("default"):
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.5))
    plot_palette("tab10", ax=axes[0])
    plot_palette("petroff10", ax=axes[1])
    plt.show()
