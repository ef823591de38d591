"""The data rules every reader shares: paths, bytes, text cells, resume dedupe, non-finite
values, and `finish`, which applies them and builds the `~chartkit.metrics.schema.RunLog`.

Public through `chartkit.metrics.schema` (import them from there). No pyplot.
"""

from __future__ import annotations

import codecs
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    empty_frame,
    empty_params,
)

__all__ = [
    "MAX_NESTING",
    "check_encoding",
    "check_path",
    "coerce_numeric",
    "dedupe",
    "deep_lines",
    "drop_unterminated",
    "finish",
    "first_nonfinite",
    "format_ranges",
    "natural_key",
    "nesting_depth",
    "read_bytes",
    "unreadable",
]

#: Deepest bracket nesting a log record may have. Real logs nest a few levels; a parser handed
#: ~20,000 levels crashes (pyarrow.json segfaults, Python's json and YAML recurse too deep), so
#: deeper records are refused before any parser sees them.
MAX_NESTING = 100


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


def unreadable(path: str | os.PathLike[str]) -> OSError | None:
    """The error opening *path* for reading raises (permission, a folder...), else None."""
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        return err
    return None


def format_ranges(values: Iterable[int]) -> str:
    """``[4, 6, 7, 8, 9]`` -> ``"4, 6–9"``."""
    vals = sorted(set(values))
    out: list[str] = []
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        out.append(str(vals[i]) if i == j else f"{vals[i]}\u2013{vals[j]}")
        i = j + 1
    return ", ".join(out)


# --------------------------------------------------------------------------- nesting

_JSON_TOKEN_RE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nesting_depth(text: bytes | str, stop: int | None = None) -> int:
    """Deepest ``[``/``{`` nesting of JSON (or YAML flow) *text*; brackets in strings ignored.

    Parameters
    ----------
    text : bytes or str
    stop : int, optional
        Return as soon as the depth exceeds *stop* (the value returned is then ``stop + 1``).

    Returns
    -------
    int
        0 for a scalar, 1 for ``{"a": 1}``, 2 for ``{"a": [1]}``...
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = best = 0
    for m in _JSON_TOKEN_RE.finditer(data):
        c = m.group()
        if c in (b"[", b"{"):
            depth += 1
            if depth > best:
                best = depth
                if stop is not None and best > stop:
                    return best
        elif c in (b"]", b"}"):
            depth = max(depth - 1, 0)
    return best


def deep_lines(data: bytes, limit: int = MAX_NESTING) -> list[int]:
    """Line numbers (1-based) of the lines of *data* nested deeper than *limit*.

    Call it before handing lines to a JSON or YAML parser: a line nested thousands of levels
    deep crashes ``pyarrow.json`` (the whole process) and makes Python's parsers raise
    `RecursionError`. The screen is vectorised (a line can only be deep if it holds more than
    *limit* opening brackets); only such lines are scanned exactly, skipping strings.
    """
    if len(data) <= limit:
        return []
    a = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(a == 10)
    # opening brackets per line (one byte-sized temporary at a time; no sort needed)
    counts = np.zeros(len(ends) + 1, dtype=np.int64)
    for byte in (91, 123):
        counts += np.bincount(
            np.searchsorted(ends, np.flatnonzero(a == byte)), minlength=len(ends) + 1
        )
    out = []
    for li in np.flatnonzero(counts > limit).tolist():
        start = int(ends[li - 1]) + 1 if li > 0 else 0
        end = int(ends[li]) if li < len(ends) else len(data)
        if nesting_depth(data[start:end], stop=limit) > limit:
            out.append(li + 1)
    return out


# --------------------------------------------------------------------------- bytes


def check_encoding(encoding: str) -> str:
    """Return *encoding* when Python knows the codec, else raise a `ValueError` naming it.

    Raises
    ------
    ValueError
        ``'nope' is not a valid value for encoding; expected a Python codec name ...``.
    """
    try:
        if not isinstance(encoding, str):
            raise LookupError(encoding)
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            invalid_value_message(
                encoding,
                "encoding",
                expected="a Python codec name such as 'utf-8', 'latin-1', 'cp949' or 'utf-16'",
            )
        ) from None
    return encoding


def read_bytes(path: str | os.PathLike[str], info: LogInfo, encoding: str = "utf-8") -> bytes:
    """Read *path* and return UTF-8 bytes without BOM.

    Undecodable bytes are replaced (U+FFFD) and recorded as ONE ``replaced`` entry giving the
    byte offset of the first one. Another *encoding* is transcoded to UTF-8.

    Raises
    ------
    ValueError
        An *encoding* Python does not know (checked before the file is opened).
    """
    check_encoding(encoding)
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

    Rows are taken in read order. A *resume* is a step going back within one series after a
    later step was seen (a resumed run re-logging steps it had already written): its position
    is recorded in ``info.segments``. Several rows at ONE step of a series that never went
    back (Lightning writes train, validation and DeviceStatsMonitor rows at one step, each
    repeating ``epoch``) are not resumes: repeats of the same value are merged silently (no
    information is lost), different values are counted in one ``deduplicated`` entry that
    says so. With ``keep="last"`` (default) the latest write of a step wins, ``"first"`` keeps
    the earliest, ``"all"`` keeps every row.

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
    # resume points: within a series (read order), a step below the largest step seen before
    order = np.argsort(code, kind="stable")
    c_sorted = code[order]
    s_sorted = step[order]
    same = np.empty(n, dtype=bool)
    same[0] = False
    same[1:] = c_sorted[1:] == c_sorted[:-1]
    run_max = pd.Series(s_sorted).groupby(c_sorted, sort=False).cummax().to_numpy()
    prev_max = np.empty_like(run_max)
    prev_max[0] = run_max[0]
    prev_max[1:] = run_max[:-1]
    # +1: a new largest step, -1: a step below the largest seen (a resume), 0: the largest
    # step again. A 0 row continues what the last non-0 row of its series did: after a resume
    # it is a re-write, otherwise one more row at the same step (not a resume).
    status = np.where(s_sorted > prev_max, 1, np.where(s_sorted < prev_max, -1, 0))
    status[~same] = 1
    status = pd.Series(status).replace(0, np.nan).ffill().to_numpy()
    back = status == -1
    # the first row of each backward jump starts a segment
    start = back.copy()
    start[1:] &= ~back[:-1] | (s_sorted[1:] < s_sorted[:-1])
    pos = order[start]
    seg = frame.iloc[pos][["run", "rank", "trial", "metric", "step"]].reset_index(drop=True)
    seg["position"] = pos.astype(np.int64)
    info.segments = seg
    # which (series, step) pairs were written again after going back
    seg_id = np.cumsum(~same)  # series index, in code order
    resumed_keys = set(zip(seg_id[back].tolist(), s_sorted[back].tolist(), strict=True))
    # sort by (series, step) stably, then drop duplicates of (series, step)
    order2 = np.lexsort((step, code))
    out = frame.take(order2)
    if keep == "all":
        return out.reset_index(drop=True)
    c2 = code[order2]
    s2 = step[order2]
    dup_next = np.zeros(n, dtype=bool)
    dup_next[:-1] = (c2[1:] == c2[:-1]) & (s2[1:] == s2[:-1])
    if not dup_next.any():
        return out.reset_index(drop=True)
    if keep == "last":
        drop = dup_next  # a row followed by the same (series, step) is an older write
    else:
        drop = np.zeros(n, dtype=bool)
        drop[1:] = dup_next[:-1]
    # classify each dropped row: after a resume, a different value at one step, or a repeat
    v2 = frame["value"].to_numpy()[order2]
    partner = np.flatnonzero(drop) + (1 if keep == "last" else -1)
    di = np.flatnonzero(drop)
    same_val = (v2[di] == v2[partner]) | (np.isnan(v2[di]) & np.isnan(v2[partner]))
    series_idx = np.cumsum(np.r_[True, c2[1:] != c2[:-1]])
    is_resumed = np.fromiter(
        ((int(series_idx[i]), int(s2[i])) in resumed_keys for i in di), bool, len(di)
    )
    n_resume = int(is_resumed.sum())
    n_diff = int((~is_resumed & ~same_val).sum())
    if n_resume:
        nseries = len(np.unique(c2[di[is_resumed]]))
        info.add(
            "deduplicated",
            None,
            f"steps written again after a resume: kept the {keep} write of each "
            f"(in {nseries} series, {len(seg)} resume point(s))",
            count=n_resume,
        )
    if n_diff:
        sel = di[~is_resumed & ~same_val]
        nseries = len(np.unique(c2[sel]))
        info.add(
            "deduplicated",
            None,
            f"a step written twice with different values, not after a resume (several rows "
            f"at one step): kept the {keep} write of each (in {nseries} series)",
            count=n_diff,
        )
    return out[~drop].reset_index(drop=True)


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


def _count_nonfinite(frame: pd.DataFrame, info: LogInfo) -> None:
    """One ``marked`` entry counting NaN, +inf and -inf when a log holds both kinds."""
    nf = info.nonfinite
    if nf is None or len(nf) == 0:
        return
    val = frame["value"].to_numpy()
    n_nan = int(np.isnan(val).sum())
    n_pos = int(np.isposinf(val).sum())
    n_neg = int(np.isneginf(val).sum())
    if not n_nan or not (n_pos or n_neg):
        return
    first = nf.sort_values("step").iloc[0]
    info.add(
        "marked",
        None,
        f"non-finite values kept: {n_nan} NaN, {n_pos} +inf, {n_neg} -inf in {len(nf)} "
        f"series (first at step {int(first['step'])} of {str(first['metric'])!r})",
        count=n_nan + n_pos + n_neg,
    )


_MAX_WORLD = 1 << 16


def _missing_ranks(frame: pd.DataFrame, info: LogInfo, expected: Iterable[int] | None) -> None:
    """One ``missing`` entry naming the ranks that hold no data (``4, 6–9 of 0–9``)."""
    if len(frame) == 0:
        return
    present = set(frame["rank"].dropna().unique().astype(int).tolist())
    if not present or max(present) > _MAX_WORLD or min(present) < 0:
        return  # not a world of ranks 0..N-1
    want = {r for r in expected or () if 0 <= r <= _MAX_WORLD}
    if len(present) > 1:  # one rank read alone says nothing of the others
        want |= set(range(max(present) + 1))
    ws = frame.loc[frame["metric"] == "world_size", "value"].to_numpy()
    ws = ws[np.isfinite(ws) & (ws >= 1) & (ws <= _MAX_WORLD + 1)]
    if len(ws):
        want |= set(range(int(ws.max())))
    missing = sorted(want - present)
    if not missing or not want:
        return
    info.add(
        "missing",
        None,
        f"no data for rank(s) {format_ranges(missing)} of {format_ranges(range(max(want) + 1))}",
        count=len(missing),
    )


def finish(
    frame: pd.DataFrame,
    info: LogInfo,
    *,
    params: pd.DataFrame | None = None,
    keep: Keep = "last",
    warn: bool = True,
    stacklevel: int = 3,
    expected_ranks: Iterable[int] | None = None,
) -> RunLog:
    """Apply the shared data rules and wrap the result in a `RunLog`.

    Dedupe (`dedupe`), first non-finite step per series (`first_nonfinite`; a log mixing
    NaN and ±inf gets one ``marked`` entry counting each), ranks with no data (a ``missing``
    entry: gaps in the ranks read, ranks named by *expected_ranks* such as the rank files
    found, and ranks below a logged ``world_size``), the empty-data record,
    ``frame.attrs["chartkit"] = info``, then one `~chartkit.errors.DataWarning` per problem
    recorded in *info* (when *warn*).
    """
    frame = dedupe(frame, info, keep=keep)
    info.nonfinite = first_nonfinite(frame)
    _count_nonfinite(frame, info)
    _missing_ranks(frame, info, expected_ranks)
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
