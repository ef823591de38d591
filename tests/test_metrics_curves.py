"""plot_curves: smoothing per series, spike-preserving decimation, divergence markers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics.plots import plot_curves
from chartkit.metrics.plots.curves import explosion_limits
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame


def _log(n=2000, ranks=3, explode=None, nan_from=None, resume=None, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(ranks):
        step = np.arange(n)
        v = 2.0 * np.exp(-step / (n / 4)) + rng.normal(0, 0.05, n) + 0.1 + 0.05 * r
        if explode is not None and r == ranks - 1:
            v[explode] = 2.8e28
        if nan_from is not None and r == ranks - 1:
            v[nan_from:] = np.nan
        frames.append(make_frame("jsonl", run="ddp", rank=r, step=step, metric="loss", value=v))
        if resume is not None and r == 0:
            # a resumed run re-logs steps resume..n-1 with a different level
            st2 = np.arange(resume, n)
            frames.append(
                make_frame(
                    "jsonl",
                    run="ddp",
                    rank=0,
                    step=st2,
                    metric="loss",
                    value=np.full(st2.size, 3.0),
                )
            )
    return finish(concat_frames(frames), LogInfo(source="jsonl"), warn=False)


def test_one_line_per_series_with_labels():
    ax = plot_curves(_log(), "loss")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["rank 0", "rank 1", "rank 2"]
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels


def test_smoothing_draws_faint_raw_behind():
    ax = plot_curves(_log(ranks=1), "loss", smooth=0.9)
    raw, smooth = ax.get_lines()
    assert raw.get_alpha() == 0.25
    assert raw.get_zorder() < smooth.get_zorder()
    assert np.std(np.diff(smooth.get_ydata())) < np.std(np.diff(raw.get_ydata())) / 3


def test_smoothing_restarts_at_resume():
    log = _log(ranks=1, resume=1500)
    ax = plot_curves(log, "loss", smooth=0.99, downsample=False)
    smooth = ax.get_lines()[1]
    x, y = smooth.get_xdata(), smooth.get_ydata()
    # The resumed segment (value 3.0) does not inherit the old level.
    assert y[np.searchsorted(x, 1500)] == pytest.approx(3.0)


def test_downsampling_keeps_spikes_and_bounds_points():
    log = _log(n=100_000, ranks=1)
    vals = log.metrics["value"].to_numpy().copy()
    _fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    plot_curves(log, "loss", ax=ax)
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) <= 4 * 400 + 10
    assert line.get_ydata().max() == vals.max()
    assert line.get_ydata().min() == vals.min()


def test_first_nonfinite_is_marked_and_annotated():
    ax = plot_curves(_log(nan_from=1500), "loss")
    texts = [t.get_text() for t in ax.texts]
    assert "rank 2: NaN from step 1500" in texts
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    assert len(markers) == 1
    assert markers[0].get_xdata()[0] == 1500


def test_explosion_does_not_flatten_axis():
    ax = plot_curves(_log(explode=1499, nan_from=1500), "loss")
    _lo, hi = ax.get_ylim()
    assert hi < 10
    assert any("2.8e+28 at step 1499 (off scale)" in t.get_text() for t in ax.texts)
    ax2 = plot_curves(_log(explode=1499), "loss", yscale="linear", ax=plt.subplots()[1])
    assert ax2.get_ylim()[1] > 1e27


def test_symlog_option():
    ax = plot_curves(_log(explode=1499), "loss", yscale="symlog")
    assert ax.get_yscale() == "symlog"


def test_explosion_limits_none_for_normal_data():
    assert explosion_limits(np.linspace(0, 1, 100)) is None
    lims = explosion_limits(np.r_[np.linspace(0, 1, 100), 1e20])
    assert lims[1] < 2


def test_all_nan_series_draws_empty_panel_with_one_warning():
    frame = make_frame(
        "jsonl", run="r", rank=0, step=np.arange(5), metric="loss", value=np.full(5, np.nan)
    )
    log = finish(frame, LogInfo(source="jsonl"), warn=False)
    with pytest.warns(
        DataWarning,
        match=r"1 of 1 series of 'loss' have no finite values "
        r"\(first: 'r'\); drawn as empty\.",
    ) as rec:
        ax = plot_curves(log, "loss")
    assert len(rec) == 1
    assert "no finite values" in [t.get_text() for t in ax.texts]


def test_unknown_metric_lists_metrics():
    with pytest.raises(
        KeyError,
        match=r"'lsos' is not a valid value for metric; supported "
        r"values are 'loss'\. Did you mean 'loss'\?",
    ):
        plot_curves(_log(), "lsos")


def test_refuses_color_and_label():
    with pytest.raises(TypeError, match=r"plot_curves sets 'color' itself"):
        plot_curves(_log(), "loss", color="red")


def test_bad_options():
    with pytest.raises(ValueError, match=r"'sym' is not a valid value for yscale"):
        plot_curves(_log(), "loss", yscale="sym")
    with pytest.raises(ValueError, match=r"'epoch' is not a valid value for by"):
        plot_curves(_log(), "loss", by="epoch")
    with pytest.raises(
        TypeError,
        match=r"'log' must be an instance of RunLog or "
        r"pandas.DataFrame, not list",
    ):
        plot_curves([], "loss")


def test_existing_ax_is_used():
    _fig, ax = plt.subplots()
    n = len(plt.get_fignums())
    assert plot_curves(_log(), "loss", ax=ax) is ax
    assert len(plt.get_fignums()) == n


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_curves_image():
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_curves(_log(n=5000, explode=3999, nan_from=4000), "loss", smooth=0.95, ax=ax)
    ax.set_title("손실 곡선 — 발산한 rank 2")
    return fig


def test_unsorted_frame_gives_the_same_curves():
    log = _log(n=300, ranks=3)
    shuffled = log.metrics.sample(frac=1.0, random_state=0)
    ax1 = plot_curves(log, "loss", downsample=False)
    ax2 = plot_curves(shuffled, "loss", downsample=False, ax=plt.subplots()[1])
    for a, b in zip(ax1.get_lines(), ax2.get_lines(), strict=True):
        assert a.get_label() == b.get_label()
        np.testing.assert_array_equal(a.get_xdata(), b.get_xdata())
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
