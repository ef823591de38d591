"""Tables behind the Optuna-style tuning charts (pure: no pyplot).

`history_table` orders a sweep's trials by completion and adds the best value so far;
`edf_table` gives the empirical distribution of their values. Every trial is kept: stopped
(pruned) and ERROR trials too, with their outcome, which Optuna's own charts drop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chartkit.metrics.tuning_tables import Scope, default_mode, trial_table

__all__ = ["edf_table", "history_table"]


def history_table(
    log, metric: str, *, scope: Scope = "last", mode: str | None = None
) -> pd.DataFrame:
    """One row per trial in completion order, with the best value so far.

    Parameters
    ----------
    log : RunLog
        A tuning log (`chartkit.metrics.read_ray`, or any log with trials).
    metric : str
    scope : {"last", "min", "max"}, default: "last"
        What a trial's value is (see `chartkit.metrics.tuning_tables.trial_table`).
    mode : {"min", "max"}, optional
        Whether lower or higher is better (default from the metric's name and *scope*).

    Returns
    -------
    pandas.DataFrame
        `trial_table`'s columns plus ``order`` (1 = first to finish), ``finished`` (the
        wall time of the trial's last report, epoch seconds; NaN when not logged),
        ``elapsed`` (seconds since the first report of the sweep) and ``best_so_far``
        (over the trials finished up to this one that have a value). Sorted by completion;
        trials without wall times keep their order.
    """
    mode = mode or default_mode(metric, scope)
    table = trial_table(log, metric, scope=scope)
    frame = getattr(log, "metrics", log)
    rows = frame[frame["metric"].astype(str) == metric]
    wall = rows.groupby(rows["trial"].astype(str), observed=True)["wall_time"]
    finished = wall.max()
    start = float(np.nanmin(rows["wall_time"].to_numpy(dtype=float))) if len(rows) else np.nan
    table = table.assign(finished=table["trial"].astype(str).map(finished).astype(float))
    table = table.sort_values("finished", kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table.insert(0, "order", np.arange(1, len(table) + 1))
    table["elapsed"] = table["finished"] - start
    v = table["value"].to_numpy(dtype=float)
    filled = np.where(np.isfinite(v), v, np.inf if mode == "min" else -np.inf)
    best = np.minimum.accumulate(filled) if mode == "min" else np.maximum.accumulate(filled)
    table["best_so_far"] = np.where(np.isfinite(best), best, np.nan)
    table.attrs["chartkit"] = {"mode": mode, "scope": scope, "metric": metric}
    return table


def edf_table(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted finite *values* and the fraction of values at or below each."""
    v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
    return v, np.arange(1, v.size + 1) / max(v.size, 1)
