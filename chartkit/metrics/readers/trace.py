"""Read ``torch.profiler`` Chrome traces (one per rank, ``.json`` or ``.json.gz``).

``tensorboard_trace_handler`` writes one Chrome trace-event file per rank and profiling
cycle: ``<worker>.<id>.pt.trace.json`` (optionally gzip-compressed). `read_trace` reads one
file or a folder of them into a `TraceLog`: a tidy frame of the complete (``"ph": "X"``)
events with their rank, profiler step, lane (thread, or CUDA stream for GPU events) and
category, the step windows, and what was skipped.

What is read, and how
---------------------
* **Rank**: ``distributedInfo.rank`` when the trace has it, else the file name
  (``rank3.…``, ``worker_3``), else the file's position (stated in `LogInfo`).
* **Steps**: ``ProfilerStep#N`` ranges (``torch.profiler.profile(schedule=...)`` and
  ``prof.step()`` write them). An event belongs to the step whose window contains its start,
  whatever its thread or stream; events outside every window get step ``-1``. A trace with
  no ``ProfilerStep`` is read as one step (``0``) with a warning.
* **Clock**: ``ts``/``dur`` are microseconds; ``baseTimeNanoseconds + ts`` is the host's
  epoch clock (``wall`` column, seconds). Each rank's ``start`` is relative to its own first
  step, so lanes of different ranks line up step by step; ranks on different hosts are
  **not** corrected for clock skew (`TraceLog.clocks` says which clock each rank uses).
* **Categories** (`classify`): communication, data loading, optimizer, memory copy,
  compute, other. See the rules in `chartkit.metrics.trace_analysis.CATEGORY_RULES`;
  user ``record_function`` ranges whose names say what they are (``data_loading``,
  ``optimizer_step``, ``all_reduce``...) give their category to the events inside them.
  Unknown names are kept as ``"other"``.

Parsing uses msgspec's typed JSON decoder (the ``trace`` extra): only the fields chartkit
uses are materialised, so a trace needs about twice its size in memory, not the ten times
a tree of Python dicts takes. A file cut mid-write (a crash) is not valid JSON: it is
refused with a clear error naming the file, and the other ranks are read.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit._optional import import_optional
from chartkit.errors import LogFormatError
from chartkit.metrics.readers._common import rank_from_name
from chartkit.metrics.schema import LogInfo

__all__ = ["TRACE_PATTERNS", "TraceLog", "is_trace_file", "read_trace"]

#: File names recognised as torch.profiler traces in a folder.
TRACE_PATTERNS = ("*.pt.trace.json", "*.pt.trace.json.gz", "*.trace.json", "*.trace.json.gz")
_STEP = re.compile(r"^ProfilerStep#(\d+)$")
_KNOWN_PHASES = {"X", "M", "i", "I", "s", "f", "t", "C"}


@dataclass
class TraceLog:
    """torch.profiler traces of one run, one per rank.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per complete event: ``rank, step, lane, device, category, name, cat,
        start, duration, wall`` (``start``/``duration`` in milliseconds; ``start`` relative
        to the rank's first step; ``wall`` in epoch seconds when the trace has
        ``baseTimeNanoseconds``, else NaN). ``lane`` is ``"thread <tid>"`` (with the
        thread's name when the trace gives one) or ``"stream <n>"`` for GPU events.
    steps : pandas.DataFrame
        One row per rank and step: ``rank, step, start, end, duration, lane`` (ms).
    info : LogInfo
        Files read, events skipped and why.
    clocks : dict of int to str
        Which clock each rank's times use.
    main_lanes : dict of int to str
        The lane holding each rank's ``ProfilerStep`` ranges (the training loop's thread).
    meta : dict of int to dict
        ``distributedInfo``, host name and device properties per rank.
    """

    events: pd.DataFrame
    steps: pd.DataFrame
    info: LogInfo
    clocks: dict[int, str] = field(default_factory=dict)
    main_lanes: dict[int, str] = field(default_factory=dict)
    meta: dict[int, dict] = field(default_factory=dict)

    @property
    def ranks(self) -> list[int]:
        """Ranks present, sorted."""
        return sorted(int(r) for r in self.steps["rank"].unique())

    def __repr__(self) -> str:
        return (
            f"TraceLog({len(self.events)} events, ranks {self.ranks}, "
            f"{self.steps['step'].nunique()} steps)"
        )


@functools.lru_cache(maxsize=1)
def _msgspec_types():
    """msgspec and the typed schema: only the fields chartkit uses are materialised."""
    msgspec = import_optional("msgspec", "reading torch.profiler traces", "trace")
    event = msgspec.defstruct(
        "TraceEvent",
        [
            ("ph", str, ""),
            ("name", str, ""),
            ("cat", str, ""),
            ("pid", int | str, 0),
            ("tid", int | str, 0),
            ("ts", float, 0.0),
            ("dur", float, -1.0),
            ("args", dict[str, Any] | None, None),
        ],
    )
    trace = msgspec.defstruct(
        "Trace",
        [
            ("traceEvents", list[event]),
            ("distributedInfo", dict[str, Any] | None, None),
            ("baseTimeNanoseconds", int | None, None),
            ("deviceProperties", list[Any] | None, None),
            ("host_name", str | None, None),
        ],
    )
    return msgspec, trace


def is_trace_file(path: str | os.PathLike[str]) -> bool:
    """Whether *path* looks like a Chrome trace (``"traceEvents"`` near its start)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with (gzip.open if p.suffix == ".gz" else open)(p, "rb") as fh:
            head = fh.read(8192)
    except (OSError, EOFError):
        return False
    return b'"traceEvents"' in head or (b'"schemaVersion"' in head and b"distributedInfo" in head)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    # one walk of the tree: named traces first, other JSON files looked into only when no
    # file carries a trace name
    named: dict[Path, Path] = {}
    json_files: list[Path] = []
    for f in path.rglob("*.json*"):
        if any(f.match(pattern) for pattern in TRACE_PATTERNS):
            named.setdefault(f.resolve(), f)
        elif f.name.endswith((".json", ".json.gz")):
            json_files.append(f)
    if not named:
        for f in json_files:
            if is_trace_file(f):
                named.setdefault(f.resolve(), f)
    return sorted(named.values())


def _decode(f: Path, msgspec: Any, trace_type: Any) -> Any:
    data = f.read_bytes()
    if f.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise LogFormatError(f"{f}: not a readable gzip file ({err}).") from None
    try:
        return msgspec.json.decode(data, type=trace_type)
    except msgspec.ValidationError as err:
        raise LogFormatError(
            f"{f}: not a torch.profiler trace: expected a JSON object with a 'traceEvents' "
            f"list of events ({err})."
        ) from None
    except msgspec.DecodeError as err:
        raise LogFormatError(
            f"{f}: not valid JSON ({err}); a trace cut while it was being written cannot be "
            "read."
        ) from None


def _lane_names(events: list) -> dict[tuple, str]:
    names: dict[tuple, str] = {}
    for e in events:
        if e.ph == "M" and e.name == "thread_name" and e.args:
            names[(e.pid, e.tid)] = str(e.args.get("name", ""))
    return names


def _device_of(pid: Any, cat: str) -> str:
    if cat in ("kernel", "gpu_memcpy", "gpu_memset", "gpu_user_annotation") or (
        isinstance(pid, int) and pid < 64 and cat.startswith("gpu")
    ):
        return f"gpu {pid}"
    return "cpu"


class _Interner(dict):
    """Value -> small integer code, in order of first appearance (shared by all ranks)."""

    def code(self, value: Any) -> int:
        c = self.get(value)
        if c is None:
            c = self[value] = len(self)
        return c

    def values_list(self) -> list:
        return list(self)


def _one_file(
    f: Path, position: int, info: LogInfo, msgspec: Any, trace_type: Any, names: _Interner,
    cats: _Interner,
) -> dict:
    trace = _decode(f, msgspec, trace_type)
    dist = trace.distributedInfo or {}
    rank = dist.get("rank")
    how = "distributedInfo.rank"
    if not isinstance(rank, int) or isinstance(rank, bool):
        rank = rank_from_name(f.name)
        how = "the file name"
    if rank is None:
        rank = position
        how = "the file's position (no distributedInfo, no rank in the name)"
        info.add("marked", str(f), f"rank {rank} taken from {how}")
    thread_names = _lane_names(trace.traceEvents)
    lane_keys = _Interner()
    name_codes: list[int] = []
    cat_codes: list[int] = []
    lane_codes: list[int] = []
    ts: list[float] = []
    dur: list[float] = []
    skipped: dict[str, int] = {}
    name_code, cat_code, lane_code = names.code, cats.code, lane_keys.code
    for e in trace.traceEvents:
        if e.ph == "X" and e.dur >= 0:
            name_codes.append(name_code(e.name))
            cat_codes.append(cat_code(e.cat))
            lane_codes.append(lane_code((e.pid, e.tid, e.cat)))
            ts.append(e.ts)
            dur.append(e.dur)
        elif e.ph not in _KNOWN_PHASES or (e.ph == "X" and e.dur < 0):
            key = f"phase {e.ph!r}" if e.ph != "X" else "complete events without dur"
            skipped[key] = skipped.get(key, 0) + 1
    for what, n in skipped.items():
        info.add("skipped", str(f), f"{what} (not written by torch.profiler)", count=n)
    return {
        "rank": int(rank),
        "rank_from": how,
        "file": f,
        "name": np.asarray(name_codes, dtype=np.int32),
        "cat": np.asarray(cat_codes, dtype=np.int32),
        "lane_key": np.asarray(lane_codes, dtype=np.int32),
        "lane_keys": lane_keys.values_list(),
        "ts": np.asarray(ts, dtype=np.float64),
        "dur": np.asarray(dur, dtype=np.float64),
        "lanes": thread_names,
        "base": trace.baseTimeNanoseconds,
        "meta": {
            "distributedInfo": dist,
            "host": trace.host_name,
            "deviceProperties": trace.deviceProperties or [],
            "file": str(f),
        },
    }


def _lane_labels(part: dict, lanes: _Interner, devices: _Interner) -> tuple[np.ndarray, ...]:
    """Global lane and device codes per lane key, and which keys are the profiler's own."""
    lane_of, device_of, own = [], [], []
    for pid, tid, cat in part["lane_keys"]:
        device = _device_of(pid, cat)
        if device.startswith("gpu"):
            label = f"{device} stream {tid}"
        else:
            name = part["lanes"].get((pid, tid), "")
            short = re.sub(r"^thread \d+ \((.*)\)$", r"\1", name) if name else ""
            extra = f" ({short})" if short and short != "python3" else ""
            label = f"thread {tid}{extra}"
        lane_of.append(lanes.code(label))
        device_of.append(devices.code(device))
        # the profiler's own bookkeeping spans ("Spans", "Traces") are not work
        own.append(str(pid) in ("Spans", "Traces", ""))
    return (
        np.asarray(lane_of, dtype=np.int32),
        np.asarray(device_of, dtype=np.int32),
        np.asarray(own, dtype=bool),
    )


def _step_numbers(names: _Interner) -> dict[int, int]:
    """Name code -> N for every ``ProfilerStep#N`` name."""
    out = {}
    for name, code in names.items():
        m = _STEP.match(name)
        if m:
            out[code] = int(m.group(1))
    return out


def read_trace(path: str | os.PathLike[str]) -> TraceLog:
    """Read torch.profiler Chrome traces (one file, or a folder of one per rank).

    Parameters
    ----------
    path : str or path-like
        A ``*.pt.trace.json`` / ``.json.gz`` file or a folder holding them (searched
        recursively; other JSON files are used when they start like a trace).

    Returns
    -------
    TraceLog

    Raises
    ------
    FileNotFoundError
        *path* does not exist, or a folder holds no trace.
    chartkit.errors.LogFormatError
        A file that is not a trace (the message names what was expected) or is cut (a
        `ValueError`); when several files are read, such a file is skipped and counted
        instead, unless none can be read.

    Examples
    --------
    >>> from chartkit.metrics import read_trace, sample_path
    >>> trace = read_trace(sample_path("profiler_world4"))  # doctest: +SKIP
    >>> trace.steps.groupby("rank")["duration"].mean()  # doctest: +SKIP
    """
    from chartkit.metrics._rules import check_path
    from chartkit.metrics.trace_analysis import classify

    p = check_path(path)
    files = _files(p)
    if not files:
        raise FileNotFoundError(
            f"no torch.profiler trace under {str(p)!r}: looked for {', '.join(TRACE_PATTERNS)} "
            "and JSON files starting with a 'traceEvents' list."
        )
    msgspec, trace_type = _msgspec_types()
    info = LogInfo(source="trace", files=[str(f) for f in files])
    names, cats, lanes, devices = _Interner(), _Interner(), _Interner(), _Interner()
    parts = []
    for i, f in enumerate(files):
        try:
            parts.append(_one_file(f, i, info, msgspec, trace_type, names, cats))
        except (ValueError, OSError) as err:
            if len(files) == 1:
                raise
            info.add("skipped", str(f), f"whole file: {err}")
    if not parts:
        raise LogFormatError(
            f"none of the {len(files)} trace file(s) under {str(p)!r} could be read: "
            + "; ".join(e.reason for e in info.entries)
        )
    step_of_name = _step_numbers(names)
    step_codes = np.fromiter(step_of_name, dtype=np.int32, count=len(step_of_name))
    step_values = np.zeros(max(len(names), 1), dtype=np.int64)
    for code, n in step_of_name.items():
        step_values[code] = n
    seen: dict[int, Path] = {}
    frames, step_rows = [], []
    clocks, main_lanes, meta = {}, {}, {}
    for part in parts:
        rank = part["rank"]
        if rank in seen:
            info.add(
                "skipped",
                str(part["file"]),
                f"a second trace of rank {rank} (first: {seen[rank].name}); pass one profiling "
                "cycle's files",
            )
            continue
        seen[rank] = part["file"]
        frame, steps, main_lane = _rank_events(part, info, lanes, devices, step_codes, step_values)
        frames.append(frame)
        step_rows.append(steps)
        main_lanes[rank] = main_lane
        host = part["meta"]["host"] or "an unnamed host"
        clocks[rank] = (
            f"{host}'s clock (baseTimeNanoseconds + ts), shown relative to the rank's first "
            "step; not corrected for skew between hosts"
            if part["base"] is not None
            else "the trace's own relative clock (no baseTimeNanoseconds): not comparable "
            "across ranks"
        )
        meta[rank] = {**part["meta"], "rank_from": part["rank_from"]}
    events = _events_frame(frames, names, cats, lanes, devices)
    events["category"] = classify(events)
    steps_frame = pd.concat(step_rows, ignore_index=True).sort_values(["rank", "step"])
    _report_step_gaps(steps_frame, info)
    info.rows = len(events)
    info.warn()
    return TraceLog(
        events=events,
        steps=steps_frame.reset_index(drop=True),
        info=info,
        clocks=clocks,
        main_lanes=main_lanes,
        meta=meta,
    )


def _rank_events(
    part: dict, info: LogInfo, lanes: _Interner, devices: _Interner, step_codes: np.ndarray,
    step_values: np.ndarray,
) -> tuple[dict, pd.DataFrame, str]:
    """One rank's events (columns), its step windows and its main lane."""
    rank = part["rank"]
    lane_of, device_of, own = _lane_labels(part, lanes, devices)
    keep = ~own[part["lane_key"]]
    name_c = part["name"][keep]
    lane_c = lane_of[part["lane_key"][keep]]
    ts, dur = part["ts"][keep], part["dur"][keep]
    is_step = np.isin(name_c, step_codes)
    if is_step.any():
        order = np.flatnonzero(is_step)[np.argsort(ts[is_step], kind="stable")]
        _, first = np.unique(step_values[name_c[order]], return_index=True)
        order = order[np.sort(first)]
        starts, durs = ts[order], dur[order]
        numbers = step_values[name_c[order]]
        main_lane = lanes.values_list()[int(lane_c[order[0]])]
    else:
        info.add(
            "marked",
            str(part["file"]),
            f"rank {rank}: no ProfilerStep#N ranges; the whole trace is read as step 0",
        )
        t0 = float(ts.min()) if len(ts) else 0.0
        t1 = float((ts + dur).max()) if len(ts) else 0.0
        starts, durs, numbers = np.array([t0]), np.array([t1 - t0]), np.array([0])
        main_lane = lanes.values_list()[int(lane_c[0])] if len(lane_c) else "thread"
    origin = float(starts.min())
    ends = starts + durs
    idx = np.searchsorted(starts, ts, side="right") - 1
    inside = (idx >= 0) & (ts < ends[np.clip(idx, 0, None)])
    step_no = np.where(inside, numbers[np.clip(idx, 0, None)], -1)
    base = part["base"]
    frame = {
        "rank": np.full(len(ts), rank, dtype=np.int64),
        "step": step_no.astype(np.int64),
        "lane": lane_c,
        "device": device_of[part["lane_key"][keep]],
        "name": name_c,
        "cat": part["cat"][keep],
        "start": (ts - origin) / 1e3,
        "duration": dur / 1e3,
        "wall": base / 1e9 + ts / 1e6 if base is not None else np.full(len(ts), np.nan),
    }
    steps = pd.DataFrame(
        {
            "rank": rank,
            "step": numbers.astype(np.int64),
            "start": (starts - origin) / 1e3,
            "end": (ends - origin) / 1e3,
            "duration": durs / 1e3,
            "lane": main_lane,
        }
    )
    return frame, steps, main_lane


def _events_frame(frames: list[dict], *interners: _Interner) -> pd.DataFrame:
    """One frame of every rank's events; name, cat, lane, device as categoricals."""
    cols = {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
    names, cats, lanes, devices = interners
    for col, table in (("name", names), ("cat", cats), ("lane", lanes), ("device", devices)):
        categories = pd.Index(table.values_list(), dtype=object)
        cols[col] = pd.Categorical.from_codes(cols[col], categories=categories)
    order = ["rank", "step", "lane", "device", "name", "cat", "start", "duration", "wall"]
    return pd.DataFrame({k: cols[k] for k in order})


def _report_step_gaps(steps: pd.DataFrame, info: LogInfo) -> None:
    """Ranks whose profiled steps differ: aligned on step number, the missing ones named."""
    per_rank = steps.groupby("rank")["step"].apply(lambda s: set(s.tolist()))
    every = set().union(*per_rank.tolist()) if len(per_rank) else set()
    for rank, have in per_rank.items():
        missing = sorted(every - have)
        if missing:
            info.add(
                "marked",
                None,
                f"rank {rank} has no trace of step(s) {missing} that other ranks have; steps are "
                "aligned on their numbers",
            )
