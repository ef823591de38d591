"""Batch-size probe CSVs: one row per batch size tried, with its outcome.

The shape written by the usual search (double the batch until the allocator fails):
``batch_size,status,step_time_ms,<memory columns...>,error``, under many spellings
(``bs``/``bsz``/``per_device_train_batch_size``, ``status``/``state``/``outcome``/``result``,
``peak_allocated_mib``/``max_mem_allocated``/``Memory [MiB]``...). The batch-size and status
columns are found by meaning (`chartkit.metrics.roles`); every numeric column is kept as a
metric under its own name. Out-of-memory is read from the status words, never guessed from the
error text (torch's CPU allocator error does not say "out of memory"), and a status word that
is neither in `OK_STATUSES` nor in `OOM_STATUSES` is reported, never taken as a fit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
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
from chartkit.metrics.roles import candidates, resolve
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    check_path,
    finish,
    params_frame,
    unknown_column,
)

__all__ = ["OK_STATUSES", "OOM_STATUSES", "probe_header_reason", "read_batch_probe"]

#: ``status`` values meaning the batch did not fit (case-insensitive, ``-``/``_`` as space).
OOM_STATUSES = (
    "oom",
    "out_of_memory",
    "out of memory",
    "cuda oom",
    "cuda out of memory",
    "failed",
    "fail",
    "failure",
    "error",
)
#: ``status`` values meaning the batch fitted.
OK_STATUSES = (
    "ok",
    "fit",
    "fits",
    "fitted",
    "success",
    "succeeded",
    "pass",
    "passed",
    "done",
    "completed",
)


def probe_header_reason(header: Iterable[str]) -> str | None:
    """Why a CSV header is a batch-size probe's (a batch-size and a status column), or None.

    Used by `chartkit.metrics.discover`: ``bs,result,...`` and ``per_device_train_batch_size,
    outcome,...`` are probes as much as ``batch_size,status,...``.
    """
    from chartkit.errors import ColumnNotFoundError

    names = [str(h).strip() for h in header]
    try:
        bs = resolve(names, "batch_size").column
    except ColumnNotFoundError:
        return None
    flag = _flag_column(names)
    try:
        st = resolve(names, "status").column
    except ColumnNotFoundError:
        if flag is None:
            return None
        st = flag[0]
    return f"header has {bs} and {st}"  # a batch size and an outcome, by meaning


#: Names of a true/false outcome column, and what true means.
_FLAGS = {
    "oom": "oom",
    "is_oom": "oom",
    "out_of_memory": "oom",
    "failed": "oom",
    "fits": "ok",
    "fit": "ok",
    "ok": "ok",
    "is_ok": "ok",
    "success": "ok",
    "fitted": "ok",
}


def _flag_column(columns: Iterable[str]) -> tuple[str, str] | None:
    """A true/false outcome column (``oom``, ``fits``, ``success``...) and what true means."""
    found = [
        (c, _FLAGS[str(c).strip().lower()]) for c in columns if str(c).strip().lower() in _FLAGS
    ]
    return found[0] if len(found) == 1 else None


def _norm(words: Iterable[str]) -> set[str]:
    return {" ".join(str(w).lower().replace("_", " ").replace("-", " ").split()) for w in words}


def read_batch_probe(
    path: str | os.PathLike[str],
    *,
    run: str | None = None,
    batch_size: str | None = None,
    status: str | None = None,
    columns: Mapping[str, str] | None = None,
    ok_statuses: Iterable[str] = OK_STATUSES,
    oom_statuses: Iterable[str] = OOM_STATUSES,
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
) -> RunLog:
    """Read a batch-size probe CSV (one row per batch size tried) into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    run : str, optional
        Run name; default: the file's stem.
    batch_size, status : str, optional
        Columns holding the batch size tried and its outcome; by default found by meaning
        (`chartkit.metrics.roles`: ``batch_size``, ``bs``, ``bsz``,
        ``per_device_train_batch_size``...; ``status``, ``state``, ``outcome``, ``result``).
    columns : mapping of role to column, optional
        The same as ``columns={"batch_size": ..., "status": ...}`` (the CLI's ``--column``).
    ok_statuses, oom_statuses : iterable of str
        Status words (case-insensitive; ``_``/``-`` read as spaces) meaning fitted and did not
        fit. Any other word is reported (a `DataWarning` counting the rows) and the row is
        neither a fit nor a failure. A true/false column named for its meaning (``oom``,
        ``is_oom``, ``fits``, ``success``...) is read as the status when there is one such
        column and no status column.
    metrics : list of str, optional
        Numeric columns to keep (default: all, e.g. ``step_time_ms``, ``peak_rss_mb``).
    keep : {"last", "first", "all"}, default: "last"
        Which row to keep when a batch size was tried twice.
    encoding : str, default: "utf-8"

    Returns
    -------
    RunLog
        ``step`` is the batch size; every numeric column is a metric under its own name (an
        empty cell, such as the step time of an OOM row, gives no point) plus ``oom`` (1.0
        for a failure, 0.0 for a fit, NaN for an unknown status). ``params`` has one row with
        ``max_ok_batch_size``, ``first_oom_batch_size``, ``oom_error`` (the first line of the
        first failure's message), ``batch_size_column``, ``status_column`` and
        ``unknown_status_rows``; each failed row is also recorded as a ``marked`` entry of
        ``info`` (file, line, message start).

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    KeyError
        No batch-size or status column is recognised, a given column is not in the file, or
        an asked-for metric is not (candidates and close matches listed).

    Warns
    -----
    DataWarning
        One per problem (cut last line, bad lines, text in numeric columns, rows without a
        batch size, unknown status words, an empty file).
    """
    p = check_path(path)
    info = LogInfo(source="batch_probe")
    run = p.stem if run is None else run
    df = read_csv_file(p, info, encoding)
    if df is None:
        return finish(parts_to_frame("batch_probe", []), info, keep=keep)
    df.columns = [str(c).strip() for c in df.columns]
    roles = dict(columns or {})
    for role, given in (("batch_size", batch_size), ("status", status)):
        if given is not None:
            if given not in df.columns:
                raise unknown_column(given, df.columns, "column")
            roles[role] = given
    where = f"the probe {p.name}"
    bs_col = resolve(df.columns, "batch_size", columns=roles, what=where).column
    flag = None
    if "status" not in roles and not candidates(df.columns, "status"):
        flag = _flag_column(df.columns)
    if flag is not None:  # a true/false column whose name says what true means
        st_col, true_means = flag
        truth = {"true": true_means, "1": true_means, "yes": true_means}
        other = "oom" if true_means == "ok" else "ok"
        truth.update({"false": other, "0": other, "no": other})
        ok_statuses = [k for k, v in truth.items() if v == "ok"]
        oom_statuses = [k for k, v in truth.items() if v == "oom"]
    else:
        st_col = resolve(df.columns, "status", columns=roles, what=where).column
    lines = df.attrs["chartkit_lines"]
    bs = pd.to_numeric(df[bs_col], errors="coerce").to_numpy(dtype=np.float64)
    ok_rows = np.isfinite(bs)
    if not ok_rows.all():
        i = int(np.flatnonzero(~ok_rows)[0])
        info.add(
            "skipped",
            p,
            f"rows without a numeric {bs_col!r}",
            count=int((~ok_rows).sum()),
            line=int(lines[i]),
        )
    words = df[st_col].astype("str").str.strip().str.lower()
    words = words.str.replace(r"[_\-\s]+", " ", regex=True)
    has = df[st_col].notna().to_numpy()
    oom = words.isin(_norm(oom_statuses)).to_numpy() & has
    fit = words.isin(_norm(ok_statuses)).to_numpy() & has
    unknown = ~oom & ~fit & ok_rows
    if unknown.any():
        seen = sorted({str(v) for v in df[st_col][unknown]})
        i = int(np.flatnonzero(unknown)[0])
        info.add(
            "skipped",
            p,
            f"rows whose {st_col!r} is not a known outcome ({', '.join(map(repr, seen[:5]))});"
            " neither fitted nor out of memory: pass ok_statuses=/oom_statuses= to read them",
            count=int(unknown.sum()),
            line=int(lines[i]),
        )
    cols: list[ColumnData] = []
    for name in df.columns:
        if name in (bs_col, st_col):
            continue
        cd = numeric_column(df[name], name, p, info, lines)
        if cd is not None:
            cols.append(cd)
    cols.append(ColumnData("oom", np.where(oom, 1.0, np.where(fit, 0.0, np.nan)), oom | fit))
    chosen = select_metrics([c.name for c in cols], metrics, list(df.columns))
    cols = [c for c in cols if c.name in chosen]
    first_err = _mark_failures(df, p, info, bs, oom & ok_rows, st_col, lines)
    part = long_part(
        cols,
        step=np.where(ok_rows, bs, 0).astype(np.int64),
        run=run,
        row_mask=None if ok_rows.all() else ok_rows,
    )
    good = ok_rows & fit
    bad = ok_rows & oom
    row: dict[str, Any] = {"run": run, "trial": None, "segment": 0, "start_step": None}
    row["max_ok_batch_size"] = int(bs[good].max()) if good.any() else None
    row["first_oom_batch_size"] = int(bs[bad].min()) if bad.any() else None
    row["oom_error"] = first_err
    row["batch_size_column"] = bs_col
    row["status_column"] = st_col
    row["unknown_status_rows"] = int(unknown.sum())
    frame = parts_to_frame("batch_probe", [part])
    return _finish_probe(frame, info, row, keep)


def _mark_failures(df, p, info, bs, failed, st_col, lines) -> str | None:
    """Record each failed row as a ``marked`` entry; return the first error line."""
    err_col = next(
        (c for c in df.columns if c.lower() in ("error", "message", "exception", "notes", "msg")),
        None,
    )
    first_err = None
    for i in np.flatnonzero(failed):
        msg = ""
        if err_col is not None and isinstance(df[err_col].iloc[i], str):
            text = df[err_col].iloc[i].strip()
            msg = text.splitlines()[0] if text else ""
        first_err = msg if first_err is None else first_err
        info.add(
            "marked",
            p,
            f"batch size {int(bs[i])} failed ({df[st_col].iloc[i]}): {msg[:120]}",
            line=int(lines[i]),
        )
    return first_err


def _finish_probe(frame: pd.DataFrame, info: LogInfo, row: dict[str, Any], keep: Keep) -> RunLog:
    # OOM rows are results, not problems: recorded as "marked" entries without a warning.
    marked = info.of_kind("marked")
    info.entries = [e for e in info.entries if e.kind != "marked"]
    log = finish(frame, info, params=params_frame([row]), keep=keep, stacklevel=4)
    info.entries.extend(marked)
    return log
