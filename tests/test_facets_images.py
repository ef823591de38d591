"""Facet grids and mosaics as pixels: layout, strips, legend and colourbar placement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chartkit import rc_params
from chartkit.facets import facet, mosaic

STYLE = rc_params("default", korean_font="bundled", **{"figure.dpi": 100, "savefig.dpi": 100})


def curves(n, hues=("학습", "검증"), points=60, seed=0):
    rng = np.random.default_rng(seed)
    steps = np.arange(points) * 10
    rows = []
    for i in range(n):
        for k, h in enumerate(hues):
            loss = np.exp(-steps / (150 + 60 * i)) + 0.1 * k + rng.normal(0, 0.02, points)
            rows.append(
                pd.DataFrame({"step": steps, "loss": loss, "trial": f"실험 {i}", "split": h})
            )
    return pd.concat(rows, ignore_index=True)


@pytest.mark.mpl_image_compare(style=STYLE)
def test_wrap_korean_strips_legend_image():
    g = facet(
        curves(5),
        col="trial",
        wrap=3,
        hue="split",
        figsize=(7, 4),
        labeller="{value}번 (trial)",
        title="학습 손실 − 5개 실험",
    )
    g.map("plot", "step", "loss")
    return g.figure


@pytest.mark.mpl_image_compare(style=STYLE)
def test_row_col_shared_colourbar_image():
    df = curves(3, hues=("a", "b")).assign(lr=lambda d: d.trial.str[-1].astype(float) * 1e-3)
    g = facet(df, row="split", col="trial", hue="lr", share="row", figsize=(7, 4.5))
    g.map("plot", "step", "loss")
    return g.figure


@pytest.mark.mpl_image_compare(style=STYLE)
def test_mosaic_tags_and_bottom_legend_image():
    rng = np.random.default_rng(3)
    m = mosaic("AAB;CDB", figsize=(7, 4.5), title="보고서 (report)")
    x = np.arange(50)
    for k in range(2):
        m["A"].plot(x, np.cumsum(rng.normal(size=50)), label=f"run {k}")
        m["C"].plot(x, rng.normal(size=50), label=f"run {k}")
    m["B"].barh(["a", "b"], [3, 5])
    m["D"].hist(rng.normal(size=200), bins=20)
    m["A"].set(title="Loss", xlabel="step")
    m.add_legend(side="bottom")
    return m.figure
