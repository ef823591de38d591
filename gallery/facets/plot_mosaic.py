"""
Mosaic: spanning panels, abc tags, one legend
=============================================

``chartkit.facets.mosaic`` wraps ``subplot_mosaic``: ``"AAB;CDB"`` makes a wide panel on
top, a tall one on the right and two small ones. Panels are tagged a, b, c, d in reading
order, a title sits above, and ``add_legend()`` collects every label once into one legend
outside the panels. Margins are measured in the one draw of the save.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.facets import mosaic

rng = np.random.default_rng(7)
steps = np.arange(0, 1000, 10)

# %%
# A training report: loss over time, final accuracy per run, and two diagnostics.
with chartkit.theme("default"):
    m = mosaic("AAB;CDB", title="Training report", figsize=(8, 5))
    for k, name in enumerate(("baseline", "+ augmentation", "+ mixup")):
        loss = 0.3 + np.exp(-steps / (200 + 80 * k)) + rng.normal(0, 0.01, steps.size)
        m["A"].plot(steps, loss, label=name)
        m["C"].plot(steps, np.gradient(loss) * 1e3, label=name)
        m["D"].hist(rng.normal(k, 1, 500), bins=30, alpha=0.6, label=name)
    m["B"].barh(["baseline", "+ aug.", "+ mixup"], [71.2, 74.8, 75.9])
    m["A"].set(title="Loss", xlabel="step")
    m["B"].set(title="Top-1 accuracy (%)", xlim=(60, 80))
    m["C"].set(title="Loss slope (x1e-3)")
    m["D"].set(title="Logit spread")
    m.add_legend(side="bottom")
    plt.show()
