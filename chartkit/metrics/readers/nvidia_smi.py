"""``nvidia-smi --query-gpu=... --format=csv[,nounits][,noheader]`` logs (``-l``/``-lms`` loops).

What nvidia-smi writes: fields separated by ``", "``; a header whose names carry units
(``utilization.gpu [%]``, ``memory.used [MiB]``) even with ``nounits``; values that carry
units without it (``95 %``, ``3353 MiB``, ``72.37 W``); ``[N/A]``, ``[Not Supported]`` and
``[Requested functionality has been deprecated]`` for fields a GPU or driver does not give;
renamed fields (a requested ``clocks.sm`` comes back as ``clocks.current.sm``). One row per
GPU per sample, GPUs told apart by ``index``. No GPUtil involved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chartkit._validate import check_in_list, check_length
from chartkit.errors import LogFormatError
from chartkit.metrics.readers._common import (
    ColumnData,
    long_part,
    parts_to_frame,
    read_csv_bytes,
    select_metrics,
)
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    check_path,
    drop_unterminated,
    finish,
    params_frame,
    read_bytes,
)

__all__ = ["GPUTIL_FIELDS", "read_nvidia_smi"]

#: The ``--query-gpu`` fields GPUtil asks for, in its order (``--format=csv,noheader,nounits``):
#: ``columns="gputil"`` reads such a file.
GPUTIL_FIELDS = (
    "index",
    "uuid",
    "utilization.gpu",
    "memory.total",
    "memory.used",
    "memory.free",
    "driver_version",
    "name",
    "gpu_serial",
    "display_active",
    "display_mode",
    "temperature.gpu",
)

_DRIVER = re.compile(r"^\d+\.\d+(\.\d+)?$")


def _is_gputil_row(first: str) -> bool:
    """A headerless row of GPUtil's fixed query: every field where that query puts it."""
    f = [x.strip() for x in first.split(",")]
    return (
        len(f) == len(GPUTIL_FIELDS)
        and f[0].isdigit()
        and f[1].startswith("GPU-")
        and bool(_DRIVER.match(f[6]))
        and f[7].upper().startswith(("NVIDIA", "TESLA", "QUADRO", "GEFORCE"))
    )


_UNIT_IN_NAME = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")
_VALUE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*)?$")
_KNOWN_FIELDS = (
    "timestamp",
    "index",
    "name",
    "uuid",
    "pstate",
    "utilization.gpu",
    "utilization.memory",
    "memory.total",
    "memory.used",
    "memory.free",
    "temperature.gpu",
    "power.draw",
    "driver_version",
    "pci.bus_id",
)
_TEXT_FIELDS = (
    "name",
    "uuid",
    "driver_version",
    "pci.bus_id",
    "serial",
    "gpu_serial",
    "vbios_version",
)


def _is_missing(text: pd.Series) -> np.ndarray:
    t = text.str.strip()
    return (t.str.startswith("[") & t.str.endswith("]")).fillna(True).to_numpy() | (
        t.isin(["N/A", "", "Not Supported"]).to_numpy()
    )


def read_nvidia_smi(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | str | None = None,
    run: str | None = None,
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
) -> RunLog:
    """Read an ``nvidia-smi --query-gpu`` CSV log into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file (``csv`` or ``csv,nounits``, with or without header).
    columns : list of str or "gputil", optional
        Field names, in query order, for a file written with ``noheader``; ignored (must
        match in number) when the file has a header. Units in brackets are stripped.
        ``"gputil"``: GPUtil's query (`GPUTIL_FIELDS`).
    run : str, optional
        Run name; default: the file's stem.
    metrics : list of str, optional
        Numeric fields to keep (unit-free names, e.g. ``"memory.used"``).
    keep : {"last", "first", "all"}, default: "last"
    encoding : str, default: "utf-8"

    Returns
    -------
    RunLog
        One series per GPU: ``rank`` is the GPU ``index``, ``step`` the sample number of
        that GPU (0, 1, ...), ``wall_time`` the ``timestamp`` read as UTC seconds (nvidia-smi
        writes the machine's local time without zone). Numeric fields become metrics with
        units stripped (``info.extra["units"]`` maps name -> unit); ``pstate`` ``P0``...``P12``
        becomes the number; text fields (``name``, ``uuid``, ...) go to ``params``, one row
        per GPU. Missing markers (``[N/A]``, ``[Requested functionality has been
        deprecated]``) give no point.

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        A headerless file without *columns*, or *columns* of the wrong length.
    KeyError
        An asked-for metric that is not in the file (close matches suggested).

    Warns
    -----
    DataWarning
        One per problem (cut last line, lines with a wrong field count, text in a numeric
        field, empty file).
    """
    p = check_path(path)
    info = LogInfo(source="nvidia_smi")
    run = p.stem if run is None else run
    data = read_bytes(p, info, encoding)
    data = drop_unterminated(data, p, info)
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    has_header = _looks_like_header(first)
    if isinstance(columns, str):
        check_in_list(["gputil"], columns=columns)
        columns = list(GPUTIL_FIELDS)
    if not has_header and columns is None and _is_gputil_row(first):
        columns = list(GPUTIL_FIELDS)
        info.add(
            "marked",
            p,
            "no header line: read as GPUtil's query (index, uuid, utilization.gpu, "
            "memory.total, memory.used, ...) from the row's shape (12 fields, the GPU uuid "
            "second, a driver version seventh, an NVIDIA name eighth); pass columns= if "
            "another query wrote it",
        )
    if not has_header and columns is None:
        hint = ""
        fields = first.split(",")
        if len(fields) == len(GPUTIL_FIELDS) and fields[1].strip().startswith("GPU-"):
            hint = " (12 fields with the GPU uuid second: GPUtil's query, columns='gputil')"
        raise LogFormatError(
            f"{str(p)!r} has no header line (written with --format=csv,noheader); pass "
            f"columns= with the --query-gpu field names in order{hint}"
        )
    if not data or data.isspace() or (has_header and data.count(b"\n") <= 1):
        info.add("empty", p, "the file holds no samples")
        return finish(parts_to_frame("nvidia_smi", []), info, keep=keep)
    df = read_csv_bytes(
        data,
        p,
        info,
        header=0 if has_header else None,
        skipinitialspace=True,
        dtype=str,
    )
    if columns is not None:
        check_length(columns, df.shape[1], name="columns", per="field of the file", got="names")
    names, units = _names_and_units(columns if columns is not None else df.columns)
    df.columns = names
    info.rows += len(df)
    lines = df.attrs.get("chartkit_lines")
    gpu = (
        pd.to_numeric(df["index"], errors="coerce").to_numpy()
        if "index" in df
        else np.zeros(len(df))
    )
    ok_gpu = np.isfinite(gpu)
    if not ok_gpu.all():
        info.add(
            "skipped",
            p,
            "rows without a GPU index",
            count=int((~ok_gpu).sum()),
            line=int(lines[np.flatnonzero(~ok_gpu)[0]]) if lines is not None else None,
        )
    cols, text_cols = _value_columns(df, names, units, p, info, lines)
    info.extra["units"] = units
    if text_cols:
        info.extra["text_fields"] = text_cols
    chosen = select_metrics([c.name for c in cols], metrics, names)
    cols = [c for c in cols if c.name in chosen]
    parts, prow = _per_gpu(df, cols, text_cols, gpu, ok_gpu, _wall_times(df), run)
    frame = parts_to_frame("nvidia_smi", parts)
    return finish(frame, info, params=params_frame(prow), keep=keep)


def _names_and_units(raw_names: Iterable[Any]) -> tuple[list[str], dict[str, str]]:
    """Field names without their ``[unit]``, and the units by name."""
    names, units = [], {}
    for raw in raw_names:
        m = _UNIT_IN_NAME.match(str(raw).strip())
        name, unit = (m.group(1), m.group(2)) if m else (str(raw).strip(), None)
        names.append(name)
        if unit:
            units[name] = unit
    return names, units


def _wall_times(df: pd.DataFrame) -> np.ndarray | None:
    """``timestamp`` as UTC seconds (nvidia-smi's own layout first, then any)."""
    if "timestamp" not in df:
        return None
    text = df["timestamp"].str.strip()
    ts = pd.to_datetime(text, format="%Y/%m/%d %H:%M:%S.%f", errors="coerce")
    if ts.isna().all() and text.notna().any():
        ts = pd.to_datetime(text, format="mixed", errors="coerce")  # other drivers
    return (
        (ts - pd.Timestamp("1970-01-01"))
        .dt.total_seconds()
        .to_numpy(dtype=np.float64, na_value=np.nan)
    )


def _value_columns(df, names, units, p, info, lines) -> tuple[list[ColumnData], list[str]]:
    """Numeric fields (units read off the values when the header had none) and text fields."""
    cols: list[ColumnData] = []
    text_cols: list[str] = []
    for name in names:
        if name in ("timestamp", "index"):
            continue
        s = df[name].astype("str")
        missing = _is_missing(s) | df[name].isna().to_numpy()
        if name == "pstate":
            vals = pd.to_numeric(s.str.strip().str.lstrip("Pp"), errors="coerce").to_numpy()
            cols.append(ColumnData(name, vals, ~missing & np.isfinite(vals)))
            continue
        parts = s.str.extract(_VALUE)
        num = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~missing & ~np.isfinite(num)
        if name in _TEXT_FIELDS or missing.all() or bad.sum() > 0.5 * max((~missing).sum(), 1):
            text_cols.append(name)
            continue
        unit = parts[1].dropna().str.strip()
        if len(unit) and name not in units:
            units[name] = str(unit.iloc[0])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            info.add(
                "coerced",
                p,
                f"non-numeric cells in {name!r} became NaN (first: {s.iloc[i]!r})",
                count=int(bad.sum()),
                line=int(lines[i]) if lines is not None else i + 1,
            )
        cols.append(ColumnData(name, num, ~missing))
    return cols, text_cols


def _per_gpu(df, cols, text_cols, gpu, ok_gpu, wall, run) -> tuple[list, list[dict[str, Any]]]:
    """One long part per GPU (``rank`` = GPU index, ``step`` = its sample number), and params."""
    out_parts, prow = [], []
    for g in sorted(np.unique(gpu[ok_gpu]).astype(int).tolist()):
        idx = np.flatnonzero(gpu == g)
        sub = [
            ColumnData(c.name, c.values[idx], None if c.present is None else c.present[idx])
            for c in cols
        ]
        out_parts.append(
            long_part(
                sub,
                step=np.arange(len(idx), dtype=np.int64),
                wall_time=None if wall is None else wall[idx],
                run=run,
                rank=g,
            )
        )
        row: dict[str, Any] = {"run": run, "trial": None, "segment": 0, "start_step": 0}
        row["gpu"] = g
        for t in text_cols:
            vals = df[t].iloc[idx].dropna().str.strip()
            vals = vals[~_is_missing(vals)]
            row[t] = str(vals.iloc[0]) if len(vals) else None
        prow.append(row)
    return out_parts, prow


def _looks_like_header(first: str) -> bool:
    fields = [f.strip() for f in first.split(",")]
    if not fields:
        return False
    if any(_VALUE.match(f) for f in fields if f):
        # a data line has numbers (index, memory, ...); a header has none
        return False
    return any(_UNIT_IN_NAME.match(f) or f in _KNOWN_FIELDS or "." in f for f in fields)
