"""The computation behind `~chartkit.metrics.plots.density.plot_density` (no pyplot).

Two passes over the data, each one Dask graph when the data is a Dask frame:

1. `series_stats`: per series of every metric, the number of points, the non-finite ones by
   kind, the points without an x, and the x and y ranges of the drawable points. Only this
   small table comes back to the client; it names the metrics (no separate pass for that),
   counts the series, and gives the canvas its ranges.
2. `aggregate`: datashader's ``points`` glyph with a ``count`` reduction on a grid of the
   Axes' pixels: every point lands in exactly one pixel (points on the upper edge in the last
   one), NaN and infinite values in none.

A pandas frame goes through the same two functions (datashader aggregates pandas too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chartkit._optional import import_optional
from chartkit.errors import ColumnNotFoundError
from chartkit.metrics.schema import unknown_column

__all__ = [
    "DensityStats",
    "aggregate",
    "column_median",
    "is_dask",
    "metric_stats",
    "series_stats",
]

_KEYS = ["metric", "run", "rank", "trial"]
_STAT_COLUMNS = {
    "n": "int64",
    "nan": "int64",
    "posinf": "int64",
    "neginf": "int64",
    "no_x": "int64",
    "xmin": "float64",
    "xmax": "float64",
    "ymin": "float64",
    "ymax": "float64",
}


def is_dask(obj: Any) -> bool:
    """Whether *obj* is a Dask DataFrame (tested without importing dask)."""
    root = type(obj).__module__.split(".")[0]
    return root in ("dask", "dask_expr") and hasattr(obj, "map_partitions")


def _key(df: pd.DataFrame, name: str) -> pd.Series:
    """A key column; ``run``, ``rank`` and ``trial`` may be missing (all missing then)."""
    if name in df.columns:
        return df[name]
    return pd.Series(np.full(len(df), np.nan), index=df.index, dtype="float64")


def _codes(col: pd.Series) -> np.ndarray:
    """Integer codes of a key column (missing = -1), cheap for categoricals."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy()
    if pd.api.types.is_integer_dtype(col.dtype):  # rank: nullable integer
        return col.to_numpy(dtype=np.int64, na_value=-1)
    return pd.factorize(col, use_na_sentinel=True)[0]  # missing -> -1


def _key_values(col: pd.Series, rows: np.ndarray) -> list:
    values = col.iloc[rows]
    if pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_float_dtype(col.dtype):
        return values.astype("float64").tolist()  # rank NA -> NaN: one dtype everywhere
    return [None if pd.isna(v) else str(v) for v in values]


def _partition_stats(df: pd.DataFrame, x: str) -> pd.DataFrame:
    """Per-series counts and ranges of one partition (or of a whole pandas frame).

    Readers write each series as one contiguous block, so the work is one pass over blocks
    of equal keys (`numpy.ufunc.reduceat`); blocks of one series that are not contiguous
    are merged afterwards, on the small table.
    """
    n = len(df)
    if n == 0:
        empty = {k: pd.Series([], dtype="object") for k in _KEYS}
        empty["rank"] = pd.Series([], dtype="float64")
        return pd.DataFrame(
            {**empty, **{c: pd.Series([], dtype=t) for c, t in _STAT_COLUMNS.items()}}
        )
    v = df["value"].to_numpy(dtype=float)
    xv = df[x].to_numpy(dtype=float)
    finite, has_x = np.isfinite(v), np.isfinite(xv)
    drawable = finite & has_x
    change = np.zeros(n, dtype=bool)
    for k in _KEYS:
        a = _codes(_key(df, k))
        change[1:] |= a[1:] != a[:-1]
    starts = np.r_[0, np.flatnonzero(change[1:]) + 1]
    out = pd.DataFrame({k: _key_values(_key(df, k), starts) for k in _KEYS})
    out["n"] = np.diff(np.r_[starts, n])
    for name, mask in (
        ("nan", np.isnan(v)),
        ("posinf", v == np.inf),
        ("neginf", v == -np.inf),
        ("no_x", finite & ~has_x),
    ):
        out[name] = np.add.reduceat(mask.astype(np.int64), starts)
    xd, yd = np.where(drawable, xv, np.nan), np.where(drawable, v, np.nan)
    with np.errstate(invalid="ignore"):
        out["xmin"], out["xmax"] = np.fmin.reduceat(xd, starts), np.fmax.reduceat(xd, starts)
        out["ymin"], out["ymax"] = np.fmin.reduceat(yd, starts), np.fmax.reduceat(yd, starts)
    out = out.astype({"rank": "float64", **_STAT_COLUMNS})
    if len(out) > 1:
        out = _merge(out)
    return out


def _merge(parts: pd.DataFrame) -> pd.DataFrame:
    """One row per series from rows of blocks or partitions (counts add, ranges widen)."""
    agg = {c: "sum" for c in ("n", "nan", "posinf", "neginf", "no_x")}
    agg.update(xmin="min", xmax="max", ymin="min", ymax="max")
    out = parts.groupby(_KEYS, dropna=False, sort=False).agg(agg).reset_index()
    return out.astype({"rank": "float64", **_STAT_COLUMNS})


def series_stats(frame, x: str = "step") -> pd.DataFrame:
    """Counts and ranges per series (``metric, run, rank, trial``) of a pandas or Dask frame.

    Parameters
    ----------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        Canonical long frame (`chartkit.metrics.schema.COLUMNS`).
    x : {"step", "wall_time"}, default: "step"
        The column drawn along x.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``metric, run, rank, trial`` then ``n`` (points), ``nan``,
        ``posinf``, ``neginf``, ``no_x`` (finite values without an x), and ``xmin, xmax, ymin,
        ymax`` over the points that can be drawn (NaN when there are none). With Dask, one
        pass over the data; only this table comes back.
    """
    have = [str(c) for c in frame.columns]
    for name in ("metric", "step", "value", x):
        if name not in have:
            raise ColumnNotFoundError(
                f"data has no {name!r} column (it has {', '.join(map(repr, have))}); "
                "plot_density needs the long frame of chartkit.metrics.schema.COLUMNS"
            )
    if not is_dask(frame):
        return _partition_stats(frame, x)
    meta = _partition_stats(frame._meta, x)
    parts = frame.map_partitions(_partition_stats, x, meta=meta).compute()
    return _merge(parts) if len(parts) else meta


@dataclass
class DensityStats:
    """What one metric holds: counts for the note, ranges for the canvas."""

    points: int  # rows of the metric
    nan: int
    posinf: int
    neginf: int
    no_x: int
    series: pd.DataFrame  # the metric's rows of `series_stats`
    x_range: tuple[float, float] | None  # None: nothing to draw
    y_range: tuple[float, float] | None

    @property
    def nonfinite(self) -> int:
        return self.nan + self.posinf + self.neginf

    def count(self, by: str | None) -> int:
        """Series of the metric (``by=None``), or distinct values of *by* among them."""
        if by is None:
            return len(self.series)
        return int(self.series[by].dropna().nunique())


def _padded(lo: float, hi: float) -> tuple[float, float]:
    if hi > lo:
        return float(lo), float(hi)
    pad = max(abs(lo) * 0.05, 0.5)
    return float(lo) - pad, float(hi) + pad


def metric_stats(
    stats: pd.DataFrame, metric: str | None
) -> tuple[str | None, DensityStats | None]:
    """Pick *metric* (the only one when None) and sum its series' counts and ranges.

    Returns ``(None, None)`` for empty data.

    Raises
    ------
    chartkit.errors.ColumnNotFoundError
        An unknown *metric*, or None while the data holds several (the names listed).
    """
    names = sorted(stats["metric"].dropna().unique().tolist())
    if not names:
        return None, None
    if metric is None:
        if len(names) > 1:
            raise unknown_column(None, names, "metric (the data holds several: pass metric=)")
        metric = names[0]
    if metric not in names:
        raise unknown_column(metric, names, "metric")
    rows = stats[stats["metric"] == metric]
    total = {c: int(rows[c].sum()) for c in ("n", "nan", "posinf", "neginf", "no_x")}
    drawable = rows["xmin"].notna().any()
    x_range = _padded(rows["xmin"].min(), rows["xmax"].max()) if drawable else None
    y_range = _padded(rows["ymin"].min(), rows["ymax"].max()) if drawable else None
    return metric, DensityStats(
        total["n"], total["nan"], total["posinf"], total["neginf"], total["no_x"],
        rows.reset_index(drop=True), x_range, y_range,
    )


def _broken(df: pd.DataFrame, x: str) -> pd.DataFrame:
    """*x* and ``value`` of each series in step order, a NaN row before and after each one.

    datashader's ``line`` glyph joins consecutive rows and stops at NaN, and on a Dask frame
    joins the last row of a partition to the first of the next: the NaN rows make sure no
    two series are ever joined (a series split over two partitions loses the one segment
    across the split).
    """
    n = len(df)
    if n == 0:
        return pd.DataFrame({x: np.array([], dtype=float), "value": np.array([], dtype=float)})
    codes = [_codes(_key(df, k)) for k in _KEYS]
    order = np.lexsort((df["step"].to_numpy(), *codes[::-1]))
    change = np.zeros(n, dtype=bool)
    for a in codes:
        a = a[order]
        change[1:] |= a[1:] != a[:-1]
    starts = np.r_[0, np.flatnonzero(change[1:]) + 1]
    xs = np.insert(df[x].to_numpy(dtype=float)[order], starts, np.nan)
    vs = np.insert(df["value"].to_numpy(dtype=float)[order], starts, np.nan)
    return pd.DataFrame({x: np.r_[xs, np.nan], "value": np.r_[vs, np.nan]})


def aggregate(
    frame,
    metric: str,
    *,
    x: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    shape: tuple[int, int],
    lines: bool = False,
) -> np.ndarray:
    """Count the points (or line passes) of *metric* per pixel of a grid of *shape*.

    Pixel ``[i, j]`` of the ``(width, height)`` grid covers ``y`` bin *i* (from the bottom)
    and ``x`` bin *j* of equal bins spanning the ranges (both ends included: a point on the
    upper edge counts in the last bin). Points outside the ranges, and NaN/infinite values,
    count nowhere. With *lines*, each series is a polyline in step order (never joined to
    another series, broken at NaN) and a pixel counts the segments passing through it.

    Returns
    -------
    numpy.ndarray of uint32, shape (height, width)
    """
    ds = import_optional("datashader", "plot_density", "scale")
    width, height = shape
    canvas = ds.Canvas(
        plot_width=int(width), plot_height=int(height), x_range=x_range, y_range=y_range
    )
    rows = frame[frame["metric"] == metric]
    if not lines:
        agg = canvas.points(rows[[x, "value"]], x, "value", agg=ds.count())
    else:
        if is_dask(rows):
            meta = _broken(rows._meta, x)
            rows = rows.map_partitions(_broken, x, meta=meta)
        else:
            rows = _broken(rows, x)
        agg = canvas.line(rows, x, "value", agg=ds.count())
    return np.asarray(agg.values, dtype=np.uint32)


def column_median(counts: np.ndarray, y_range: tuple[float, float]) -> tuple[np.ndarray, ...]:
    """The median of the points of each pixel column, to the pixel (from the counts alone).

    Returns the column indices that hold points and, for each, the centre of the pixel row
    where the cumulative count first reaches half the column's points.
    """
    cum = np.cumsum(counts, axis=0, dtype=np.int64)
    total = cum[-1]
    cols = np.flatnonzero(total > 0)
    rows = np.argmax(cum[:, cols] * 2 >= total[cols], axis=0)
    h = counts.shape[0]
    y0, y1 = y_range
    return cols, y0 + (rows + 0.5) * (y1 - y0) / h
