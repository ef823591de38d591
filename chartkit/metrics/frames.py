"""Access to the canonical long frame shared by tables and plots (pure: no pyplot).

`frame_of` takes what the plots and tables accept (a `RunLog` or its long frame),
`metric_names` lists the metrics present, `metric_rows` selects one metric's rows and names
the ones that exist when it is absent. The tables (`tuning_tables`, `rank_tables`) and the
plots import them from here, so a pure module never pulls in the plotting package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chartkit.metrics.schema import RunLog, unknown_column

__all__ = ["frame_of", "metric_names", "metric_rows", "value_order"]


def frame_of(log, name: str = "data") -> tuple[pd.DataFrame, object]:
    """The long frame and the LogInfo (or None) of a RunLog or a canonical frame."""
    if isinstance(log, RunLog):
        return log.metrics, log.info
    if isinstance(log, pd.DataFrame):
        return log, log.attrs.get("chartkit")
    raise TypeError(
        f"{name!r} must be an instance of RunLog or pandas.DataFrame, not {type(log).__name__}"
    )


def metric_names(frame: pd.DataFrame) -> list[str]:
    """Metric names present in a canonical frame (cheap for the categorical column)."""
    col = frame["metric"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = np.unique(col.cat.codes.to_numpy())
        cats = col.cat.categories
        return sorted(str(cats[i]) for i in present if i >= 0)
    return sorted(col.dropna().astype(str).unique().tolist())


def metric_rows(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows of *metric*; a `ColumnNotFoundError` listing the metrics when it is absent."""
    names = metric_names(frame)
    if metric not in names:
        raise unknown_column(metric, names, "metric")
    return frame[frame["metric"] == metric]


def value_order(value) -> tuple:
    """Sort key for labels: numbers in numeric order (``8`` before ``16``, ``0.03`` before
    ``0.1``), then text."""
    text = str(value)
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)
