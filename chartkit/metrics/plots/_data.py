"""Shared data preparation for the log plots: series selection and labels (no pyplot)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list
from chartkit.metrics.schema import RunLog, natural_key, unknown_column

SERIES_KEYS = ("run", "rank", "trial")


@dataclass
class Series:
    """One series of one metric, sorted by step."""

    key: tuple
    label: str
    step: np.ndarray
    value: np.ndarray
    wall_time: np.ndarray
    segment: np.ndarray


def frame_of(log) -> tuple[pd.DataFrame, object]:
    """The long frame and the LogInfo (or None) of a RunLog or a canonical frame."""
    if isinstance(log, RunLog):
        return log.metrics, log.info
    if isinstance(log, pd.DataFrame):
        return log, log.attrs.get("chartkit")
    raise TypeError(
        f"'log' must be an instance of RunLog or pandas.DataFrame, not {type(log).__name__}"
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
    names = metric_names(frame)
    if metric not in names:
        raise unknown_column(metric, names, "metric")
    return frame[frame["metric"] == metric]


def _label(key: tuple, varying: list[str], by: str | None) -> str:
    parts = dict(zip(SERIES_KEYS, key, strict=True))
    shown = [by] if by is not None and by in varying else varying
    if not shown:
        return str(parts["run"]) if not pd.isna(parts["run"]) else "series"
    out = []
    for k in shown:
        v = parts[k]
        out.append(f"rank {v}" if k == "rank" else str(v))
    return " / ".join(out)


def _key_arrays(rows: pd.DataFrame) -> list[np.ndarray]:
    """Small integer codes of the ``run``, ``rank`` and ``trial`` columns."""
    out = []
    for k in SERIES_KEYS:
        col = rows[k]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out.append(col.cat.codes.to_numpy())
        elif pd.api.types.is_integer_dtype(col.dtype):  # rank: nullable integer
            out.append(col.to_numpy(dtype=np.int64, na_value=-1))
        else:
            out.append(pd.factorize(col, use_na_sentinel=True)[0])
    return out


def _blocks(rows: pd.DataFrame, step: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Row order (None when already grouped and sorted) and the start of each series."""
    n = len(rows)
    keys = _key_arrays(rows)
    change = np.zeros(n, dtype=bool)
    for a in keys:
        change[1:] |= a[1:] != a[:-1]
    starts = np.flatnonzero(change)
    starts = np.r_[0, starts] if n else starts
    block_keys = list(zip(*(a[starts].tolist() for a in keys), strict=True))
    steps_ok = n < 2 or bool(np.all((step[1:] >= step[:-1]) | change[1:]))
    if len(set(block_keys)) == len(block_keys) and steps_ok:
        return None, starts  # readers' frames: one contiguous, step-sorted block per series
    code = np.zeros(n, dtype=np.int64)
    for a in keys:
        a = a.astype(np.int64) + 1
        code = code * (int(a.max()) + 1) + a
    order = np.lexsort((step, code))
    code = code[order]
    starts = np.r_[0, np.flatnonzero(np.diff(code)) + 1]
    return order, starts


def iter_series(rows: pd.DataFrame, info, *, by: str | None = None) -> Iterator[Series]:
    """Series of one metric, in natural order of their labels.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of one metric from a canonical frame.
    info : LogInfo or None
        Supplies the resume points (segment boundaries).
    by : {"rank", "trial", "run"} or None
        What distinguishes the series in their labels.
    """
    if by is not None:
        check_in_list(["rank", "trial", "run"], by=by)
    varying = [k for k in SERIES_KEYS if rows[k].nunique(dropna=True) > 1]
    resumes = None
    if info is not None and getattr(info, "segments", None) is not None and len(info.segments):
        resumes = info.segments
    step_all = rows["step"].to_numpy()
    value_all = rows["value"].to_numpy(dtype=float)
    wall_all = rows["wall_time"].to_numpy(dtype=float)
    n = len(rows)
    order, starts = _blocks(rows, step_all)
    if order is not None:
        step_all, value_all, wall_all = step_all[order], value_all[order], wall_all[order]
    ends = np.r_[starts[1:], n] if n else starts
    metric = rows["metric"].iloc[0] if n else None
    items = []
    for a, b in zip(starts, ends, strict=True):
        first = int(a) if order is None else int(order[a])
        key = tuple(rows[k].iloc[first] for k in SERIES_KEYS)
        step = step_all[a:b]
        seg = np.zeros(step.size, dtype=np.int64)
        if resumes is not None:
            r = resumes
            mask = np.ones(len(r), dtype=bool)
            for k, v in zip(SERIES_KEYS, key, strict=True):
                col = r[k]
                mask &= (col.isna() if pd.isna(v) else (col == v)).to_numpy(dtype=bool)
            mask &= (r["metric"] == metric).to_numpy(dtype=bool)
            for s in np.sort(r.loc[mask, "step"].to_numpy()):
                seg += step >= s
        label = _label(key, varying, by)
        items.append(Series(key, label, step, value_all[a:b], wall_all[a:b], seg))
    items.sort(key=lambda s: natural_key(s.label))
    yield from items


def text_color(ax, color):
    """*color* darkened (or lightened) just enough to read as text on *ax* (WCAG 4.5:1).

    Lines keep their colour; labels drawn in a series' colour go through this, so an
    Okabe-Ito orange name (2.25:1 on white) stays the same hue but passes the audit.
    """
    from chartkit.annotate.lines import readable_color

    return readable_color(color, [ax.get_facecolor(), ax.figure.get_facecolor()], 4.5)


def cycle_colors() -> list:
    """The active theme's colour cycle (``axes.prop_cycle``), read when a plot is drawn."""
    import matplotlib as mpl

    return list(mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"]))
