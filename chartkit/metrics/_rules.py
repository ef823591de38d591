"""The data rules every reader shares: paths, bytes, text cells, resume dedupe, non-finite
values, and `finish`, which applies them and builds the `~chartkit.metrics.schema.RunLog`.

Public through `chartkit.metrics.schema` (import them from there). No pyplot.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    empty_frame,
    empty_params,
)

__all__ = [
    "check_path",
    "coerce_numeric",
    "dedupe",
    "drop_unterminated",
    "finish",
    "first_nonfinite",
    "natural_key",
    "read_bytes",
]


# --------------------------------------------------------------------------- paths


def check_path(path: str | os.PathLike[str]) -> Path:
    """Return *path* as a `~pathlib.Path`, or raise `FileNotFoundError` naming it.

    Raises
    ------
    FileNotFoundError
        ``[Errno 2] No such file or directory: 'runs/x.jsonl'``.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file or directory", str(p))
    return p


def natural_key(text: str) -> tuple:
    """Sort key putting ``rank2`` before ``rank10`` (digit runs compared as numbers)."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


# --------------------------------------------------------------------------- bytes


def read_bytes(path: str | os.PathLike[str], info: LogInfo, encoding: str = "utf-8") -> bytes:
    """Read *path* and return UTF-8 bytes without BOM.

    Undecodable bytes are replaced (U+FFFD) and recorded as ONE ``replaced`` entry giving the
    byte offset of the first one. Another *encoding* is transcoded to UTF-8.
    """
    p = str(path)
    with open(path, "rb") as fh:
        data = fh.read()
    info.files.append(p)
    enc = encoding.lower().replace("_", "-")
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data.isascii():
            return data
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError as err:
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
            info.add(
                "replaced",
                p,
                "bytes that are not valid UTF-8 were replaced by U+FFFD "
                "(pass encoding= if the file uses another encoding)",
                count=max(bad, 1),
                byte_offset=err.start,
                line=data.count(b"\n", 0, err.start) + 1,
            )
            return text.encode("utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        text = data.decode(encoding, errors="replace")
        info.add(
            "replaced",
            p,
            f"bytes not valid in {encoding} were replaced by U+FFFD",
            byte_offset=err.start,
            line=data.count(b"\n", 0, err.start) + 1,
        )
    return text.lstrip("\ufeff").encode("utf-8")


def drop_unterminated(data: bytes, path: str | os.PathLike[str], info: LogInfo) -> bytes:
    """Drop a last line that has no newline (a crash mid-write), recording it as truncated.

    A CSV line cut mid-number (``4,0.``) would otherwise parse as a wrong value silently.
    A last line made only of whitespace is dropped without a record.
    """
    if not data or data.endswith(b"\n"):
        return data
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    if tail.strip():
        info.add(
            "truncated",
            path,
            "last line has no line end (cut by a crash?) and was dropped",
            line=data.count(b"\n") + 1,
        )
    return data[:cut]


# --------------------------------------------------------------------------- values


def coerce_numeric(
    values: pd.Series,
    *,
    column: str,
    file: str | os.PathLike[str] | None,
    info: LogInfo,
    line_numbers: np.ndarray | None = None,
) -> np.ndarray:
    """Convert a column to float64; cells that are not numbers become NaN, counted once.

    Strings ``"nan"``, ``"null"``, ``"NaN"``, ``"inf"``, ``"Infinity"``, ``"-Infinity"`` and
    empty cells are numbers (NaN/±inf) or missing, not errors; booleans become 0/1.

    Returns
    -------
    numpy.ndarray of float64
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    obj = values.astype(object)
    as_str = obj.map(
        lambda v: _SPECIAL.get(v.strip().lower(), v) if isinstance(v, str) else v,
        na_action="ignore",
    )
    as_str = as_str.map(lambda v: float(v) if isinstance(v, bool) else v, na_action="ignore")
    num = pd.to_numeric(as_str, errors="coerce")
    bad = num.isna().to_numpy() & ~pd.isna(as_str).to_numpy()
    nbad = int(bad.sum())
    if nbad:
        idx = np.flatnonzero(bad)
        lines = (line_numbers[idx] if line_numbers is not None else idx + 1).astype(int).tolist()
        info.add(
            "coerced",
            file,
            f"non-numeric cells in {column!r} became NaN (first: {obj.iloc[idx[0]]!r})",
            count=nbad,
            line=lines[0],
            lines=lines[:10],
        )
    return num.to_numpy(dtype=np.float64, na_value=np.nan)


_SPECIAL = {
    "nan": math.nan,
    "null": math.nan,
    "none": math.nan,
    "": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
    "true": 1.0,
    "false": 0.0,
}


# --------------------------------------------------------------------------- data rules


def _series_codes(frame: pd.DataFrame) -> np.ndarray:
    """One int64 code per row identifying its ``(run, rank, trial, metric)`` series."""
    run = frame["run"].cat.codes.to_numpy().astype(np.int64) + 1
    trial = frame["trial"].cat.codes.to_numpy().astype(np.int64) + 1
    metric = frame["metric"].cat.codes.to_numpy().astype(np.int64) + 1
    rank_s = frame["rank"]
    rank = rank_s.fillna(-1).to_numpy(dtype=np.int64) + 1
    nr = int(rank.max()) + 1 if len(rank) else 1
    nt = len(frame["trial"].cat.categories) + 1
    nm = len(frame["metric"].cat.categories) + 1
    return ((run * nr + rank) * nt + trial) * nm + metric


def dedupe(frame: pd.DataFrame, info: LogInfo, keep: Keep = "last") -> pd.DataFrame:
    """Apply the resume rule per ``(run, rank, trial, metric, step)`` and record resume points.

    Rows are taken in read order. Where a series' step goes back (a resumed run re-logging
    steps it had already written), a segment boundary is recorded in ``info.segments``. With
    ``keep="last"`` (default) the latest write of a step wins, ``"first"`` keeps the earliest,
    ``"all"`` keeps every row. Dropped rows are counted in one ``deduplicated`` entry.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical frame in read order.
    info : LogInfo
    keep : {"last", "first", "all"}, default: "last"

    Returns
    -------
    pandas.DataFrame
        Sorted by series then step (stable: the order of repeated steps is kept with "all").
    """
    check_in_list(["last", "first", "all"], keep=keep)
    n = len(frame)
    if n == 0:
        info.segments = _empty_segments()
        return frame
    step = frame["step"].to_numpy()
    if _in_order(frame, step):
        # the usual case: each series is one run of rows with rising steps, nothing to do
        info.segments = _empty_segments()
        return frame
    code = _series_codes(frame)
    # resume points: within a series (read order), step <= previous step
    order = np.argsort(code, kind="stable")
    c_sorted = code[order]
    s_sorted = step[order]
    same = np.empty(n, dtype=bool)
    same[0] = False
    same[1:] = c_sorted[1:] == c_sorted[:-1]
    back = np.zeros(n, dtype=bool)
    back[1:] = same[1:] & (s_sorted[1:] <= s_sorted[:-1])
    pos = order[back]
    seg = frame.iloc[pos][["run", "rank", "trial", "metric", "step"]].reset_index(drop=True)
    seg["position"] = pos.astype(np.int64)
    info.segments = seg
    # sort by (series, step) stably, then drop duplicates of (series, step)
    order2 = np.lexsort((step, code))
    out = frame.take(order2)
    if keep != "all" and back.any():
        c2 = code[order2]
        s2 = step[order2]
        dup_next = np.zeros(n, dtype=bool)
        dup_next[:-1] = (c2[1:] == c2[:-1]) & (s2[1:] == s2[:-1])
        if keep == "last":
            drop = dup_next  # a row followed by the same (series, step) is an older write
        else:
            drop = np.zeros(n, dtype=bool)
            drop[1:] = dup_next[:-1]
        ndrop = int(drop.sum())
        if ndrop:
            nseries = len(np.unique(c2[drop]))
            info.add(
                "deduplicated",
                None,
                f"steps written again after a resume: kept the {keep} write of each "
                f"(in {nseries} series, {len(seg)} resume point(s))",
                count=ndrop,
            )
            out = out[~drop]
    return out.reset_index(drop=True)


def _in_order(frame: pd.DataFrame, step: np.ndarray) -> bool:
    """True when every series is one contiguous block of strictly rising steps."""
    keys = [frame[c].cat.codes.to_numpy() for c in ("run", "trial", "metric")]
    keys.append(frame["rank"].array.to_numpy(dtype=np.int32, na_value=-1))
    n = len(step)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    if not ((step[1:] > step[:-1]) | change[1:]).all():
        return False
    starts = np.flatnonzero(change)
    heads = set(zip(*(k[starts].tolist() for k in keys), strict=True))
    return len(heads) == len(starts)


def _empty_segments() -> pd.DataFrame:
    f = empty_frame()[["run", "rank", "trial", "metric", "step"]]
    f["position"] = pd.Series([], dtype="int64")
    return f


def first_nonfinite(frame: pd.DataFrame) -> pd.DataFrame:
    """First step holding a NaN or ±inf value in each series, and how many there are.

    Non-finite values are kept in the frame (a NaN loss is a result, not noise).

    Returns
    -------
    pandas.DataFrame
        ``run, rank, trial, metric, step, count``; empty when every value is finite.
    """
    val = frame["value"].to_numpy()
    mask = ~np.isfinite(val)
    cols = ["run", "rank", "trial", "metric", "step"]
    if not mask.any():
        out = frame[cols].iloc[:0].copy()
        out["count"] = pd.Series([], dtype="int64")
        return out
    sub = frame.loc[mask, cols]
    g = sub.groupby(["run", "rank", "trial", "metric"], observed=True, dropna=False, sort=True)
    out = g["step"].min().to_frame()
    out["count"] = g.size()
    return out.reset_index()


def finish(
    frame: pd.DataFrame,
    info: LogInfo,
    *,
    params: pd.DataFrame | None = None,
    keep: Keep = "last",
    warn: bool = True,
    stacklevel: int = 3,
) -> RunLog:
    """Apply the shared data rules and wrap the result in a `RunLog`.

    Dedupe (`dedupe`), first non-finite step per series (`first_nonfinite`), the empty-data
    record, ``frame.attrs["chartkit"] = info``, then one `~chartkit.errors.DataWarning` per
    problem recorded in *info* (when *warn*).
    """
    frame = dedupe(frame, info, keep=keep)
    info.nonfinite = first_nonfinite(frame)
    if len(frame) == 0 and not info.of_kind("empty"):
        names = ", ".join(repr(f) for f in info.files) or "(no file)"
        info.add("empty", None, f"no data found in {names}", count=max(len(info.files), 1))
    frame.attrs["chartkit"] = info
    if params is None:
        params = empty_params()
    params.attrs["chartkit"] = info
    if warn:
        info.warn(stacklevel=stacklevel + 1)
    return RunLog(frame, params, info)
