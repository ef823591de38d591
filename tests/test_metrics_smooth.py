"""Smoothing and downsampling of long training curves (pure maths, no pyplot)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chartkit.metrics.downsample import downsample_indices
from chartkit.metrics.smooth import auto_smooth, ema, metric_kind, name_tokens, tensorboard_ema


def _tensorboard_reference(values, weight):
    """TensorBoard's scalar-dashboard smoothing, transcribed loop for loop."""
    last, num_accum, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        num_accum += 1
        debias = 1.0 if weight == 1 else 1 - weight**num_accum
        out.append(last / debias)
    return np.array(out)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.6, 0.9, 0.99])
def test_tensorboard_identical(weight):
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=500)) + 5
    np.testing.assert_allclose(
        tensorboard_ema(y, weight), _tensorboard_reference(y, weight), rtol=1e-12, atol=1e-12
    )
    # On evenly spaced data, chartkit's own EMA is TensorBoard's.
    np.testing.assert_allclose(ema(y, weight), _tensorboard_reference(y, weight), rtol=1e-12)
    np.testing.assert_allclose(
        ema(y, weight, steps=np.arange(500), how="steps"),
        _tensorboard_reference(y, weight),
        rtol=1e-9,
        atol=1e-8,
    )


def test_tensorboard_passes_nan_through_and_continues():
    y = np.array([1.0, 2.0, np.nan, 4.0, np.inf, 6.0])
    np.testing.assert_allclose(tensorboard_ema(y, 0.6), _tensorboard_reference(y, 0.6))


def test_chartkit_ema_restarts_after_nan():
    y = np.array([10.0, 10.0, np.nan, 0.0, 0.0])
    out = ema(y, 0.9)
    assert np.isnan(out[2])
    # After the gap the average starts afresh: no memory of the 10s.
    assert out[3] == 0.0
    assert tensorboard_ema(y, 0.9)[3] > 4  # TensorBoard carries the old level over


def test_ema_restarts_at_resume_segments():
    y = np.array([5.0, 5.0, 5.0, 1.0, 1.0])
    out = ema(y, 0.9, segments=[0, 0, 0, 1, 1])
    assert out[3] == 1.0
    assert ema(y, 0.9)[3] > 2


def test_step_weighted_ignores_sampling():
    steps = np.arange(0, 20000)
    y = np.sin(steps / 900.0) + 0.001 * steps
    full = ema(y, 0.999, steps=steps, how="steps")
    every10 = ema(y[::10], 0.999, steps=steps[::10], how="steps")
    np.testing.assert_allclose(every10[200:], full[::10][200:], atol=0.02)
    # The per-point EMA changes a lot with the sampling (this is why the variant exists).
    assert np.max(np.abs(ema(y[::10], 0.999)[200:] - ema(y, 0.999)[::10][200:])) > 0.1


def test_step_weighted_repeated_steps():
    steps = np.array([0, 1, 2, 2, 3, 4])
    y = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(ema(y, 0.8, steps=steps, how="steps"), 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.floats(0, 0.999))
def test_ema_stays_within_data_range(values, weight):
    out = ema(values, weight)
    assert np.all(out >= min(values) - 1e-6 * (1 + abs(min(values))))
    assert np.all(out <= max(values) + 1e-6 * (1 + abs(max(values))))


@pytest.mark.parametrize("bad", [1.0, -0.1, "a", float("nan")])
def test_bad_weight(bad):
    with pytest.raises(
        ValueError,
        match=r"is not a valid value for smooth; expected a weight "
        r"in \[0, 1\)",
    ):
        ema([1.0, 2.0], bad)


def test_bad_how_and_lengths():
    with pytest.raises(
        ValueError,
        match=r"'pts' is not a valid value for how; supported "
        r"values are 'points', 'steps'\. Did you mean 'points'\?",
    ):
        ema([1.0], 0.5, how="pts")
    with pytest.raises(ValueError, match=r"how='steps' needs steps="):
        ema([1.0], 0.5, how="steps")
    msg = "steps must have one entry per value; got 1 entries for 2 values"
    with pytest.raises(ValueError, match=msg):
        ema([1.0, 2.0], 0.5, steps=[1], how="steps")
    msg = "segments must have one entry per value; got 3 entries for 2 values"
    with pytest.raises(ValueError, match=msg):
        ema([1.0, 2.0], 0.5, segments=[0, 0, 1])


def test_downsample_keeps_every_extreme_and_nan():
    rng = np.random.default_rng(0)
    n = 200_000
    x = np.arange(n)
    y = rng.normal(size=n)
    y[123_456] = 2.088e3  # a spike
    y[150_000] = -50.0  # a dip
    y[180_000:] = np.nan  # divergence
    y[179_999] = 2.8e28  # finite explosion right before it
    keep = downsample_indices(x, y, 600)
    assert keep.size <= 4 * 600 + 600 + 10
    for i in (0, 123_456, 150_000, 179_999, 180_000, n - 1):
        assert i in keep
    assert np.all(np.diff(keep) > 0)
    # Per column, the kept points span the same y range as all points.
    cols = np.minimum((x / (n - 1) * 600).astype(int), 599)
    fin = np.isfinite(y)
    for c in (0, 137, 411, 599):
        sel = (cols == c) & fin
        if sel.any():
            kept = np.intersect1d(np.flatnonzero(sel), keep)
            assert y[kept].max() == y[sel].max()
            assert y[kept].min() == y[sel].min()


def test_downsample_short_series_untouched_and_xlim():
    x = np.arange(100)
    assert np.array_equal(downsample_indices(x, x * 1.0, 50), np.arange(100))
    keep = downsample_indices(np.arange(10_000), np.ones(10_000), 10, xlim=(5000, 5020))
    assert keep[0] == 4999
    assert keep[-1] == 5021


def test_downsample_bad_input():
    msg = r"x of shape \(2,\) and y of shape \(1,\)' is not a valid value for x, y; expected 1-D"
    with pytest.raises(ValueError, match=msg):
        downsample_indices([1, 2], [1.0], 10)
    with pytest.raises(ValueError, match=r"0 is not a valid value for n_columns"):
        downsample_indices([1, 2], [1.0, 2.0], 0)


# --------------------------------------------------------------------------- kinds (issue 11.7)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("lr", "schedule"),
        ("learning_rate", "schedule"),
        ("lr-AdamW/pg1", "schedule"),
        ("momentum", "schedule"),
        ("train/weightDecay", "schedule"),
        ("epoch", "counter"),
        ("global_step", "counter"),
        ("trainer/global_step", "counter"),
        ("world_size", "counter"),
        ("allocated_bytes.all.current", "counter"),
        ("peak_allocated_mib", "counter"),
        ("loss", "noisy"),
        ("val/accuracy", "noisy"),
        ("samples_per_sec", "noisy"),
        ("batch_loss", "noisy"),  # a measurement word wins over "batch"
        ("step_time_ms", "noisy"),
        ("grad_norm", "noisy"),
        ("reward", "noisy"),
    ],
)
def test_metric_kind_by_name(name, kind):
    assert metric_kind(name) == kind


def test_metric_kind_by_evidence():
    rng = np.random.default_rng(0)
    noisy = rng.normal(0, 1, 500)
    step_schedule = np.repeat([0.1, 0.01, 0.001], 100)
    warmup_cosine = np.r_[np.linspace(0, 1, 100), 0.5 * (1 + np.cos(np.pi * np.arange(900) / 900))]
    # An unknown name: the values decide.
    assert metric_kind("foo", noisy) == "noisy"
    assert metric_kind("foo", step_schedule) == "schedule"
    assert metric_kind("foo", warmup_cosine) == "schedule"
    # Evidence only makes a metric calmer: a name saying schedule stays a schedule.
    assert metric_kind("lr", noisy) == "schedule"
    # A loss logged with no noise at all (piecewise constant) is not smoothed either.
    assert metric_kind("loss", np.repeat([2.0, 1.0], 50)) == "schedule"
    # Too few points to tell: the name decides.
    assert metric_kind("foo", [1.0, 2.0, 3.0]) == "noisy"


def test_auto_smooth_weights():
    rng = np.random.default_rng(1)
    assert auto_smooth("lr", np.linspace(0, 1, 500)) is None
    assert auto_smooth("epoch") is None
    assert auto_smooth("loss", rng.normal(size=100)) == 0.6
    assert auto_smooth("loss", rng.normal(size=300)) == 0.9
    assert name_tokens("train/lossEMA_v2") == ["train", "loss", "ema", "v2"]
