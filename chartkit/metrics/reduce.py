"""Reductions of a lazy log as Dask graphs: only what is drawn comes back (pure: no pyplot).

The plots that accept a `~chartkit.metrics.lazy.LazyLog` (or a Dask frame of the canonical
schema) reduce it here, one task per partition, and draw the small pandas result with their
ordinary code:

* `series_stats` — one row per series of a metric: its partition, length, first and last
  step, and the EMA weight and kind ``smooth="auto"`` would give it. Every series must lie
  whole in one partition (the cache and per-rank files guarantee it); a series split across
  partitions is refused, since smoothing and decimation need it whole.
* `curve_rows` — per series, the ACTUAL rows M4 keeps on a pixel grid of its x range
  (first, last, min and max per pixel column plus the non-finite markers,
  `chartkit.metrics.downsample.downsample_indices`), with the EMA computed over the whole
  series in its partition (column ``smoothed``): a canonical frame of about 4 x pixels rows
  per series, which `plot_curves` draws as it draws a pandas log.
* `rank_rows` / `rank_wide` — for `plot_rank_spread`: up to ``limit`` steps, every row of
  the metric (the client builds the same `rank_table` pandas builds, so medians, bands and
  stragglers are exact); beyond it, each rank's mean of its smoothed values per pixel
  column of the common x range, a table of pixels x ranks (the chart says so).
* `trial_scores` — per trial, the last finite value and step, the minimum and maximum and
  the count of finite values: what the tuning plots score trials by.

Client memory is bounded by what comes back: O(series x 4 x pixels) rows for curves,
O(min(steps, pixels) x ranks) values for the rank spread, O(trials) for the scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.downsample import downsample_indices
from chartkit.metrics.schema import COLUMNS, concat_frames, empty_frame
from chartkit.metrics.smooth import auto_smooth, ema, metric_kind

__all__ = [
    "AUTO_WEIGHTS",
    "RANK_STEP_LIMIT",
    "curve_pass",
    "curve_rows",
    "pick",
    "rank_rows",
    "rank_wide",
    "series_key",
    "series_stats",
    "trial_scores",
]

#: `rank_rows` returns every step up to this many steps per rank, pixel columns beyond.
RANK_STEP_LIMIT = 20_000

#: The EMA weights `chartkit.metrics.smooth.auto_smooth` gives (besides None): the
#: candidates `curve_pass` smooths with when the choice waits for the stats of that pass.
AUTO_WEIGHTS = (0.6, 0.9)

_KEYS = ("run", "rank", "trial")


def series_key(run, rank, trial) -> tuple:
    """A series' key as plain values: ``(run or None, rank or None, trial or None)``."""
    return (
        None if pd.isna(run) else str(run),
        None if pd.isna(rank) else int(rank),
        None if pd.isna(trial) else str(trial),
    )


def _series(part: pd.DataFrame, metric: str) -> list[tuple[tuple, np.ndarray]]:
    """``(key, row positions in step order)`` of each series of *metric* in *part*.

    Series are grouped by key and sorted by step, stably (a step written twice keeps its
    read order), as `chartkit.metrics.plots._data.iter_series` does.
    """
    mask = (part["metric"] == metric).to_numpy(dtype=bool, na_value=False)
    sel = np.flatnonzero(mask)
    if not sel.size:
        return []
    code = np.zeros(sel.size, dtype=np.int64)
    for k in _KEYS:
        col = part[k].iloc[sel]
        if isinstance(col.dtype, pd.CategoricalDtype):
            a = col.cat.codes.to_numpy().astype(np.int64)
        elif pd.api.types.is_integer_dtype(col.dtype):
            a = col.to_numpy(dtype=np.int64, na_value=-1)
        else:
            a = pd.factorize(col, use_na_sentinel=True)[0].astype(np.int64)
        a = a - a.min() + 1
        code = code * (int(a.max()) + 1) + a
    step = part["step"].to_numpy()[sel]
    if code.min() == code.max():  # one series (a cache file): no sort when already in order
        in_order = step.size < 2 or bool((step[1:] >= step[:-1]).all())
        order = np.arange(sel.size) if in_order else np.argsort(step, kind="stable")
    else:
        order = np.lexsort((step, code))  # stable: a step written twice keeps its read order
    code = code[order]
    starts = np.r_[0, np.flatnonzero(np.diff(code)) + 1]
    ends = np.r_[starts[1:], sel.size]
    out = []
    for a, b in zip(starts, ends, strict=True):
        pos = sel[order[a:b]]
        first = int(pos[0])
        key = series_key(*(part[k].iloc[first] for k in _KEYS))
        out.append((key, pos))
    return out


def _per_partition(ddf, fn: Callable, *args: Any) -> list:
    """Run ``fn(partition, number, *args)`` on every partition as one Dask graph."""
    import dask

    parts = ddf.to_delayed()
    shared = [dask.delayed(a) if isinstance(a, (pd.DataFrame, dict)) else a for a in args]
    tasks = [dask.delayed(fn, pure=True)(p, i, *shared) for i, p in enumerate(parts)]
    return list(dask.compute(*tasks))


# --------------------------------------------------------------------------- stats

_STATS = ["run", "rank", "trial", "partition", "n", "first_step", "last_step", "auto", "kind"]


def _stats_part(part: pd.DataFrame, number: int, metric: str, series=None) -> pd.DataFrame:
    step_all = part["step"].to_numpy()
    value_all = part["value"].to_numpy(dtype=float)
    rows = []
    for key, pos in _series(part, metric) if series is None else series:
        v = value_all[pos]
        w = auto_smooth(metric, v)  # a weight only for noisy series: no second kind test
        kind = "noisy" if w is not None else metric_kind(metric, v)
        rows.append(
            (*key, number, pos.size, int(step_all[pos[0]]), int(step_all[pos[-1]]),
             np.nan if w is None else w, kind)
        )
    return pd.DataFrame(rows, columns=_STATS)


def series_stats(ddf, metric: str) -> pd.DataFrame:
    """One row per series of *metric*: ``run, rank, trial, partition, n, first_step,
    last_step, auto, kind`` (``auto``: the EMA weight ``smooth="auto"`` gives it, NaN for
    none; ``kind``: `chartkit.metrics.smooth.metric_kind`).

    Raises
    ------
    ValueError
        A series whose rows lie in several partitions (naming it and the partitions).
    """
    return _check_whole(
        pd.concat(_per_partition(ddf, _stats_part, metric), ignore_index=True), metric
    )


def _check_whole(stats: pd.DataFrame, metric: str) -> pd.DataFrame:
    """*stats*, or a ValueError naming a series that lies in several partitions."""
    where: dict[tuple, list[int]] = {}
    for r in stats.itertuples(index=False):
        where.setdefault(series_key(r.run, r.rank, r.trial), []).append(int(r.partition))
    split = [(k, p) for k, p in where.items() if len(p) > 1]
    if split:
        from chartkit._validate import invalid_value_message

        key, parts = split[0]
        raise ValueError(
            invalid_value_message(
                f"series {key} of {metric!r}", "a Dask partition",
                expected=f"each series whole in one partition; it lies in partitions "
                f"{sorted(parts)} ({len(split)} series split): smoothing and decimation need "
                "whole series (read the log with engine='dask' and cache=DIR: one partition "
                "per series)",
            )
        )
    return stats


# --------------------------------------------------------------------------- curves


def _resume_steps(segments, metric: str) -> dict[tuple, np.ndarray]:
    """Resume steps per series key of *metric* (`LogInfo.segments`)."""
    if segments is None or not len(segments):
        return {}
    seg = segments[segments["metric"].astype(str) == metric]
    out: dict[tuple, list] = {}
    for r in seg.itertuples(index=False):
        out.setdefault(series_key(r.run, r.rank, r.trial), []).append(int(r.step))
    return {k: np.sort(np.asarray(v)) for k, v in out.items()}


def _smoothed(value, step, weight, how, resumes) -> np.ndarray:
    seg = np.zeros(step.size, dtype=np.int64)
    for s in resumes if resumes is not None else ():
        seg += step >= s
    return ema(value, weight, steps=step, segments=seg, how=how)


def _m4_part(part, number, metric, n_columns, weights, how, resumes, downsample) -> tuple:
    """Rows M4 keeps per series, the EMA under each of *weights*, and the series stats."""
    step_all = part["step"].to_numpy()
    value_all = part["value"].to_numpy(dtype=float)
    keep_pos: list[np.ndarray] = []
    smooth: dict[float, list[np.ndarray]] = {w: [] for w in weights}
    series = _series(part, metric)
    for key, pos in series:
        step, v = step_all[pos], value_all[pos]
        keep = downsample_indices(step, v, n_columns) if downsample else np.arange(pos.size)
        keep_pos.append(pos[keep])
        for w in weights:
            smooth[w].append(_smoothed(v, step, w, how, resumes.get(key))[keep])
    stats = _stats_part(part, number, metric, series)
    if not keep_pos:
        return empty_frame(), {w: np.zeros(0) for w in weights}, stats
    pos = np.concatenate(keep_pos)
    rows = part.iloc[pos][list(COLUMNS)].reset_index(drop=True)
    return rows, {w: np.concatenate(a) for w, a in smooth.items()}, stats


def curve_pass(
    ddf,
    metric: str,
    n_columns: int,
    *,
    weights: Sequence[float] = (),
    how: str = "points",
    segments: pd.DataFrame | None = None,
    downsample: bool = True,
) -> tuple[pd.DataFrame, dict[float, np.ndarray], pd.DataFrame]:
    """One pass over the data: the rows M4 keeps, their EMA under each weight, the stats.

    *weights* are candidates (``smooth="auto"`` gives 0.6 or 0.9 by the longest series,
    known only from the stats of the same pass). Returns ``(rows, {weight: smoothed},
    stats)``, *stats* as `series_stats` (a series split across partitions is refused).
    """
    resumes = _resume_steps(segments, metric)
    weights = tuple(float(w) for w in weights if w)
    got = _per_partition(ddf, _m4_part, metric, int(n_columns), weights, how, resumes,
                         bool(downsample))
    stats = _check_whole(pd.concat([st for _, _, st in got], ignore_index=True), metric)
    frame = concat_frames([f for f, _, _ in got])
    smoothed = {
        w: np.concatenate([sm[w] for f, sm, _ in got if len(f)]) if len(frame) else np.zeros(0)
        for w in weights
    }
    return frame, smoothed, stats


def curve_rows(
    ddf,
    metric: str,
    n_columns: int,
    *,
    weight: float | None = None,
    how: str = "points",
    segments: pd.DataFrame | None = None,
    downsample: bool = True,
) -> pd.DataFrame:
    """The rows M4 keeps per series of *metric* (pixel grid of the series' x range).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Canonical frame, each series whole in one partition.
    metric : str
    n_columns : int
        Pixel columns (the Axes width in pixels).
    weight : float, optional
        EMA weight applied to each whole series before decimating; None: no smoothing.
    how : {"points", "steps"}, default: "points"
        See `chartkit.metrics.smooth.ema`.
    segments : pandas.DataFrame, optional
        Resume points (`LogInfo.segments`): the average restarts there.
    downsample : bool, default: True
        False keeps every row (the smoothing still runs on the workers).

    Returns
    -------
    pandas.DataFrame
        The canonical columns of the rows kept, plus ``smoothed`` (the EMA at those rows,
        or the value when *weight* is None); each series in step order.
    """
    weights = (weight,) if weight else ()
    frame, smoothed, _ = curve_pass(ddf, metric, n_columns, weights=weights, how=how,
                                    segments=segments, downsample=downsample)
    sm = smoothed[float(weight)] if weight else frame["value"].to_numpy(dtype=float)
    return frame.assign(smoothed=sm)


# --------------------------------------------------------------------------- rank spread


def _rank_part(part, number, metric) -> pd.DataFrame:
    mask = (part["metric"] == metric).to_numpy(dtype=bool, na_value=False)
    return part.iloc[np.flatnonzero(mask)][list(COLUMNS)].reset_index(drop=True)


def rank_rows(ddf, metric: str) -> pd.DataFrame:
    """Every row of *metric* (for up to `RANK_STEP_LIMIT` steps: `rank_table` on the client)."""
    return concat_frames(_per_partition(ddf, _rank_part, metric))


def _bin_part(part, number, metric, x0, x1, n_columns, weight, resumes) -> pd.DataFrame:
    step_all = part["step"].to_numpy()
    value_all = part["value"].to_numpy(dtype=float)
    span = float(x1 - x0) or 1.0
    out = []
    for key, pos in _series(part, metric):
        if key[1] is None:
            continue
        step, v = step_all[pos], value_all[pos]
        if weight:
            v = _smoothed(v, step, weight, "points", resumes.get(key))
        col = np.minimum(((step - x0) / span * n_columns).astype(np.int64), n_columns - 1)
        ok = np.isfinite(v)
        total = np.bincount(col[ok], weights=v[ok], minlength=n_columns)
        count = np.bincount(col[ok], minlength=n_columns)
        seen = np.bincount(col, minlength=n_columns) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        cols = np.flatnonzero(seen)
        out.append(pd.DataFrame({"column": cols, "rank": key[1], "value": mean[cols]}))
    if not out:
        return pd.DataFrame({"column": [], "rank": [], "value": []})
    return pd.concat(out, ignore_index=True)


def rank_wide(
    ddf,
    metric: str,
    n_columns: int,
    *,
    first_step: int,
    last_step: int,
    weight: float | None = None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each rank's mean of its (smoothed) values per pixel column: columns x ranks.

    The x range ``[first_step, last_step]`` is cut into *n_columns* equal columns; the index
    is each column's centre step. A column a rank has no point in is NaN; a column where
    every point is non-finite is NaN too.
    """
    resumes = _resume_steps(segments, metric)
    got = pd.concat(
        _per_partition(ddf, _bin_part, metric, int(first_step), int(last_step), int(n_columns),
                       weight, resumes),
        ignore_index=True,
    )
    wide = got.pivot_table(index="column", columns="rank", values="value", aggfunc="first",
                           dropna=False)
    span = float(last_step - first_step) or 1.0
    centre = first_step + (wide.index.to_numpy(dtype=float) + 0.5) * span / n_columns
    wide.index = pd.Index(centre, name="step")
    wide = wide[sorted(wide.columns)]
    wide.columns = [int(c) for c in wide.columns]
    return wide


# --------------------------------------------------------------------------- trials

_SCORES = ["trial", "last_step", "last", "min", "max", "n_points"]


def _trial_part(part, number, metric) -> pd.DataFrame:
    mask = (part["metric"] == metric).to_numpy(dtype=bool, na_value=False)
    rows = part.iloc[np.flatnonzero(mask)]
    rows = rows[rows["trial"].notna()]
    if not len(rows):
        return pd.DataFrame({c: [] for c in _SCORES})
    codes, names = pd.factorize(rows["trial"].astype(str), use_na_sentinel=False)
    step = rows["step"].to_numpy()
    value = rows["value"].to_numpy(dtype=float)
    order = np.lexsort((step, codes))
    codes, step, value = codes[order], step[order], value[order]
    keep = np.r_[(codes[1:] != codes[:-1]) | (step[1:] != step[:-1]), True]  # last write
    codes, step, value = codes[keep], step[keep], value[keep]
    out = []
    for c in np.unique(codes):
        m = codes == c
        s, v = step[m], value[m]
        fin = np.isfinite(v)
        vf = v[fin]
        out.append((str(names[c]), int(s[-1]), float(vf[-1]) if vf.size else np.nan,
                    float(vf.min()) if vf.size else np.nan,
                    float(vf.max()) if vf.size else np.nan, int(fin.sum())))
    return pd.DataFrame(out, columns=_SCORES)


def trial_scores(ddf, metric: str) -> pd.DataFrame:
    """Per trial: ``trial, last_step, last, min, max, n_points`` of *metric*.

    ``last`` is the last finite value, ``min``/``max`` over finite values, ``n_points`` the
    finite count; a step written twice counts once (its last write), as in
    `chartkit.metrics.tuning_tables.trial_table`. Trials are in natural order.
    """
    from chartkit.metrics.schema import natural_key

    got = pd.concat(_per_partition(ddf, _trial_part, metric), ignore_index=True)
    if got["trial"].duplicated().any():
        from chartkit._validate import invalid_value_message

        t = got.loc[got["trial"].duplicated(), "trial"].iloc[0]
        raise ValueError(
            invalid_value_message(
                f"trial {t!r} of {metric!r}", "a Dask partition",
                expected="each trial whole in one partition (read with cache=DIR)",
            )
        )
    got = got.iloc[sorted(range(len(got)), key=lambda i: natural_key(got["trial"].iloc[i]))]
    return got.reset_index(drop=True).astype({"last_step": "int64", "n_points": "int64"})


def pick(names: Sequence[str], metric: str | None) -> str | None:
    """*metric* checked against *names*, or the only name when None (None when empty)."""
    from chartkit.metrics.schema import unknown_column

    if not names:
        return None
    if metric is None:
        if len(names) == 1:
            return names[0]
        raise unknown_column(None, names, "metric (the data holds several: pass metric=)")
    if metric not in names:
        raise unknown_column(metric, names, "metric")
    return metric
