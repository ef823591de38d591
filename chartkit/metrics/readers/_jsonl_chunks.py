"""JSON-lines parsing in bounded chunks: the engine under `chartkit.metrics.read_jsonl`.

A file is read in chunks of `CHUNK` bytes cut at line ends, so memory stays near the final
columns plus one chunk whatever the file size. Each chunk:

1. lines nested deeper than `~chartkit.metrics.schema.MAX_NESTING` are blanked and reported
   (a parser handed them crashes: ``pyarrow.json`` segfaults, Python's ``json`` recurses);
2. is parsed by ``pyarrow.json`` (no per-line Python loop), the non-standard ``NaN`` /
   ``Infinity`` tokens that ``json.dumps`` writes being rewritten only when pyarrow refuses;
3. when pyarrow still refuses it, the row its error names is checked with the standard
   library: a malformed line is skipped and reported, a valid record whose field changed
   type is read in Python alone; the lines before it are parsed by pyarrow and parsing goes
   on after it. A bad line therefore costs about one parse of its stretch, not of the file.

Each chunk's columns are copied out of pyarrow's buffers and the pool's unused memory is
handed back to the system (`pyarrow.MemoryPool.release_unused`) before the next one.

Pure parsing: no pyplot.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chartkit.metrics.schema import LogInfo, check_encoding, deep_lines, read_bytes

__all__ = ["CHUNK", "parse_buffer", "read_chunks", "release_memory"]

#: Bytes read and parsed at a time (cut at a line end).
CHUNK = 8 << 20

Cols = dict[str, tuple[np.ndarray, np.ndarray | None, str]]

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

_TEXT_VALUES = {
    "nan": math.nan,
    "null": math.nan,
    "none": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}


def _replace_tokens(data: bytes, quick: Sequence[bytes] = _QUICK) -> tuple[bytes, bool]:
    """Rewrite NaN/Infinity tokens (bare, or quoted as a value) into sentinel numbers."""
    if not any(q in data for q in quick):
        return data, False
    out = _TOKEN_RE.sub(lambda m: m.group(1) + _TOKENS[m.group(2)], data)
    return out, out is not data


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.json as pj
    except ImportError:  # pragma: no cover - chartkit[logs] installs it
        return None, None
    return pa, pj


def release_memory() -> None:
    """Hand memory freed while reading back to the system.

    pyarrow's pool is told to release what it keeps (`pyarrow.MemoryPool.release_unused`),
    and, with glibc, ``malloc_trim(0)`` returns the free heap pages the parse temporaries
    left: without it ~90 MiB per 10^6 lines stayed in the process after the log was deleted
    (issue 19.4). It frees only memory nothing uses; no allocator setting is changed.
    """
    pa, _ = _pyarrow()
    if pa is not None:
        pa.default_memory_pool().release_unused()
        pa.system_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_TRIM: list = []


def _malloc_trim():
    if not _TRIM:
        fn = None
        try:
            import ctypes
            import ctypes.util

            name = ctypes.util.find_library("c")
            if name and "libc.so" in name:
                fn = getattr(ctypes.CDLL(name), "malloc_trim", None)
        except (OSError, AttributeError):  # pragma: no cover - not glibc
            fn = None
        _TRIM.append(fn)
    return _TRIM[0]


# --------------------------------------------------------------------------- one buffer


_ROW_RE = re.compile(r"in row (\d+)\s*$")


def _arrow_try(buf) -> tuple[Any, int | None]:
    """Parse a pyarrow buffer of JSON lines: (table, None), or (None, row of the error)."""
    pa, pj = _pyarrow()
    try:
        table = pj.read_json(
            pa.BufferReader(buf),
            # one block per buffer: columns come back as one array each, and an error names
            # its row within the buffer
            read_options=pj.ReadOptions(use_threads=False, block_size=max(buf.size + 1, 1024)),
            parse_options=pj.ParseOptions(newlines_in_values=False),
            memory_pool=pa.system_memory_pool(),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        m = _ROW_RE.search(str(err))
        return None, (int(m.group(1)) if m else -1)
    return table, None


def _arrow_columns(
    table, keep: Callable[[str], bool], exact: Callable[[int, str], float] | None = None
) -> Cols:
    """Copy the columns of *table* out as numpy arrays (kind "num", "str", "bool", ...).

    *exact* (given when NaN/Infinity tokens were rewritten into the largest doubles) tells
    the true value of a row holding such a double: a token, or that very number.
    """
    import pyarrow as pa

    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()  # {"train": {"loss": 1}} -> "train.loss"
    cols: Cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if not keep(name):
            continue
        t = col.type
        present = None
        if col.null_count:
            present = col.is_valid().to_numpy(zero_copy_only=False)
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            vals = np.array(col.to_numpy(), copy=True)  # own memory: the table can go
            if exact is not None and vals.dtype.kind == "f":
                for r in np.flatnonzero(np.abs(vals) >= _NAN_SENTINEL).tolist():
                    vals[r] = exact(r, name)  # a rewritten token, or a real huge number
            cols[name] = (vals, present, "num")
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            cols[name] = (col.to_numpy(zero_copy_only=False), present, "str")
        elif pa.types.is_null(t):
            cols[name] = (np.empty(0), present, "null")
        elif pa.types.is_boolean(t):
            cols[name] = (np.empty(0), present, "bool")
        else:
            cols[name] = (np.empty(0), present, "other")
    return cols


def _flatten(rec: dict, prefix: str = "") -> dict:
    """Nested objects as dotted keys, as pyarrow's ``Table.flatten`` names them."""
    out: dict = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:  # an integer beyond the float range
        return math.inf if v > 0 else -math.inf


_MISSING = object()


def _python_columns(
    lines: list[tuple[int, bytes]], keep: Callable[[str], bool]
) -> tuple[Cols, list[int], list[int]]:
    """Parse lines with the standard library: columns, line numbers read, bad lines."""
    records: list[dict] = []
    line_no: list[int] = []
    bad: list[int] = []
    for i, raw in lines:
        try:
            rec = json.loads(raw)
        except (ValueError, RecursionError):
            bad.append(i)
            continue
        if not isinstance(rec, dict):
            bad.append(i)
            continue
        if any(isinstance(v, dict) for v in rec.values()):
            rec = _flatten(rec)
        records.append(rec)
        line_no.append(i)
    keys: dict[str, None] = {}
    for rec in records:
        for k in rec:
            if k not in keys and keep(k):
                keys[k] = None
    cols: Cols = {}
    for k in keys:
        raw_vals = [rec.get(k, _MISSING) for rec in records]
        present = np.fromiter((v is not _MISSING and v is not None for v in raw_vals), bool)
        kinds = {_kind(v) for v, p in zip(raw_vals, present, strict=True) if p}
        if kinds == {"num"}:
            vals = np.array(
                [_as_float(v) if p else math.nan for v, p in zip(raw_vals, present, strict=True)],
                dtype=np.float64,
            )
            cols[k] = (vals, present, "num")
        elif kinds and kinds <= {"num", "str"}:
            vals = np.array(
                [v if p else None for v, p in zip(raw_vals, present, strict=True)], dtype=object
            )
            cols[k] = (vals, present, "str")  # numbers among text: sorted out by FileColumns
        elif not kinds:
            cols[k] = (np.empty(0), present, "null")
        else:
            cols[k] = (np.empty(0), present, "other")
    return cols, line_no, bad


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    if isinstance(v, str):
        return "str"
    return "other"


def _split_lines(data: bytes, line0: int) -> list[tuple[int, bytes]]:
    return [(line0 + i, ln) for i, ln in enumerate(data.split(b"\n")) if ln.strip()]


def _line_index(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end offsets of the lines of *data* that hold something, and their index."""
    a = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(a == 10)
    if len(data) and data[-1:] != b"\n":
        ends = np.r_[ends, len(data)]
    starts = np.r_[0, ends[:-1] + 1] if len(ends) else np.zeros(0, dtype=np.int64)
    lengths = ends - starts
    full = lengths > 0
    for i in np.flatnonzero(full & (lengths <= 8)).tolist():
        if not data[starts[i] : ends[i]].strip():  # whitespace only (rare)
            full[i] = False
    idx = np.flatnonzero(full)
    return starts[idx], ends[idx], idx


def _blank(data: bytes, line0: int, bad: Sequence[int]) -> bytes:
    """*data* with the given lines (absolute numbers) emptied; line numbers unchanged."""
    parts = data.split(b"\n")
    for ln in bad:
        parts[ln - line0] = b""
    return b"\n".join(parts)


Piece = tuple[Cols, int, "np.ndarray | None", int]


def parse_buffer(
    data: bytes,
    line0: int,
    file: str,
    info: LogInfo,
    *,
    keep: Callable[[str], bool],
    use_pyarrow: bool = True,
) -> list[Piece]:
    """Parse complete JSON lines (*line0*: number of the first line) into column pieces.

    Returns a list of ``(columns, n_rows, line_numbers or None, first_line)`` (None: the
    rows are consecutive lines from *first_line*). Deep and malformed lines are reported
    in *info*. A malformed line is found from pyarrow's error (its row), the lines before it
    are parsed by pyarrow, and parsing goes on after it: each bad line costs one extra
    parse of the lines before it in its stretch, never a pass of the file in Python.
    """
    deep = deep_lines(data)
    if deep:
        info.add(
            "skipped",
            file,
            "lines nested deeper than chartkit's bound (a JSON parser given them crashes)",
            count=len(deep),
            line=deep[0] + line0 - 1,
            lines=[d + line0 - 1 for d in deep[:10]],
        )
        data = _blank(data, 1, deep)
    pa, _ = _pyarrow() if use_pyarrow else (None, None)
    if pa is None:
        return [_python_piece(data, line0, file, info, keep)]
    buf = pa.py_buffer(data)
    table, err = _arrow_try(buf)
    replaced = False
    original = data
    if table is None:
        # NaN/Infinity tokens? rewrite them once for the whole chunk, then go line-wise
        original = data
        data, replaced = _replace_tokens(data, _QUICK + _QUICK_QUOTED)
        if replaced:
            buf = pa.py_buffer(data)
    starts, ends, idx = _line_index(data)
    out: list[Piece] = []
    bad: list[int] = []
    k = 0
    while k < len(idx):
        if table is None:
            table, err = _arrow_try(buf.slice(int(starts[k])))
        if table is not None:
            ex = _exact(original, idx, k) if replaced else None
            out.append(
                _arrow_piece(table, keep, idx[k:], line0, file, info, data[starts[k] :], ex)
            )
            break
        j = k + err if err is not None and 0 <= err < len(idx) - k else -1
        if j < 0:  # no row in the error: Python for the rest
            out.append(_python_piece(data[starts[k] :], line0 + int(idx[k]), file, info, keep))
            break
        if j > k:
            sub, _ = _arrow_try(buf.slice(int(starts[k]), int(starts[j] - starts[k])))
            if sub is not None:
                piece = data[starts[k] : starts[j]] if sub.num_rows != j - k else b""
                ex = _exact(original, idx, k) if replaced else None
                out.append(_arrow_piece(sub, keep, idx[k:j], line0, file, info, piece, ex))
            else:
                piece = data[starts[k] : starts[j]]
                out.append(_python_piece(piece, line0 + int(idx[k]), file, info, keep))
        line = data[starts[j] : ends[j]]
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            rec = None
        if isinstance(rec, dict):  # valid, but a field changed type: Python for this line
            out.append(_python_piece(line, line0 + int(idx[j]), file, info, keep))
        else:
            bad.append(line0 + int(idx[j]))
        table = None
        k = j + 1
    if bad:
        _report_bad(info, file, bad)
    pa.system_memory_pool().release_unused()
    return out


def _exact(original: bytes, idx: np.ndarray, k: int) -> Callable[[int, str], float]:
    """The true value of field *name* in row *r* (counted from line *k*), read by Python's
    json from the *original* bytes (before the tokens were rewritten)."""
    cache: list[list[bytes]] = []

    def value(r: int, name: str) -> float:
        if not cache:
            cache.append(original.split(b"\n"))
        try:
            rec = json.loads(cache[0][int(idx[k + r])])
            v = _flatten(rec).get(name) if isinstance(rec, dict) else None
        except (ValueError, RecursionError):  # pragma: no cover - pyarrow parsed it
            return math.nan
        if isinstance(v, str):
            return _TEXT_VALUES.get(v.strip().lower(), math.nan)
        return _as_float(v) if isinstance(v, (int, float)) else math.nan

    return value


def _arrow_piece(table, keep, idx, line0, file, info, text: bytes, exact=None) -> Piece:
    """A parsed table as a piece; lines *idx* (0-based in the chunk) hold its rows, *text*
    is their bytes (read again in Python when rows and lines disagree)."""
    if table.num_rows != len(idx):
        # pyarrow accepts an object spread over several lines; JSON lines do not
        return _python_piece(text, line0 + int(idx[0]), file, info, keep)
    cols = _arrow_columns(table, keep, exact)
    n = table.num_rows
    del table
    contiguous = n == 0 or int(idx[-1] - idx[0]) == n - 1
    first = line0 + (int(idx[0]) if n else 0)
    return cols, n, (None if contiguous else (idx + line0).astype(np.int64)), first


def _python_piece(data: bytes, line0: int, file: str, info: LogInfo, keep) -> Piece:
    cols, line_no, bad = _python_columns(_split_lines(data, line0), keep)
    if bad:
        _report_bad(info, file, bad)
    return cols, len(line_no), np.asarray(line_no, dtype=np.int64), line0


def _report_bad(info: LogInfo, file: str, bad: list[int]) -> None:
    info.add(
        "skipped",
        file,
        "lines that are not a JSON object (malformed JSON)",
        count=len(bad),
        line=min(bad),
        lines=sorted(bad)[:10],
    )


# --------------------------------------------------------------------------- chunks


def read_chunks(
    f: Path, info: LogInfo, encoding: str, chunk: int = CHUNK
) -> Iterator[tuple[bytes, int]]:
    """Complete lines of *f* in chunks of about *chunk* bytes, with each chunk's first line.

    UTF-8 files are streamed (BOM skipped, undecodable bytes replaced and reported once);
    other encodings are transcoded whole. A last line without a line end (a crash
    mid-write) is dropped and reported.
    """
    check_encoding(encoding)
    enc = encoding.lower().replace("_", "-")
    if enc not in ("utf-8", "utf8", "utf-8-sig"):
        data = read_bytes(f, info, encoding)
        yield from _split_chunks(_cut_tail(data, b"", f, info, data.count(b"\n")), chunk)
        return
    info.files.append(str(f))
    line = 1
    offset = 0
    carry = b""
    with open(f, "rb") as fh:
        first = True
        while True:
            block = fh.read(chunk)
            if first and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
                offset = 3
            first = False
            if not block:
                break
            block = _check_utf8(block, f, info, offset - len(carry), line)
            offset += len(block)
            buf = carry + block if carry else block
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                carry = buf
                continue
            carry = buf[cut:]
            out = buf[:cut]
            del buf
            yield out, line
            line += out.count(b"\n")
    _cut_tail(b"", carry, f, info, line - 1)


def _split_chunks(data: bytes, chunk: int) -> Iterator[tuple[bytes, int]]:
    pos, line = 0, 1
    while pos < len(data):
        end = data.rfind(b"\n", pos, pos + chunk) + 1 if pos + chunk < len(data) else len(data)
        if end <= pos:
            end = data.find(b"\n", pos + chunk)
            end = len(data) if end < 0 else end + 1
        yield data[pos:end], line
        line += data.count(b"\n", pos, end)
        pos = end


def _cut_tail(data: bytes, carry: bytes, f: Path, info: LogInfo, nlines: int) -> bytes:
    """Drop an unterminated last line (of *data*, or the *carry* left by streaming)."""
    if not carry and data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        carry, data = data[cut:], data[:cut]
        nlines = data.count(b"\n")
    if carry.strip():
        info.add(
            "truncated",
            f,
            "last line has no line end (cut by a crash?) and was dropped",
            line=nlines + 1,
        )
    return data


def _check_utf8(block: bytes, f: Path, info: LogInfo, offset: int, line: int) -> bytes:
    if block.isascii():
        return block
    try:
        block.decode("utf-8")
        return block
    except UnicodeDecodeError as err:
        if err.start >= len(block) - 3 and err.reason == "unexpected end of data":
            # a character cut by the block boundary: complete it from the next block
            return block
        text = block.decode("utf-8", errors="replace")
        info.add(
            "replaced",
            f,
            "bytes that are not valid UTF-8 were replaced by U+FFFD "
            "(pass encoding= if the file uses another encoding)",
            count=1,
            byte_offset=offset + err.start,
            line=line + block.count(b"\n", 0, err.start),
        )
        return text.encode("utf-8")
