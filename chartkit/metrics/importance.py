"""Which hyper-parameters matter: a rank-based, one-parameter-at-a-time importance.

The measure (`param_importance`) is the share of the variance of the trials' metric
*ranks* that one parameter explains on its own:

* a numeric parameter (log or linear): the squared Spearman rank correlation ``rho**2``
  between the parameter and the metric. Ranks do not change under a monotone transform,
  so a log-uniform parameter is measured on its log scale for free; the sign of ``rho``
  says whether larger values go with a larger metric;
* a categorical parameter (strings, booleans, a few integer choices): the correlation
  ratio ``eta**2`` of a one-way grouping of the metric ranks by category (between-group
  sum of squares over total sum of squares).

Both are fractions in [0, 1] of the same quantity (the ranks' variance), so they can be
compared across parameters. They ignore interactions, and ``eta**2`` grows with the number
of categories when trials are few; fANOVA or SHAP on a surrogate model are the refined
versions. Below `MIN_TRIALS` trials the plot warns that the values are noise-dominated.

This module imports no pyplot; `chartkit.metrics.plots.plot_importance` draws its table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit.metrics.tuning_tables import (
    Kind,
    check_param,
    check_params_available,
    param_kinds,
    trial_table,
    varying_params,
)

__all__ = ["MIN_COMPUTE", "MIN_TRIALS", "param_importance"]

#: Below this many trials with a value, `plot_importance` warns (and says so in the axes).
MIN_TRIALS = 10
# Below this many, nothing is computed (a rank correlation of 2 points is always +-1).
MIN_COMPUTE = 3


def _ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank(method="average").to_numpy(dtype=float)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / den) if den > 0 else 0.0


def _eta_squared(groups: Sequence[Any], y: np.ndarray) -> float:
    r = _ranks(y)
    total = ((r - r.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    s = pd.Series(r).groupby(pd.Series(list(groups)).astype(str).to_numpy(), sort=False)
    between = (s.count() * (s.mean() - r.mean()) ** 2).sum()
    return float(between / total)


def param_importance(
    log,
    metric: str,
    *,
    params: Sequence[str] | None = None,
    scope: Literal["last", "min", "max"] = "last",
    step: int | None = None,
    scales: Mapping[str, Kind] | None = None,
) -> pd.DataFrame:
    """Share of the variance of the trials' *metric* ranks explained by each parameter.

    See the module docstring for the measure.

    Parameters
    ----------
    log : RunLog
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    metric : str
        The metric the trials are scored by.
    params : list of str, optional
        Parameters to measure; default: every config key that varies.
    scope : {"last", "min", "max"}, default: "last"
        How a trial's curve becomes one value (see `~.tuning.trial_table`).
    step : int, optional
        Score every trial at this step instead (trials that did not reach it are left out).
        After ASHA, trials stopped at different iterations, so their last values mix
        "how good" with "how long it ran"; ``step=grace_period`` compares every trial at
        the first rung.
    scales : dict, optional
        ``{param: kind}`` overriding the guessed kind (see `~.tuning.param_kinds`).

    Returns
    -------
    pandas.DataFrame
        One row per parameter, most important first: ``param, kind, measure`` (``"rho^2"``
        or ``"eta^2"``), ``importance`` in [0, 1] (NaN when fewer than 3 trials have both
        values), ``rho`` (signed Spearman correlation; NaN for categorical parameters),
        ``n_trials``, ``n_groups``.

    Raises
    ------
    KeyError
        When *metric* or a name in *params* is not in the log.
    ValueError
        For a bad *scope* or a bare metrics frame (no configs).
    """
    all_params = check_params_available(log, "param_importance")
    table = trial_table(log, metric, scope=scope, step=step)
    if params is None:
        params, _ = varying_params(table, all_params)
    else:
        for p in params:
            check_param(p, all_params, "params")
    kinds = param_kinds(table, list(params), scales)
    y_all = table["value"].to_numpy(dtype=float)
    rows = []
    for p in params:
        col = table[p]
        ok = np.isfinite(y_all) & col.notna().to_numpy()
        y = y_all[ok]
        x = col[ok]
        n = int(ok.sum())
        n_groups = int(x.astype(str).nunique())
        rho = np.nan
        if kinds[p] == "categorical":
            measure = "eta^2"
            imp = _eta_squared(x.tolist(), y) if n >= MIN_COMPUTE else np.nan
        else:
            measure = "rho^2"
            if n >= MIN_COMPUTE:
                rho = _spearman(pd.to_numeric(x).to_numpy(dtype=float), y)
                imp = rho * rho
            else:
                imp = np.nan
        rows.append(
            {
                "param": p,
                "kind": kinds[p],
                "measure": measure,
                "importance": imp,
                "rho": rho,
                "n_trials": n,
                "n_groups": n_groups,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=["param", "kind", "measure", "importance", "rho", "n_trials", "n_groups"],
    )
    out = out.sort_values("importance", ascending=False, kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    out.attrs.update(table.attrs)
    out.attrs["n_trials"] = int(np.isfinite(y_all).sum())
    return out
