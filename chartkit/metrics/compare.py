"""Run comparison with honest intervals: seeds aggregated by IQM with bootstrap CIs (pure).

The statistics follow Agarwal et al. (2021), "Deep Reinforcement Learning at the Edge of
the Statistical Precipice" (rliable): with few seeds, min/max or standard-deviation bands
mislead; the **interquartile mean** (IQM: the mean of the middle 50 % of runs, robust to
one outlier seed yet more efficient than the median) with a **stratified bootstrap**
confidence interval (seeds resampled with replacement within each group, the same resample
for every step, so a run's curve stays whole), and the **probability of improvement**
``P(A > B)`` (the chance that a random run of A beats a random run of B; 0.5 means no
difference), are the recommended summaries.

Alignment: runs log different steps. Each run (its ranks averaged per step) is put on one
step grid per group by linear interpolation, only inside the run's own step range and never
across a gap longer than three of its median logging intervals (a resume or a crash): such
grid points are missing for that run, not invented. Groups are compared on their common
step range; groups with no common step raise.

Everything here is numpy/pandas; `chartkit.metrics.plots.compare` draws it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit.metrics.frames import value_order

__all__ = [
    "CompareResult",
    "aggregate_runs",
    "compare_table",
    "iqm",
    "probability_of_improvement",
]

Stat = Literal["iqm", "median", "mean"]


def iqm(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean along *axis*: the mean after cutting 25 % from each end.

    As ``scipy.stats.trim_mean(values, 0.25)``: ``floor(0.25 n)`` values are cut from each
    end, so 2 or 3 seeds give the plain mean and 4 give the mean of the middle two. NaNs are
    not allowed (missing runs are removed before).
    """
    x = np.moveaxis(np.array(values, dtype=float), axis, -1)  # a copy, sorted in place
    x.sort(axis=-1)
    n = x.shape[-1]
    k = int(np.floor(0.25 * n))
    return x[..., k : n - k].mean(axis=-1)


def _stat(values: np.ndarray, stat: Stat, axis: int = -1) -> np.ndarray:
    if stat == "iqm":
        return iqm(values, axis=axis)
    if stat == "median":
        return np.median(values, axis=axis)
    return np.mean(values, axis=axis)


def probability_of_improvement(a: np.ndarray, b: np.ndarray, *, mode: str = "max") -> float:
    """``P(A > B)``: the chance a random run of *a* beats a random run of *b* (ties 0.5).

    The Mann-Whitney U statistic divided by ``len(a) * len(b)``; with ``mode="min"``
    (losses) lower is better.
    """
    a = np.asarray(a, dtype=float)[:, None]
    b = np.asarray(b, dtype=float)[None, :]
    better = (a < b) if mode == "min" else (a > b)
    return float((better + 0.5 * (a == b)).mean())


# ------------------------------------------------------------------------- grouping
def _frame(data: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    metrics = getattr(data, "metrics", data)
    if not isinstance(metrics, pd.DataFrame):
        from chartkit._validate import invalid_value_message

        raise TypeError(
            invalid_value_message(
                type(data).__name__, "data", expected="a RunLog, a Session or a long frame"
            )
        )
    params = getattr(data, "params", None)
    if params is None and isinstance(data, list):  # a Session: one params frame per log
        frames = [getattr(log, "params", None) for log in data]
        frames = [f for f in frames if f is not None and len(f)]
        params = pd.concat(frames, ignore_index=True) if frames else None
    return metrics, params if params is not None else pd.DataFrame()


def _unit_key(frame: pd.DataFrame) -> pd.Series:
    """One name per run/trial: ``run`` plus ``/trial`` when trials are present."""
    run = frame["run"].astype(str)
    trial = frame["trial"].astype(str) if "trial" in frame else None
    if trial is not None and (trial != "").any() and trial.nunique() > 1:
        return run + "/" + trial
    return run


def _labeller(
    spec: str | Callable | Mapping | None,
    units: pd.Series,
    params: pd.DataFrame,
    metrics: pd.DataFrame,
    what: str,
) -> tuple[pd.Series | None, tuple[str, dict] | None]:
    """Group or seed label per unit, and a catalogue note saying how it was found."""
    if spec is None:
        return None, None
    names = pd.Series(units.unique())
    if callable(spec):
        return pd.Series({u: spec(u) for u in names}), (f"compare.{what}.function", {})
    if isinstance(spec, Mapping):
        missing = [u for u in names if u not in spec]
        if missing:
            from chartkit._validate import invalid_value_message

            raise KeyError(invalid_value_message(missing[:5], what, expected="every run"))
        return pd.Series({u: spec[u] for u in names}), (f"compare.{what}.mapping", {})
    if spec in ("run", "trial"):
        return pd.Series({u: u for u in names}), (f"compare.{what}.{spec}", {})
    if len(params) and spec in params.columns:
        p = params.copy()
        keys = p["run"].astype(str) if "run" in p else pd.Series([""] * len(p))
        if "trial" in p and (p["trial"].astype(str) != "").any():
            keys = keys + "/" + p["trial"].astype(str)
        table = dict(zip(keys, p[spec], strict=False))
        return pd.Series({u: table.get(u, np.nan) for u in names}), (
            f"compare.{what}.config", {"key": spec}
        )
    rows = metrics[metrics["metric"].astype(str) == spec]
    if len(rows):  # a value logged as a metric, constant per run (lr, batch_size, seed)
        first = rows.groupby(_unit_key(rows), observed=True)["value"].first()
        return pd.Series({u: first.get(u, np.nan) for u in names}), (
            f"compare.{what}.logged", {"key": spec}
        )
    try:
        pattern = re.compile(spec)
    except re.error:
        pattern = None
    if pattern is not None and pattern.groups:
        found = {u: (m.group(1) if (m := pattern.search(u)) else None) for u in names}
        if any(v is not None for v in found.values()):
            return pd.Series(found), (f"compare.{what}.regex", {"pattern": spec})
    from chartkit.metrics.schema import unknown_column

    raise unknown_column(spec, ["run", *params.columns, *metrics["metric"].unique()], what)


# ------------------------------------------------------------------------- alignment
def _run_curves(
    rows: pd.DataFrame,
    smooth: float | None = None,
    x: str = "step",
    batch_size: float | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per run: x and values, ranks averaged per step, non-finite values dropped.

    *x* is the step, the seconds since the run's first logged point (``"relative_time"``)
    or the samples seen (step x *batch_size*). *smooth* applies TensorBoard's debiased EMA to
    each run before it is aligned.
    """
    keyed = rows.assign(_unit=_unit_key(rows).to_numpy())
    mean = keyed.groupby(["_unit", "step"], observed=True)[["value", "wall_time"]].mean()
    out = {}
    for unit, part in mean.groupby(level=0, sort=False):
        steps = part.index.get_level_values("step").to_numpy(dtype=float)
        values = part["value"].to_numpy(dtype=float)
        if x == "relative_time":
            wall = part["wall_time"].to_numpy(dtype=float)
            steps = wall - np.nanmin(wall) if np.isfinite(wall).any() else wall
        elif x == "samples":
            steps = steps * float(batch_size)
        ok = np.isfinite(values) & np.isfinite(steps)
        steps, values = steps[ok], values[ok]
        order = np.argsort(steps, kind="stable")
        steps, values = steps[order], values[order]
        if smooth:
            from chartkit.metrics.smooth import tensorboard_ema

            values = np.asarray(tensorboard_ema(values, smooth), dtype=float)
        out[str(unit)] = (steps, values)
    return out


def _on_grid(steps: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Linear interpolation inside the run's range, NaN across gaps (resumes, crashes)."""
    out = np.interp(grid, steps, values, left=np.nan, right=np.nan)
    if len(steps) > 2:
        gaps = np.diff(steps)
        limit = 3 * np.median(gaps)
        k = np.searchsorted(steps, grid, side="right") - 1
        k = np.clip(k, 0, len(steps) - 2)
        exact = np.isin(grid, steps)
        out[(gaps[k] > limit) & ~exact] = np.nan
    return out


@dataclass
class CompareResult:
    """Aggregated curves of a comparison (`aggregate_runs`).

    Attributes
    ----------
    grid : numpy.ndarray
        Steps of the common grid.
    groups : dict
        Per group label: ``{"center": (steps,), "low": (steps,), "high": (steps,),
        "n": seeds, "runs": [names], "values": (seeds, steps)}``; ``low``/``high`` are the
        confidence band (NaN where fewer than two runs cover a step).
    stat, ci, n_boot : as asked
    notes : list of (str, dict)
        How groups, seeds and steps were found and aligned: message-catalogue keys and
        their fields (``chartkit._i18n.tr(key, lang, **fields)`` gives the text).
    """

    grid: np.ndarray
    groups: dict[Hashable, dict[str, Any]]
    stat: str
    ci: float
    n_boot: int
    notes: list[tuple[str, dict]] = field(default_factory=list)


def _bootstrap(values: np.ndarray, stat: Stat, ci: float, n_boot: int, rng) -> tuple:
    """Stratified bootstrap band of *values* (seeds, steps) at each step; NaN-aware."""
    n, m = values.shape
    low = np.full(m, np.nan)
    high = np.full(m, np.nan)
    if n < 2:
        return low, high
    idx = rng.integers(0, n, size=(n_boot, n))
    full = np.isfinite(values).all(axis=0)
    tail = (1 - ci) / 2
    if full.any():
        cols = np.flatnonzero(full)
        for start in range(0, cols.size, 256):  # chunks: (256, n_boot, n) stays small
            c = cols[start : start + 256]
            sample = values[:, c].T[:, idx]  # (len(c), n_boot, n)
            stats = _stat(sample, stat, axis=-1)
            low[c], high[c] = np.quantile(stats, [tail, 1 - tail], axis=1)
    for j in np.flatnonzero(~full):  # steps some runs do not cover: bootstrap the others
        have = values[np.isfinite(values[:, j]), j]
        if have.size >= 2:
            sub = have[rng.integers(0, have.size, size=(n_boot, have.size))]
            low[j], high[j] = np.quantile(_stat(sub, stat, axis=-1), [tail, 1 - tail])
    return low, high


def aggregate_runs(
    data: Any,
    metric: str,
    *,
    by: str | Callable | Mapping | None = "run",
    seed: str | Callable | Mapping | None = None,
    stat: Stat = "iqm",
    ci: float = 0.95,
    n_boot: int = 2000,
    random_state: int = 0,
    max_points: int = 1000,
    smooth: float | None = None,
    x: Literal["step", "relative_time", "samples"] = "step",
    batch_size: float | None = None,
) -> CompareResult:
    """Group runs, align their steps and aggregate seeds with a bootstrap band.

    Parameters
    ----------
    data : RunLog, Session or long metrics frame
    metric : str
    by : str, callable or mapping, default: "run"
        What makes a group: a config key (``log.params`` column), a metric logged as a
        constant per run (``"lr"``), a regular expression with one group matched against
        run names (``r"lr([\\d.]+)"``), ``"run"``, a function of the run name or a mapping
        run -> group.
    seed : str, callable or mapping, optional
        What tells seeds apart, in the same forms. None: the runs of a group are its seeds.
    stat : {"iqm", "median", "mean"}, default: "iqm"
    ci : float, default: 0.95
    n_boot : int, default: 2000
        Bootstrap resamples (seeded by *random_state*: the band is reproducible).
    max_points : int, default: 1000
        At most this many grid steps (evenly spread over the common range, always keeping
        both ends): curves are drawn at plot resolution, and the bootstrap runs on them.
    smooth : float, optional
        TensorBoard's debiased EMA weight (0-1) applied to each run before aggregation
        (stated in the notes); None: raw values.
    x : {"step", "relative_time", "samples"}, default: "step"
        The axis runs are aligned on: steps, seconds since each run's first logged point
        (runs of different speeds compared at equal time spent), or samples seen (step x
        *batch_size*). Absolute wall time is refused: runs made at different times share
        no clock range.
    batch_size : float, optional
        Samples per step for ``x="samples"`` (else a metric logged as ``batch_size``).

    Returns
    -------
    CompareResult

    Raises
    ------
    ValueError
        No group has a step in common with the others (the ranges are named).
    """
    from chartkit._validate import check_in_list, invalid_value_message
    from chartkit.errors import DataWarning, warn_external

    check_in_list(("iqm", "median", "mean"), stat=stat)
    metrics, params = _frame(data)
    rows = metrics[metrics["metric"].astype(str) == metric]
    if rows.empty:
        from chartkit.metrics.schema import unknown_column

        raise unknown_column(metric, metrics["metric"].unique(), "metric")
    units = _unit_key(rows)
    notes: list[tuple[str, dict]] = []
    group_of, how = _labeller(by, units, params, metrics, "group")
    if how:
        notes.append(how)
    if seed is None and by not in (None, "run", "trial"):
        notes.append(("compare.seeds_are_runs", {}))
    seed_of, how_seed = _labeller(seed, units, params, metrics, "seed")
    if how_seed:
        notes.append(how_seed)
    if x == "wall_time":
        raise ValueError(
            invalid_value_message(
                x, "x", expected="'step', 'relative_time' or 'samples': runs made at different "
                "times share no wall-clock range (use 'relative_time')",
            )
        )
    check_in_list(("step", "relative_time", "samples"), x=x)
    if x == "samples" and batch_size is None:
        logged = metrics[metrics["metric"].astype(str) == "batch_size"]["value"]
        batch_size = float(logged.iloc[0]) if len(logged) else None
        if batch_size is None:
            raise ValueError(
                invalid_value_message(
                    None, "batch_size",
                    expected="samples per step for x='samples' (pass batch_size= or log "
                    "batch_size): never inferred from a logged rate",
                )
            )
    if x != "step":
        notes.append((f"compare.x.{x}", {"batch_size": batch_size or 0}))
    curves = _run_curves(rows, smooth, x, batch_size)
    if smooth:
        notes.append(("compare.smoothed", {"weight": smooth}))
    groups: dict[Hashable, list[str]] = {}
    for unit in curves:
        g = group_of[unit] if group_of is not None else unit
        groups.setdefault(g, []).append(unit)
    ranges = {
        g: (max(curves[u][0].min() for u in us), min(curves[u][0].max() for u in us))
        for g, us in groups.items()
        if all(len(curves[u][0]) for u in us)
    }
    lo = max(r[0] for r in ranges.values())
    hi = min(r[1] for r in ranges.values())
    if not ranges or lo > hi:
        shown = "; ".join(f"{g}: steps {a:g}-{b:g}" for g, (a, b) in ranges.items())
        from chartkit._validate import invalid_value_message

        raise ValueError(
            invalid_value_message(
                by if isinstance(by, str) else type(by).__name__, "by",
                expected=f"groups whose runs share steps; the groups of {metric!r} have no "
                f"step in common ({shown}): compare overlapping runs",
            )
        )
    all_steps = np.unique(np.concatenate([c[0] for c in curves.values()]))
    grid = all_steps[(all_steps >= lo) & (all_steps <= hi)]
    if grid.size > max_points:
        grid = np.unique(np.round(np.linspace(lo, hi, max_points)))
    if any(not np.array_equal(np.intersect1d(c[0], grid), grid) for c in curves.values()):
        notes.append(("compare.aligned", {}))
    rng = np.random.default_rng(random_state)
    out: dict[Hashable, dict[str, Any]] = {}
    few = []
    for g in sorted(groups, key=value_order):
        names = sorted(groups[g], key=value_order)
        values = np.vstack([_on_grid(*curves[u], grid) for u in names])
        if seed_of is not None:  # runs sharing a seed are one seed: their curves averaged
            keys = [seed_of[u] if pd.notna(seed_of[u]) else f"run {u}" for u in names]
            uniq = list(dict.fromkeys(keys))
            if len(uniq) < len(keys):
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    values = np.vstack(
                        [np.nanmean(values[[k == s for k in keys]], axis=0) for s in uniq]
                    )
        n = values.shape[0]
        if n < 3:
            few.append((g, n))
        center = np.full(grid.size, np.nan)
        full = np.isfinite(values).all(axis=0)
        if full.any():
            center[full] = _stat(values[:, full], stat, axis=0)
        for j in np.flatnonzero(~full):
            have = values[np.isfinite(values[:, j]), j]
            if have.size:
                center[j] = _stat(have, stat)
        low, high = _bootstrap(values, stat, ci, n_boot, rng)
        out[g] = {
            "center": center, "low": low, "high": high, "n": n, "runs": names,
            "values": values,
        }
    if few and by not in ("run", "trial"):  # one run per group by design: said in the notes
        listed = ", ".join(f"{g} ({n})" for g, n in few)
        warn_external(
            f"{len(few)} group(s) of {metric!r} have fewer than 3 seeds: {listed}; their band is "
            "a bootstrap over so few runs that it understates the uncertainty (with 1 run there "
            "is no band).",
            DataWarning,
        )
    return CompareResult(grid, out, stat, ci, n_boot, notes)


def compare_table(
    data: Any,
    metric: str,
    *,
    by: str | Callable | Mapping | None = "run",
    seed: str | Callable | Mapping | None = None,
    mode: Literal["min", "max"] | None = None,
    stat: Stat = "iqm",
    ci: float = 0.95,
    n_boot: int = 2000,
    random_state: int = 0,
) -> pd.DataFrame:
    """Final and best values per group with bootstrap CIs, and P(group beats the best).

    Parameters
    ----------
    data, metric, by, seed, stat, ci, n_boot, random_state
        As in `aggregate_runs`.
    mode : {"min", "max"}, optional
        Whether lower or higher is better; default from the metric's name (loss, error,
        perplexity, time: min; otherwise max).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``seeds``, ``final`` with ``final_low``/``final_high`` (the value
        at the last common step), ``best`` with ``best_low``/``best_high`` (each run's best
        over the common range), and ``p_beats_<best group>``: the probability of improvement
        of the group over the group with the best final value (0.5 for itself).
    """
    from chartkit.metrics.tuning_tables import default_mode

    mode = mode or default_mode(metric, "last")
    res = aggregate_runs(
        data, metric, by=by, seed=seed, stat=stat, ci=ci, n_boot=n_boot,
        random_state=random_state,
    )
    rng = np.random.default_rng(random_state + 1)
    rows = {}
    finals = {}
    for g, d in res.groups.items():
        v = d["values"]
        final = v[:, -1][np.isfinite(v[:, -1])]
        with np.errstate(all="ignore"):
            best = np.nanmin(v, axis=1) if mode == "min" else np.nanmax(v, axis=1)
        best = best[np.isfinite(best)]
        finals[g] = final
        row = {"seeds": d["n"]}
        for name, x in (("final", final), ("best", best)):
            row[name] = float(_stat(x, stat)) if x.size else np.nan
            lo_hi = _bootstrap(x[:, None], stat, ci, n_boot, rng) if x.size else (
                [np.nan], [np.nan])
            row[f"{name}_low"], row[f"{name}_high"] = float(lo_hi[0][0]), float(lo_hi[1][0])
        rows[g] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "group"
    pick = table["final"].idxmin() if mode == "min" else table["final"].idxmax()
    table[f"p_beats_{pick}"] = [
        probability_of_improvement(finals[g], finals[pick], mode=mode) for g in table.index
    ]
    table.attrs["chartkit"] = {
        "stat": stat, "ci": ci, "n_boot": n_boot, "mode": mode, "notes": res.notes,
        "final_step": float(res.grid[-1]),
    }
    return table
