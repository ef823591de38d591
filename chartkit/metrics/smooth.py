"""Smoothing of training curves: TensorBoard's debiased EMA and a step-weighted variant.

Both are exponentially weighted means normalised by the sum of their weights (the
"debiasing" TensorBoard applies), computed with pandas' ``ewm`` (Cython), so a million points
cost milliseconds. Unlike TensorBoard, chartkit restarts the average at every non-finite value
and at every resume boundary, so a divergence or a restarted run never bleeds into the next
stretch of the curve; `tensorboard_ema` keeps TensorBoard's exact behaviour as the reference.

What to smooth is decided by kind (`metric_kind`, `auto_smooth`): schedules and counters
(learning rate, momentum, epoch, step counters, memory) never by default, noisy measurements
(loss, accuracy, throughput) always; a plot's explicit ``smooth=`` weight overrides.

No pyplot here.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from chartkit._validate import check_length, invalid_value_message

__all__ = ["auto_smooth", "ema", "metric_kind", "name_tokens", "tensorboard_ema"]


def _check_weight(weight: float) -> float:
    try:
        w = float(weight)
    except (TypeError, ValueError):
        w = math.nan
    if not 0.0 <= w < 1.0:
        raise ValueError(
            invalid_value_message(
                weight, "smooth",
                expected="a weight in [0, 1) (0 = no smoothing, 0.6 = TensorBoard's default, "
                "0.99 = very smooth)",
            )
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
            check_length(seg.size, finite.size, name="segments", per="value")
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
            check_length(st.size, y.size, name="steps", per="value")
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


# --------------------------------------------------------------------------- kinds

#: Name tokens of schedules (set by the user's code, never noisy).
SCHEDULE_TOKENS = frozenset(
    {
        "lr",
        "learning",
        "momentum",
        "beta",
        "beta1",
        "beta2",
        "wd",
        "decay",
        "warmup",
        "schedule",
        "scheduler",
        "temperature",
        "dropout",
        "teacher",
        "forcing",
    }
)
#: Name tokens of counters and resources (they count or measure, they do not fluctuate).
COUNTER_TOKENS = frozenset(
    {
        "epoch",
        "epochs",
        "step",
        "steps",
        "global",
        "iteration",
        "iter",
        "iterations",
        "idx",
        "index",
        "count",
        "num",
        "seen",
        "world",
        "size",
        "batch",
        "mem",
        "memory",
        "allocated",
        "reserved",
        "rss",
        "vram",
        "bytes",
        "mib",
        "mb",
        "gb",
        "gib",
        "kib",
    }
)
#: Name tokens of noisy measurements (smoothed by default).
NOISY_TOKENS = frozenset(
    {
        "loss",
        "acc",
        "accuracy",
        "err",
        "error",
        "top1",
        "top5",
        "f1",
        "auc",
        "ppl",
        "perplexity",
        "reward",
        "return",
        "throughput",
        "samples",
        "tokens",
        "sec",
        "per",
        "it",
        "norm",
        "grad",
        "score",
        "bleu",
        "rouge",
        "iou",
        "map",
        "mse",
        "mae",
        "nll",
        "seconds",
        "time",
        "ms",
        "latency",
        "duration",
    }
)

MetricKind = Literal["schedule", "counter", "noisy"]


def name_tokens(name: str) -> list[str]:
    """Lower-case word tokens of a metric name (``train/lossEMA`` -> ``train, loss, ema``)."""
    import re

    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if t]


def _kind_from_name(tokens: list[str]) -> MetricKind | None:
    toks = set(tokens)
    if toks & NOISY_TOKENS and not {"lr", "learning"} & toks:
        return "noisy"  # "samples_per_sec", "grad_norm", "batch_loss" are measurements
    if toks & SCHEDULE_TOKENS:
        return "schedule"
    if toks & COUNTER_TOKENS:
        return "counter"
    return None


def _kind_from_values(values) -> MetricKind | None:
    """``"schedule"`` for piecewise-constant or noise-free monotone stretches, else None.

    Piecewise constant: at least 80 % of consecutive finite values are equal. Noise-free:
    the direction of change reverses at fewer than 5 % of the points (a warm-up then cosine
    decay reverses once; a noisy loss reverses at about half of them).
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 8:
        return None
    d = np.diff(v)
    flat = np.abs(d) <= 1e-12 * np.maximum(np.abs(v[1:]), np.abs(v[:-1]))
    if flat.mean() >= 0.8:
        return "schedule"
    moving = np.sign(d[~flat])
    reversals = int(np.count_nonzero(moving[1:] != moving[:-1])) if moving.size > 1 else 0
    if reversals < 0.05 * v.size:
        return "schedule"
    return None


def metric_kind(name: str, values=None) -> MetricKind:
    """What a metric is, by its name AND by its values: ``"schedule"``, ``"counter"``, ``"noisy"``.

    Schedules (learning rate, momentum, weight decay, ...) and counters (epoch, step, world
    size, memory in bytes) are values the run sets or counts: smoothing them invents ramps
    that never happened, so `auto_smooth` leaves them alone. The name decides first
    (`name_tokens` against `SCHEDULE_TOKENS`, `COUNTER_TOKENS`, `NOISY_TOKENS`: a name with
    a measurement word such as ``loss`` or ``samples_per_sec`` is noisy even when it also
    contains ``batch`` or ``per``). The values decide next, and can only make a metric
    calmer: a series that is piecewise constant or changes direction at fewer than 5 % of
    its points has no noise to remove and counts as a schedule whatever its name.

    Parameters
    ----------
    name : str
        The metric's name.
    values : array-like, optional
        The series (one series, in step order).

    Returns
    -------
    {"schedule", "counter", "noisy"}
    """
    by_name = _kind_from_name(name_tokens(name))
    if by_name in ("schedule", "counter"):
        return by_name
    if values is not None and _kind_from_values(values) is not None:
        return "schedule"
    return "noisy"


def auto_smooth(name: str, values=None) -> float | None:
    """The EMA weight chartkit uses when ``smooth="auto"``: None for schedules and counters.

    Noisy metrics get TensorBoard's default 0.6, or 0.9 from 200 points on (about ten
    points averaged), see `metric_kind`.
    """
    if metric_kind(name, values) != "noisy":
        return None
    n = 0 if values is None else int(np.isfinite(np.asarray(values, dtype=float)).sum())
    return 0.9 if n >= 200 else 0.6
