"""Rank spread, stragglers, throughput from two sources, scaling efficiency."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics.plots.ranks import (
    find_stragglers,
    plot_rank_spread,
    plot_scaling,
    plot_throughput,
    rank_table,
    scaling_table,
    throughput_table,
)
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame


def _ddp(world=4, steps=400, batch=16, slow_rank=None, short_rank=None, seed=0):
    """A synthetic DDP log: loss and a per-step samples_per_sec like the shared runs."""
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(world):
        n = steps if r != short_rank else steps // 2
        step = np.arange(1, n + 1)
        dt = rng.gamma(4, 0.0025, n) * (1.6 if r == slow_rank else 1.0) * world / 2
        wall = 1.7e9 + np.cumsum(dt)
        loss = 2 * np.exp(-step / 80) + rng.normal(0, 0.02, n) + (0.5 if r == slow_rank else 0)
        frames.append(
            make_frame(
                "jsonl", run="ddp", rank=r, step=step, wall_time=wall, metric="loss", value=loss
            )
        )
        frames.append(
            make_frame(
                "jsonl",
                run="ddp",
                rank=r,
                step=step,
                wall_time=wall,
                metric="samples_per_sec",
                value=batch / dt,
            )
        )
    return finish(concat_frames(frames), LogInfo(source="jsonl"), warn=False)


def test_rank_table_natural_order_and_shape():
    wide = rank_table(_ddp(world=4), "loss")
    assert list(wide.columns) == [0, 1, 2, 3]
    assert wide.shape == (400, 4)


def test_short_rank_is_reported_once():
    with pytest.warns(
        DataWarning,
        match=r"1 rank\(s\) of 'loss' miss steps: rank 2 has 200 "
        r"of 400 steps; aggregates use the steps present in every rank",
    ) as rec:
        wide = rank_table(_ddp(short_rank=2), "loss")
    assert len(rec) == 1
    assert len(wide) == 200
    with pytest.warns(DataWarning):
        assert len(rank_table(_ddp(short_rank=2), "loss", how="outer")) == 400


def test_straggler_found_and_labelled():
    log = _ddp(world=6, slow_rank=4)
    assert find_stragglers(rank_table(log, "loss")) == [4]
    ax = plot_rank_spread(log, "loss")
    assert "rank 4 (straggler)" in [t.get_text() for t in ax.texts]


def test_no_straggler_among_equals_or_two_ranks():
    assert find_stragglers(rank_table(_ddp(world=6), "loss")) == []
    assert find_stragglers(rank_table(_ddp(world=2, slow_rank=1), "loss")) == []


def test_band_options():
    ax = plot_rank_spread(_ddp(), "loss", band="iqr")
    assert ax.get_legend().get_texts()[0].get_text() == "IQR of ranks"
    with pytest.raises(ValueError, match=r"'range' is not a valid value for band"):
        plot_rank_spread(_ddp(), "loss", band="range")


def test_rank_plots_need_ranks():
    frame = make_frame("x", run="r", step=np.arange(3), metric="loss", value=np.ones(3))
    log = finish(frame, LogInfo(source="x"), warn=False)
    with pytest.raises(ValueError, match=r"the log has no rank column for 'loss'"):
        plot_rank_spread(log, "loss")


def test_throughput_two_sources_differ_and_are_labelled():
    tp = throughput_table(_ddp(world=2))
    assert tp["batch_size"] == 16
    # mean of per-step rates overweights fast steps: larger than samples / wall time
    assert tp["ratio"] > 1.05
    ax = plot_throughput(_ddp(world=2))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "rank 0, logged samples_per_sec (EMA 0.95)" in labels
    assert "total, from wall time" in labels
    assert any("from the mean of logged rates" in t.get_text() for t in ax.texts)


def test_throughput_without_wall_time():
    frame = make_frame(
        "x", run="r", rank=0, step=np.arange(3), metric="samples_per_sec", value=np.ones(3)
    )
    log = finish(frame, LogInfo(source="x"), warn=False)
    with pytest.raises(ValueError, match=r"cannot compute throughput from wall time"):
        throughput_table(log)


def test_scaling_efficiency():
    table = scaling_table([_ddp(world=2), _ddp(world=4)])
    assert table["world_size"].tolist() == [2, 4]
    # world 4 takes twice as long per step in _ddp: no speed-up at all
    assert table["efficiency"].iloc[1] == pytest.approx(0.5, abs=0.08)
    ax = plot_scaling([_ddp(world=4), _ddp(world=2)])
    assert any(t.get_text().startswith("efficiency 0.") for t in ax.texts)


def test_scaling_bad_input():
    with pytest.raises(
        ValueError,
        match=r"scaling needs at least 2 runs of different world "
        r"size, got 1",
    ):
        scaling_table([_ddp()])
    with pytest.raises(ValueError, match=r"got world sizes \[2, 2\]"):
        scaling_table([_ddp(world=2), _ddp(world=2, seed=1)])


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_rank_spread_image():
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_rank_spread(_ddp(world=6, slow_rank=4), "loss", ax=ax)
    ax.set_title("rank별 손실 분포")
    return fig
