"""Read Weights & Biases runs (offline or synced) from their ``run-<id>.wandb`` files.

An offline run (``WANDB_MODE=offline``) is a folder ``wandb/offline-run-<date>-<id>/``;
wandb 0.31 keeps its history, config, summary and exit code only in ``run-<id>.wandb``
(``files/`` holds requirements and media, no history). That file is W&B's transaction log,
the file ``wandb sync`` uploads. Its framing (LevelDB-log chunks with CRC-32 checksums) is
cut by `chartkit.metrics.readers._wandb_framing`; each record is decoded with wandb's own
protobuf classes (``wandb.proto.wandb_internal_pb2``), imported lazily behind the
``chartkit[wandb]`` extra. The Python package has no reader of this file any more (its
``datastore`` module is gone; ``wandb sync`` reads it in the Go ``wandb-core``), and
importing the proto module imports all of ``wandb`` (about 0.5 s, once per process); the
warning filters that import adds are undone.

* a chunk whose CRC does not match: its record is skipped and counted; a chunk header
  that cannot be right makes the reader go on at the next 32 KiB block, as LevelDB's
  reader does;
* a file that ends inside a record (a crashed writer, or one still writing): the records
  before are kept, the cut one is reported;
* records of a kind the installed wandb does not know (a newer writer), records carrying
  fields it does not know (at the top or in a history row) and history values in a form it
  does not know are counted; everything known is read.

This module imports no pyplot; pandas and wandb are imported when a file is read.
"""

from __future__ import annotations

import json
import math
import os
import re
from array import array
from pathlib import Path
from typing import Any, Literal

from chartkit.errors import LogFormatError
from chartkit.metrics.readers._common import PointColumns
from chartkit.metrics.readers._wandb_framing import MAGIC, is_wandb_file, wandb_records
from chartkit.metrics.schema import (
    LogInfo,
    RunLog,
    check_path,
    finish,
    make_frame,
    natural_key,
    params_frame,
)

__all__ = ["MAGIC", "find_wandb_files", "is_wandb_file", "read_wandb", "wandb_records"]

_PURPOSE = "reading Weights & Biases run files (.wandb)"
_RUN_DIR = re.compile(r"^(offline-)?run-\d{8}_\d{6}-(.+)$")
#: History keys wandb adds to every row: the step, the time, the seconds since start.
_STEP, _TIME, _RUNTIME = "_step", "_timestamp", "_runtime"


def find_wandb_files(path: str | os.PathLike[str]) -> list[Path]:
    """``*.wandb`` files under *path* (or *path* itself), each real file once, in order.

    Folders are sorted naturally, so the runs of a ``wandb/`` folder come in the order they
    started (``offline-run-<date>_<time>-<id>``). A second path to one file (W&B's
    ``latest-run`` link) is left out.
    """
    root = Path(path)
    if root.is_file():
        return [root]
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "latest-run"]
        for name in filenames:
            if name.endswith(".wandb"):
                p = Path(dirpath, name)
                found.setdefault(os.path.realpath(p), p)
    return sorted(found.values(), key=lambda p: natural_key(str(p.relative_to(root))))


def _record_class() -> tuple[Any, Any, Any]:
    """``(Record class, DecodeError, UnknownFieldSet or None)`` from wandb's protobuf module
    and protobuf, imported lazily."""
    import warnings

    from chartkit._optional import import_optional

    with warnings.catch_warnings():  # importing wandb adds warning filters: keep the user's
        pb = import_optional("wandb.proto.wandb_internal_pb2", _PURPOSE, "wandb")
    from google.protobuf.message import DecodeError

    try:
        from google.protobuf.unknown_fields import UnknownFieldSet
    except ImportError:  # protobuf < 4.22: fields of a newer wandb go uncounted
        UnknownFieldSet = None
    return pb.Record, DecodeError, UnknownFieldSet


def _key(item: Any) -> tuple[str, ...]:
    nk = item.nested_key
    return tuple(nk) if len(nk) else (item.key,)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _Unknown


class _Unknown:
    """A value in a form that was not understood."""


def _item_value(item: Any, fast: bool = False) -> Any:
    """The Python value of a history/config/summary item (``value_json`` or typed field).

    With *fast* (history values), a number is tried with `float` first: the usual case,
    several times faster than `json.loads`, and it reads wandb's ``NaN``/``Infinity``.
    """
    vj = item.value_json
    if vj:
        if fast:
            try:
                return float(vj)
            except ValueError:
                pass
        return _json(vj)
    which = item.WhichOneof("value") if "value" in type(item).DESCRIPTOR.oneofs_by_name else None
    if which in ("number", "integer"):
        return float(getattr(item, which))
    if which == "boolean":
        return item.boolean
    if which == "text":
        return item.text
    if which == "json":
        return _json(item.json)
    if which == "none":
        return None
    return _Unknown


def _flatten(prefix: tuple[str, ...], value: Any, out: dict[str, Any]) -> None:
    """Nested dicts -> ``a/b`` keys; wandb's ``{"value": v, "desc": ...}`` unwrapped."""
    if isinstance(value, dict):
        if "value" in value and set(value) <= {"value", "desc"}:
            _flatten(prefix, value["value"], out)
            return
        for k, v in value.items():
            _flatten((*prefix, str(k)), v, out)
        return
    if isinstance(value, list):
        value = json.dumps(value)
    out["/".join(prefix)] = value


class _Raw(str):
    """A ``value_json`` text kept undecoded until the end (summaries update every step)."""


def _apply(update: Any, remove: Any, into: dict[tuple[str, ...], Any]) -> None:
    for item in update:
        vj = item.value_json
        into[_key(item)] = _Raw(vj) if vj else _item_value(item)
    for item in remove:
        into.pop(_key(item), None)


def _facts(state: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """Config or summary items as flat ``a/b`` keys; a media object (its ``_type``) becomes
    one key holding that type (``sample: image-file``)."""
    out: dict[str, Any] = {}
    for key, v in state.items():
        if v.__class__ is _Raw:
            v = _json(v)
        if key[0] in ("_wandb", _RUNTIME) or v is _Unknown:
            continue  # wandb's bookkeeping; the run's runtime is in its exit record
        _flatten(key, v, out)
    media = [k[: -len("/_type")] for k, v in out.items() if k.endswith("/_type")]
    for m in media:
        kind = out[m + "/_type"]
        for k in [k for k in out if k.startswith(m + "/")]:
            del out[k]
        out[m] = kind
    return out


class _Columns(PointColumns):
    """`PointColumns` of W&B history rows, with the run of each point."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = array("i")
        self.metrics: dict[str, int] = {}
        self.skipped: dict[str, int] = {}  # non-numeric values by kind
        self.unknown_values = 0


#: How a non-numeric history value is counted.
_KINDS = {str: "text", bool: "bool", dict: "object", list: "list"}


def _history(hist: Any, run: int, cols: _Columns) -> None:
    """Append one history row's numeric values to *cols* (the hot loop: kept flat).

    Nested keys are joined with ``/`` (``{"eval": {"acc": a}}`` -> ``eval/acc``); a media
    object (an image, a table: keys under one prefix, one of them ``<prefix>/_type``) is
    counted once by its type and none of its keys becomes a series.
    """
    step: Any = None
    wall = math.nan
    row: list[tuple[str, float]] = []
    other: list[tuple[str, Any]] = []
    media: list[str] = []
    for item in hist.item:
        key = "/".join(item.nested_key) or item.key
        if key[:1] == "_":
            if key == _STEP:
                step = _item_value(item, fast=True)
                continue
            if key == _TIME:
                t = _item_value(item, fast=True)
                wall = t if isinstance(t, float) else math.nan
                continue
            if key == _RUNTIME or key.startswith("_wandb"):
                continue
        vj = item.value_json
        if vj:
            try:
                row.append((key, float(vj)))  # the usual case; NaN, Infinity read too
                continue
            except ValueError:
                v = _json(vj)
        else:
            v = _item_value(item)
        if v.__class__ is int:
            row.append((key, float(v)))
        elif key.endswith("/_type") and isinstance(v, str):
            media.append(key[: -len("_type")])
            other.append((key, v))
        else:
            other.append((key, v))
    if other:
        row = _count_other(row, other, media, cols)
    if not isinstance(step, (int, float)) or not math.isfinite(step):
        step = hist.step.num
    s = int(step)
    codes = cols.metrics
    for key, v in row:
        code = codes.get(key)
        if code is None:
            code = codes[key] = len(codes)
        cols.codes.append(code)
        cols.values.append(v)
    k = len(row)
    if k:
        cols.runs.extend([run] * k)
        cols.steps.extend([s] * k)
        cols.times.extend([wall] * k)


def _count_other(row: list, other: list, media: list[str], cols: _Columns) -> list:
    """Count one row's non-numeric values by kind (a media object once, by its type) and
    return *row* without the numbers that belong to a media object (an image's width)."""
    skipped = cols.skipped
    for key, v in other:
        if media and any(key.startswith(m) for m in media):
            if key.endswith("/_type") and key[: -len("_type")] in media:
                skipped[v] = skipped.get(v, 0) + 1
            continue
        if v is _Unknown:
            cols.unknown_values += 1
            continue
        kind = "null" if v is None else _KINDS.get(type(v), "other")
        skipped[kind] = skipped.get(kind, 0) + 1
    if media:
        row = [(k, v) for k, v in row if not any(k.startswith(m) for m in media)]
    return row


def _read_file(
    path: Path,
    decoders: tuple[Any, Any, Any],
    info: LogInfo,
    cols: _Columns,
    runs: dict[str, dict[str, Any]],
    order: list[str],
) -> None:
    """Read one ``.wandb`` file into *cols* (its points) and *runs* (its run's facts)."""
    record_cls, decode_error, unknown_fields = decoders
    data = path.read_bytes()
    info.files.append(str(path))
    recs = wandb_records(data, path, info)
    rec = record_cls()
    run: dict[str, Any] | None = None
    pending: list[Any] = []  # history rows before the run record (none seen so far)
    unknown = bad = newer = 0
    for payload in recs:
        try:
            rec.ParseFromString(payload)
        except decode_error:
            bad += 1
            continue
        kind = rec.WhichOneof("record_type")
        if unknown_fields is not None and kind is not None:
            # fields a newer wandb added: protobuf keeps them aside; the known ones are read
            hist = kind == "history" and len(unknown_fields(rec.history))
            newer += bool(hist or len(unknown_fields(rec)))
        if kind == "history":
            info.rows += 1
            if run is None:
                h = type(rec.history)()
                h.CopyFrom(rec.history)
                pending.append(h)
            else:
                _history(rec.history, run["code"], cols)
        elif kind == "run":
            r = rec.run
            run = _run_entry(r, path, runs, order)
            _apply(r.config.update, r.config.remove, run["config"])
            _apply(r.summary.update, r.summary.remove, run["summary"])
            for h in pending:
                _history(h, run["code"], cols)
            pending = []
        elif kind == "config" and run is not None:
            _apply(rec.config.update, rec.config.remove, run["config"])
        elif kind == "summary" and run is not None:
            _apply(rec.summary.update, rec.summary.remove, run["summary"])
        elif kind == "exit" and run is not None:
            run["exit_code"] = rec.exit.exit_code
            run["runtime"] = rec.exit.runtime
        elif kind == "metric" and run is not None and rec.metric.step_metric:
            run["step_metrics"][rec.metric.name] = rec.metric.step_metric
        elif kind == "header":
            info.extra.setdefault("wandb_versions", {})[str(path)] = (
                rec.header.version_info.producer.split("+")[0]
            )
        elif kind is None:
            unknown += 1
    if pending:
        info.add("skipped", path, "history rows of a file with no run record", count=len(pending))
    if bad:
        info.add("skipped", path, "records that are not wandb Record protocol buffers", count=bad)
    if unknown:
        info.add(
            "skipped",
            path,
            "records of a kind the installed wandb does not know (written by a newer wandb?)",
            count=unknown,
        )
    if newer:
        info.add(
            "skipped",
            path,
            "fields of records the installed wandb does not know (written by a newer wandb?) "
            "were not read; the records' known fields were",
            count=newer,
        )


def _run_entry(
    r: Any, path: Path, runs: dict[str, dict[str, Any]], order: list[str]
) -> dict[str, Any]:
    rid = r.run_id or path.stem.removeprefix("run-")
    run = runs.get(rid)
    if run is None:
        run = runs[rid] = {
            "id": rid,
            "display": r.display_name,
            "project": r.project,
            "code": len(runs),
            "config": {},
            "summary": {},
            "step_metrics": {},
            "files": [],
            "start": r.start_time.seconds + r.start_time.nanos / 1e9
            if r.HasField("start_time")
            else math.nan,
        }
        order.append(rid)
    run["files"].append(
        path.name if not _RUN_DIR.match(path.parent.name) else f"{path.parent.name}/{path.name}"
    )
    run["display"] = r.display_name or run["display"]
    run["exit_code"] = None  # a later file of a resumed run: its own exit counts
    run["runtime"] = None
    return run


def _names(runs: dict[str, dict[str, Any]], order: list[str]) -> list[str]:
    """Display names, made unique with the run id where two runs share one."""
    shown = [runs[i]["display"] or i for i in order]
    return [
        f"{name} ({rid})" if shown.count(name) > 1 else name
        for name, rid in zip(shown, order, strict=True)
    ]


def read_wandb(
    path: str | os.PathLike[str],
    *,
    keep: Literal["last", "first", "all"] = "last",
) -> RunLog:
    """Read Weights & Biases runs (``wandb/offline-run-*/run-*.wandb``) into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        A ``wandb/`` folder (every run under it), one ``offline-run-*`` (or synced
        ``run-*``) folder, any folder holding ``*.wandb`` files, or one ``.wandb`` file.
    keep : {"last", "first", "all"}, default: "last"
        Which write of a step logged again (a resumed run: one run id in two folders) to
        keep.

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame, ``source="wandb"``: one row per numeric value
        of each history row, ``metric`` as logged (nested dicts joined with ``/``:
        ``{"eval": {"acc": a}}`` -> ``eval/acc``), ``step`` = the row's ``_step``,
        ``wall_time`` = its ``_timestamp``; ``_runtime`` is not a series; NaN and inf are
        kept. ``run`` = the run's display name (its id when it has none; ``name (id)`` when
        two runs share a name); the files of one run id (a resumed run) are one run.
        ``params``: one row per run: its config, nested keys joined with ``/``, lists as
        JSON text, the ``_wandb`` key left out.
        ``info.extra["runs"]``: per run its ``id``, ``name``, ``project``, ``status``
        (``finished``, ``failed``: a non-zero exit code, ``no exit record``: crashed or
        still running), ``exit_code``, ``runtime``, ``start_time`` and ``files``;
        ``info.extra["summary"]``: per run name its summary (``_wandb`` left out);
        ``info.extra["step_metrics"]``: per run, the metrics given a custom x axis with
        ``define_metric(step_metric=...)``; ``info.extra["skipped_values"]``: the
        non-numeric values left out, by kind.

    Raises
    ------
    FileNotFoundError
        If *path* does not exist.
    LogFormatError
        A file that is not a W&B run file, or a folder holding none (the message names it).
    ImportError
        If wandb is not installed (``pip install "chartkit[wandb]"``).

    Warns
    -----
    DataWarning
        One per kind of problem and file: a cut last record (the records before it are
        kept), records whose checksum does not match (skipped, counted), records or values
        the installed wandb does not know; one counting the non-numeric values (images,
        tables, text) left out; steps logged again by a resumed run.
    """
    import numpy as np
    import pandas as pd

    from chartkit._validate import check_in_list

    root = check_path(path)
    check_in_list(["last", "first", "all"], keep=keep)
    files = find_wandb_files(root)
    if root.is_file() and not is_wandb_file(root):
        raise LogFormatError(
            f"{str(root)!r} is not a Weights & Biases run file: it does not start with the "
            "':W&B' header of a run-<id>.wandb file"
        )
    info = LogInfo(source="wandb")
    good = []
    for f in files:
        if is_wandb_file(f):
            good.append(f)
        else:
            info.add("skipped", f, "named *.wandb but without the ':W&B' header: not read")
    if not good:
        raise LogFormatError(
            f"{str(root)!r} holds no Weights & Biases run file; looked for run-<id>.wandb "
            "files (with the ':W&B' header) in it and its sub-folders"
        )
    decoders = _record_class()
    cols = _Columns()
    runs: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for f in good:
        _read_file(f, decoders, info, cols, runs, order)
    order.sort(key=lambda i: _start_key(runs[i]))  # runs in the order they started
    names = _names(runs, order)
    if cols.skipped:
        what = ", ".join(f"{n} {k}" for k, n in sorted(cols.skipped.items()))
        info.add(
            "skipped",
            None,
            f"non-numeric history values (images, tables, text...) are not series: {what}",
            count=sum(cols.skipped.values()),
        )
    if cols.unknown_values:
        info.add(
            "skipped",
            None,
            "history values in a form the installed wandb does not know",
            count=cols.unknown_values,
        )
    frame = make_frame(
        "wandb",
        run=_run_column(cols, runs, order, names),
        step=np.frombuffer(cols.steps, dtype=np.int64),
        wall_time=np.frombuffer(cols.times, dtype=np.float64),
        metric=pd.Categorical.from_codes(
            np.frombuffer(cols.codes, dtype=np.int32), categories=list(cols.metrics)
        ),
        value=np.frombuffer(cols.values, dtype=np.float64),
    )
    params, open_runs, failed = _run_facts(info, runs, order, names)
    info.extra["skipped_values"] = dict(cols.skipped)
    log = finish(frame, info, params=params, keep=keep)
    if open_runs:
        info.add(
            "marked",
            None,
            f"run(s) with no exit record: crashed or still running (first: {open_runs[0]})",
            count=len(open_runs),
        )
    if failed:
        info.add(
            "marked",
            None,
            f"run(s) that exited with a non-zero code (first: {failed[0]})",
            count=len(failed),
        )
    return log


def _run_facts(
    info: LogInfo, runs: dict[str, dict[str, Any]], order: list[str], names: list[str]
) -> tuple[Any, list[str], list[str]]:
    """The params frame (configs), ``info.extra`` runs/summary/step_metrics, and the names
    of the runs with no exit record and of those that failed."""
    import pandas as pd

    entries = [runs[i] for i in order]
    params = params_frame(
        [
            {"run": n, "segment": 0, "start_step": 0, **_facts(r["config"])}
            for n, r in zip(names, entries, strict=True)
        ]
    )
    info.extra["runs"] = pd.DataFrame(
        {
            "id": order,
            "name": names,
            "project": [r["project"] for r in entries],
            "status": [_status(r["exit_code"]) for r in entries],
            "exit_code": pd.array([r["exit_code"] for r in entries], dtype="Int64"),
            "runtime": pd.array([r["runtime"] for r in entries], dtype="Int64"),
            "start_time": [r["start"] for r in entries],
            "files": [", ".join(r["files"]) for r in entries],
        }
    )
    info.extra["summary"] = {n: _facts(r["summary"]) for n, r in zip(names, entries, strict=True)}
    info.extra["step_metrics"] = {
        n: dict(r["step_metrics"])
        for n, r in zip(names, entries, strict=True)
        if r["step_metrics"]
    }
    open_runs = [n for n, r in zip(names, entries, strict=True) if r["exit_code"] is None]
    failed = [n for n, r in zip(names, entries, strict=True) if r["exit_code"]]
    return params, open_runs, failed


def _start_key(run: dict[str, Any]) -> tuple:
    start = run["start"]
    return (math.isnan(start), 0.0 if math.isnan(start) else start, run["code"])


def _run_column(cols: _Columns, runs: dict, order: list[str], names: list[str]) -> Any:
    """The ``run`` categorical: codes in read order, categories in start order."""
    import numpy as np
    import pandas as pd

    if not names:
        return None
    remap = np.empty(len(order), dtype=np.int32)
    for pos, rid in enumerate(order):
        remap[runs[rid]["code"]] = pos
    codes = remap[np.frombuffer(cols.runs, dtype=np.int32)]
    return pd.Categorical.from_codes(codes, categories=names)


def _status(code: int | None) -> str:
    if code is None:
        return "no exit record"
    return "finished" if code == 0 else "failed"
