"""The canonical frame every log reader returns, and the rules all readers share.

A reader turns one log format into a `RunLog`:

* ``RunLog.metrics``: a long `pandas.DataFrame` with the columns of `COLUMNS` and the dtypes
  of `DTYPES` (``rank`` and ``trial`` may be missing);
* ``RunLog.params``: one row per trial (and, for PBT, per config segment) of configuration
  values: columns ``run, trial, segment, start_step`` then the config keys;
* ``RunLog.info``: a `LogInfo` recording what was skipped, deduplicated, truncated, replaced,
  coerced or marked, with file, line and counts; the same object is stored in
  ``metrics.attrs["chartkit"]``.

How a reader uses this module (the order matters)::

    path = check_path(path)                       # FileNotFoundError naming it
    info = LogInfo(source="jsonl")
    data = read_bytes(path, info, encoding)       # BOM stripped; bad bytes -> one entry
    data = drop_unterminated(data, path, info)    # a crash's half line is dropped, counted
    ...parse...
    frame = make_frame("jsonl", run=..., rank=..., step=..., metric=..., value=...)
    return finish(frame, info, params=None, keep="last")

`finish` applies the resume dedupe per ``(run, rank, trial, metric, step)``, records the
segment boundaries and the first non-finite step of each series, stores *info* in the frame's
attrs and emits ONE `~chartkit.errors.DataWarning` per problem recorded.

This module imports no pyplot.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.errors import ColumnNotFoundError, DataWarning

__all__ = [
    "COLUMNS",
    "DTYPES",
    "MAX_NESTING",
    "PARAMS_COLUMNS",
    "SERIES_KEYS",
    "ColumnNotFoundError",
    "LogEntry",
    "LogInfo",
    "RunLog",
    "check_encoding",
    "check_path",
    "coerce_numeric",
    "concat_frames",
    "dedupe",
    "deep_lines",
    "drop_unterminated",
    "empty_frame",
    "empty_params",
    "finish",
    "first_nonfinite",
    "format_ranges",
    "make_frame",
    "natural_key",
    "nesting_depth",
    "params_frame",
    "read_bytes",
    "unknown_column",
    "unreadable",
]

#: Columns of the canonical long frame, in order.
COLUMNS: tuple[str, ...] = (
    "source",
    "run",
    "rank",
    "trial",
    "step",
    "wall_time",
    "metric",
    "value",
)

#: Fixed dtypes of the canonical frame. ``rank`` is a nullable integer; ``trial`` a categorical
#: of strings (missing = NaN); ``wall_time`` is seconds since the epoch (NaN when unknown).
DTYPES: dict[str, Any] = {
    "source": "category",
    "run": "category",
    "rank": "Int32",
    "trial": "category",
    "step": "int64",
    "wall_time": "float64",
    "metric": "category",
    "value": "float64",
}

#: Columns that identify one series (one line on a chart).
SERIES_KEYS: tuple[str, ...] = ("run", "rank", "trial", "metric")

#: First columns of the params frame; config keys follow.
PARAMS_COLUMNS: tuple[str, ...] = ("run", "trial", "segment", "start_step")

Keep = Literal["last", "first", "all"]
Kind = Literal[
    "skipped", "deduplicated", "truncated", "replaced", "coerced", "marked", "empty", "missing"
]
_KINDS = (
    "skipped",
    "deduplicated",
    "truncated",
    "replaced",
    "coerced",
    "marked",
    "empty",
    "missing",
)


# --------------------------------------------------------------------------- errors


def unknown_column(
    name: Any, available: Iterable[Any], what: str = "column"
) -> ColumnNotFoundError:
    """Build the error for an unknown *name*, listing *available* with close matches.

    Parameters
    ----------
    name : object
        What was asked for.
    available : iterable
        The names that exist.
    what : str, default: "column"
        The kind of name, used in the message (``'lsos' is not a valid value for metric``).

    Returns
    -------
    ColumnNotFoundError
        Raise it: ``raise unknown_column("lsos", frame.columns)``.
    """
    return ColumnNotFoundError(invalid_value_message(name, what, sorted(map(str, available))))


# --------------------------------------------------------------------------- LogInfo


@dataclass
class LogEntry:
    """One problem found while reading: what was done, where, why, and how many times.

    Attributes
    ----------
    kind : {"skipped", "deduplicated", "truncated", "replaced", "coerced", "marked", "empty", \
"missing"}
        What the reader did (``missing``: data that should be there and is not, e.g. a rank).
    file : str or None
        The file concerned.
    line : int or None
        First line concerned (1-based), when known.
    reason : str
        Plain-language cause ("malformed JSON", "resume overlap", ...).
    count : int, default: 1
        How many lines, cells or points it concerns.
    byte_offset : int or None
        For byte-level problems (undecodable bytes), the offset of the first one.
    lines : list of int
        Up to 10 line numbers concerned, for reports.
    """

    kind: str
    file: str | None
    line: int | None
    reason: str
    count: int = 1
    byte_offset: int | None = None
    lines: list[int] = field(default_factory=list)

    def message(self) -> str:
        """The one-sentence description used in warnings and summaries."""
        where = ""
        if self.file is not None:
            where = f" in {self.file!r}"
            if self.line is not None:
                where += f" (first at line {self.line})"
            if self.byte_offset is not None:
                where += f" (first at byte offset {self.byte_offset})"
        unit = "entry" if self.count == 1 else "entries"
        return f"{self.kind} {self.count} {unit}{where}: {self.reason}"


@dataclass(eq=False)  # identity equality: pandas compares attrs when concatenating frames
class LogInfo:
    """What a reader read, and what it skipped, deduplicated, truncated or marked.

    Stored in ``RunLog.metrics.attrs["chartkit"]`` and as ``RunLog.info``.

    Attributes
    ----------
    source : str
        Reader name (``"jsonl"``, ``"lightning"``, ``"ray"``, ...).
    files : list of str
        Files read, in order.
    rows : int
        Records (lines, rows, events) parsed, before dedupe.
    entries : list of LogEntry
        Problems, one per kind/file/reason.
    segments : pandas.DataFrame
        Resume points: ``run, rank, trial, metric, step, position`` where a series' step went
        back (``position`` is the row index in read order where the new segment starts).
    nonfinite : pandas.DataFrame
        First non-finite step per series: ``run, rank, trial, metric, step, count``.
    extra : dict
        Reader-specific facts (trial statuses, units, ...).
    """

    source: str = ""
    files: list[str] = field(default_factory=list)
    rows: int = 0
    entries: list[LogEntry] = field(default_factory=list)
    segments: pd.DataFrame | None = None
    nonfinite: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        kind: Kind,
        file: str | os.PathLike[str] | None,
        reason: str,
        *,
        line: int | None = None,
        count: int = 1,
        byte_offset: int | None = None,
        lines: Sequence[int] = (),
    ) -> LogEntry:
        """Record a problem; entries of the same kind, file and reason merge (counts add)."""
        check_in_list(_KINDS, kind=kind)
        fname = None if file is None else str(file)
        for e in self.entries:
            if e.kind == kind and e.file == fname and e.reason == reason:
                e.count += count
                if e.line is None or (line is not None and line < e.line):
                    e.line = line if e.line is None else min(e.line, line)
                e.lines.extend(list(lines)[: max(0, 10 - len(e.lines))])
                return e
        entry = LogEntry(kind, fname, line, reason, count, byte_offset, list(lines)[:10])
        self.entries.append(entry)
        return entry

    def of_kind(self, kind: Kind) -> list[LogEntry]:
        """The entries of one kind."""
        return [e for e in self.entries if e.kind == kind]

    def count(self, kind: Kind) -> int:
        """Total count over the entries of one kind."""
        return sum(e.count for e in self.of_kind(kind))

    def merge(self, other: LogInfo) -> LogInfo:
        """Add *other*'s files, rows, entries and extras into this one; return self."""
        self.files.extend(f for f in other.files if f not in self.files)
        self.rows += other.rows
        for e in other.entries:
            self.add(
                e.kind,  # type: ignore[arg-type]
                e.file,
                e.reason,
                line=e.line,
                count=e.count,
                byte_offset=e.byte_offset,
                lines=e.lines,
            )
        for k, v in other.extra.items():
            self.extra.setdefault(k, v)
        return self

    def warn(self, stacklevel: int | None = None) -> None:
        """Emit one `~chartkit.errors.DataWarning` per recorded problem.

        Each warning points at the user's line that called chartkit
        (`chartkit.errors.warn_external`); *stacklevel* is accepted for compatibility and
        ignored.
        """
        from chartkit.errors import warn_external

        for e in self.entries:
            warn_external(e.message(), DataWarning)

    def _repr_html_(self) -> str:
        """What was read and every problem recorded, as a compact table."""
        from chartkit._html import table, titled

        rows = [(e.kind, e.file or "", e.line if e.line is not None else "", e.count, e.reason)
                for e in self.entries[:50]]
        head = f"read report ({self.source}): {len(self.files)} file(s), {self.rows} records"
        body = table(rows, ("kind", "file", "line", "count", "reason")) if rows else (
            "<div>problems: none</div>")
        return titled(head, body)

    def summary(self) -> str:
        """Human-readable account of what was read and what was not."""
        out = [f"source: {self.source}", f"files: {len(self.files)}", f"records read: {self.rows}"]
        for f in self.files[:20]:
            out.append(f"  {f}")
        if len(self.files) > 20:
            out.append(f"  ... ({len(self.files) - 20} more)")
        problems = [e for e in self.entries if e.kind != "marked"]
        marked = [e for e in self.entries if e.kind == "marked"]
        if problems:
            out.append("problems:")
            out.extend(f"  {e.message()}" for e in problems)
        else:
            out.append("problems: none")
        if marked:
            # facts kept in the data (an OOM batch size, an ERROR trial), not problems
            out.append("marked:")
            out.extend(f"  {e.message()}" for e in marked)
        if self.segments is not None and len(self.segments):
            out.append(f"resume points: {len(self.segments)}")
        if self.nonfinite is not None and len(self.nonfinite):
            out.append(f"series with non-finite values: {len(self.nonfinite)}")
        return "\n".join(out)

    def __deepcopy__(self, memo: dict) -> LogInfo:
        # pandas deep-copies attrs on many operations; the record is read-only after a read,
        # so sharing it is both correct and keeps those operations cheap.
        return self


# --------------------------------------------------------------------------- frames


def empty_frame() -> pd.DataFrame:
    """An empty canonical frame with the fixed dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype=DTYPES[c]) for c in COLUMNS})


def empty_params() -> pd.DataFrame:
    """An empty params frame (``run, trial, segment, start_step``)."""
    return pd.DataFrame(
        {
            "run": pd.Series([], dtype="str"),
            "trial": pd.Series([], dtype="str"),
            "segment": pd.Series([], dtype="int64"),
            "start_step": pd.Series([], dtype="Int64"),
        }
    )


def _categorical(values: Any, n: int) -> pd.Categorical:
    if values is None:
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
    if isinstance(values, pd.Categorical):
        cat = values
    elif isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array
    elif np.ndim(values) == 0:
        if values is pd.NA or (isinstance(values, float) and math.isnan(values)):
            return _categorical(None, n)
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[str(values)])
    else:
        arr = pd.array(values, dtype="str") if not isinstance(values, pd.Series) else values
        cat = pd.Categorical(pd.Series(arr).astype("str"))
    if not all(isinstance(c, str) for c in cat.categories):
        cat = cat.rename_categories([str(c) for c in cat.categories])
    return cat


def make_frame(
    source: str,
    *,
    run: Any = None,
    rank: Any = None,
    trial: Any = None,
    step: Any,
    wall_time: Any = None,
    metric: Any,
    value: Any,
) -> pd.DataFrame:
    """Build a canonical frame from columns or scalars, with the fixed dtypes.

    Parameters
    ----------
    source : str
        Reader name, stored in every row.
    run, rank, trial : scalar, array-like or None
        A scalar is broadcast; None means missing.
    step : array-like of int
        Defines the length.
    wall_time : array-like of float, optional
        Seconds since the epoch; NaN when unknown.
    metric : scalar or array-like of str
    value : array-like of float

    Returns
    -------
    pandas.DataFrame
        Columns `COLUMNS` with dtypes `DTYPES`.
    """
    step_arr = np.asarray(step, dtype=np.int64)
    n = len(step_arr)
    if wall_time is None:
        wt = np.full(n, np.nan)
    elif np.ndim(wall_time) == 0:
        wt = np.full(n, float(wall_time))
    else:
        wt = np.asarray(wall_time, dtype=np.float64)
    if rank is None or (np.ndim(rank) == 0 and pd.isna(rank)):
        rk = pd.array(np.zeros(n, dtype=np.int32), dtype="Int32")
        rk[:] = pd.NA
    elif np.ndim(rank) == 0:
        rk = pd.array(np.full(n, int(rank), dtype=np.int32), dtype="Int32")
    else:
        rk = pd.array(rank, dtype="Int32")
    frame = pd.DataFrame(
        {
            "source": _categorical(source, n),
            "run": _categorical(run, n),
            "rank": rk,
            "trial": _categorical(trial, n),
            "step": step_arr,
            "wall_time": wt,
            "metric": _categorical(metric, n),
            "value": np.asarray(value, dtype=np.float64)
            if np.ndim(value)
            else np.full(n, float(value)),
        },
        copy=False,
    )
    return frame


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate canonical frames, keeping the categorical dtypes (categories unioned)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    cols: dict[str, Any] = {}
    for c in COLUMNS:
        if DTYPES[c] == "category":
            cols[c] = pd.api.types.union_categoricals([f[c].array for f in frames])
        elif c == "rank":
            arrays = [f[c].array for f in frames]
            cols[c] = pd.arrays.IntegerArray(
                np.concatenate([a.to_numpy(dtype=np.int32, na_value=0) for a in arrays]),
                np.concatenate([np.asarray(a.isna()) for a in arrays]),
            )
        else:
            cols[c] = np.concatenate([f[c].to_numpy() for f in frames])
    return pd.DataFrame(cols, copy=False)


# --------------------------------------------------------------------------- RunLog


class RunLog:
    """What a reader returns: the long metrics frame, the params frame and the `LogInfo`.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Canonical long frame (`COLUMNS`, `DTYPES`).
    params : pandas.DataFrame
        One row per trial / config segment (`PARAMS_COLUMNS` then config keys).
    info : LogInfo

    Examples
    --------
    >>> log = chartkit.metrics.read("runs/ddp/")          # doctest: +SKIP
    >>> log.wide(metric="loss")                           # doctest: +SKIP
    """

    def __init__(self, metrics: pd.DataFrame, params: pd.DataFrame, info: LogInfo) -> None:
        self.metrics = metrics
        self.params = params
        self.info = info

    def __repr__(self) -> str:
        m = self.metrics
        n_series = len(m.groupby(list(SERIES_KEYS), observed=True, dropna=False)) if len(m) else 0
        return (
            f"<RunLog source={self.info.source!r}: {len(m)} points, "
            f"{m['metric'].nunique()} metric(s), {n_series} series, "
            f"{len(self.info.entries)} problem(s) recorded>"
        )

    def _repr_html_(self) -> str:
        """A compact table per metric (points, steps, non-finite) and the read report."""
        from chartkit._html import table, titled

        m = self.metrics
        rows = []
        if len(m):
            finite = np.isfinite(m["value"].to_numpy(dtype=float))
            tmp = m[["metric", "step"]].assign(nonfinite=~finite)
            for name, g in tmp.groupby("metric", observed=True):
                rows.append((name, len(g), int(g["step"].min()), int(g["step"].max()),
                             int(g["nonfinite"].sum())))
        head = repr(self).strip("<>")
        return titled(
            head,
            table(rows[:40], ("metric", "points", "first step", "last step", "non-finite")),
            self.info._repr_html_(),
        )

    @property
    def metric_names(self) -> list[str]:
        """Names of the metrics present, sorted."""
        return sorted(self.metrics["metric"].unique().astype(str).tolist())

    def series(self, metric: str) -> pd.DataFrame:
        """Rows of one metric (long form)."""
        self._check_metric(metric)
        return self.metrics[self.metrics["metric"] == metric]

    def _check_metric(self, metric: Any) -> None:
        names = self.metric_names
        if metric not in names:
            raise unknown_column(metric, names, "metric")

    def wide(
        self,
        metric: str | Sequence[str] | None = None,
        *,
        index: Literal["step", "wall_time"] = "step",
    ) -> pd.DataFrame:
        """Pivot to a wide frame for plotting.

        Parameters
        ----------
        metric : str, list of str or None
            One metric: columns are the series (``run/rank/trial`` labels, only the levels
            that vary), index is *index*. Several or None (all): a column per metric, index
            ``(run, rank, trial, step)``.
        index : {"step", "wall_time"}, default: "step"
            Row index for a single metric.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        KeyError
            A metric that is not in the data (close matches suggested).
        """
        check_in_list(["step", "wall_time"], index=index)
        m = self.metrics
        if isinstance(metric, str):
            self._check_metric(metric)
            sub = m[m["metric"] == metric]
            levels = [c for c in ("run", "rank", "trial") if sub[c].nunique(dropna=False) > 1]
            if index == "wall_time":
                sub = sub.dropna(subset=["wall_time"])
            if not levels:
                out = sub.set_index(index)[["value"]].rename(columns={"value": metric})
                return out[~out.index.duplicated(keep="last")].sort_index()
            wide = sub.pivot_table(
                index=index, columns=levels, values="value", aggfunc="last", observed=True
            )
            wide.columns.name = None if len(levels) == 1 else wide.columns.name
            return wide.sort_index()
        metrics = self.metric_names if metric is None else list(metric)
        for name in metrics:
            self._check_metric(name)
        sub = m[m["metric"].isin(metrics)]
        keys = ["run", "rank", "trial", "step"]
        wide = sub.pivot_table(
            index=keys,
            columns="metric",
            values="value",
            aggfunc="last",
            observed=True,
            dropna=False,
        )
        wide = wide.dropna(how="all")
        wide.columns = wide.columns.astype(str)
        wide.columns.name = None
        return wide[[c for c in metrics if c in wide.columns]]


def params_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a params frame from dicts holding ``run, trial, segment, start_step`` + config."""
    if not rows:
        return empty_params()
    df = pd.DataFrame(list(rows))
    for c in PARAMS_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    rest = [c for c in df.columns if c not in PARAMS_COLUMNS]
    df = df[list(PARAMS_COLUMNS) + rest]
    df["segment"] = df["segment"].fillna(0).astype("int64")
    df["start_step"] = df["start_step"].astype("Int64")
    return df


# The shared rules live in _rules.py (which builds on the classes above); they are part of
# this module's API, so readers import everything from chartkit.metrics.schema.
from chartkit.metrics._rules import (  # noqa: E402
    MAX_NESTING,
    check_encoding,
    check_path,
    coerce_numeric,
    dedupe,
    deep_lines,
    drop_unterminated,
    finish,
    first_nonfinite,
    format_ranges,
    natural_key,
    nesting_depth,
    read_bytes,
    unreadable,
)
