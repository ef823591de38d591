"""
Row by column: optimizer x learning rate
========================================

With ``row=`` and ``col=`` the panels form a grid: column strips on top, row strips on the
right. ``share="row"`` gives each row its own y range (optimizers reach different losses)
while panels in a row stay comparable.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(2)
steps = np.arange(0, 1000, 10)
rows = []
for opt, floor in (("SGD", 0.6), ("Adam", 0.25), ("AdamW", 0.2)):
    for lr in (1e-4, 1e-3, 1e-2):
        for seed in range(2):
            speed = 150 + 2e4 * lr * (1 if opt == "SGD" else 3)
            loss = floor + 2 * np.exp(-steps / (4000 / speed)) + rng.normal(0, 0.02, steps.size)
            rows.append(
                pd.DataFrame(
                    {
                        "step": steps,
                        "loss": loss,
                        "optimizer": opt,
                        "lr": lr,
                        "seed": f"seed {seed}",
                    }
                )
            )
df = pd.concat(rows, ignore_index=True)

# %%
# A ``labeller`` callable formats the strips; ``order`` fixes the row order.
with chartkit.theme("default"):
    g = facet(
        df,
        row="optimizer",
        col="lr",
        hue="seed",
        share="row",
        order={"optimizer": ["SGD", "Adam", "AdamW"]},
        labeller=lambda name, value: f"{name} = {value:g}" if name == "lr" else str(value),
        title="Optimizer x learning rate",
    )
    g.map("plot", "step", "loss", linewidth=1.2)
    plt.show()
