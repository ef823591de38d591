"""Tables of multi-GPU runs: per-rank values, stragglers, throughput and scaling (no pyplot).

No circular numbers: throughput "from wall time" is samples / elapsed seconds, and the
samples come only from inputs independent of the logged rate: the user's ``batch_size=``
(CLI ``--batch-size``), a logged batch-size metric, or the run's config (``RunLog.params``).
A batch size is never inferred from the logged rate (rate x time between steps gives the
logged rate back: a "wall time" view that merely repeats the logged one). When no input is
there, the wall-time numbers are missing and the table says so (`Throughput.missing`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list, check_positive, invalid_value_message
from chartkit.errors import ColumnNotFoundError, DataWarning, warn_external

__all__ = [
    "BatchSize",
    "Throughput",
    "find_stragglers",
    "rank_table",
    "resolve_batch_size",
    "scaling_table",
    "throughput_table",
]


# The shared frame helpers, imported when called: chartkit.metrics.plots imports this module.
def _frame(log):
    from chartkit.metrics.frames import frame_of

    return frame_of(log)


def _names(frame: pd.DataFrame) -> list[str]:
    from chartkit.metrics.frames import metric_names

    return metric_names(frame)


def _rows(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    from chartkit.metrics.frames import metric_rows

    return metric_rows(frame, metric)


def rank_table(log, metric: str, *, how: Literal["inner", "outer"] = "inner") -> pd.DataFrame:
    """One column per rank, one row per step, for one metric (natural rank order).

    Ranks that miss steps the others have are reported in ONE `DataWarning`; with
    ``how="inner"`` only the steps present in every rank are kept, with ``"outer"`` all.

    Raises
    ------
    ValueError
        When the metric has no rank column (rank plots need per-rank logs).
    """
    check_in_list(["inner", "outer"], how=how)
    frame, _ = _frame(log)
    rows = _rows(frame, metric)
    if rows["rank"].isna().all():
        raise ValueError(
            invalid_value_message(
                metric,
                "metric",
                expected="a metric logged per rank (one JSONL/CSV/TensorBoard log per rank); "
                "this one has no rank",
            )
        )
    rows = rows.dropna(subset=["rank"])
    wide = rows.pivot_table(
        index="step",
        columns="rank",
        values="value",
        aggfunc="last",
        observed=True,
        dropna=False,
    ).sort_index()
    wide = wide[sorted(wide.columns)]
    counts = wide.notna().sum()
    full = int(counts.max()) if len(counts) else 0
    short = counts[counts < full]
    if len(short):
        listed = ", ".join(f"rank {int(r)} has {int(n)} of {full} steps" for r, n in short.items())
        warn_external(
            f"{len(short)} rank(s) of {metric!r} miss steps: {listed}; "
            + (
                "aggregates use the steps present in every rank (how='outer' keeps all)."
                if how == "inner"
                else "aggregates use the ranks present at each step."
            ),
            DataWarning,
        )
    if how == "inner":
        wide = wide.dropna(how="any")
    wide.columns = [int(c) for c in wide.columns]
    return wide


def find_stragglers(
    wide: pd.DataFrame, *, threshold: float = 3.0, persist: float = 0.5
) -> list[int]:
    """Ranks that stay far from the median of all ranks for a large part of the run.

    A rank's deviation from the per-step median is compared with the typical spread
    between ranks (the median over steps of the per-step median absolute deviation). A rank
    whose deviation exceeds *threshold* times that spread on at least *persist* of the steps
    is a straggler. With two ranks nobody is: the median sits between them.

    Parameters
    ----------
    wide : pandas.DataFrame
        `rank_table` output (steps x ranks), ideally smoothed.
    threshold : float, default: 3
    persist : float, default: 0.5
        Fraction of steps.

    Returns
    -------
    list of int
    """
    if wide.shape[1] < 3 or len(wide) == 0:
        return []
    vals = wide.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps (diverged ranks)
        med = np.nanmedian(vals, axis=1, keepdims=True)
        dev = np.abs(vals - med)
        mad = np.nanmedian(dev, axis=1)
        scale = float(np.nanmedian(mad))
        floor = 1e-9 * max(float(np.nanmedian(np.abs(med))), 1.0)
    scale = max(scale if np.isfinite(scale) else 0.0, floor)
    far = dev > threshold * scale
    frac = np.nanmean(far, axis=0)
    return [int(c) for c, f in zip(wide.columns, frac, strict=True) if f >= persist]


# --------------------------------------------------------------------------- batch size


@dataclass(frozen=True)
class BatchSize:
    """Samples per step per rank, and where the number comes from.

    Attributes
    ----------
    value : float
        The batch size (the median of a logged one).
    source : {"given", "logged", "config"}
        ``batch_size=`` / ``--batch-size``, a logged metric, or the run's config.
    name : str
        The metric or config key it was read from (``""`` when given).
    per_step : pandas.DataFrame or None
        A logged batch size as steps x ranks (it may change during the run).
    """

    value: float
    source: str
    name: str = ""
    per_step: pd.DataFrame | None = None


def _roles():
    try:
        from chartkit.metrics import roles
    except ImportError:  # pragma: no cover - roles ships with chartkit
        return None
    return roles


def _batch_name(names: Sequence[str], columns: Mapping[str, str] | None) -> str | None:
    roles = _roles()
    if roles is not None:
        try:
            return roles.resolve(names, "batch_size", columns=columns).column
        except (ColumnNotFoundError, ValueError):
            return None
    if columns and "batch_size" in columns:
        return columns["batch_size"] if columns["batch_size"] in names else None
    plain = [n for n in names if str(n).split("/")[-1].lower() in ("batch_size", "bs")]
    return plain[0] if plain else None


def resolve_batch_size(
    log, *, batch_size: float | None = None, columns: Mapping[str, str] | None = None
) -> BatchSize | None:
    """The batch size per rank from independent inputs only, or None when there is none.

    In this order: *batch_size* (the user's), a logged batch-size metric (resolved by
    meaning: ``batch_size``, ``bs``, ``per_device_train_batch_size``...; see
    `chartkit.metrics.roles`), a batch-size key of the run's config (``RunLog.params``).
    Never inferred from a logged rate.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    batch_size : float, optional
    columns : mapping, optional
        ``{"batch_size": "name"}`` picks the metric or config key by hand.

    Raises
    ------
    ValueError
        A *batch_size* that is not a positive number.
    """
    if batch_size is not None:
        check_positive(batch_size=batch_size)
        return BatchSize(float(batch_size), "given")
    frame, _ = _frame(log)
    name = _batch_name(_names(frame), columns)
    if name is not None:
        rows = _rows(frame, name)
        vals = rows["value"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if vals.size:
            per_step = None
            if rows["rank"].notna().any():
                per_step = rows.dropna(subset=["rank"]).pivot_table(
                    index="step", columns="rank", values="value", aggfunc="last", observed=True
                )
                per_step.columns = [int(c) for c in per_step.columns]
            return BatchSize(float(np.median(vals)), "logged", name, per_step)
    params = getattr(log, "params", None)
    if isinstance(params, pd.DataFrame) and len(params):
        keys = [c for c in params.columns if c not in ("run", "trial", "segment", "start_step")]
        key = _batch_name(keys, columns)
        if key is not None:
            vals = pd.to_numeric(params[key], errors="coerce").to_numpy(dtype=float)
            vals = vals[np.isfinite(vals) & (vals > 0)]
            if vals.size:
                return BatchSize(float(vals[0]), "config", key)
    return None


# --------------------------------------------------------------------------- throughput


@dataclass
class Throughput:
    """Throughput per rank and in total, from the logged rate and (when possible) wall time.

    Attributes
    ----------
    metric : str
        The logged rate (samples per second on one rank).
    logged : pandas.DataFrame
        Steps x ranks of the logged rate.
    wall : pandas.DataFrame or None
        Steps x ranks of samples / seconds over rolling windows; None when an input is missing.
    batch : BatchSize or None
    total_logged : float
        Sum over ranks of each rank's mean logged rate.
    total_wall : float
        Sum over ranks of samples / elapsed seconds (NaN when missing).
    missing : list of str
        Inputs the wall-time view lacks: ``"batch_size"``, ``"wall_time"``.
    """

    metric: str
    logged: pd.DataFrame
    wall: pd.DataFrame | None
    batch: BatchSize | None
    total_logged: float
    total_wall: float
    missing: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """total_logged / total_wall (NaN when the wall-time total is missing)."""
        if not np.isfinite(self.total_wall) or self.total_wall == 0:
            return float("nan")
        return self.total_logged / self.total_wall

    def __getitem__(self, key: str) -> Any:  # the dict-style access of earlier versions
        if key == "batch_size":
            return None if self.batch is None else self.batch.value
        if key == "ratio":
            return self.ratio
        return getattr(self, key)


def _throughput_metric(frame: pd.DataFrame, metric: str | None, columns) -> str:
    names = _names(frame)
    if metric is not None:
        return metric
    roles = _roles()
    if roles is not None:
        return roles.resolve(names, "throughput", columns=columns).column
    if "samples_per_sec" in names:  # pragma: no cover - without the roles module
        return "samples_per_sec"
    raise ColumnNotFoundError(invalid_value_message(None, "metric", names))


def _samples(steps: np.ndarray, batch: BatchSize, rank: int) -> np.ndarray:
    """Cumulative samples at each logged step of one rank."""
    if batch.per_step is not None and rank in batch.per_step:
        bs = batch.per_step[rank].dropna()
        grid = np.arange(int(min(bs.index.min(), steps.min())), int(steps.max()) + 1)
        full = bs.reindex(grid).ffill().bfill()
        return full.cumsum().reindex(steps).to_numpy(dtype=float)
    return steps.astype(float) * batch.value


def throughput_table(
    log,
    *,
    metric: str | None = None,
    batch_size: float | None = None,
    window: int = 50,
    columns: Mapping[str, str] | None = None,
) -> Throughput:
    """Throughput per rank and in total, from the logged rate and from wall time.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    metric : str, optional
        The logged per-step rate (samples per second on one rank); resolved by meaning
        (``samples_per_sec``, ``throughput``...) when None.
    batch_size : float, optional
        Samples per step on one rank; see `resolve_batch_size` for where it comes from
        otherwise. Never inferred from the logged rate.
    window : int, default: 50
        Steps per rolling window for the wall-time rate.
    columns : mapping, optional
        Role choices by hand (``{"throughput": ..., "batch_size": ...}``).

    Returns
    -------
    Throughput
    """
    frame, _ = _frame(log)
    metric = _throughput_metric(frame, metric, columns)
    logged = rank_table(frame, metric)
    batch = resolve_batch_size(log, batch_size=batch_size, columns=columns)
    rows = _rows(frame, metric).dropna(subset=["rank"])
    missing = []
    if batch is None:
        missing.append("batch_size")
    if rows["wall_time"].isna().all():
        missing.append("wall_time")
    total_logged = float(logged.mean().sum())
    if missing:
        return Throughput(metric, logged, None, batch, total_logged, float("nan"), missing)
    wall = {}
    totals = []
    for r, g in rows.groupby("rank", observed=True):
        g = g.sort_values("step")
        ok = np.isfinite(g["wall_time"].to_numpy(dtype=float))
        t = g["wall_time"].to_numpy(dtype=float)[ok]
        s = g["step"].to_numpy()[ok]
        if t.size == 0:
            continue
        n = _samples(s, batch, int(r))
        w = min(window, max(len(t) - 1, 1))
        rate = np.full(len(t), np.nan)
        if len(t) > w:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate[w:] = (n[w:] - n[:-w]) / (t[w:] - t[:-w])
        wall[int(r)] = pd.Series(rate, index=s)
        if len(t) > 1 and t[-1] > t[0]:
            totals.append((n[-1] - n[0]) / (t[-1] - t[0]))
    wall_df = pd.DataFrame(wall).sort_index()
    total_wall = float(np.sum(totals)) if totals else float("nan")
    return Throughput(metric, logged, wall_df, batch, total_logged, total_wall, [])


def scaling_table(
    logs: Sequence,
    *,
    metric: str | None = None,
    batch_size: float | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Speed-up and efficiency against world size, from runs differing only in world size.

    Throughput of a run = sum over its ranks of samples / elapsed wall time (samples from
    independent inputs, see `resolve_batch_size`). Speed-up and efficiency are relative to
    the smallest world size given: ``speedup = T(w) / T(w0)``, ``efficiency = speedup /
    (w / w0)``.

    Returns
    -------
    pandas.DataFrame
        ``world_size, throughput, speedup, ideal, efficiency, batch_source`` sorted by world
        size.

    Raises
    ------
    ValueError
        Fewer than two runs, two runs of one world size, or a run without a batch size or
        wall times (the message says how to give them).
    """
    if len(logs) < 2:
        raise ValueError(
            invalid_value_message(
                f"{len(logs)} run(s)", "logs", expected="at least 2 runs of different world size"
            )
        )
    rows = []
    for i, log in enumerate(logs):
        frame, _ = _frame(log)
        tp = throughput_table(log, metric=metric, batch_size=batch_size, columns=columns)
        if tp.missing:
            what = " and ".join(tp.missing)
            raise ValueError(
                invalid_value_message(
                    f"run {i}",
                    "logs",
                    expected=f"runs with a {what.replace('_', ' ')} for throughput from wall "
                    "time; pass batch_size= (CLI --batch-size) or log batch_size",
                )
            )
        world = int(frame["rank"].dropna().nunique())
        rows.append(
            {"world_size": world, "throughput": tp.total_wall, "batch_source": tp.batch.source}
        )
    out = pd.DataFrame(rows).sort_values("world_size").reset_index(drop=True)
    if out["world_size"].duplicated().any():
        raise ValueError(
            invalid_value_message(
                out["world_size"].tolist(),
                "world sizes",
                expected="runs of different world sizes",
            )
        )
    w0, t0 = out["world_size"].iloc[0], out["throughput"].iloc[0]
    out["speedup"] = out["throughput"] / t0
    out["ideal"] = out["world_size"] / w0
    out["efficiency"] = out["speedup"] / out["ideal"]
    return out[["world_size", "throughput", "speedup", "ideal", "efficiency", "batch_source"]]
