"""Read TensorBoard event files: every scalar point, from simple values and tensor summaries.

An event file is a sequence of TFRecord frames (``uint64`` length, ``uint32`` masked CRC of
the length, the payload, ``uint32`` masked CRC of the payload), each payload an ``Event``
protocol buffer. The frames are cut here with `struct`; the payloads are decoded by the
``Event`` protobuf classes that tensorboardX ships (``tensorboardX.proto.event_pb2``, the
same schema as TensorBoard's; the ``tensorboard`` package's own classes are used when only
it is installed), imported lazily behind the ``chartkit[tensorboard]`` extra, which installs
tensorboardX (protobuf, numpy, packaging) and ``crc32c`` rather than the whole TensorBoard
server (grpcio, werkzeug, markdown, ...). Unlike TensorBoard's UI backend (1000 points per
tag by reservoir sampling) and the readers built on it, every point is kept, so one-step
spikes stay visible.

Every record's two masked CRC32C checksums are verified (with the ``crc32c`` package, in C):

* a bad **length** checksum means the frame cannot be trusted to find the next record: the
  rest of the file is skipped and reported (TensorBoard's loader stops there too);
* a bad **payload** checksum under a good length checksum: that one record is skipped and
  reported (file, byte offset, count); the verified length still locates the next record,
  whose checksums are checked in turn, so the points after it are kept. (TensorBoard stops
  reading the file at either kind; chartkit keeps the checked records after a bad payload
  and says what it dropped.) No value from a record that fails its checksum is ever used;
* a frame whose length runs past the end of the file is a crash's cut last record when its
  length checksum is right (the points before it are kept and the cut is reported).

A payload with a right checksum that still does not decode is skipped and counted.

This module imports no pyplot; pandas and the protobuf classes are imported when a file is
read.
"""

from __future__ import annotations

import os
import re
import struct
from typing import Any, Literal

from chartkit._optional import import_optional
from chartkit.errors import LogFormatError
from chartkit.metrics.readers._common import PointColumns
from chartkit.metrics.schema import (
    LogInfo,
    RunLog,
    check_path,
    finish,
    make_frame,
    natural_key,
)

__all__ = ["find_event_files", "read_tensorboard"]

_RANK_DIR = re.compile(r"^rank[_-]?(\d+)$", re.IGNORECASE)
_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
# TensorFlow DataType enum -> struct format of one element (tensorboard's types_pb2).
_DTYPE_FMT = {1: "<f", 2: "<d", 3: "<i", 9: "<q", 19: "<e", 4: "<B", 5: "<h", 6: "<b", 17: "<H"}
_PURPOSE = "reading TensorBoard event files"
_CRC_MASK_DELTA = 0xA282EAD8
_MAX_BAD_OFFSETS = 10


def _is_event_file(name: str) -> bool:
    return "tfevents" in name and not name.endswith((".tmp", ".lock"))


def find_event_files(path: str | os.PathLike[str]) -> list[str]:
    """Event files under *path* (or *path* itself), in natural order of folder then name.

    Parameters
    ----------
    path : str or path-like
        A log directory, searched recursively, or one event file.

    Returns
    -------
    list of str
        ``rank2`` sorts before ``rank10``; within a folder, files sort by name, which starts
        with the writer's creation time, so a resumed run's files come in the order written.
    """
    return _walk_event_files(os.fspath(path))[0]


def _walk_event_files(root: str) -> tuple[list[str], list[OSError]]:
    """`find_event_files`, plus the errors of folders that could not be listed."""
    if os.path.isfile(root):
        return [root], []
    found = []
    errors: list[OSError] = []
    for dirpath, _dirnames, filenames in os.walk(root, onerror=errors.append):
        rel = os.path.relpath(dirpath, root)
        for name in filenames:
            if _is_event_file(name):
                found.append((natural_key(rel), natural_key(name), os.path.join(dirpath, name)))
    return [f for *_k, f in sorted(found)], errors


def _run_and_rank(file: str, root: str, is_file: bool) -> tuple[str, int | None]:
    """``run`` is the file's folder relative to *root* without its ``rank<R>`` part."""
    folder = os.path.dirname(os.path.abspath(file))
    anchor = folder if is_file else os.path.abspath(root)
    rel = os.path.relpath(folder, anchor)
    parts = [] if rel == "." else rel.split(os.sep)
    if _RANK_DIR.match(os.path.basename(anchor)):
        # the path given is itself a rank<R> folder (or a file inside one)
        parts.insert(0, os.path.basename(anchor))
        anchor = os.path.dirname(anchor)
    rank = None
    kept = []
    for part in parts:
        m = _RANK_DIR.match(part)
        if m and rank is None:
            rank = int(m.group(1))
        else:
            kept.append(part)
    return "/".join(kept) or os.path.basename(anchor) or ".", rank


def _scalar_from_tensor(tensor: Any) -> float | None:
    """The value of a one-element numeric tensor, else None."""
    fmt = _DTYPE_FMT.get(tensor.dtype)
    if fmt is None:
        return None
    content = tensor.tensor_content
    if content:
        size = struct.calcsize(fmt)
        if len(content) != size:
            return None
        return float(struct.unpack(fmt, content)[0])
    for field_name in ("float_val", "double_val", "int_val", "int64_val", "half_val"):
        vals = getattr(tensor, field_name)
        if len(vals) == 1:
            if field_name == "half_val":  # float16 bit patterns stored as int32
                return float(struct.unpack("<e", struct.pack("<H", vals[0] & 0xFFFF))[0])
            return float(vals[0])
        if len(vals) > 1:
            return None
    return None


def _masked(crc: int) -> int:
    """TFRecord's mask of a CRC32C: rotate right by 15 bits, add a constant."""
    return (((crc >> 15) | (crc << 17)) + _CRC_MASK_DELTA) & 0xFFFFFFFF


def _decoders() -> tuple[Any, Any, Any]:
    """``(Event class, DecodeError, crc32c function)``, imported lazily with install hints."""
    try:
        from tensorboardX.proto import event_pb2
    except ImportError:
        try:
            from tensorboard.compat.proto import event_pb2
        except ImportError:
            event_pb2 = import_optional("tensorboardX.proto.event_pb2", _PURPOSE, "tensorboard")
    crc = import_optional("crc32c", _PURPOSE + " (record checksums)", "tensorboard")
    from google.protobuf.message import DecodeError

    return event_pb2.Event, DecodeError, crc.crc32c


class _Columns(PointColumns):
    """`PointColumns` whose codes are TensorBoard tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}


def _read_file(
    file: str,
    decoders: tuple[Any, Any, Any],
    info: LogInfo,
    non_scalar: dict[str, int],
    out: _Columns,
) -> int:
    """Append the scalar points of *file* to *out*; return how many were added."""
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as err:
        info.add("skipped", file, f"the file could not be read ({err.strerror or err})")
        return 0
    info.files.append(file)
    event_cls, decode_error, crc32c = decoders
    n0 = len(out.values)
    tags = out.tags
    add_step = out.steps.append
    add_time = out.times.append
    add_code = out.codes.append
    add_value = out.values.append
    ev = event_cls()
    parse = ev.ParseFromString
    unpack = _HEADER.unpack_from
    unpack_crc = _CRC.unpack_from
    view = memoryview(data)
    end = len(data)
    pos = 0
    records = 0
    bad: list[int] = []
    bad_crc: list[int] = []
    headers_ok: set[tuple[int, int]] = set()
    while pos < end:
        if pos + 12 > end:
            info.add(
                "truncated",
                file,
                f"the last record is cut ({end - pos} header bytes of 12 present); "
                "the points before it were read",
                byte_offset=pos,
            )
            break
        head = unpack(data, pos)  # (length, masked CRC32C of the 8 length bytes)
        # records mostly repeat a few lengths: each distinct header is checked once
        if head not in headers_ok and _masked(crc32c(view[pos : pos + 8])) == head[1]:
            headers_ok.add(head)
        if head not in headers_ok:
            info.add(
                "skipped",
                file,
                f"a record's length checksum (masked CRC32C) does not match: the record "
                f"boundaries after it cannot be trusted, so the {end - pos} bytes from there "
                "to the end were not read (TensorBoard stops there too)",
                byte_offset=pos,
            )
            break
        length = head[0]
        start = pos + 12
        stop = start + length
        if stop + 4 > end:
            info.add(
                "truncated",
                file,
                f"the last record is cut ({max(end - start, 0)} of {length} payload "
                "bytes present); the points before it were read",
                byte_offset=pos,
            )
            break
        records += 1
        payload = view[start:stop]
        c = crc32c(payload)
        if (((c >> 15) | (c << 17)) + _CRC_MASK_DELTA) & 0xFFFFFFFF != unpack_crc(data, stop)[0]:
            bad_crc.append(pos)
            pos = stop + 4
            continue
        pos = stop + 4
        try:
            parse(payload)
        except decode_error:
            bad.append(records)
            continue
        if not ev.HasField("summary"):
            continue
        step = ev.step
        wall = ev.wall_time
        for v in ev.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                val = v.simple_value
            elif kind == "tensor":
                plugin = v.metadata.plugin_data.plugin_name
                val = _scalar_from_tensor(v.tensor) if plugin in ("scalars", "") else None
                if val is None:
                    non_scalar[plugin or "tensor"] = non_scalar.get(plugin or "tensor", 0) + 1
                    continue
            else:
                name = v.metadata.plugin_data.plugin_name or kind or "unknown"
                non_scalar[name] = non_scalar.get(name, 0) + 1
                continue
            tag = v.tag
            code = tags.get(tag)
            if code is None:
                code = tags[tag] = len(tags)
            add_step(step)
            add_time(wall)
            add_code(code)
            add_value(val)
    payload = None
    del view
    info.rows += records
    if bad_crc:
        offsets = ", ".join(map(str, bad_crc[:_MAX_BAD_OFFSETS]))
        more = " ..." if len(bad_crc) > _MAX_BAD_OFFSETS else ""
        info.add(
            "skipped",
            file,
            "corrupt records: the payload checksum (masked CRC32C) does not match, so "
            f"their values were not used (byte offsets {offsets}{more}); the length checksum "
            "was right, so reading went on with the next record",
            byte_offset=bad_crc[0],
            count=len(bad_crc),
        )
    if bad:
        info.add(
            "skipped",
            file,
            "records whose payload is not a valid Event protocol buffer",
            line=bad[0],
            count=len(bad),
            lines=bad[:10],
        )
    return len(out.values) - n0


def _group_by_tag(cols: _Columns, start: int, stop: int) -> None:
    """Reorder one file's points in place so each tag is one block, in read order.

    Events interleave the tags; grouped (stably) each series is a run of rising steps, which
    lets the shared dedupe skip its sort and copy when nothing was written twice.
    """
    import numpy as np

    if stop - start < 2:
        return
    codes = np.frombuffer(cols.codes, dtype=np.int32)[start:stop]
    if (codes[1:] >= codes[:-1]).all():
        return
    order = np.argsort(codes, kind="stable")
    for buf, dtype in (
        (cols.codes, np.int32),
        (cols.steps, np.int64),
        (cols.times, np.float64),
        (cols.values, np.float64),
    ):
        view = np.frombuffer(buf, dtype=dtype)[start:stop]
        view[:] = view[order]
        del view
    del codes


def read_tensorboard(
    path: str | os.PathLike[str],
    *,
    keep: Literal["last", "first", "all"] = "last",
    run: str | None = None,
) -> RunLog:
    """Read every scalar point of a TensorBoard log directory or event file into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        A log directory (searched recursively for ``*tfevents*`` files) or one event file.
        Several files in one folder (a resumed writer) are merged in name order.
    keep : {"last", "first", "all"}, default: "last"
        Which write of a repeated ``(run, rank, metric, step)`` to keep. TensorBoard keeps
        both copies of the steps logged again after a resume (unless the writer was given
        ``purge_step``); ``"last"`` keeps the newest.
    run : str, optional
        The ``run`` column for every point. Default: the event file's folder relative to
        *path*, without its ``rank<R>`` part (or *path*'s own name when nothing is left).

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame with ``source="tensorboard"``, ``metric`` =
        the tag, ``step`` and ``wall_time`` of the event, ``rank`` from a ``rank<R>`` folder
        (missing otherwise), ``trial`` missing. Values come from ``simple_value`` (written
        as float32 by TensorBoard's writers, so read back as float32 numbers) and from
        one-element numeric tensor summaries (``scalars`` plugin, as TF2 writes them).
        ``params`` is empty. Summaries that are not scalars (text, images, histograms,
        hparams) are counted by plugin in ``info.extra["non_scalar"]``.

    Raises
    ------
    FileNotFoundError
        If *path* does not exist.
    ValueError
        If *path* is a directory with no event file, or for a bad *keep*.
    ImportError
        If neither tensorboardX nor tensorboard (the ``Event`` protobuf classes) or the
        ``crc32c`` package is installed (``pip install "chartkit[tensorboard]"``).

    Warns
    -----
    DataWarning
        One per problem and file: a cut last record (the points before it are kept),
        records whose payload checksum does not match (skipped; count and byte offsets), a
        length checksum that does not match (the rest of the file skipped), records that do
        not decode, a file that cannot be opened (the other files are read), steps written
        again after a resume.

    See Also
    --------
    chartkit.metrics.read : detects the format and dispatches here.
    find_event_files : the files read, in order.
    """
    from chartkit._validate import check_in_list

    p = os.fspath(check_path(path))
    check_in_list(["last", "first", "all"], keep=keep)
    decoders = _decoders()
    files, locked = _walk_event_files(p)
    if not files:
        raise LogFormatError(
            f"{p!r} holds no TensorBoard event file; looked for files named "
            "'*tfevents*' in it and its sub-folders."
        )
    is_file = os.path.isfile(p)
    info = LogInfo(source="tensorboard")
    for err in locked:
        info.add("skipped", err.filename, f"the folder could not be read ({err.strerror or err})")
    non_scalar: dict[str, int] = {}
    import numpy as np
    import pandas as pd

    cols = _Columns()
    run_names: dict[str, int] = {}
    file_runs, file_ranks, counts = [], [], []
    for f in files:
        n0 = len(cols.values)
        n = _read_file(f, decoders, info, non_scalar, cols)
        _group_by_tag(cols, n0, n0 + n)
        r_name, r_rank = _run_and_rank(f, p, is_file)
        r_name = run if run is not None else r_name
        file_runs.append(run_names.setdefault(r_name, len(run_names)))
        file_ranks.append(-1 if r_rank is None else r_rank)
        counts.append(n)
    rank_col: Any = None
    if any(r >= 0 for r in file_ranks):
        ranks = np.repeat(np.asarray(file_ranks, dtype=np.int32), counts)
        rank_col = pd.arrays.IntegerArray(ranks, ranks < 0)
    # the frame's numeric columns are views of the typed buffers: no copy
    frame = make_frame(
        "tensorboard",
        run=pd.Categorical.from_codes(
            np.repeat(np.asarray(file_runs, dtype=np.int32), counts), categories=list(run_names)
        ),
        rank=rank_col,
        step=np.frombuffer(cols.steps, dtype=np.int64),
        wall_time=np.frombuffer(cols.times, dtype=np.float64),
        metric=pd.Categorical.from_codes(
            np.frombuffer(cols.codes, dtype=np.int32), categories=list(cols.tags)
        ),
        value=np.frombuffer(cols.values, dtype=np.float64),
    )
    info.extra["non_scalar"] = non_scalar
    return finish(frame, info, keep=keep)
