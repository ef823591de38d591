"""chartkit.metrics.offscale: limits from the healthy part of a series (synthetic and real)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import read
from chartkit.metrics.offscale import Limits, healthy_limits, merge_limits

VARIANTS = Path(__file__).parent / "data" / "ddp_variants"


def _loss(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return 2.0 * np.exp(-np.arange(n) / 60) + 0.2 + rng.normal(0, 0.03, n)


def test_explosion_before_nan_stays_off_scale():
    v = np.r_[_loss(), 40.0, 9e3, 1.5e7, np.nan, np.nan]
    lim = healthy_limits(v, np.arange(v.size) * 10)
    assert lim.diverged_at_step == 3000
    assert lim.nonfinite_at_step == 3030
    assert (lim.n_above, lim.n_below) == (3, 0)
    assert lim.extreme_value == 1.5e7
    assert lim.extreme_step == 3020
    # The healthy curve fills the axis: the limits hug its own range.
    assert lim.hi < 2.5
    assert lim.lo > 0
    assert lim.clipped


def test_a_percentile_clip_would_land_in_the_explosion_but_this_does_not():
    # 5 % of the points explode: the 99th percentile sits inside the explosion.
    v = np.r_[_loss(), np.geomspace(10, 1.5e7, 16), np.nan]
    assert np.percentile(v[np.isfinite(v)], 99) > 1e5
    lim = healthy_limits(v)
    assert lim.hi < 2.5
    assert lim.diverged_at_step == 300
    assert lim.n_above == 16


def test_healthy_series_are_not_clipped():
    rng = np.random.default_rng(1)
    acc = np.r_[np.full(8, 0.1), np.linspace(0.5, 0.9, 300)] + rng.normal(0, 0.01, 308)
    fast = 10 * np.exp(-np.arange(1000) / 30) + 0.1 + rng.normal(0, 0.01, 1000)
    for v in (acc, fast, -fast, rng.normal(5, 1, 10_000)):
        lim = healthy_limits(v)
        assert lim.diverged_at_step is None
        assert not lim.clipped, lim
        assert lim.lo <= v.min()
        assert lim.hi >= v.max()


def test_isolated_spike_is_off_scale_without_divergence():
    v = _loss(1000)
    v[500] = 1e4
    lim = healthy_limits(v)
    assert lim.diverged_at_step is None
    assert (lim.n_above, lim.extreme_step) == (1, 500)
    assert lim.hi < 2.5


def test_downward_divergence_and_nan_only_end():
    v = -np.r_[_loss(), 1e9]
    lim = healthy_limits(v)
    assert (lim.diverged_at_step, lim.n_below, lim.n_above) == (300, 1, 0)
    # NaN with no finite explosion before it: diverged at the first NaN of the final run.
    w = np.r_[_loss(), np.nan, 0.5, np.nan, np.nan]
    lim = healthy_limits(w)
    assert lim.diverged_at_step == 302
    assert lim.nonfinite_at_step == 300
    assert not lim.clipped


def test_degenerate_inputs():
    lim = healthy_limits([np.nan, np.inf])
    assert np.isnan(lim.lo)
    assert lim.diverged_at_step == 0
    assert lim.nonfinite_at_step == 0
    flat = healthy_limits(np.full(50, 3.0))
    assert flat.lo < 3.0 < flat.hi
    assert not flat.clipped
    assert healthy_limits([1.0]).n_off == 0
    with pytest.raises(ValueError, match="steps"):
        healthy_limits([1.0, 2.0], [1])


def test_merge_is_the_union_and_counts_against_it():
    a = np.r_[_loss(seed=2), 1e7, np.nan]
    b = _loss(seed=3) + 1.0
    la, lb = healthy_limits(a), healthy_limits(b)
    m = merge_limits([la, lb], values=[a, b])
    assert m.lo == min(la.lo, lb.lo)
    assert m.hi == max(la.hi, lb.hi)
    assert (m.n_above, m.extreme_value, m.diverged_at_step) == (1, 1e7, 300)
    approx = merge_limits(iter([la, lb]))
    assert approx.n_above == 1
    assert approx.extreme_value == 1e7
    empty = merge_limits([healthy_limits([np.nan])])
    assert isinstance(empty, Limits)
    assert np.isnan(empty.hi)


@pytest.mark.parametrize(
    ("name", "onset", "nan_step"),
    [
        ("diverged_jump", 102, 107),  # lr jumps to 8 at step 100: inf, then NaN
        ("diverged_growth", 108, 109),  # LR range test: explodes to 9e31, recovers, then NaN
    ],
)
def test_real_diverged_ddp_runs(name, onset, nan_step):
    log = read(VARIANTS / name)
    f = log.metrics
    rows = f[(f["metric"] == "loss") & (f["rank"] == 0)]
    v, st = rows["value"].to_numpy(), rows["step"].to_numpy()
    lim = healthy_limits(v, st)
    assert lim.diverged_at_step == onset
    assert lim.nonfinite_at_step == nan_step
    # The axis stays at the loss's own scale (tens at most, not 1e27 or 1e31), so the
    # healthy start (loss ~2 falling) is not a flat line.
    assert lim.hi < 50
    assert np.ptp(v[st < 30]) > 0.05 * (lim.hi - lim.lo)
    assert lim.extreme_value > 1e20


def test_real_healthy_runs_are_untouched():
    for name in ("crashed", "resumed", "batch_logged"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # the crash's cut line, the resume
            f = read(VARIANTS / name).metrics
        rows = f[f["metric"] == "loss"]
        for _, g in rows.groupby("rank", observed=True):
            lim = healthy_limits(g["value"].to_numpy(), g["step"].to_numpy())
            assert lim.diverged_at_step is None, (name, lim)
            assert not lim.clipped, (name, lim)
