"""Tuning runs as tables: one row per trial, its score, outcome and config (no pyplot).

The tuning plots (`plot_trials`, `plot_rungs`, `plot_parallel`, `plot_importance`,
`plot_lineage`) draw these tables; each can be computed without drawing:

* `trial_table`: one row per trial with the score of *metric* under a *scope*, the trial's
  outcome (``completed``, ``stopped`` early by the scheduler, ``error``, ...) and its config;
* `param_kinds`: how each parameter is shown: ``"log"`` (positive values spanning more than
  a factor `LOG_SPREAD`), ``"linear"``, or ``"categorical"`` (strings, booleans, or a few
  integer choices);
* `best_trial`, `lineage_segments` (PBT) and `param_importance` (in
  `chartkit.metrics.importance`); the scheduler facts are in `chartkit.metrics.schedulers`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.metrics.frames import frame_of, metric_names, metric_rows
from chartkit.metrics.schema import PARAMS_COLUMNS, RunLog, natural_key, unknown_column

__all__ = [
    "LOG_SPREAD",
    "best_trial",
    "check_param",
    "check_params_available",
    "default_metric",
    "default_mode",
    "format_config",
    "last_steps",
    "lineage_segments",
    "param_kinds",
    "param_names",
    "segment_of",
    "trial_curves",
    "trial_table",
    "trials_info",
    "varying_params",
]

#: A positive numeric parameter whose max/min exceeds this is shown on a log scale.
LOG_SPREAD = 20.0
#: Integer parameters with at most this many distinct values are treated as choices.
MAX_CHOICES = 4

Scope = Literal["last", "min", "max"]
Kind = Literal["log", "linear", "categorical"]

# Substrings of metric names for which larger is better (used when mode is not given).
_MAX_HINTS = ("acc", "auc", "f1", "score", "precision", "recall", "reward", "iou", "map", "r2")


def default_mode(metric: str, scope: str) -> str:
    """``"min"`` or ``"max"``: from *scope* when it is one, else from the metric's name."""
    if scope in ("min", "max"):
        return scope
    name = metric.lower()
    return "max" if any(h in name for h in _MAX_HINTS) else "min"


def trials_info(log) -> pd.DataFrame | None:
    """The reader's one-row-per-trial summary (``info.extra["trials"]``), or None."""
    info = log.info if isinstance(log, RunLog) else getattr(log, "attrs", {}).get("chartkit")
    extra = getattr(info, "extra", None) or {}
    trials = extra.get("trials")
    return trials if isinstance(trials, pd.DataFrame) else None


def last_steps(log) -> dict[str, int]:
    """Trial -> its last iteration (from the trial summary, else the metrics)."""
    trials = trials_info(log)
    if trials is not None and len(trials):
        out = {}
        for t, x in zip(trials["trial"], trials["last_iteration"], strict=True):
            if not pd.isna(x):
                out[str(t)] = int(x)
        return out
    frame, _ = frame_of(log)
    if not len(frame):
        return {}
    g = frame.groupby("trial", observed=True)["step"].max()
    return {str(k): int(v) for k, v in g.items()}


def _params(log) -> pd.DataFrame:
    """The params frame, list/dict config values as text (``"[0, 64]"``): categories."""
    if not isinstance(log, RunLog):
        return pd.DataFrame(columns=list(PARAMS_COLUMNS))
    p = log.params
    nested = [
        c
        for c in p.columns
        if c not in PARAMS_COLUMNS
        and p[c].dtype == object
        and p[c].map(lambda v: isinstance(v, (list, dict, set, tuple))).any()
    ]
    if nested:
        p = p.copy()
        for c in nested:
            p[c] = p[c].map(_as_text)
    return p


def _as_text(v: Any) -> Any:
    if isinstance(v, (list, dict, set, tuple)):
        return str(list(v) if isinstance(v, (set, tuple)) else v)
    return v


def param_names(log) -> list[str]:
    """Config keys of a tuning log, in the params frame's order."""
    return [c for c in _params(log).columns if c not in PARAMS_COLUMNS]


def _final_params(log) -> pd.DataFrame:
    """One row per trial: the config of its last lineage segment (the initial one if no PBT)."""
    p = _params(log)
    if not len(p):
        return p
    p = p.sort_values(["trial", "segment"], kind="stable")
    return p.groupby("trial", sort=False).tail(1).set_index("trial")


def trial_curves(rows: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(trial, steps, values)`` of one metric per trial, in natural trial order.

    Steps are sorted; when a step was written more than once (a log read with
    ``keep="all"``, PBT rewinds), the last write is kept, as the reader's default does.
    """
    if not len(rows):
        return []
    codes, names = pd.factorize(rows["trial"].astype(str), use_na_sentinel=False)
    step = rows["step"].to_numpy()
    value = rows["value"].to_numpy(dtype=float)
    order = np.lexsort((step, codes))  # stable: repeated steps stay in read order
    codes, step, value = codes[order], step[order], value[order]
    # keep the last write of each (trial, step)
    keep = np.r_[(codes[1:] != codes[:-1]) | (step[1:] != step[:-1]), True]
    codes, step, value = codes[keep], step[keep], value[keep]
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    out = [(str(names[codes[a]]), step[a:b], value[a:b]) for a, b in itertools.pairwise(bounds)]
    out.sort(key=lambda c: natural_key(c[0]))
    return out


def _scope_value(values: np.ndarray, scope: str) -> float:
    v = values[np.isfinite(values)]
    if not v.size:
        return math.nan
    if scope == "last":
        return float(v[-1])
    return float(v.min() if scope == "min" else v.max())


def trial_table(
    log,
    metric: str,
    *,
    scope: Scope = "last",
    step: int | None = None,
) -> pd.DataFrame:
    """One row per trial: its score of *metric*, its outcome and its final config.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`). A bare frame has no
        config columns.
    metric : str
        The metric to score trials by.
    scope : {"last", "min", "max"}, default: "last"
        ``"last"``: the trial's last finite value; ``"min"``/``"max"``: its smallest/largest
        finite value over all steps.
    step : int, optional
        Score every trial at this step instead (NaN for trials that did not reach it), so
        trials stopped early by ASHA are compared at a rung they all reached.

    Returns
    -------
    pandas.DataFrame
        Columns ``trial, status, outcome, last_step, n_points, value`` then the config keys
        (the last PBT segment's values), sorted naturally by trial. ``outcome`` is
        ``"error"`` for ERROR trials, ``"stopped"`` for PRUNED trials (Optuna) and trials
        that ended before the scheduler's ``max_t`` (the largest last step when unknown),
        ``"completed"`` for the others that ended, else the status in lower case.

    Raises
    ------
    KeyError
        When *metric* is not in the log (close matches suggested).
    ValueError
        For a bad *scope*, or rows of *metric* that belong to no trial (not a tuning log).
    """
    check_in_list(["last", "min", "max"], scope=scope)
    frame, _ = frame_of(log)
    rows = metric_rows(frame, metric)
    summary = trials_info(log)
    names: list[str] = []
    if summary is not None:
        names = [str(t) for t in summary["trial"]]
    for t in rows["trial"].dropna().astype(str).unique():
        if t not in names:
            names.append(t)
    if rows["trial"].isna().any():
        n = int(rows["trial"].isna().sum())
        raise ValueError(
            invalid_value_message(
                metric, "metric",
                expected=f"a metric of a tuning log: {n} rows of {metric!r} belong to no trial "
                "(an empty 'trial' column); the tuning plots draw one curve per trial "
                "(read_ray): use plot_curves for other runs",
            )
        )
    values: dict[str, float] = {}
    counts: dict[str, int] = {}
    last_step: dict[str, float] = {}
    for t, x, v in trial_curves(rows):
        counts[t] = int(np.isfinite(v).sum())
        last_step[t] = float(x[-1])
        if step is None:
            values[t] = _scope_value(v, scope)
        else:
            at = v[x == step]
            values[t] = float(at[-1]) if at.size else math.nan
    status = {}
    if summary is not None:
        for t, s, x in zip(
            summary["trial"],
            summary["status"],
            summary["last_iteration"],
            strict=True,
        ):
            status[str(t)] = str(s) if s is not None else "UNKNOWN"
            if not pd.isna(x):
                last_step.setdefault(str(t), float(x))
                last_step[str(t)] = max(last_step[str(t)], float(x))
    max_t = _scheduler_max_t(log) if names else None
    if max_t is None and last_step:
        max_t = max(last_step.values())
    out = pd.DataFrame(
        {
            "trial": names,
            "status": [status.get(t, "UNKNOWN") for t in names],
            "last_step": [last_step.get(t, math.nan) for t in names],
            "n_points": [counts.get(t, 0) for t in names],
            "value": [values.get(t, math.nan) for t in names],
        }
    )
    out.insert(
        2,
        "outcome",
        [_outcome(s, x, max_t) for s, x in zip(out["status"], out["last_step"], strict=True)],
    )
    final = _final_params(log)
    if len(final):
        final = final.reindex(names)
        for c in param_names(log):
            out[c] = final[c].to_numpy()
    out = out.iloc[sorted(range(len(out)), key=lambda i: natural_key(names[i]))]
    out = out.reset_index(drop=True)
    out.attrs["metric"] = metric
    out.attrs["scope"] = scope if step is None else f"step {step}"
    # the reader's scales, known from the search space (read_optuna's distributions)
    extra = getattr(log.info, "extra", None) if isinstance(log, RunLog) else None
    out.attrs["param_scales"] = dict((extra or {}).get("param_scales") or {})
    return out


def _outcome(status: str, last: float, max_t: float | None) -> str:
    s = status.upper()
    if s == "ERROR":
        return "error"
    if s == "PRUNED":  # read_optuna: stopped by the pruner, whatever step it reached
        return "stopped"
    if s in ("TERMINATED", "UNKNOWN") and not (isinstance(last, float) and math.isnan(last)):
        if max_t is not None and last < max_t:
            return "stopped"
        return "completed"
    return s.lower()


def param_kinds(
    table: pd.DataFrame,
    params: Sequence[str],
    scales: Mapping[str, Kind] | None = None,
) -> dict[str, Kind]:
    """How each parameter is shown: ``"log"``, ``"linear"`` or ``"categorical"``.

    Strings, booleans and mixed values are categorical; integers (integer dtype) with at most
    `MAX_CHOICES` distinct values are choices (categorical); other numbers are ``"log"``
    when all are positive and max/min > `LOG_SPREAD` (the spread a log-uniform search
    produces), else ``"linear"``. A scale the reader knew from the search space
    (``table.attrs["param_scales"]``, set by `trial_table` from ``info.extra``: Optuna's
    distributions) replaces the guess; *scales* overrides both per parameter.
    """
    scales = dict(scales or {})
    for name, kind in scales.items():
        if name not in params:
            raise unknown_column(name, params, "parameter in scales")
        check_in_list(["log", "linear", "categorical"], **{f"scales[{name!r}]": kind})
    out: dict[str, Kind] = {}
    for p in params:
        if p in scales:
            kind = scales[p]
            if kind == "log":
                num = pd.to_numeric(table[p], errors="coerce")
                if not (num.dropna() > 0).all() or num.isna().all():
                    raise ValueError(
                        invalid_value_message(
                            "log",
                            f"scales[{p!r}]",
                            expected="'linear' or 'categorical' for a parameter with "
                            "non-positive or non-numeric values",
                        )
                    )
            out[p] = kind
            continue
        known = (getattr(table, "attrs", None) or {}).get("param_scales") or {}
        out[p] = known[p] if p in known else _guess_kind(table[p])
    return out


def _guess_kind(col: pd.Series) -> Kind:
    s = col.dropna()
    if not len(s) or s.dtype == bool or not pd.api.types.is_numeric_dtype(s):
        return "categorical"
    v = s.to_numpy(dtype=float)
    if pd.api.types.is_integer_dtype(s) and len(np.unique(v)) <= MAX_CHOICES:
        return "categorical"
    lo, hi = v.min(), v.max()
    if lo > 0 and hi / lo > LOG_SPREAD:
        return "log"
    return "linear"


def varying_params(table: pd.DataFrame, params: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split *params* into those that vary across trials and those that are constant."""
    varying, constant = [], []
    for p in params:
        n = table[p].astype(str).where(table[p].notna()).nunique(dropna=True)
        (varying if n > 1 else constant).append(p)
    return varying, constant


def best_trial(table: pd.DataFrame, mode: str) -> int | None:
    """Row position of the best trial of a `trial_table` (None when no trial has a value).

    A trial that ended in an error is never the best (as Optuna's ``best_trial`` counts only
    COMPLETE trials): its last value is where it crashed, not a result.
    """
    v = table["value"].to_numpy(dtype=float)
    if "outcome" in table:
        v = np.where(table["outcome"].to_numpy() == "error", np.nan, v)
    if not np.isfinite(v).any():
        return None
    w = np.where(np.isfinite(v), v, np.inf if mode == "min" else -np.inf)
    return int(np.argmin(w) if mode == "min" else np.argmax(w))


def format_config(row: Mapping[str, Any], params: Sequence[str]) -> str:
    """``l1=128, lr=0.0348`` with 3 significant digits for floats (U+2212 minus)."""
    parts = []
    for p in params:
        v = row[p]
        if isinstance(v, (float, np.floating)):
            parts.append(f"{p}={float(v):.3g}".replace("-", "\u2212"))
        else:
            parts.append(f"{p}={v}")
    return ", ".join(parts)


def lineage_segments(log) -> pd.DataFrame:
    """The PBT lineage: one row per trial segment with the steps it covers in the metrics.

    With the reader's default ``keep="last"``, a segment that restored an older checkpoint
    overwrites the steps it repeats, so a step belongs to the newest segment whose
    ``start_step`` is at or before it. ``end_step`` is the start of the next segment that
    begins later (or None for the last one).

    Returns
    -------
    pandas.DataFrame
        The params frame's rows (``run, trial, segment, start_step`` + config) sorted by
        trial and segment, with an ``end_step`` column added.
    """
    p = _params(log)
    if not len(p):
        out = p.copy()
        out["end_step"] = pd.Series([], dtype="Int64")
        return out
    p = p.sort_values(["trial", "segment"], kind="stable").reset_index(drop=True)
    ends: list[Any] = [pd.NA] * len(p)
    sizes = p.groupby("trial", sort=False)["segment"].transform("size").to_numpy()
    multi = p.index[sizes > 1]
    if len(multi):  # only PBT trials have more than one segment
        for _, g in p.loc[multi].groupby("trial", sort=False):
            starts = g["start_step"].tolist()
            for i, row in enumerate(g.index):
                later = [s for s in starts[i + 1 :] if not pd.isna(s)]
                ends[row] = min(later) if later else pd.NA
    p["end_step"] = pd.array(ends, dtype="Int64")
    return p


def segment_of(steps: np.ndarray, starts: Sequence[Any]) -> np.ndarray:
    """Index of the segment each step belongs to (the newest one starting at or before it)."""
    seg = np.zeros(len(steps), dtype=np.int64)
    for k, s in enumerate(starts):
        if k == 0 or pd.isna(s):
            continue
        seg[steps >= int(s)] = k
    return seg


def check_params_available(log, what: str) -> list[str]:
    """Config keys of *log*, or a ValueError saying *what* needs a RunLog with params."""
    names = param_names(log)
    if not names:
        raise ValueError(
            invalid_value_message(
                type(log).__name__, "log",
                expected=f"a log with the trials' configs: {what} needs the trials' configs: "
                "pass the RunLog returned by read_ray (a bare metrics frame has no params)",
            )
        )
    return names


def check_param(name: str, params: Sequence[str], what: str = "color_by") -> None:
    if name not in params:
        raise unknown_column(name, params, what)


def _scheduler_max_t(log) -> float | None:
    """max_t of a rung scheduler the reader found evidence of (None otherwise)."""
    info = log.info if isinstance(log, RunLog) else getattr(log, "attrs", {}).get("chartkit")
    sched = (getattr(info, "extra", None) or {}).get("scheduler") or {}
    return sched.get("max_t") if sched.get("kind") in ("asha", "hyperband") else None


#: Metric names tried, in order, when a tuning plot is called with ``metric=None``.
DEFAULT_METRICS = ("loss", "val_loss", "validation_loss", "eval_loss", "accuracy", "val_acc")


def default_metric(log, metric: str | None) -> str:
    """*metric*, or when None the first of `DEFAULT_METRICS` in *log*, else its first one.

    Raises
    ------
    ValueError
        When *metric* is None and the log has no metric at all.
    """
    if metric is not None:
        return metric
    frame, _ = frame_of(log)
    names = metric_names(frame)
    for m in DEFAULT_METRICS:
        if m in names:
            return m
    if not names:
        from chartkit._validate import invalid_value_message

        raise ValueError(invalid_value_message(None, "metric", expected="a metric of the log"))
    return names[0]
