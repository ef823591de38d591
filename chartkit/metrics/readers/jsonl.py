"""Per-rank JSON-lines and CSV logs (one file per process, e.g. ``rank0.jsonl``).

The JSONL fast path reads each file's bytes once, drops an unterminated last line (a crash
mid-write), rewrites the non-standard ``NaN``/``Infinity`` tokens that ``json.dumps`` writes,
and hands the complete lines to ``pyarrow.json`` (installed with ``chartkit[logs]``): no
per-line Python loop. When pyarrow is missing, or refuses the file (a malformed line, a column
whose type changes), the file is read again line by line with the standard library, which
skips the bad lines and reports them with their numbers.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.readers._common import (
    ColumnData,
    csv_columns,
    default_run,
    long_part,
    parts_to_frame,
    pick_column,
    rank_from_name,
    read_csv_file,
    resolve_files,
    select_metrics,
)
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    coerce_numeric,
    drop_unterminated,
    finish,
    read_bytes,
    unknown_column,
)

__all__ = ["read_csv", "read_jsonl"]

STEP_NAMES = ("step", "global_step", "_step", "iteration", "training_iteration", "iter")
WALL_NAMES = ("wall_time", "walltime", "_timestamp", "timestamp", "time")
RANK_NAMES = ("rank", "global_rank", "local_rank")

# Sentinels for the non-JSON tokens: the largest doubles, which a real log never holds.
_BIG = np.finfo(np.float64).max
_NAN_SENTINEL = float(np.nextafter(_BIG, 0))
_TOKENS = {
    b"NaN": repr(_NAN_SENTINEL).encode(),
    b"Infinity": repr(float(_BIG)).encode(),
    b"-Infinity": repr(-float(_BIG)).encode(),
}
for _q in (b"nan", b"NaN", b"null", b"None", b"none"):
    _TOKENS[b'"' + _q + b'"'] = _TOKENS[b"NaN"]
for _q in (b"inf", b"Infinity", b"+inf", b"infinity"):
    _TOKENS[b'"' + _q + b'"'] = _TOKENS[b"Infinity"]
for _q in (b"-inf", b"-Infinity", b"-infinity"):
    _TOKENS[b'"' + _q + b'"'] = _TOKENS[b"-Infinity"]
_TOKEN_RE = re.compile(
    rb"(?<=:)(\s*)("
    + b"|".join(re.escape(t) for t in sorted(_TOKENS, key=len, reverse=True))
    + rb")(?=\s*[,}\]])"
)
_QUICK = (b"NaN", b"Infinity")
_QUICK_QUOTED = (b'"nan"', b'"null"', b'"inf"', b'"-inf"', b'"None"', b'"none"', b'"infinity"')


def _replace_tokens(data: bytes, quick: Sequence[bytes] = _QUICK) -> tuple[bytes, bool]:
    """Rewrite NaN/Infinity tokens (bare, or quoted as a value) into sentinel numbers."""
    if not any(q in data for q in quick):
        return data, False
    out = _TOKEN_RE.sub(lambda m: m.group(1) + _TOKENS[m.group(2)], data)
    return out, out is not data


def _pyarrow_json():
    try:
        import pyarrow.json as pj
    except ImportError:
        return None
    return pj


def _block_size(n: int) -> int:
    return int(min(max(n + 1, 1 << 20), 1 << 30))


# Set to False (tests do) to force the pure-Python path.
USE_PYARROW = True


def _table_fast(
    data: bytes,
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray | None, str]], int] | None:
    """Parse with pyarrow; None when pyarrow is missing or refuses the data."""
    pj = _pyarrow_json() if USE_PYARROW else None
    if pj is None:
        return None
    import pyarrow as pa

    def parse(buf: bytes):
        return pj.read_json(
            io.BytesIO(buf),
            # one block per file (up to 1 GiB): columns come back as one chunk, so the
            # conversion to numpy is zero-copy; parsing speed is the same on 2 cores
            read_options=pj.ReadOptions(use_threads=True, block_size=_block_size(len(buf))),
            parse_options=pj.ParseOptions(newlines_in_values=False),
            # the system allocator hands freed parse buffers back, keeping peak RSS low
            memory_pool=pa.system_memory_pool(),
        )

    # Strict JSON first: scanning for NaN/Infinity costs as much as parsing, so the tokens
    # are rewritten only when the parser refuses the data.
    replaced = False
    try:
        table = parse(data)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        data, replaced = _replace_tokens(data, _QUICK + _QUICK_QUOTED)
        if not replaced:
            return None
        try:
            table = parse(data)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()  # {"train": {"loss": 1}} -> "train.loss"
    cols: dict[str, tuple[np.ndarray, np.ndarray | None, str]] = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            kind = "num"
        elif pa.types.is_null(t):
            kind = "null"
        elif pa.types.is_boolean(t):
            kind = "bool"
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            kind = "str"
        else:
            kind = "other"
        present = None
        if col.null_count:
            present = col.is_valid().to_numpy(zero_copy_only=False)
        if kind == "num":
            vals = col.to_numpy()  # int64 stays int64 (steps), float64 as is
            if replaced and pa.types.is_floating(t):
                big = np.abs(vals) >= _NAN_SENTINEL
                if big.any():
                    vals = vals.copy() if not vals.flags.writeable else vals
                    sub = vals[big]
                    sub = np.where(
                        sub == _NAN_SENTINEL, np.nan, np.where(sub > 0, np.inf, -np.inf)
                    )
                    vals[big] = sub
        elif kind == "str":
            vals = col.to_numpy(zero_copy_only=False)
            ok = vals[present] if present is not None else vals
            if len(ok) and _all_special(list(ok), np.ones(len(ok), dtype=bool)):
                vals = pd.to_numeric(
                    pd.Series(vals, dtype=object).str.strip().str.lower().replace(_TEXT_VALUES),
                    errors="coerce",
                ).to_numpy(dtype=np.float64, na_value=np.nan)
                kind = "num"
        else:
            vals = np.empty(0)
        cols[name] = (vals, present, kind)
    return cols, table.num_rows


_MISSING = object()


def _table_slow(
    data: bytes, file: str, info: LogInfo
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray | None, str]], np.ndarray]:
    """Line-by-line parse with the standard library; bad lines skipped and reported."""
    records: list[dict] = []
    line_no: list[int] = []
    bad: list[int] = []
    for i, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            bad.append(i)
            continue
        if not isinstance(rec, dict):
            bad.append(i)
            continue
        if any(isinstance(v, dict) for v in rec.values()):
            rec = _flatten(rec)
        records.append(rec)
        line_no.append(i)
    if bad:
        info.add(
            "skipped",
            file,
            "lines that are not a JSON object (malformed JSON)",
            count=len(bad),
            line=bad[0],
            lines=bad[:10],
        )
    keys: dict[str, None] = {}
    for rec in records:
        for k in rec:
            keys.setdefault(k, None)
    lines = np.asarray(line_no, dtype=np.int64)
    cols: dict[str, tuple[np.ndarray, np.ndarray | None, str]] = {}
    for k in keys:
        raw_vals = [rec.get(k, _MISSING) for rec in records]
        present = np.fromiter(
            (v is not _MISSING and v is not None for v in raw_vals), bool, len(raw_vals)
        )
        kinds = {_kind(v) for v, p in zip(raw_vals, present, strict=True) if p}
        if kinds <= {"num"} and kinds:
            vals = np.array(
                [float(v) if p else math.nan for v, p in zip(raw_vals, present, strict=True)],
                dtype=np.float64,
            )
            cols[k] = (vals, present, "num")
        elif "num" in kinds or (kinds == {"str"} and _all_special(raw_vals, present)):
            series = pd.Series(
                [v if p else None for v, p in zip(raw_vals, present, strict=True)], dtype=object
            )
            vals = coerce_numeric(series, column=k, file=file, info=info, line_numbers=lines)
            cols[k] = (vals, present, "num")
        elif kinds == {"str"}:
            cols[k] = (np.array(raw_vals, dtype=object), present, "str")
        else:
            cols[k] = (np.empty(0), present, "other")
    return cols, lines


def _flatten(rec: dict, prefix: str = "") -> dict:
    """Nested objects as dotted keys, as pyarrow's ``Table.flatten`` names them."""
    out: dict = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    if isinstance(v, str):
        return "str"
    return "other"


_SPECIAL_TEXT = {"nan", "null", "none", "inf", "-inf", "+inf", "infinity", "-infinity"}
_TEXT_VALUES = {
    "nan": "nan",
    "null": "nan",
    "none": "nan",
    "inf": "inf",
    "+inf": "inf",
    "infinity": "inf",
    "-inf": "-inf",
    "-infinity": "-inf",
}


def _all_special(values: list, present: np.ndarray) -> bool:
    return all(
        str(v).strip().lower() in _SPECIAL_TEXT for v, p in zip(values, present, strict=True) if p
    )


def _epoch_seconds(values: np.ndarray) -> bool:
    """True when the finite values look like Unix times (after 2001-09-09)."""
    finite = values[np.isfinite(values)]
    return len(finite) > 0 and float(np.median(finite)) > 1e9


def _ids_and_metrics(
    cols: dict[str, tuple[np.ndarray, np.ndarray | None, str]],
    file: Path,
    info: LogInfo,
    *,
    step: str | None,
    wall_time: str | None,
    rank: str | None,
    metrics: Iterable[str] | None,
    n_rows: int,
    lines: np.ndarray | None,
) -> dict[str, Any]:
    names = list(cols)
    step_col = pick_column(step, STEP_NAMES, names, "step")
    wall_col = pick_column(wall_time, WALL_NAMES, names, "wall_time")
    rank_col = pick_column(rank, RANK_NAMES, names, "rank")
    row_mask = None
    if step_col is not None and cols[step_col][2] == "num":
        sv, sp, _ = cols[step_col]
        if sv.dtype.kind in "iu":
            bad = np.zeros(len(sv), dtype=bool) if sp is None else ~sp
        else:
            bad = ~np.isfinite(sv) if sp is None else (~sp | ~np.isfinite(sv))
        if bad.any():
            row_mask = ~bad
            first = int(np.flatnonzero(bad)[0])
            info.add(
                "skipped",
                file,
                f"records without a usable {step_col!r} value",
                count=int(bad.sum()),
                line=int(lines[first]) if lines is not None else first + 1,
            )
        if sv.dtype.kind in "iu":
            steps = sv.astype(np.int64, copy=False)
        else:
            steps = np.where(np.isfinite(sv), sv, 0).astype(np.int64)
    else:
        if step is not None and step != "auto":
            raise unknown_column(step, names, "step")
        steps = np.arange(1, n_rows + 1, dtype=np.int64)
        info.extra.setdefault("step_from", {})[str(file)] = "record order"
    wt = None
    if wall_col is not None and cols[wall_col][2] == "num":
        wv, wp, _ = cols[wall_col]
        wt = wv if wp is None else np.where(wp, wv, np.nan)
        wt = wt.astype(np.float64, copy=False)
        if wall_time == "auto" and not _epoch_seconds(wt):
            wt, wall_col = None, None  # e.g. "time": seconds per batch, a metric
    rank_val: Any = rank_from_name(file.name)
    if rank_col is not None and cols[rank_col][2] == "num":
        rv, rp, _ = cols[rank_col]
        ok = np.isfinite(rv) if rp is None else (rp & np.isfinite(rv))
        if ok.all() and len(rv) and (rv == rv[0]).all():
            rank_val = int(rv[0])
        elif ok.any():
            rank_val = pd.array(np.where(ok, rv, 0).astype(np.int64), dtype="Int32")
            rank_val[~ok] = pd.NA
    ids = {step_col, wall_col, rank_col} - {None}
    candidates = [n for n in names if n not in ids and cols[n][2] == "num"]
    ignored = [n for n in names if n not in ids and cols[n][2] != "num"]
    if ignored:
        info.extra.setdefault("ignored_columns", {})[str(file)] = ignored
    chosen = select_metrics(candidates, metrics, names)
    return {
        "step": steps,
        "wall_time": wt,
        "rank": rank_val,
        "row_mask": row_mask,
        "columns": [ColumnData(n, cols[n][0], cols[n][1]) for n in chosen],
    }


def _load(f: Path, encoding: str) -> tuple[LogInfo, bytes | None, Any]:
    """Read, clean and (fast path) parse one file; its problems go to a LogInfo of its own."""
    local = LogInfo()
    data = read_bytes(f, local, encoding)
    data = drop_unterminated(data, f, local)
    if not data or data.isspace():
        return local, None, None
    fast = _table_fast(data)
    # the bytes are kept only for the line-by-line path
    return local, (data if fast is None else b""), fast


def _load_all(files: list[Path], encoding: str):
    """`_load` each file, two at a time: pyarrow parses without the GIL, so rank files
    are parsed side by side. Results come back in file order."""
    if len(files) < 2 or not USE_PYARROW:
        return (_load(f, encoding) for f in files)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_load, files, [encoding] * len(files)))


class _RunNames:
    """Run name per file: the one given, the folder's for per-rank files, else the stem."""

    def __init__(self, path: str | os.PathLike[str], files: list[Path], run: str | None):
        self.given = run
        self.folder = default_run(path, files)
        self.single = len(files) == 1


def _run_of(names: _RunNames, f: Path, parts: dict[str, Any]) -> str:
    if names.given is not None:
        return names.given
    if names.single or parts["rank"] is not None:
        return names.folder
    return f.stem


def read_jsonl(
    path: str | os.PathLike[str],
    *,
    pattern: str | Sequence[str] = ("*.jsonl", "*.ndjson"),
    run: str | None = None,
    step: str | None = "auto",
    wall_time: str | None = "auto",
    rank: str | None = "auto",
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
) -> RunLog:
    """Read JSON-lines logs, one file per rank, into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        A ``.jsonl`` file, a folder holding per-rank files, or a glob
        (``"runs/ddp/rank*.jsonl"``).
    pattern : str or sequence of str, default: ``("*.jsonl", "*.ndjson")``
        Globs looked for when *path* is a folder (a ``.json`` file given as *path* is read
        as JSON lines too).
    run : str, optional
        Run name; default: the folder's name for per-rank files, else each file's stem (so
        ``train.jsonl`` and ``val.jsonl`` in one folder are two runs, not two ranks).
    step, wall_time, rank : str or None, default: "auto"
        Field holding the step / the time in seconds since the epoch / the rank. "auto"
        tries the usual names (``step``, ``global_step``, ``_step``, ``iteration``, ...;
        ``wall_time``, ``timestamp``, ...; ``rank``). Without a step field the record order
        (1, 2, ...) is the step; without a rank field the rank comes from the file name
        (``rank3.jsonl``, ``gpu1.jsonl``, ``worker_2.jsonl``), else it is missing. An
        auto-detected time field is used only when it holds epoch seconds (a ``time`` field
        of 0.12 s per batch stays a metric). None: do not look.
    metrics : list of str, optional
        Fields to keep (default: every numeric field but the id fields).
    keep : {"last", "first", "all"}, default: "last"
        Which write of a step repeated after a resume to keep (see
        `chartkit.metrics.schema.dedupe`).
    encoding : str, default: "utf-8"
        Text encoding of the files; a BOM is skipped; bytes that do not decode are replaced
        and reported once per file with their byte offset.

    Returns
    -------
    RunLog

    Raises
    ------
    FileNotFoundError
        *path* does not exist or holds no matching file.
    KeyError
        A *metrics* entry or an explicit *step*/*wall_time*/*rank* field that is not in the
        data (close matches suggested).

    Warns
    -----
    DataWarning
        One per problem: a cut last line dropped, malformed lines skipped (with line
        numbers), non-numeric cells coerced to NaN, steps deduplicated, an empty file.

    See Also
    --------
    read_csv : the same for per-rank CSV files.
    chartkit.metrics.read : format detection.
    """
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    files = resolve_files(path, patterns)
    run = _RunNames(path, files, run)
    info = LogInfo(source="jsonl")
    frames = []
    for f, (local, data, fast) in zip(files, _load_all(files, encoding), strict=True):
        info.merge(local)
        if data is None:
            info.add("empty", f, "the file holds no records")
            continue
        lines = None
        if fast is None:
            cols, lines = _table_slow(data, str(f), info)
            n_rows = len(lines)
        else:
            cols, n_rows = fast
        del data
        info.rows += n_rows
        if n_rows == 0:
            info.add("empty", f, "the file holds no records")
            continue
        parts = _ids_and_metrics(
            cols,
            f,
            info,
            step=step,
            wall_time=wall_time,
            rank=rank,
            metrics=metrics,
            n_rows=n_rows,
            lines=lines,
        )
        frames.append(long_part(parts.pop("columns"), run=_run_of(run, f, parts), **parts))
    return finish(parts_to_frame("jsonl", frames), info, keep=keep)


def read_csv(
    path: str | os.PathLike[str],
    *,
    pattern: str | Sequence[str] = ("*.csv",),
    run: str | None = None,
    step: str | None = "auto",
    wall_time: str | None = "auto",
    rank: str | None = "auto",
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
    sep: str = ",",
    source: str = "csv",
) -> RunLog:
    """Read CSV logs with a header row, one file per rank, into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` file, a folder of per-rank files, or a glob.
    pattern : str or sequence of str, default: ``("*.csv",)``
        Globs looked for when *path* is a folder.
    run, step, wall_time, rank, metrics, keep, encoding
        As in `read_jsonl`.
    sep : str, default: ","
        Field separator, passed to `pandas.read_csv`.
    source : str, default: "csv"
        Value of the ``source`` column.

    Returns
    -------
    RunLog

    Raises
    ------
    FileNotFoundError
        *path* does not exist or holds no matching file.
    KeyError
        An asked-for metric or id column that is not in the header (close matches suggested).

    Warns
    -----
    DataWarning
        One per problem: a cut last line dropped (a number cut mid-way would otherwise read
        as a wrong value), lines with a wrong field count skipped (with line numbers), text in
        numeric columns coerced to NaN, an empty or header-only file, steps deduplicated.

    See Also
    --------
    read_jsonl
    """
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    files = resolve_files(path, patterns)
    run = _RunNames(path, files, run)
    info = LogInfo(source=source)
    frames = []
    for f in files:
        df = read_csv_file(f, info, encoding, sep=sep)
        if df is None:
            continue
        cols = csv_columns(df, f, info)
        parts = _ids_and_metrics(
            cols,
            f,
            info,
            step=step,
            wall_time=wall_time,
            rank=rank,
            metrics=metrics,
            n_rows=len(df),
            lines=df.attrs.get("chartkit_lines"),
        )
        frames.append(long_part(parts.pop("columns"), run=_run_of(run, f, parts), **parts))
    return finish(parts_to_frame(source, frames), info, keep=keep)
