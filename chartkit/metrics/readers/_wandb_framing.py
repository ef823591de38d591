"""The framing of W&B's run files (``run-<id>.wandb``): header, chunks, checksums.

A 7-byte file header (``:W&B``, the magic number 0xBEE1 little-endian, format version 0),
then LevelDB-log framing: 32 KiB blocks of chunks, each with a 7-byte header (``uint32``
CRC-32 of the type byte and the data, ``uint16`` data length, ``uint8`` type: 1 FULL,
2 FIRST, 3 MIDDLE, 4 LAST); a block's last < 7 bytes are zero padding, and a record too long
for the rest of a block continues in the next one (FIRST, MIDDLE..., LAST). The CRC is
zlib's IEEE CRC-32, unmasked, seeded with the type byte: measured on files wandb 0.31
writes, and not LevelDB's masked CRC-32C. The joined chunks of a record are one
``wandb_internal.Record`` protocol buffer (decoded in `chartkit.metrics.readers.wandb`).

Standard library only (`struct`, `zlib`); no pyplot, no wandb.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chartkit.metrics.schema import LogInfo

__all__ = ["MAGIC", "is_wandb_file", "wandb_records"]

MAGIC = b":W&B\xe1\xbe"
_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK = struct.Struct("<IHB")
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_SEEDS = [zlib.crc32(bytes([t])) for t in range(5)]


def is_wandb_file(path: str | os.PathLike[str]) -> bool:
    """True when *path* starts with W&B's run-file header (``:W&B`` and 0xBEE1)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def wandb_records(data: bytes, file: Any, info: LogInfo) -> list[memoryview]:
    """The record payloads of one ``.wandb`` file's bytes (after its 7-byte header).

    Chunks are checked (CRC-32) and joined; problems go to *info* (one entry per kind).
    """
    view = memoryview(data)
    end = len(data)
    pos = _FILE_HEADER.size
    out: list[memoryview] = []
    parts: list[memoryview] | None = None
    bad_crc: list[int] = []
    resync: list[int] = []
    resync_bytes = 0
    orphans = 0
    unpack = _CHUNK.unpack_from
    crc32 = zlib.crc32
    while pos < end:
        room = _BLOCK - pos % _BLOCK
        if room < 7:  # a block's zero trailer
            pos += room
            continue
        if end - pos < 7:
            info.add(
                "truncated",
                file,
                f"the file ends inside a chunk header ({end - pos} of 7 bytes): a crashed "
                "or still running writer; the records before it were read",
                byte_offset=pos,
            )
            parts = None
            break
        crc, n, kind = unpack(data, pos)
        if kind == 0 and n == 0 and crc == 0:  # zero padding to the end of the block
            pos += room
            continue
        if kind > _LAST or kind == 0 or n > room - 7:
            resync.append(pos)
            resync_bytes += room
            parts = None
            pos += room
            continue
        start = pos + 7
        stop = start + n
        if stop > end:
            info.add(
                "truncated",
                file,
                f"the last record is cut ({end - start} of {n} chunk bytes present): a "
                "crashed or still running writer; the records before it were read",
                byte_offset=pos,
            )
            parts = None
            break
        chunk = view[start:stop]
        pos = stop
        if crc32(chunk, _SEEDS[kind]) != crc:
            bad_crc.append(start - 7)
            parts = None
            continue
        if kind == _FULL:
            orphans += parts is not None
            parts = None
            out.append(chunk)
        elif kind == _FIRST:
            orphans += parts is not None
            parts = [chunk]
        elif parts is None:  # MIDDLE/LAST of a record whose start was skipped
            orphans += kind == _LAST
        elif kind == _MIDDLE:
            parts.append(chunk)
        else:
            parts.append(chunk)
            out.append(memoryview(b"".join(parts)))
            parts = None
    if parts is not None:
        info.add(
            "truncated",
            file,
            f"the file ends inside a record ({sum(map(len, parts))} bytes of its first "
            "chunks present): a crashed or still running writer; the records before it "
            "were read",
        )
    if bad_crc:
        info.add(
            "skipped",
            file,
            "records whose chunk checksum (CRC-32) does not match: their values were not "
            f"used (byte offsets {', '.join(map(str, bad_crc[:10]))})",
            byte_offset=bad_crc[0],
            count=len(bad_crc),
        )
    if resync or orphans:
        info.add(
            "skipped",
            file,
            f"chunk headers that cannot be right (unknown type or a length past the block: "
            f"{resync_bytes} bytes skipped to the next 32 KiB block) or pieces of records "
            "whose start was skipped",
            byte_offset=resync[0] if resync else None,
            count=len(resync) + orphans,
        )
    return out
