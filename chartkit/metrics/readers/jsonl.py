"""Per-rank JSON-lines and CSV logs (one file per process, e.g. ``rank0.jsonl``).

JSON lines are read in bounded chunks by `chartkit.metrics.readers._jsonl_chunks`: each
chunk's complete lines go to ``pyarrow.json`` (installed with ``chartkit[logs]``), with no
per-line Python loop; a chunk pyarrow refuses is split into pieces whose bad lines are found,
reported with their numbers and skipped, so a malformed line costs the time of its piece and
memory stays near the final frame plus one chunk. Lines nested deeper than
`~chartkit.metrics.schema.MAX_NESTING` are refused before any parser sees them. A log being
written is followed with `Follower` (``follow=True``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit.errors import LogFormatError
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
from chartkit.metrics.readers._jsonl_chunks import (
    parse_buffer,
    read_chunks,
    release_memory,
)
from chartkit.metrics.readers._jsonl_columns import FileColumns
from chartkit.metrics.readers.follow import Follower
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    finish,
    unknown_column,
)

__all__ = ["Follower", "read_csv", "read_jsonl"]

STEP_NAMES = ("step", "global_step", "_step", "iteration", "training_iteration", "iter")
WALL_NAMES = ("wall_time", "walltime", "_timestamp", "timestamp", "time")
RANK_NAMES = ("rank", "global_rank", "local_rank")

# Set to False (tests do) to force the pure-Python path.
USE_PYARROW = True

_INT64_LIMIT = 2.0**63
_RANK_LIMIT = 2**31 - 1


def _epoch_seconds(values: np.ndarray) -> bool:
    """True when the finite values look like Unix times (after 2001-09-09)."""
    finite = values[np.isfinite(values)]
    return len(finite) > 0 and float(np.median(finite)) > 1e9


def _line_at(lines: Any, i: int) -> int:
    """Line number of row *i*: *lines* is an array, a callable giving one, or None."""
    if callable(lines):
        lines = lines()
    return int(lines[i]) if lines is not None else i + 1


def _steps(
    col: tuple[np.ndarray, np.ndarray | None, str],
    name: str,
    file: Path,
    info: LogInfo,
    lines: Any,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer steps of a numeric column, and the mask of rows to keep (None: all).

    Rows without a finite step, or with a step beyond the int64 range, are skipped and
    counted; fractional steps are refused (truncating them would merge distinct points).
    """
    sv, sp, _ = col
    if sv.dtype.kind in "iu":
        missing = np.zeros(len(sv), dtype=bool) if sp is None else ~sp
        steps = sv.astype(np.int64, copy=False)
        bad = missing
    else:
        finite = np.isfinite(sv) if sp is None else (sp & np.isfinite(sv))
        huge = finite & (np.abs(sv) >= _INT64_LIMIT)
        ok = finite & ~huge
        frac = ok & (sv != np.floor(np.where(ok, sv, 0)))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise LogFormatError(
                f"{str(file)!r}: the step field {name!r} holds fractional values (first "
                f"{float(sv[i])!r} at line {_line_at(lines, i)}; {int(frac.sum())} in all); "
                f"steps are integers in chartkit and truncating them would merge points: pass "
                f"step=None to number the records 1, 2, ... or step='<field>' to use another "
                f"field"
            )
        if huge.any():
            i = int(np.flatnonzero(huge)[0])
            info.add(
                "skipped",
                file,
                f"records whose {name!r} is beyond the int64 range (first: {float(sv[i])!r})",
                count=int(huge.sum()),
                line=_line_at(lines, i),
            )
        missing = ~finite
        steps = np.where(ok, sv, 0).astype(np.int64)
        bad = ~ok
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        info.add(
            "skipped",
            file,
            f"records without a usable {name!r} value",
            count=int(missing.sum()),
            line=_line_at(lines, first),
        )
    return steps, (~bad if bad.any() else None)


def _show(v: float) -> str:
    """A number as written: ``2147483648`` rather than ``2147483648.0``."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e18 else repr(v)


def _ranks(
    col: tuple[np.ndarray, np.ndarray | None, str], name: str, file: Path, info: LogInfo, lines
) -> Any:
    """The rank of every row (a scalar when constant); values that are not ranks -> missing."""
    rv, rp, _ = col
    rv = rv.astype(np.float64, copy=False)
    fin = np.isfinite(rv) if rp is None else (rp & np.isfinite(rv))
    ok = fin & (rv >= 0) & (rv <= _RANK_LIMIT) & (rv == np.floor(np.where(fin, rv, 0)))
    wrong = fin & ~ok
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        info.add(
            "coerced",
            file,
            f"{name!r} values that are not ranks (integers 0..{_RANK_LIMIT}) became missing "
            f"(first: {_show(rv[i])})",
            count=int(wrong.sum()),
            line=_line_at(lines, i),
        )
    if ok.all() and len(rv) and (rv == rv[0]).all():
        return int(rv[0])
    if ok.any():
        out = pd.array(np.where(ok, rv, 0).astype(np.int64), dtype="Int32")
        out[~ok] = pd.NA
        return out
    return None


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
    lines: Any,
) -> dict[str, Any]:
    names = list(cols)
    step_col = pick_column(step, STEP_NAMES, names, "step")
    wall_col = pick_column(wall_time, WALL_NAMES, names, "wall_time")
    rank_col = pick_column(rank, RANK_NAMES, names, "rank")
    row_mask = None
    if step_col is not None and cols[step_col][2] == "num":
        steps, row_mask = _steps(cols[step_col], step_col, file, info, lines)
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
        from_field = _ranks(cols[rank_col], rank_col, file, info, lines)
        if from_field is not None:
            rank_val = from_field
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
        "columns": [
            ColumnData(n, cols[n][0].astype(np.float64, copy=False), cols[n][1]) for n in chosen
        ],
    }


class _Keep:
    """Which fields to keep while parsing: all, or the asked-for metrics and the id fields
    (``metrics=["loss"]`` keeps memory to those columns); remembers the names left out."""

    def __init__(self, step, wall_time, rank, metrics: Iterable[str] | None) -> None:
        self.wanted: set[str] | None = None
        self.dropped: set[str] = set()
        if metrics is None:
            return
        self.wanted = {metrics} if isinstance(metrics, str) else set(metrics)
        for given, auto in ((step, STEP_NAMES), (wall_time, WALL_NAMES), (rank, RANK_NAMES)):
            if given == "auto":
                self.wanted.update(auto)
            elif given is not None:
                self.wanted.add(given)

    def __call__(self, name: str) -> bool:
        if self.wanted is None or name in self.wanted:
            return True
        self.dropped.add(name)
        return False


def _load(
    f: Path, encoding: str, keep: Callable[[str], bool]
) -> tuple[LogInfo, FileColumns | None, bytes]:
    """Read and parse one file chunk by chunk; its problems go to a LogInfo of its own."""
    local = LogInfo()
    fc = FileColumns()
    head = b""
    for data, line0 in read_chunks(f, local, encoding):
        if not head:
            head = data.lstrip()[:1]
        for cols, n, lines, first in parse_buffer(
            data, line0, str(f), local, keep=keep, use_pyarrow=USE_PYARROW
        ):
            fc.add(cols, n, lines, first)
        del data
    if fc.n == 0 and head in (b"[", b"{") and local.count("skipped"):
        what = "one JSON array" if head == b"[" else "one JSON object spread over several lines"
        raise LogFormatError(
            f"{str(f)!r} holds {what}, not a JSONL log (one JSON object per line): read it "
            f"with json.load, or write one record per line"
        )
    return local, (fc if fc.n else None), head


def _load_all(files: list[Path], encoding: str, keep: _Keep):
    """`_load` each file, two at a time: pyarrow parses without the GIL, so rank files
    are parsed side by side. Results come back in file order."""
    if len(files) < 2 or not USE_PYARROW:
        return (_load(f, encoding, keep) for f in files)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_load, files, [encoding] * len(files), [keep] * len(files)))


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
    follow: bool = False,
) -> RunLog | Follower:
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
        and reported once per file with their byte offset. An unknown codec name raises
        `ValueError` naming it.
    follow : bool, default: False
        For a log still being written: return a `~chartkit.metrics.readers.follow.Follower`
        whose ``poll()`` reads only the bytes appended since the last poll (complete lines
        only: a line being written waits) and returns a `RunLog` of everything so far.

    Returns
    -------
    RunLog, or Follower when *follow*

    Raises
    ------
    FileNotFoundError
        *path* does not exist or holds no matching file.
    KeyError
        A *metrics* entry or an explicit *step*/*wall_time*/*rank* field that is not in the
        data (close matches suggested).
    chartkit.errors.LogFormatError
        A file holding one JSON array or one pretty-printed object (not JSON lines), or
        fractional steps (pass ``step=None`` to number records instead).

    Warns
    -----
    DataWarning
        One per problem: a cut last line dropped, malformed lines and lines nested deeper
        than `~chartkit.metrics.schema.MAX_NESTING` skipped (with line numbers), steps
        beyond the int64 range skipped, numbers written as text parsed (counted), other
        text coerced to NaN, rank values that are not ranks, unreadable files skipped,
        ranks with no data, steps deduplicated, an empty file.

    See Also
    --------
    read_csv : the same for per-rank CSV files.
    chartkit.metrics.read : format detection.
    """
    if follow:
        return Follower(
            path, kind="jsonl", pattern=pattern, run=run, step=step, wall_time=wall_time,
            rank=rank, metrics=metrics, keep=keep, encoding=encoding,
        )  # fmt: skip
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    info = LogInfo(source="jsonl")
    files, expected = _files(path, patterns, info)
    run = _RunNames(path, files, run)
    frames = []
    keep_fields = _Keep(step, wall_time, rank, metrics)
    loaded = _load_all(files, encoding, keep_fields)
    opts = {"step": step, "wall_time": wall_time, "rank": rank, "metrics": metrics}
    for f, (local, fc, _head) in zip(files, loaded, strict=True):
        info.merge(local)
        part = _jsonl_part(f, fc, info, run, keep_fields, opts)
        del fc
        if part is not None:
            frames.append(part)
    frame = parts_to_frame("jsonl", frames)
    del loaded, frames
    release_memory()
    return finish(frame, info, keep=keep, expected_ranks=expected)


def _jsonl_part(
    f: Path,
    fc: FileColumns | None,
    info: LogInfo,
    run: _RunNames,
    keep_fields: _Keep,
    opts: dict[str, Any],
    *,
    consume: bool = True,
) -> dict[str, Any] | None:
    """The `long_part` of one parsed file (None, recorded, when it holds no records)."""
    if fc is None or fc.n == 0:
        info.add("empty", f, "the file holds no records")
        return None
    cols = fc.join(str(f), info, consume=consume)
    info.rows += fc.n
    if opts["metrics"] is not None:
        _check_metrics(opts["metrics"], cols, keep_fields.dropped)
    parts = _ids_and_metrics(cols, f, info, n_rows=fc.n, lines=fc.lines, **opts)
    return long_part(parts.pop("columns"), run=_run_of(run, f, parts), **parts)


def _csv_part(
    f: Path, df: Any, info: LogInfo, run: _RunNames, opts: dict[str, Any]
) -> dict[str, Any]:
    """The `long_part` of one CSV file read into *df*."""
    cols = csv_columns(df, f, info)
    lines = df.attrs.get("chartkit_lines")
    parts = _ids_and_metrics(cols, f, info, n_rows=len(df), lines=lines, **opts)
    return long_part(parts.pop("columns"), run=_run_of(run, f, parts), **parts)


def _read_csv_tolerant(f: Path, info: LogInfo, encoding: str, sep: str) -> pd.DataFrame | None:
    """`read_csv_file`; a stray ``"`` (a torn write) that makes the parser read to the end of
    the file for its closing quote gets the file read again with quotes as plain
    characters, and that is reported."""
    import csv

    n_files, n_entries = len(info.files), len(info.entries)
    try:
        return read_csv_file(f, info, encoding, sep=sep)
    except pd.errors.ParserError as err:
        reason = str(err).split("C error: ")[-1].strip()
    del info.files[n_files:], info.entries[n_entries:]  # the next pass says it again
    df = read_csv_file(f, info, encoding, sep=sep, quoting=csv.QUOTE_NONE)
    info.add(
        "replaced",
        f,
        f"quotes were read as plain characters: the file does not parse with them ({reason})",
    )
    return df


def _check_metrics(metrics, cols, dropped: set[str]) -> None:
    """An asked-for metric absent from a file: the error lists every field seen."""
    for m in [metrics] if isinstance(metrics, str) else metrics:
        if m not in cols:
            names = [n for n in cols if cols[n][2] == "num"] + sorted(dropped)
            raise unknown_column(m, names, "metric")


def _files(path, patterns: list[str], info: LogInfo) -> tuple[list[Path], list[int]]:
    """Readable files of *path* (unreadable ones reported) and the ranks their names give."""
    every = resolve_files(path, patterns)
    files = resolve_files(path, patterns, info=info)
    expected = [r for r in (rank_from_name(f.name) for f in every) if r is not None]
    return files, expected


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
    follow: bool = False,
) -> RunLog | Follower:
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
    follow : bool, default: False
        Return a `~chartkit.metrics.readers.follow.Follower` for a log being written (see
        `read_jsonl`).

    Returns
    -------
    RunLog, or Follower when *follow*

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
        as a wrong value), rows with a wrong field count skipped (with line numbers; a
        trailing comma on every row is dropped instead), text in numeric columns coerced to
        NaN, an empty or header-only file, steps deduplicated.

    See Also
    --------
    read_jsonl
    """
    if follow:
        return Follower(
            path, kind="csv", pattern=pattern, run=run, step=step, wall_time=wall_time,
            rank=rank, metrics=metrics, keep=keep, encoding=encoding, sep=sep, source=source,
        )  # fmt: skip
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    info = LogInfo(source=source)
    files, expected = _files(path, patterns, info)
    run = _RunNames(path, files, run)
    frames = []
    opts = {"step": step, "wall_time": wall_time, "rank": rank, "metrics": metrics}
    for f in files:
        df = _read_csv_tolerant(f, info, encoding, sep)
        if df is not None:
            frames.append(_csv_part(f, df, info, run, opts))
    return finish(parts_to_frame(source, frames), info, keep=keep, expected_ranks=expected)
