"""
Paper theme: a single-column figure
===================================

``chartkit.theme("paper")`` makes 3.5-inch figures with 8-point text, thin lines, and
TrueType fonts embedded in PDF, for articles. Here: validation accuracy per GPU count with a
Korean axis label and error bars.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit

gpus = np.array([1, 2, 4, 8])
rng = np.random.default_rng(1)

# %%
with chartkit.theme("paper"):
    fig, ax = plt.subplots()
    for k, model in enumerate(("ResNet-18", "ViT-S/16")):
        acc = 0.71 + 0.04 * k + 0.01 * np.log2(gpus) + rng.normal(0, 0.003, gpus.size)
        ax.errorbar(gpus, acc, yerr=0.004, marker="o", capsize=2, label=model)
    ax.set_xscale("log", base=2)
    ax.set_xticks(gpus, [str(g) for g in gpus])
    ax.set_xlabel("GPU 수 (DDP world size)")
    ax.set_ylabel("검증 정확도 (val. accuracy)")
    ax.set_title("GPU 수에 따른 정확도")
    ax.legend()
    plt.show()
