"""Smoothing of training curves: TensorBoard's debiased EMA and a step-weighted variant.

Both are exponentially weighted means normalised by the sum of their weights (the
"debiasing" TensorBoard applies), computed with pandas' ``ewm`` (Cython), so a million points
cost milliseconds. Unlike TensorBoard, chartkit restarts the average at every non-finite value
and at every resume boundary, so a divergence or a restarted run never bleeds into the next
stretch of the curve; `tensorboard_ema` keeps TensorBoard's exact behaviour as the reference.

No pyplot here.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["ema", "tensorboard_ema"]


def _check_weight(weight: float) -> float:
    try:
        w = float(weight)
    except (TypeError, ValueError):
        w = math.nan
    if not 0.0 <= w < 1.0:
        raise ValueError(
            f"{weight!r} is not a valid value for smooth; expected a weight in [0, 1) "
            "(0 = no smoothing, 0.6 = TensorBoard's default, 0.99 = very smooth)."
        )
    return w


def tensorboard_ema(values, weight: float) -> np.ndarray:
    """TensorBoard's scalar smoothing, exactly: a debiased EMA over points.

    Non-finite values are passed through unchanged and skipped by the running average (it
    continues across them), as in TensorBoard's scalar dashboard.

    Parameters
    ----------
    values : array-like of float
        The series, in step order.
    weight : float
        TensorBoard's smoothing slider, in [0, 1).

    Returns
    -------
    numpy.ndarray
    """
    w = _check_weight(weight)
    y = np.asarray(values, dtype=float)
    if y.size == 0 or w == 0.0:
        return y.copy()
    finite = np.isfinite(y)
    out = y.copy()
    if finite.any():
        sm = pd.Series(y[finite]).ewm(alpha=1.0 - w, adjust=True).mean().to_numpy()
        out[finite] = sm
    return out


def _segment_ids(finite: np.ndarray, segments) -> np.ndarray:
    breaks = np.zeros(finite.size, dtype=np.int64)
    # A new stretch starts at the first finite value after a non-finite one.
    breaks[1:] = finite[1:] & ~finite[:-1]
    ids = np.cumsum(breaks)
    if segments is not None:
        seg = np.asarray(segments)
        if seg.shape != finite.shape:
            raise ValueError(
                f"segments has {seg.size} entries but values has {finite.size}; they must match."
            )
        change = np.zeros(finite.size, dtype=np.int64)
        change[1:] = seg[1:] != seg[:-1]
        ids = ids + np.cumsum(change) * (finite.size + 1)
    return ids


def _ewm(y: np.ndarray, w: float, steps: np.ndarray | None) -> np.ndarray:
    s = pd.Series(y)
    if steps is None:
        return s.ewm(alpha=1.0 - w, adjust=True).mean().to_numpy()
    halflife = math.log(0.5) / math.log(w)  # in steps
    st = np.asarray(steps, dtype=np.float64)
    # pandas' time-aware ewm wants datetimes and an integer-nanosecond half-life: map one step
    # to as many nanoseconds as the int64 range allows (at most 1e9), so rounding is negligible.
    scale = min(1e9, 4e18 / max(float(np.abs(st).max()), 1.0))
    times = pd.to_datetime(np.round(st * scale).astype(np.int64), unit="ns")
    tau = pd.Timedelta(round(halflife * scale), unit="ns")
    return s.ewm(halflife=tau, times=times).mean().to_numpy()


def ema(
    values,
    weight: float,
    *,
    steps=None,
    segments=None,
    how: Literal["points", "steps"] = "points",
) -> np.ndarray:
    """Debiased exponential moving average that restarts at gaps and resumes.

    Parameters
    ----------
    values : array-like of float
        One series in step order (never several series at once: smoothing must not cross
        series; group first).
    weight : float
        In [0, 1): TensorBoard's slider value. With ``how="points"`` it is the weight per
        logged point (TensorBoard's meaning); with ``how="steps"`` the weight per training step.
    steps : array-like of int, optional
        The training step of each value; required for ``how="steps"``.
    segments : array-like, optional
        A label per value (e.g. the resume segment from the log reader); the average restarts
        wherever it changes.
    how : {"points", "steps"}, default: "points"
        ``"points"`` equals TensorBoard's smoothing on evenly spaced data. ``"steps"`` weighs
        by the distance in steps, so logging every 10th step, or logging a step twice, leaves
        the curve (almost) unchanged: it is a normalised exponential kernel over steps.

    Returns
    -------
    numpy.ndarray
        Same length as *values*; non-finite inputs stay as they are, and the average restarts
        after them.
    """
    w = _check_weight(weight)
    if how not in ("points", "steps"):
        from chartkit._validate import invalid_value_message

        raise ValueError(invalid_value_message(how, "how", ["points", "steps"]))
    y = np.asarray(values, dtype=float)
    st = None
    if how == "steps":
        if steps is None:
            raise ValueError("how='steps' needs steps= (the training step of each value).")
        st = np.asarray(steps)
        if st.shape != y.shape:
            raise ValueError(
                f"steps has {st.size} entries but values has {y.size}; they must match."
            )
    out = y.copy()
    if y.size == 0 or w == 0.0:
        return out
    finite = np.isfinite(y)
    ids = _segment_ids(finite, segments)
    idx = np.flatnonzero(finite)
    if idx.size == 0:
        return out
    fid = ids[idx]
    cuts = np.flatnonzero(np.diff(fid)) + 1
    for part in np.split(idx, cuts):
        part_steps = None if st is None else st[part]
        out[part] = _ewm(y[part], w, part_steps)
    return out
