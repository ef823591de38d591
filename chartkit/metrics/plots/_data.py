"""Shared data preparation for the log plots: series selection and labels (no pyplot)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list
from chartkit.metrics.frames import metric_names
from chartkit.metrics.schema import natural_key, unknown_column

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
    """*color* as text on *ax*: `chartkit.annotate.series_text_color`, the one helper.

    Lines keep their colour; labels drawn in a series' colour go through this, so an
    Okabe-Ito orange name (2.25:1 on white) stays the same hue but passes the audit.
    """
    from chartkit.annotate.contrast import series_text_color

    return series_text_color(color, ax)


def cycle_colors() -> list:
    """The active theme's colour cycle (``axes.prop_cycle``), read when a plot is drawn."""
    import matplotlib as mpl

    return list(mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"]))


def pick_metric(frame: pd.DataFrame, metric: str | None) -> str | None:
    """*metric*, or the only metric of *frame* when None (None when the frame is empty)."""
    if len(frame) == 0:
        return None
    if metric is not None:
        return metric
    names = metric_names(frame)
    if len(names) == 1:
        return names[0]
    raise unknown_column(None, names, "metric (the data holds several: pass metric=)")


def empty_axes(ax, func: str, lang: str = "en"):
    """An Axes that says "no data", with one warning: empty input is not an error."""
    from chartkit._i18n import tr
    from chartkit.errors import DataWarning, warn_external

    warn_external(f"{func}: the data is empty; drew an empty 'no data' Axes.", DataWarning)
    ax.text(
        0.5,
        0.5,
        tr("word.no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="0.4",
    )
    return ax


def series_colors(ax, n: int, color=None) -> list:
    """*n* colours: *color* for all when given, else the next colours of *ax*.

    The second plot on one Axes takes the colours after the first one's
    (`chartkit.palettes.resolve.next_colors`), so two calls never share a colour.
    """
    if n == 0:
        return []
    from chartkit.palettes.resolve import next_colors, resolve_colors

    if color is not None:
        return resolve_colors(color, 1)[:1] * n
    return list(next_colors(ax, n))


def _time_unit(span: float) -> tuple[float, str]:
    if span < 600:
        return 1.0, "s"
    if span < 36_000:
        return 60.0, "min"
    return 3600.0, "h"


def x_values(series: list[Series], frame: pd.DataFrame, x: str, batch_size, lang: str):
    """x positions of each series, the x label and a note when an input was missing.

    ``"relative_time"`` counts from the first record of the series' run; ``"samples"``
    multiplies steps by *batch_size*, or sums a logged ``batch_size`` metric of the same
    run and rank over the steps (never a batch size inferred from a logged rate).
    """
    from chartkit._i18n import tr

    steps = [s.step for s in series]
    step_label = tr("word.step", lang)
    if x == "step" or not series:
        return steps, step_label, None
    if x in ("relative_time", "wall_time"):
        if not any(np.isfinite(s.wall_time).any() for s in series):
            return steps, step_label, tr("curves.note.no_wall_time", lang)
        if x == "wall_time":
            out = []
            for s in series:
                ns = np.where(np.isfinite(s.wall_time), s.wall_time * 1e9, np.nan)
                out.append(pd.to_datetime(ns, unit="ns").to_numpy())
            return out, tr("word.wall_time", lang), None
        starts = {}
        for s in series:
            run = s.key[0]
            t0 = np.nanmin(s.wall_time) if np.isfinite(s.wall_time).any() else np.nan
            starts[run] = np.nanmin([starts.get(run, np.nan), t0])
        span = max(np.nanmax(s.wall_time) - starts[s.key[0]] for s in series)
        div, unit = _time_unit(float(span))
        out = [(s.wall_time - starts[s.key[0]]) / div for s in series]
        return out, tr("curves.xlabel.relative", lang, unit=tr(f"curves.unit.{unit}", lang)), None
    # samples
    label = tr("curves.xlabel.samples", lang)
    if batch_size is not None:
        return [s.step * float(batch_size) for s in series], label, None
    logged = _logged_batch(frame)
    if logged is None:
        return steps, step_label, tr("curves.note.no_batch", lang)
    out = []
    for s in series:
        run, rank = s.key[0], s.key[1]
        rows = logged
        if not pd.isna(run):
            rows = rows[rows["run"] == run]
        if not pd.isna(rank):
            rows = rows[rows["rank"] == rank]
        if rows.empty:
            return steps, step_label, tr("curves.note.no_batch", lang)
        bs = rows.groupby("step")["value"].last().sort_index()
        # samples after step t = sum of the batch sizes of the steps up to t
        full = bs.reindex(np.arange(int(bs.index.min()), int(s.step.max()) + 1)).ffill().bfill()
        cum = full.cumsum()
        out.append(cum.reindex(s.step).to_numpy(dtype=float))
    return out, label, None


def _logged_batch(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Rows of a logged per-step batch-size metric (``batch_size``, ``train/batch_size``...)."""
    names = [n for n in metric_names(frame) if n.split("/")[-1].lower() in _BATCH_NAMES]
    if not names:
        return None
    return frame[frame["metric"] == names[0]]


_BATCH_NAMES = ("batch_size", "batch-size", "batchsize", "bs", "micro_batch_size")
