"""Follow JSONL/CSV logs while they are being written (``read_jsonl(..., follow=True)``).

A `Follower` remembers, per file, the byte offset up to which it has read complete lines.
Each `Follower.poll` reads only what was appended since, parses only complete lines (a line
still being written, with no line end yet, waits for the next poll), and returns a `RunLog`
of everything read so far. New rank files appearing in a followed folder are picked up; a
file that shrank (rewritten from the start) is read again from its beginning, and that is
reported. This is how TensorBoard follows event files.

Pure parsing: no pyplot.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.metrics.readers._common import (
    read_csv_bytes,
)
from chartkit.metrics.readers._jsonl_chunks import _check_utf8, parse_buffer
from chartkit.metrics.readers._jsonl_columns import FileColumns
from chartkit.metrics.schema import Keep, LogInfo, RunLog, check_encoding, finish

__all__ = ["Follower"]


@dataclass
class _FileState:
    offset: int = 0  # bytes consumed (complete lines only)
    line: int = 1  # number of the next line
    info: LogInfo = field(default_factory=LogInfo)
    columns: FileColumns = field(default_factory=FileColumns)
    csv: bytearray = field(default_factory=bytearray)  # CSV: complete lines so far


class Follower:
    """Incremental reader of per-rank JSONL or CSV logs that are still being written.

    Made by ``read_jsonl(path, follow=True)`` or ``read_csv(path, follow=True)``; the options
    are those of the reader.

    Parameters
    ----------
    path : str or path-like
        A file, a folder of per-rank files, or a glob; files that appear later are followed
        too.
    kind : {"jsonl", "csv"}
    pattern : str or sequence of str
        Globs of the files in a folder.
    **options
        ``run, step, wall_time, rank, metrics, keep, encoding`` (and ``sep``, ``source`` for
        CSV), as in `read_jsonl` / `read_csv`.

    Examples
    --------
    >>> follower = read_jsonl("runs/ddp/", follow=True)        # doctest: +SKIP
    >>> while training:                                         # doctest: +SKIP
    ...     log = follower.poll()   # everything so far; only new bytes are parsed
    ...     time.sleep(5)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kind: str,
        pattern: str | Sequence[str],
        run: str | None = None,
        step: str | None = "auto",
        wall_time: str | None = "auto",
        rank: str | None = "auto",
        metrics: Iterable[str] | None = None,
        keep: Keep = "last",
        encoding: str = "utf-8",
        sep: str = ",",
        source: str | None = None,
    ) -> None:
        check_in_list(["jsonl", "csv"], kind=kind)
        check_in_list(["last", "first", "all"], keep=keep)
        check_encoding(encoding)
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            raise ValueError(
                invalid_value_message(
                    encoding, "encoding",
                    expected="an ASCII-compatible encoding with follow=True (it reads complete "
                    "lines by their b'\\n' byte); read the file without follow",
                )
            )
        self.path = path
        self.kind = kind
        self.patterns = [pattern] if isinstance(pattern, str) else list(pattern)
        self.run = run
        self.keep = keep
        self.encoding = encoding
        self.sep = sep
        self.source = source or kind
        self.opts = {"step": step, "wall_time": wall_time, "rank": rank, "metrics": metrics}
        self._files: dict[Path, _FileState] = {}

    @property
    def offsets(self) -> dict[str, int]:
        """Bytes read (complete lines) per file."""
        return {str(f): st.offset for f, st in self._files.items()}

    def poll(self) -> RunLog:
        """Read what was appended since the last poll; return everything read so far.

        Returns
        -------
        RunLog
            As `read_jsonl` / `read_csv` would return for the complete lines written so far
            (its warnings are emitted on every poll, so filter `DataWarning` in a loop).
        """
        from chartkit.metrics.readers import jsonl as J

        info = LogInfo(source=self.source)
        try:
            files, expected = J._files(self.path, self.patterns, info)
        except FileNotFoundError:
            if self._files:
                raise
            files, expected = [], []  # nothing written yet
        names = J._RunNames(self.path, files, self.run) if files else None
        keep_fields = J._Keep(
            self.opts["step"], self.opts["wall_time"], self.opts["rank"], self.opts["metrics"]
        )
        frames = []
        for f in files:
            st = self._files.setdefault(f, _FileState())
            self._read_new(f, st, keep_fields)
            info.merge(st.info)
            if self.kind == "jsonl":
                part = J._jsonl_part(
                    f, st.columns, info, names, keep_fields, self.opts, consume=False
                )
            else:
                part = self._csv_part(f, st, info, names)
            if part is not None:
                frames.append(part)
        frame = J.parts_to_frame(self.source, frames)
        return finish(frame, info, keep=self.keep, expected_ranks=expected)

    def _read_new(self, f: Path, st: _FileState, keep_fields: Any) -> None:
        size = f.stat().st_size
        if size < st.offset:  # rewritten from the start: read it again
            fresh = _FileState()
            fresh.info.add(
                "marked", f, f"the file shrank from {st.offset} to {size} bytes: read again"
            )
            st.__dict__.update(fresh.__dict__)
        if size == st.offset:
            return
        with open(f, "rb") as fh:
            fh.seek(st.offset)
            block = fh.read(size - st.offset)
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            return  # a line still being written
        data = block[:cut]
        if st.offset == 0:
            st.info.files.append(str(f))
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        if codecs.lookup(self.encoding).name != "utf-8":
            data = data.decode(self.encoding, errors="replace").encode("utf-8")
        else:
            data = _check_utf8(data, f, st.info, st.offset, st.line)
        if self.kind == "jsonl":
            for cols, n, lines, first in parse_buffer(
                data, st.line, str(f), st.info, keep=keep_fields
            ):
                st.columns.add(cols, n, lines, first)
        else:
            st.csv += data
        st.offset += cut
        st.line += data.count(b"\n")

    def _csv_part(self, f: Path, st: _FileState, info: LogInfo, names: Any):
        from chartkit.metrics.readers import jsonl as J

        if not bytes(st.csv).strip():
            info.add("empty", f, "the file is empty")
            return None
        df = read_csv_bytes(bytes(st.csv), f, info, sep=self.sep)
        info.rows += len(df)
        if len(df) == 0:
            info.add("empty", f, "the file holds a header but no rows")
            return None
        return J._csv_part(f, df, info, names, self.opts)
