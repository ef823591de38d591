"""
Default theme: Latin and Korean text
====================================

``chartkit.theme()`` styles a training-loss chart for screens: left-aligned bold title,
light horizontal grid, the Okabe-Ito colour cycle and Hangul drawn by a fallback font list
(DejaVu Sans for Latin letters and the minus sign, a Korean font for Hangul). Nothing is set
globally: the style ends with the ``with`` block.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit

rng = np.random.default_rng(0)
steps = np.arange(0, 3000, 10)

# %%
# Three learning rates, a Korean title and a negative axis (the proper U+2212 minus).
with chartkit.theme("default"):
    fig, ax = plt.subplots()
    for lr in (0.1, 0.03, 0.01):
        decay = np.exp(-steps * lr / 100)
        noise = rng.normal(0, 0.03, steps.size).cumsum() * 0.05
        ax.plot(steps, np.log(0.02 + 2.3 * decay) + noise, label=f"lr = {lr}")
    ax.set_title("학습 손실 (training loss) — 학습률 비교")
    ax.set_xlabel("스텝 (step)")
    ax.set_ylabel("log 손실")
    ax.legend(title="학습률")
    plt.show()
