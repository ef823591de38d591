"""
Korean strip labels
===================

Strips, titles and axis labels take Hangul like any text: the theme's font list draws Latin
letters with DejaVu Sans and Hangul with a Korean font (the bundled NanumGothic when none is
installed). A ``labeller`` callable builds each strip from the column name and level; long
strips are wrapped to the width of their panel.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chartkit
from chartkit.facets import facet

rng = np.random.default_rng(8)
steps = np.arange(0, 800, 8)
names = {"small": "소형 모델", "base": "기본 모델", "large": "대형 모델 (파라미터 3억 개)"}
rows = []
for size, scale in (("small", 1.0), ("base", 0.7), ("large", 0.5)):
    for split in ("학습", "검증"):
        off = 0.0 if split == "학습" else 0.1
        loss = scale + off + np.exp(-steps / 150) + rng.normal(0, 0.01, steps.size)
        rows.append(pd.DataFrame({"스텝": steps, "손실": loss, "모델": size, "구분": split}))
df = pd.concat(rows, ignore_index=True)

# %%
# Strips from a callable, a Korean title and Korean axis labels.
with chartkit.theme("default"):
    g = facet(
        df,
        col="모델",
        hue="구분",
        labeller=lambda name, value: f"{name}: {names[value]}",
        title="모델 크기별 학습 손실",
    )
    g.map("plot", "스텝", "손실")
    plt.show()
