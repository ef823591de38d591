"""Off-scale detection: y limits from a series' healthy part, the divergence step, what is off.

A diverging run can log 1.5e7 one step before NaN. A percentile clip over the whole series
lands inside the explosion and the healthy curve becomes a flat line at zero. The rule here
measures every series against its OWN pre-divergence level:

1. **Divergence onset.** A series has diverged at position *t* when every later finite value
   stays outside everything the series sustained before *t* (the running maximum and minimum
   of a trailing 5-point median, so one spike does not count as a level), and the tail goes
   far: beyond ``factor`` times the healthy scale, or into non-finite values. The healthy
   scale is the larger of the sustained range and the sustained level's magnitude, so an
   accuracy rising from 0.1 to 0.9 is not a divergence while a loss going from 2 to 1e7 is.
   The earliest such *t* is the onset; a series whose values turn non-finite for good with no
   finite explosion before diverges at its first non-finite step.
2. **Healthy limits.** From the values before the onset: the quartiles widened by five
   interquartile ranges (Tukey's far-out fences, more than twice as wide: about 7.4 standard
   deviations for normal noise, so noise is never off scale, while a spike of a few orders
   of magnitude is, even when spikes are 20 % of the points, which breaks any percentile
   clip). The leading warm-up (points before the series first enters the band, a loss
   falling from its initial value) is drawn. The limits are the extent of the kept values
   plus 5 %.
3. **Off-scale points.** Every finite value outside the limits, before or after the onset,
   is counted (``n_above``, ``n_below``); plots draw them at the axis edge and annotate the
   extreme (`Limits.extreme_value` at `Limits.extreme_step`).

`healthy_limits` handles one series; `merge_limits` combines several (the union of the
healthy ranges: one diverged rank never squashes the others). Pure numpy; no pyplot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["Limits", "healthy_limits", "merge_limits"]

#: How many healthy scales away a tail or a spike must go to be off scale.
DEFAULT_FACTOR = 10.0
_SMOOTH = 5  # trailing median window that defines a sustained level
_PAD = 0.05
_FENCE = 5.0  # interquartile ranges beyond the quartiles that still count as healthy


@dataclass(frozen=True)
class Limits:
    """Y limits from the healthy part of one series (or several, see `merge_limits`).

    Attributes
    ----------
    lo, hi : float
        Limits that show the healthy part (NaN when there is no finite value).
    diverged_at_step : int or None
        Step where the series left its healthy level for good (an explosion or a final
        run of non-finite values); None when it did not.
    n_above, n_below : int
        Finite values above *hi* / below *lo* (drawn at the axis edge).
    extreme_value, extreme_step : float or None, int or None
        The finite value farthest outside the limits, and its step.
    nonfinite_at_step : int or None
        First step with a NaN or infinite value.
    n_healthy : int
        Finite values before the divergence.
    """

    lo: float
    hi: float
    diverged_at_step: int | None = None
    n_above: int = 0
    n_below: int = 0
    extreme_value: float | None = None
    extreme_step: int | None = None
    nonfinite_at_step: int | None = None
    n_healthy: int = 0

    @property
    def n_off(self) -> int:
        """Finite values outside the limits."""
        return self.n_above + self.n_below

    @property
    def clipped(self) -> bool:
        """True when some finite value lies outside the limits (the plot must set them)."""
        return self.n_off > 0

    def outside(self, values) -> np.ndarray:
        """Boolean mask of the finite *values* outside ``[lo, hi]``."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.isfinite(v) & ((v > self.hi) | (v < self.lo))


def _trailing_median(v: np.ndarray, window: int) -> np.ndarray:
    """Median of each point and the ``window - 1`` before it (*window* odd)."""
    if v.size < window:
        return np.array([np.median(v[: i + 1]) for i in range(v.size)])
    from numpy.lib.stride_tricks import sliding_window_view

    head = [np.median(v[: i + 1]) for i in range(window - 1)]
    body = np.partition(sliding_window_view(v, window), window // 2, axis=1)[:, window // 2]
    return np.concatenate([head, body])


def _scale(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    level = np.maximum(np.abs(hi), np.abs(lo))
    return np.maximum(np.maximum(hi - lo, level), 1e-12)


def _onset(v: np.ndarray, ends_nonfinite: bool, factor: float) -> int | None:
    """Position (in the finite values *v*) where the divergence starts, or None."""
    n = v.size
    min_ref = max(_SMOOTH, int(0.02 * n))
    if n <= min_ref:
        return None
    # The thresholds only grow with t (running max/min, scale from them), so when no value
    # passes the earliest one there is no onset: healthy series skip the work below.
    head = _trailing_median(v[:min_ref], _SMOOTH)
    hi0, lo0 = float(head.max()), float(head.min())
    reach = (1.0 if ends_nonfinite else factor) * float(_scale(np.array(hi0), np.array(lo0)))
    if v.max() <= hi0 + reach and v.min() >= lo0 - reach:
        return None
    sm = _trailing_median(v, _SMOOTH)
    run_hi = np.maximum.accumulate(sm)  # highest sustained level up to each point
    run_lo = np.minimum.accumulate(sm)
    suf_min = np.minimum.accumulate(v[::-1])[::-1]
    suf_max = np.maximum.accumulate(v[::-1])[::-1]
    t = np.arange(min_ref, n)
    hi, lo = run_hi[t - 1], run_lo[t - 1]
    s = _scale(hi, lo)
    tail_max, tail_min = suf_max[t], suf_min[t]
    # Everything from t on stays outside the sustained range, and goes far (or to NaN).
    up = (suf_min[t] > hi) & (
        (tail_max > hi + factor * s) | (ends_nonfinite & (tail_max > hi + s))
    )
    down = (suf_max[t] < lo) & (
        (tail_min < lo - factor * s) | (ends_nonfinite & (tail_min < lo - s))
    )
    hit = np.flatnonzero(up | down)
    return int(t[hit[0]]) if hit.size else None


def _band(h: np.ndarray, fence: float) -> tuple[float, float]:
    """Tukey's far-out fences: quartiles widened by *fence* interquartile ranges."""
    q1, med, q3 = np.percentile(h[:: max(h.size // 200_000, 1)], [25, 50, 75])
    width = max(q3 - q1, 1e-3 * abs(med), 1e-12)
    return q1 - fence * width, q3 + fence * width


def healthy_limits(values, steps=None, *, factor: float = DEFAULT_FACTOR) -> Limits:
    """Y limits that show the healthy part of one series, and what lies off scale.

    Parameters
    ----------
    values : array-like of float
        One series in step order (NaN and infinities allowed).
    steps : array-like of int, optional
        The step of each value (positions are used when None).
    factor : float, default: 10
        How many healthy scales away a divergence tail or a spike must go to be off scale.

    Returns
    -------
    Limits

    Examples
    --------
    >>> import numpy as np
    >>> loss = np.r_[np.linspace(2.0, 0.5, 300), 40.0, 9e3, 1.5e7, np.nan]
    >>> lim = healthy_limits(loss)
    >>> lim.diverged_at_step, lim.n_above, round(lim.hi, 2)
    (300, 3, 2.08)
    """
    v_all = np.asarray(values, dtype=float).ravel()
    st = np.arange(v_all.size) if steps is None else np.asarray(steps).ravel()
    if st.shape != v_all.shape:
        from chartkit._validate import invalid_value_message

        raise ValueError(
            invalid_value_message(
                f"{st.size} steps", "steps", expected=f"one step per value ({v_all.size})"
            )
        )
    finite = np.isfinite(v_all)
    bad = np.flatnonzero(~finite)
    nonfinite_at = int(st[bad[0]]) if bad.size else None
    pos = np.flatnonzero(finite)
    if pos.size == 0:
        return Limits(np.nan, np.nan, nonfinite_at, nonfinite_at_step=nonfinite_at)
    v = v_all[pos]
    ends_nonfinite = bool(bad.size) and bad[-1] > pos[-1]
    onset = _onset(v, ends_nonfinite, factor)
    diverged_at = None
    if onset is not None:
        diverged_at = int(st[pos[onset]])
    elif ends_nonfinite:
        # The values turn non-finite for good: the first of that final run.
        diverged_at = int(st[pos[-1] + 1])
    h = v if onset is None else v[:onset]
    lo_b, hi_b = _band(h, _FENCE)
    inside = (h >= lo_b) & (h <= hi_b)
    first_in = int(np.argmax(inside)) if inside.any() else h.size
    keep = inside.copy()
    keep[:first_in] = True  # the warm-up before the series first enters its band is healthy
    kept = h[keep]
    lo, hi = float(kept.min()), float(kept.max())
    pad = _PAD * ((hi - lo) or max(abs(hi), 1.0))
    lo, hi = lo - pad, hi + pad
    above = v > hi
    below = v < lo
    ext_value = ext_step = None
    if above.any() or below.any():
        dist = np.where(above, v - hi, 0.0) + np.where(below, lo - v, 0.0)
        j = int(np.argmax(dist))
        ext_value, ext_step = float(v[j]), int(st[pos[j]])
    return Limits(
        lo,
        hi,
        diverged_at,
        int(above.sum()),
        int(below.sum()),
        ext_value,
        ext_step,
        nonfinite_at,
        int(h.size),
    )


def merge_limits(limits: Iterable[Limits], values=None, steps=None) -> Limits:
    """Limits for several series on one axis: the union of their healthy ranges.

    Parameters
    ----------
    limits : iterable of Limits
        One per series (`healthy_limits`).
    values, steps : sequence of array-like, optional
        The series themselves (same order). When given, the off-scale counts and the extreme
        are measured against the union; otherwise each series' own counts are summed when its
        extreme lies outside the union (an upper bound).

    Returns
    -------
    Limits
        The earliest divergence and first non-finite steps of all series.
    """
    all_items = list(limits)

    def first(attr):
        got = [getattr(lim, attr) for lim in all_items if getattr(lim, attr) is not None]
        return min(got) if got else None

    items = [lim for lim in all_items if np.isfinite(lim.lo) and np.isfinite(lim.hi)]
    if not items:
        return Limits(
            np.nan, np.nan, first("diverged_at_step"), nonfinite_at_step=first("nonfinite_at_step")
        )
    lo = min(lim.lo for lim in items)
    hi = max(lim.hi for lim in items)
    n_above = n_below = 0
    ext_value = ext_step = None
    worst = 0.0
    if values is not None:
        for k, vals in enumerate(values):
            v = np.asarray(vals, dtype=float)
            st = np.arange(v.size) if steps is None else np.asarray(steps[k])
            with np.errstate(invalid="ignore"):
                a, b = np.isfinite(v) & (v > hi), np.isfinite(v) & (v < lo)
            n_above += int(a.sum())
            n_below += int(b.sum())
            if a.any() or b.any():
                d = np.where(a, v - hi, 0.0) + np.where(b, lo - v, 0.0)
                j = int(np.argmax(d))
                if d[j] > worst:
                    worst, ext_value, ext_step = float(d[j]), float(v[j]), int(st[j])
    else:
        for lim in items:
            x = lim.extreme_value
            if x is None or lo <= x <= hi:
                continue
            n_above += lim.n_above
            n_below += lim.n_below
            d = x - hi if x > hi else lo - x
            if d > worst:
                worst, ext_value, ext_step = d, x, lim.extreme_step
    return Limits(
        lo,
        hi,
        first("diverged_at_step"),
        n_above,
        n_below,
        ext_value,
        ext_step,
        first("nonfinite_at_step"),
        sum(lim.n_healthy for lim in items),
    )
