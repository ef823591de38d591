"""Helpers shared by the table-like readers (JSONL, CSV, Lightning, nvidia-smi, probes).

Pure parsing: no pyplot.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.schema import (
    LogInfo,
    check_path,
    coerce_numeric,
    drop_unterminated,
    natural_key,
    read_bytes,
    unknown_column,
    unreadable,
)

__all__ = [
    "ColumnData",
    "PointColumns",
    "check_fields",
    "csv_columns",
    "default_run",
    "long_part",
    "numeric_column",
    "parts_to_frame",
    "pick_column",
    "rank_from_name",
    "read_csv_bytes",
    "read_csv_file",
    "resolve_files",
    "select_metrics",
]

_RANK_RE = re.compile(r"(?:^|[^a-z])(?:rank|local_rank|proc|process|gpu|worker)[_\-.]?(\d+)", re.I)
_LAST_INT_RE = re.compile(r"(\d+)(?!.*\d)")


def resolve_files(
    path: str | os.PathLike[str], patterns: Sequence[str], *, info: LogInfo | None = None
) -> list[Path]:
    """Files of *path*: itself when a file, else the glob *patterns* in the folder.

    A glob pattern in *path* itself (``"runs/rank*.jsonl"``) is expanded too. Results are in
    natural order (``rank2`` before ``rank10``).

    With *info*, a file of a folder or glob that cannot be read (permissions, ...) is left
    out and recorded as ONE ``skipped`` entry per file, so the other ranks are still read;
    when none can be read, the first file's error is raised.

    Raises
    ------
    FileNotFoundError
        When *path* does not exist or the glob matches nothing.
    OSError
        With *info*, when no file found can be read (e.g. `PermissionError` naming it).
    """
    files = _find_files(path, patterns)
    if info is None or (len(files) == 1 and Path(os.fspath(path)).is_file()):
        return files
    readable = []
    first_err: OSError | None = None
    for f in files:
        err = unreadable(f)
        if err is None:
            readable.append(f)
            continue
        first_err = first_err or err
        info.add(
            "skipped",
            f,
            f"the file could not be read ({type(err).__name__}: {err.strerror or err})",
        )
    if not readable and first_err is not None:
        raise first_err
    return readable


def _find_files(path: str | os.PathLike[str], patterns: Sequence[str]) -> list[Path]:
    s = os.fspath(path)
    if any(ch in s for ch in "*?[") and not Path(s).exists():
        p = Path(s)
        anchor = Path(p.anchor) if p.is_absolute() else Path(".")
        rel = str(p.relative_to(p.anchor)) if p.is_absolute() else s
        files = [f for f in anchor.glob(rel) if f.is_file()]
        if not files:
            raise FileNotFoundError(f"no file matches {s!r}")
        return sorted(files, key=lambda f: natural_key(str(f)))
    p = check_path(path)
    if p.is_file():
        return [p]
    files: list[Path] = []
    for pat in patterns:
        files.extend(f for f in p.glob(pat) if f.is_file() and f not in files)
    if not files:
        raise FileNotFoundError(
            f"no file matching {' or '.join(map(repr, patterns))} in {str(p)!r}"
        )
    return sorted(files, key=lambda f: natural_key(f.name))


def rank_from_name(name: str) -> int | None:
    """The rank written in a file name: ``rank3.jsonl`` -> 3, ``metrics_gpu1.csv`` -> 1."""
    stem = Path(name).name
    m = _RANK_RE.search(stem)
    if m:
        return int(m.group(1))
    return None


def default_run(path: str | os.PathLike[str], files: Sequence[Path]) -> str:
    """Run name: the folder's name for a folder (or per-rank files), else the file stem."""
    p = Path(os.fspath(path))
    if p.is_dir():
        return p.resolve().name
    if len(files) > 1 or (files and rank_from_name(files[0].name) is not None):
        return files[0].resolve().parent.name
    return files[0].stem if files else p.stem


def pick_column(
    requested: str | None,
    auto: Sequence[str],
    available: Sequence[str],
    what: str,
) -> str | None:
    """Resolve an id column: *requested* must exist (else `KeyError`); "auto" tries *auto*."""
    if requested is None:
        return None
    if requested != "auto":
        if requested not in available:
            raise unknown_column(requested, available, what)
        return requested
    for name in auto:
        if name in available:
            return name
    return None


def select_metrics(
    candidates: Sequence[str], metrics: Iterable[str] | None, available: Sequence[str]
) -> list[str]:
    """Metric columns to keep: all *candidates*, or the asked-for *metrics* (checked)."""
    if metrics is None:
        return list(candidates)
    if isinstance(metrics, str):
        metrics = [metrics]
    out = []
    for m in metrics:
        if m not in candidates:
            raise unknown_column(m, candidates or available, "metric")
        out.append(m)
    return out


class PointColumns:
    """Growing typed columns of the points a binary-record reader decodes (no Python object
    per point): step, wall time, metric code and value; subclasses add their own."""

    def __init__(self) -> None:
        from array import array

        self.steps = array("q")
        self.times = array("d")
        self.codes = array("i")
        self.values = array("d")


class ColumnData:
    """One metric column of a wide table: float values and which rows hold a value."""

    __slots__ = ("name", "present", "values")

    def __init__(self, name: str, values: np.ndarray, present: np.ndarray | None) -> None:
        self.name = name
        self.values = values
        self.present = present  # None: every row


def long_part(
    columns: Sequence[ColumnData],
    *,
    step: np.ndarray,
    wall_time: np.ndarray | None = None,
    run: Any = None,
    rank: Any = None,
    trial: Any = None,
    row_mask: np.ndarray | None = None,
) -> dict[str, Any]:
    """The arrays of `wide_to_long` for one table, to be joined by `parts_to_frame`."""
    n = len(step)
    steps, walls, vals, ranks, counts = [], [], [], [], []
    rank_arr = None if rank is None or np.ndim(rank) == 0 else rank
    for col in columns:
        mask = col.present
        if row_mask is not None:
            mask = row_mask if mask is None else (mask & row_mask)
        if mask is None or mask.all():
            steps.append(step)
            vals.append(col.values)
            walls.append(wall_time if wall_time is not None else np.nan)
            if rank_arr is not None:
                ranks.append(rank_arr)
            counts.append(n)
        else:
            steps.append(step[mask])
            vals.append(col.values[mask])
            walls.append(wall_time[mask] if wall_time is not None else np.nan)
            if rank_arr is not None:
                ranks.append(rank_arr[mask])
            counts.append(int(mask.sum()))
    return {
        "run": run,
        "trial": trial,
        "rank": rank,
        "ranks": ranks if rank_arr is not None else None,
        "names": [c.name for c in columns],
        "counts": counts,
        "step": steps,
        "wall_time": walls,
        "value": vals,
    }


def parts_to_frame(source: str, parts: list[dict[str, Any]]) -> pd.DataFrame:
    """Join `long_part` results into one canonical frame.

    The output columns are allocated once and filled part by part; each part is released
    (*parts* is emptied) as soon as it is copied, so peak memory stays near the final frame
    plus what is left of the parts.
    """
    names: dict[str, int] = {}
    runs: dict[str, int] = {}
    trials: dict[str, int] = {}
    for p in parts:
        for nm in p["names"]:
            names.setdefault(nm, len(names))
        for key, table in (("run", runs), ("trial", trials)):
            v = p[key]
            if not (v is None or (np.ndim(v) == 0 and pd.isna(v))):
                table.setdefault(str(v), len(table))
    n = int(sum(sum(p["counts"]) for p in parts))

    def code_dtype(table: dict[str, int]) -> Any:
        return np.int8 if len(table) < 127 else (np.int16 if len(table) < 32000 else np.int32)

    step = np.empty(n, dtype=np.int64)
    wall = np.empty(n, dtype=np.float64)
    value = np.empty(n, dtype=np.float64)
    metric = np.empty(n, dtype=code_dtype(names))
    run = np.empty(n, dtype=code_dtype(runs))
    trial = np.empty(n, dtype=code_dtype(trials))
    rank = np.zeros(n, dtype=np.int32)
    rank_na = np.zeros(n, dtype=bool)
    pos = 0
    parts.reverse()
    while parts:
        p = parts.pop()
        start = pos
        for i, nm in enumerate(p["names"]):
            c = p["counts"][i]
            sl = slice(pos, pos + c)
            step[sl] = p["step"][i]
            wall[sl] = p["wall_time"][i]
            value[sl] = p["value"][i]
            metric[sl] = names[nm]
            if p["ranks"] is not None:
                r = pd.array(p["ranks"][i], dtype="Int32")
                rank[sl] = r.to_numpy(dtype=np.int32, na_value=0)
                rank_na[sl] = np.asarray(r.isna())
            pos += c
        sl = slice(start, pos)
        for key, table, out in (("run", runs, run), ("trial", trials, trial)):
            v = p[key]
            none = v is None or (np.ndim(v) == 0 and pd.isna(v))
            out[sl] = -1 if none else table[str(v)]
        if p["ranks"] is None:
            if p["rank"] is None or pd.isna(p["rank"]):
                rank_na[sl] = True
            else:
                rank[sl] = int(p["rank"])
        del p
    return pd.DataFrame(
        {
            "source": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[source]),
            "run": pd.Categorical.from_codes(run, categories=list(runs)),
            "rank": pd.arrays.IntegerArray(rank, rank_na),
            "trial": pd.Categorical.from_codes(trial, categories=list(trials)),
            "step": step,
            "wall_time": wall,
            "metric": pd.Categorical.from_codes(metric, categories=list(names)),
            "value": value,
        },
        copy=False,
    )


_SKIP_RE = re.compile(r"Skipping line (\d+): (.*)")


def _field_counts(lines: list[bytes], sep: str) -> list[int]:
    """Fields in each line (quotes respected when the data holds any)."""
    sepb = sep.encode()
    if len(sepb) == 1 and not any(b'"' in ln for ln in lines):
        return [ln.count(sepb) + 1 for ln in lines]
    import csv

    out = []
    for ln in lines:
        try:
            row = next(csv.reader([ln.decode("utf-8", "replace")], delimiter=sep))
        except (csv.Error, StopIteration):
            row = ln.split(sepb)
        out.append(len(row))
    return out


def check_fields(
    data: bytes, file: str | os.PathLike[str], info: LogInfo, *, sep: str = ",", header: bool
) -> tuple[bytes, list[int]]:
    """Rows whose field count differs from the header's, found and reported before parsing.

    A trailing separator on every row (``1,0.5,0.9,``) is one empty field too many: it is
    dropped (reported once) instead of shifting every value one column. Other rows with
    too many or too few fields are skipped, with their line numbers (never padded).

    Returns
    -------
    bytes
        The lines kept (header first).
    list of int
        The 1-based line number of each kept data row.

    Raises
    ------
    LogFormatError
        When every row has the same count and it differs from the header's: the header does
        not describe the rows.
    """
    from chartkit.errors import LogFormatError

    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    idx = [i for i, ln in enumerate(raw) if ln.strip()]
    if not idx:
        return data, []
    counts = _field_counts([raw[i] for i in idx], sep)
    if header:
        head_i, expected = idx[0], counts[0]
        rows, rcounts = idx[1:], counts[1:]
    else:
        head_i = None
        rows, rcounts = idx, counts
        expected = max(set(rcounts), key=rcounts.count)
    keep_lines = [raw[head_i]] if head_i is not None else []
    if (
        rows
        and all(c == expected + 1 for c in rcounts)
        and all(raw[i].rstrip(b"\r").endswith(sep.encode()) for i in rows)
    ):
        info.add(
            "skipped",
            file,
            f"every row ends with an empty field the header does not name (a trailing "
            f"{sep!r}): it was ignored",
            count=len(rows),
            line=rows[0] + 1,
        )
        sepb = sep.encode()
        for i in rows:
            ln = raw[i]
            cr = ln.endswith(b"\r")
            ln = ln.rstrip(b"\r")[: -len(sepb)]
            raw[i] = ln + (b"\r" if cr else b"")
        rcounts = [expected] * len(rows)
    bad = [(i, c) for i, c in zip(rows, rcounts, strict=True) if c != expected]
    if header and rows and len(bad) == len(rows) and len({c for _, c in bad}) == 1:
        raise LogFormatError(
            f"{str(file)!r}: the header names {expected} fields but every row holds "
            f"{bad[0][1]}: the header does not describe the rows (a column name missing, or "
            f"the wrong sep=?)"
        )
    if bad:
        info.add(
            "skipped",
            file,
            f"lines whose field count does not match the header (expected {expected} "
            f"fields, saw {bad[0][1]})",
            count=len(bad),
            line=bad[0][0] + 1,
            lines=[i + 1 for i, _ in bad[:10]],
        )
    badset = {i for i, _ in bad}
    kept = [i for i in rows if i not in badset]
    keep_lines.extend(raw[i] for i in kept)
    return b"\n".join(keep_lines) + b"\n", [i + 1 for i in kept]


def read_csv_bytes(
    data: bytes,
    file: str | os.PathLike[str],
    info: LogInfo,
    **kwargs: Any,
) -> pd.DataFrame:
    """`pandas.read_csv` on cleaned bytes; rows with a wrong field count skipped, counted.

    Every cell is read as text unless *kwargs* say otherwise, empty cells as missing only.
    Field counts are checked per row first (`check_fields`): a trailing separator on every
    row is dropped, other mismatched rows are skipped and recorded as ONE ``skipped`` entry
    with their line numbers; pandas never takes a column as the index.
    """
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("na_values", [""])
    kwargs.setdefault("index_col", False)
    has_header = kwargs.get("header", "infer") is not None
    data, row_lines = check_fields(data, file, info, sep=kwargs.get("sep", ","), header=has_header)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        df = pd.read_csv(io.BytesIO(data), on_bad_lines="warn", **kwargs)
    lines: list[int] = []
    reasons: list[str] = []
    for w in caught:
        if issubclass(w.category, pd.errors.ParserWarning):
            for m in _SKIP_RE.finditer(str(w.message)):
                lines.append(int(m.group(1)))
                reasons.append(m.group(2).strip())
        else:  # pragma: no cover - re-emit anything unexpected
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    header = 1 if has_header else 0
    rows = np.asarray(row_lines, dtype=np.int64)
    if lines:  # pandas' line numbers count the cleaned data
        dropped = np.asarray(lines, dtype=np.int64) - header - 1
        dropped = dropped[(dropped >= 0) & (dropped < len(rows))]
        orig = rows[dropped].tolist()
        rows = np.delete(rows, dropped)
        info.add(
            "skipped",
            file,
            f"lines whose field count does not match the header ({reasons[0]})",
            count=len(lines),
            line=min(orig) if orig else None,
            lines=sorted(orig)[:10],
        )
    if len(rows) != len(df):  # blank or quoted multi-line rows: fall back to row order
        rows = np.arange(header + 1, header + 1 + len(df))
    df.attrs["chartkit_lines"] = rows
    return df


def numeric_column(
    series: pd.Series,
    name: str,
    file: str | os.PathLike[str],
    info: LogInfo,
    lines: np.ndarray | None = None,
) -> ColumnData | None:
    """A CSV column as metric data, or None when it holds no numbers at all (text column).

    Empty cells are absent; ``nan``/``inf``/``null`` texts are values; other text in a
    numeric column becomes NaN, counted in one ``coerced`` entry.
    """
    present = series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        return ColumnData(name, series.to_numpy(dtype=np.float64, na_value=np.nan), present)
    num = pd.to_numeric(series, errors="coerce")
    if not num.notna().any():
        lowered = series.dropna().astype(str).str.strip().str.lower()
        special = {"nan", "inf", "-inf", "infinity", "-infinity", "+inf", "null"}
        if len(lowered) == 0 or not lowered.isin(special).all():
            return None
    vals = coerce_numeric(series, column=name, file=file, info=info, line_numbers=lines)
    return ColumnData(name, vals, present)


def read_csv_file(f: Path, info: LogInfo, encoding: str, **kwargs: Any) -> pd.DataFrame | None:
    """Read one CSV log: bytes cleaned (BOM, encoding, cut last line), then `read_csv_bytes`.

    Returns None, with one ``empty`` entry, for an empty or header-only file.
    """
    data = read_bytes(f, info, encoding)
    data = drop_unterminated(data, f, info)
    if not data or data.isspace():
        info.add("empty", f, "the file is empty")
        return None
    df = read_csv_bytes(data, f, info, **kwargs)
    info.rows += len(df)
    if len(df) == 0:
        info.add("empty", f, "the file holds a header but no rows")
        return None
    return df


def csv_columns(
    df: pd.DataFrame, f: Path, info: LogInfo
) -> dict[str, tuple[np.ndarray, np.ndarray | None, str]]:
    """Every column as ``(values, present, kind)``: kind "num" (float values) or "str"."""
    cols: dict[str, tuple[np.ndarray, np.ndarray | None, str]] = {}
    lines = df.attrs.get("chartkit_lines")
    for name in df.columns:
        cd = numeric_column(df[name], str(name), f, info, lines)
        if cd is None:
            cols[str(name)] = (df[name].to_numpy(), df[name].notna().to_numpy(), "str")
        else:
            cols[str(name)] = (cd.values, cd.present, "num")
    return cols
