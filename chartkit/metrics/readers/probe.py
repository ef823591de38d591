"""Batch-size probe CSVs: one row per batch size tried, ``status`` ok or oom.

The shape written by the usual search (double the batch until the allocator fails):
``batch_size,status,step_time_ms,<memory columns...>,error``. The CPU variant records
``peak_rss_mb``/``rss_after_mb``; the GPU variant ``max_allocated_mb``, ``max_reserved_mb``,
``reserved_after_mb``, ``reserved_after_empty_cache_mb``. Out-of-memory is read from the
``status`` column, never guessed from the error text (torch's CPU allocator error does not say
"out of memory").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.readers._common import (
    ColumnData,
    long_part,
    numeric_column,
    parts_to_frame,
    read_csv_file,
    select_metrics,
)
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    check_path,
    finish,
    params_frame,
    unknown_column,
)

__all__ = ["OOM_STATUSES", "read_batch_probe"]

#: ``status`` values meaning the batch did not fit (case-insensitive).
OOM_STATUSES = ("oom", "out_of_memory", "out of memory", "failed", "fail", "error")


def read_batch_probe(
    path: str | os.PathLike[str],
    *,
    run: str | None = None,
    batch_size: str = "batch_size",
    status: str = "status",
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
) -> RunLog:
    """Read a batch-size probe CSV (ok/oom rows) into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    run : str, optional
        Run name; default: the file's stem.
    batch_size, status : str, default: "batch_size", "status"
        Columns holding the batch size tried and its outcome.
    metrics : list of str, optional
        Numeric columns to keep (default: all, e.g. ``step_time_ms``, ``peak_rss_mb``).
    keep : {"last", "first", "all"}, default: "last"
        Which row to keep when a batch size was tried twice.
    encoding : str, default: "utf-8"

    Returns
    -------
    RunLog
        ``step`` is the batch size; every numeric column is a metric (an empty cell, such
        as the step time of an OOM row, gives no point) plus ``oom`` (1.0 for a row whose
        status is one of `OOM_STATUSES`, else 0.0). ``params`` has one row with
        ``max_ok_batch_size``, ``first_oom_batch_size`` and ``oom_error`` (the first line
        of the first failure's message); each failed row is also recorded as a ``marked``
        entry of ``info`` (file, line, message start).

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    KeyError
        The *batch_size* or *status* column, or an asked-for metric, is not in the file
        (close matches suggested).

    Warns
    -----
    DataWarning
        One per problem (cut last line, bad lines, text in numeric columns, rows without a
        batch size, an empty file).
    """
    p = check_path(path)
    info = LogInfo(source="batch_probe")
    run = p.stem if run is None else run
    df = read_csv_file(p, info, encoding)
    if df is None:
        return finish(parts_to_frame("batch_probe", []), info, keep=keep)
    df.columns = [str(c).strip() for c in df.columns]
    for col in (batch_size, status):
        if col not in df.columns:
            raise unknown_column(col, df.columns, "column")
    lines = df.attrs["chartkit_lines"]
    bs = pd.to_numeric(df[batch_size], errors="coerce").to_numpy(dtype=np.float64)
    ok_rows = np.isfinite(bs)
    if not ok_rows.all():
        i = int(np.flatnonzero(~ok_rows)[0])
        info.add(
            "skipped",
            p,
            f"rows without a numeric {batch_size!r}",
            count=int((~ok_rows).sum()),
            line=int(lines[i]),
        )
    st = df[status].astype("str").str.strip().str.lower()
    oom = st.isin(OOM_STATUSES).to_numpy()
    cols: list[ColumnData] = []
    for name in df.columns:
        if name in (batch_size, status):
            continue
        cd = numeric_column(df[name], name, p, info, lines)
        if cd is not None:
            cols.append(cd)
    cols.append(ColumnData("oom", oom.astype(np.float64), df[status].notna().to_numpy()))
    chosen = select_metrics([c.name for c in cols], metrics, list(df.columns))
    cols = [c for c in cols if c.name in chosen]
    err_col = next((c for c in df.columns if c.lower() in ("error", "message", "exception")), None)
    first_err = None
    for i in np.flatnonzero(oom & ok_rows):
        msg = ""
        if err_col is not None and isinstance(df[err_col].iloc[i], str):
            msg = (
                df[err_col].iloc[i].strip().splitlines()[0] if df[err_col].iloc[i].strip() else ""
            )
        first_err = msg if first_err is None else first_err
        info.add(
            "marked",
            p,
            f"batch size {int(bs[i])} failed ({df[status].iloc[i]}): {msg[:120]}",
            line=int(lines[i]),
        )
    part = long_part(
        cols,
        step=np.where(ok_rows, bs, 0).astype(np.int64),
        run=run,
        row_mask=None if ok_rows.all() else ok_rows,
    )
    good = ok_rows & ~oom
    row: dict[str, Any] = {"run": run, "trial": None, "segment": 0, "start_step": None}
    row["max_ok_batch_size"] = int(bs[good].max()) if good.any() else None
    row["first_oom_batch_size"] = int(bs[oom & ok_rows].min()) if (oom & ok_rows).any() else None
    row["oom_error"] = first_err
    frame = parts_to_frame("batch_probe", [part])
    return _finish_probe(frame, info, row, keep)


def _finish_probe(frame: pd.DataFrame, info: LogInfo, row: dict[str, Any], keep: Keep) -> RunLog:
    # OOM rows are results, not problems: recorded as "marked" entries without a warning.
    marked = info.of_kind("marked")
    info.entries = [e for e in info.entries if e.kind != "marked"]
    log = finish(frame, info, params=params_frame([row]), keep=keep, stacklevel=4)
    info.entries.extend(marked)
    return log
