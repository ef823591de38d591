"""Parsing of a Ray Tune trial folder's files (JSON and CSV only), for `read_ray`.

``result.json`` and ``progress.csv`` rows become a trial's steps, lineage segments and
metric columns; ``experiment_state-*.json`` gives statuses (its trial entries are JSON text
inside JSON; ``CLOUDPICKLE_FALLBACK`` blobs are never decoded); ``error.txt`` gives the
error lines. Nothing here unpickles or imports ray, pandas or pyplot.

Hostile input never crashes a read: a file that cannot be opened (permissions) is reported
and the trial's other files are used; JSON nested deeper than
`~chartkit.metrics._rules.MAX_NESTING` is refused before any parser sees it (Python's
parser would raise `RecursionError`); a config wider than `MAX_CONFIG_KEYS` keys is cut
there; steps outside the int64 range or not integers and ``progress.csv`` rows holding a bare
carriage return are skipped. Each is one counted entry in the `LogInfo`.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chartkit.metrics.schema import (
    MAX_NESTING,
    LogInfo,
    deep_lines,
    drop_unterminated,
    natural_key,
    nesting_depth,
    read_bytes,
)

__all__ = [
    "MAX_CONFIG_KEYS",
    "Trial",
    "error_lines",
    "flatten",
    "parse_progress_csv",
    "parse_result_json",
    "read_json_file",
    "read_state",
    "unsearchable",
]

# Keys Ray adds to every result that are bookkeeping, not metrics.
_NOT_METRICS = frozenset(
    {
        "timestamp",
        "trial_id",
        "date",
        "pid",
        "hostname",
        "node_ip",
        "done",
        "should_checkpoint",
        "checkpoint_dir_name",
        "experiment_id",
        "experiment_tag",
        "config",
        "trial_resources",
    }
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
#: Most config keys (after flattening) kept per trial; a wider config is cut there, reported.
MAX_CONFIG_KEYS = 10_000
_INT64 = (-(2**63), 2**63 - 1)


@dataclass
class Trial:
    folder: str
    dirname: str
    trial_id: str | None = None
    config0: dict[str, Any] | None = None
    source_file: str | None = None
    steps: list[int] = field(default_factory=list)
    # lineage: (first row, reason, config) per segment, in read order
    segments: list[tuple[int, str, dict[str, Any] | None]] = field(default_factory=list)
    # metric key -> values (float, NaN for null) aligned with steps, or None where absent
    columns: dict[str, list[Any]] = field(default_factory=dict)
    all_null: set[str] = field(default_factory=set)
    times: list[float] = field(default_factory=list)
    status: str | None = None
    error: str | None = None
    exception: str | None = None
    done: bool | None = None


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def too_deep(text: str | bytes, limit: int = MAX_NESTING) -> bool:
    """Whether JSON *text* nests brackets deeper than *limit* (strings ignored).

    Only text holding more than *limit* opening brackets is scanned: the usual result line
    or config has a few.
    """
    if (
        text.count("[" if isinstance(text, str) else b"[")
        + text.count("{" if isinstance(text, str) else b"{")
        <= limit
    ):
        return False
    return nesting_depth(text, stop=limit) > limit


def read_json_file(path: str, info: LogInfo, *, large: bool = False) -> Any:
    """One JSON document, or None with one ``skipped`` entry saying why it was not read.

    The nesting depth is bounded before parsing; for a *large* file (the experiment state,
    megabytes of hex blobs) that scan would cost more than the parse, so Python's parser,
    which refuses deep nesting with `RecursionError` without harm, is the bound there.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        info.add("skipped", path, f"the file could not be read ({err.strerror or err})")
        return None
    if not large and too_deep(data):
        info.add("skipped", path, _deep_reason("the file"))
        return None
    try:
        return json.loads(data.decode("utf-8", errors="replace"))
    except RecursionError:
        info.add("skipped", path, _deep_reason("the file"))
        return None
    except ValueError as err:
        info.add("skipped", path, f"not readable as JSON ({str(err).splitlines()[0]})")
        return None


def _deep_reason(what: str) -> str:
    return (
        f"{what} nests brackets more than {MAX_NESTING} levels deep (no log does; a parser "
        "would recurse until it fails), so it was not parsed"
    )


def bounded_config(cfg: dict[str, Any], path: str, info: LogInfo) -> dict[str, Any]:
    """*cfg*, or its first `MAX_CONFIG_KEYS` flattened keys (one ``skipped`` entry) if wider."""
    if _width(cfg, MAX_CONFIG_KEYS + 1) <= MAX_CONFIG_KEYS:
        return cfg
    flat = flatten(cfg)
    info.add(
        "skipped",
        path,
        f"a config with {len(flat)} keys: only the first {MAX_CONFIG_KEYS} are kept in params",
    )
    return dict(itertools.islice(flat.items(), MAX_CONFIG_KEYS))


def _width(d: Mapping[str, Any], stop: int) -> int:
    n = 0
    for v in d.values():
        n += _width(v, stop - n) if isinstance(v, dict) else 1
        if n >= stop:
            break
    return n


def flatten(d: Mapping[str, Any], prefix: str = "", skip: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if k == skip:
            continue
        if isinstance(v, dict):
            out.update(flatten(v, key + "/"))
        else:
            out[key] = v
    return out


def _read(path: str, info: LogInfo) -> bytes | None:
    """The file's UTF-8 bytes without a cut last line; None (reported) when unreadable."""
    try:
        data = read_bytes(path, info)
    except OSError as err:
        info.add("skipped", path, f"the file could not be read ({err.strerror or err})")
        return None
    return drop_unterminated(data, path, info)


def _lines(data: bytes | None) -> list[str]:
    return data.decode("utf-8").split("\n")[:-1] if data else []


def parse_result_json(trial: Trial, path: str, time_attr: str, info: LogInfo) -> None:
    data = _read(path, info)
    if data is None:
        return
    deep = set(deep_lines(data, MAX_NESTING))
    lines = _lines(data)
    del data
    numbers = [i for i, line in enumerate(lines, start=1) if line.strip() and i not in deep]
    if deep:
        info.add(
            "skipped",
            path,
            _deep_reason("the line"),
            line=min(deep),
            count=len(deep),
            lines=sorted(deep)[:10],
        )
    try:
        # one decoder call for the whole file; a bad line sends it to the line-by-line path
        rows = json.loads("[" + ",".join(lines[i - 1] for i in numbers) + "]")
        good = all(type(r) is dict for r in rows)
    except ValueError:
        good = False
    if not good:
        rows, kept, bad = [], [], []
        for i in numbers:
            try:
                row = json.loads(lines[i - 1])
            except ValueError:
                row = None
            if isinstance(row, dict):
                rows.append(row)
                kept.append(i)
            else:
                bad.append(i)
        numbers = kept
        info.add(
            "skipped", path, "malformed JSON line", line=bad[0], count=len(bad), lines=bad[:10]
        )
    del lines
    _ingest(trial, rows, numbers, True, time_attr, path, info)


def parse_progress_csv(trial: Trial, path: str, time_attr: str, info: LogInfo) -> None:
    data = _read(path, info)
    if data is None:
        return
    lines = [line[:-1] if line.endswith("\r") else line for line in _lines(data)]
    # a bare carriage return inside a row (the csv module refuses it in an unquoted field)
    cr = [i for i, line in enumerate(lines, start=1) if "\r" in line]
    if cr:
        info.add(
            "skipped",
            path,
            "rows holding a bare carriage return (\\r) inside a field",
            line=cr[0],
            count=len(cr),
            lines=cr[:10],
        )
        for i in cr:
            lines[i - 1] = ""
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header:
        return
    width = len(header)
    bad: list[int] = []
    widths: set[int] = set()
    rows, numbers = [], []
    for i, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != width:
            bad.append(i)
            widths.add(len(fields))
            continue
        rows.append(dict(zip(header, fields, strict=True)))
        numbers.append(i)
    if bad:
        info.add(
            "skipped",
            path,
            f"rows with {' or '.join(map(str, sorted(widths)))} fields where the header has "
            f"{width} (the columns changed after a restart)",
            line=bad[0],
            count=len(bad),
            lines=bad[:10],
        )
    _ingest(trial, rows, numbers, False, time_attr, path, info)


def _ingest(
    trial: Trial,
    rows: list[dict[str, Any]],
    numbers: list[int],
    has_config: bool,
    time_attr: str,
    path: str,
    info: LogInfo,
) -> None:
    """Turn one trial's parsed rows into steps, lineage segments and metric columns."""
    steps: list[int] = []
    kept: list[dict[str, Any]] = []
    kept_numbers: list[int] = []
    no_step: list[int] = []
    not_int: list[int] = []
    lo, hi = _INT64
    for row, line in zip(rows, numbers, strict=True):
        s = row.get(time_attr)
        if type(s) is not int:
            f = _as_float(s)
            if f is None or not math.isfinite(f):
                no_step.append(line)
                continue
            if not f.is_integer():
                not_int.append(line)
                continue
            s = int(f)
        if not lo <= s <= hi:
            not_int.append(line)
            continue
        steps.append(s)
        kept.append(row)
        kept_numbers.append(line)
    first = _step_of(rows, numbers, not_int, time_attr)
    for bad_rows, why in (
        (no_step, f"rows without a numeric {time_attr!r}"),
        (not_int, f"rows whose {time_attr!r} is not an integer in the int64 range ({first!r})"),
    ):
        if bad_rows:
            info.add(
                "skipped", path, why, line=bad_rows[0], count=len(bad_rows), lines=bad_rows[:10]
            )
    rows, numbers = kept, kept_numbers
    if not rows:
        return
    trial.steps = steps
    for r in rows:
        tid = r.get("trial_id")
        if tid not in (None, ""):
            trial.trial_id = str(tid)
            break
    done = rows[-1].get("done")
    if done is not None:
        trial.done = done is True or done == "True"
    times = [r.get("timestamp") for r in rows]
    if not all(type(t) is int or type(t) is float for t in times):
        times = [_as_float(t) for t in times]
        times = [math.nan if t is None else t for t in times]
    trial.times = times
    # lineage: split where the step rewinds or the config changes
    configs = [r.get("config") for r in rows] if has_config else [None] * len(rows)
    cfg = configs[0] if isinstance(configs[0], dict) else None
    segs: list[tuple[int, str, dict[str, Any] | None]] = [(0, "start", cfg)]
    for i in range(1, len(rows)):
        new = configs[i] if isinstance(configs[i], dict) else None
        rewind = steps[i] <= steps[i - 1]
        changed = new is not None and cfg is not None and new != cfg
        if rewind or changed:
            reason = "rewind" if rewind else "config change"
            if rewind and changed:
                reason = "rewind and config change"
            segs.append((i, reason, new))
            cfg = new
        elif cfg is None and new is not None:
            cfg = new
            segs[-1] = (segs[-1][0], segs[-1][1], new)
    trial.segments = [
        (a, why, bounded_config(c, path, info) if c is not None else None) for a, why, c in segs
    ]
    # metric columns
    # nested results (flattened with "/" as progress.csv does); Ray's result keys are the
    # same in every row of a trial, so the first and last rows tell
    if any(type(v) is dict and k != "config" for r in (rows[0], rows[-1]) for k, v in r.items()):
        rows = [flatten(r, skip="config") for r in rows]
    skip = _NOT_METRICS | {time_attr}
    keys = [k for k in dict.fromkeys(itertools.chain.from_iterable(rows)) if k not in skip]
    bad: list[int] = []
    for key in keys:
        col = [r.get(key, _MISSING) for r in rows]
        if all(type(v) is float or type(v) is int for v in col):
            trial.columns[key] = col
            continue
        out: list[Any] = []
        numeric = False
        bad_here: list[int] = []
        for v, line in zip(col, numbers, strict=True):
            if v is _MISSING:
                out.append(None)
                continue
            f = _as_float(v)
            if f is None:
                f = math.nan
                if not (v is None or (isinstance(v, str) and v.strip() in _NULLS)):
                    bad_here.append(line)
            else:
                numeric = True
            out.append(f)
        if numeric:
            trial.columns[key] = out
            bad.extend(bad_here)
        elif not bad_here:
            trial.columns[key] = out  # every value null: a metric if numeric elsewhere
            trial.all_null.add(key)
    if bad:
        bad = sorted(set(bad))
        info.add(
            "coerced",
            path,
            "non-numeric cells in metric columns became NaN",
            line=bad[0],
            count=len(bad),
            lines=bad[:10],
        )


def _step_of(rows: list[dict[str, Any]], numbers: list[int], bad: list[int], key: str) -> Any:
    if not bad:
        return None
    v = rows[numbers.index(bad[0])].get(key)
    return v if not isinstance(v, str) or len(v) < 40 else v[:40] + "..."


def _as_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def read_state(root: str, info: LogInfo) -> dict[str, dict[str, Any]]:
    """Trial facts from the newest ``experiment_state-*.json``, keyed by folder and by id.

    The file is JSON whose ``trial_data`` is a list of ``[trial_json, runtime_json]`` string
    pairs; only those strings are parsed (``CLOUDPICKLE_FALLBACK`` values stay hex text).
    """
    try:
        names = [
            n for n in os.listdir(root) if n.startswith("experiment_state") and n.endswith(".json")
        ]
    except OSError:
        return {}
    if not names:
        return {}
    path = os.path.join(root, sorted(names, key=natural_key)[-1])
    state = read_json_file(path, info, large=True)
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(state, dict):
        return out
    info.files.append(path)
    bad = 0
    for pair in state.get("trial_data") or []:
        try:
            trial_json, runtime_json = pair
            if any(isinstance(x, str) and too_deep(x) for x in pair):
                raise ValueError("nested too deep")
            t = json.loads(trial_json) if isinstance(trial_json, str) else trial_json
            rt = json.loads(runtime_json) if isinstance(runtime_json, str) else runtime_json
        except (TypeError, ValueError, RecursionError):
            bad += 1
            continue
        if not isinstance(t, dict):
            bad += 1
            continue
        cfg = t.get("config")
        facts = {
            "trial_id": t.get("trial_id"),
            "status": t.get("status"),
            "config": bounded_config(cfg, path, info) if isinstance(cfg, dict) else None,
            "error_file": rt.get("error_filename") if isinstance(rt, dict) else None,
        }
        for key in (t.get("relative_logdir"), t.get("trial_id")):
            if key:
                out[str(key)] = facts
    if bad:
        info.add(
            "skipped",
            path,
            f"trial entries that are not JSON (or nest more than {MAX_NESTING} levels)",
            count=bad,
        )
    return out


def unsearchable(paths: Iterable[str]) -> list[tuple[str, OSError]]:
    """The folders among *paths* whose listing fails (permissions), with the error."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            try:
                os.listdir(p)
            except OSError as err:
                out.append((p, err))
    return out


def error_lines(path: str) -> tuple[str | None, str | None]:
    """First and last non-empty lines of ``error.txt``, without ANSI colour codes."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [_strip_ansi(line).strip() for line in f]
    except OSError:
        return None, None
    lines = [line for line in lines if line]
    return (lines[0], lines[-1]) if lines else (None, None)


_MISSING = object()
_NULLS = frozenset({"null", "nan", "NaN", "none", "None", ""})
