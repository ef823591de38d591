"""The columns of one JSON-lines file, gathered chunk by chunk and joined once.

Numeric pieces are joined into one array per field; a field holding numbers written as text
(``"acc": "0.1"``) is parsed and counted, text that is not a number becomes NaN (counted),
and a field of text only stays text (not a metric). Pure parsing: no pyplot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.readers._jsonl_chunks import _TEXT_VALUES, Cols, _as_float
from chartkit.metrics.schema import LogInfo

__all__ = ["FileColumns"]


class FileColumns:
    """The columns of one file, gathered piece by piece, joined once at the end."""

    def __init__(self) -> None:
        self.n = 0
        # name -> [(first row, rows, values, present or None, kind)]
        self.pieces: dict[str, list[tuple[int, int, np.ndarray, np.ndarray | None, str]]] = {}
        self.line_parts: list[tuple[int, int, np.ndarray | None]] = []

    def add(self, cols: Cols, n: int, lines: np.ndarray | None, line0: int) -> None:
        for name, (vals, present, kind) in cols.items():
            self.pieces.setdefault(name, []).append((self.n, n, vals, present, kind))
        self.line_parts.append((n, line0, lines))
        self.n += n

    def lines(self) -> np.ndarray:
        """Line number of every row."""
        out = np.empty(self.n, dtype=np.int64)
        pos = 0
        for n, line0, lines in self.line_parts:
            out[pos : pos + n] = np.arange(line0, line0 + n) if lines is None else lines
            pos += n
        return out

    def join(self, file: str, info: LogInfo, *, consume: bool = True) -> Cols:
        """One array per column over all pieces; text numbers parsed and counted.

        With *consume* (default) the pieces are released as they are joined; a follower
        keeps them to add more rows later.
        """
        out: Cols = {}
        for name in list(self.pieces):
            pieces = self.pieces.pop(name) if consume else self.pieces[name]
            kinds = {p[4] for p in pieces}
            if kinds <= {"num", "null"} and "num" in kinds:
                out[name] = self._join_num(pieces)
            elif kinds <= {"num", "str", "null"} and "str" in kinds:
                out[name] = self._join_text(name, pieces, file, info)
            else:
                present = self._present(pieces)
                kind = "null" if kinds == {"null"} else sorted(kinds - {"null"})[0]
                out[name] = (np.empty(0), present, kind)
        return out

    def _present(self, pieces) -> np.ndarray | None:
        present = np.zeros(self.n, dtype=bool)
        for start, n, _v, p, _k in pieces:
            present[start : start + n] = True if p is None else p
        return None if present.all() else present

    def _join_num(self, pieces) -> tuple[np.ndarray, np.ndarray | None, str]:
        nums = [p for p in pieces if p[4] == "num"]
        all_int = all(p[2].dtype.kind in "iu" for p in nums)
        if len(nums) == 1 and nums[0][0] == 0 and nums[0][1] == self.n:
            _, _, vals, present, _ = nums[0]
            return vals, present, "num"
        vals = np.zeros(self.n, dtype=np.int64) if all_int else np.full(self.n, np.nan)
        present = np.zeros(self.n, dtype=bool)
        for start, _n, v, p, _ in nums:
            vals[start : start + len(v)] = v
            present[start : start + len(v)] = True if p is None else p
        return vals, (None if present.all() else present), "num"

    def _join_text(self, name, pieces, file, info) -> tuple[np.ndarray, np.ndarray | None, str]:
        vals = np.full(self.n, np.nan)
        present = np.zeros(self.n, dtype=bool)
        texts = np.zeros(self.n, dtype=bool)  # cells written as text
        for start, _n, v, p, kind in pieces:
            if kind == "null":
                continue
            sl = slice(start, start + len(v))
            pr = np.ones(len(v), dtype=bool) if p is None else p
            present[sl] = pr
            if kind == "num":
                vals[sl] = v
                continue
            s = pd.Series(v, dtype=object)
            is_text = s.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool) & pr
            texts[sl] = is_text
            low = s.where(is_text).astype(object)
            low = low.map(lambda x: x.strip().lower() if isinstance(x, str) else x)
            special = low.map(lambda x: _TEXT_VALUES.get(x) if isinstance(x, str) else None)
            num = pd.to_numeric(low.where(is_text & special.isna().to_numpy()), errors="coerce")
            num = np.array(num.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
            sp = special.notna().to_numpy()
            num[sp] = special[sp].astype(float).to_numpy()
            nontext = pr & ~is_text
            if nontext.any():
                num[nontext] = [_as_float(x) for x in v[nontext]]
            vals[sl] = num
        text_cells = texts & present
        parsed = text_cells & ~np.isnan(vals)
        special_nan = np.zeros(self.n, dtype=bool)
        failed = text_cells & np.isnan(vals)
        if failed.any():
            # "nan"/"null" texts are NaN on purpose, not failures
            special_nan = failed & self._special_nan_mask(pieces)
            failed &= ~special_nan
        n_parsed = int(parsed.sum())
        n_failed = int(failed.sum())
        numbers = int((present & ~texts).sum()) + n_parsed + int(special_nan.sum())
        if numbers == 0 or n_failed > numbers:
            # a text field (a status, a name): not a metric
            return np.empty(0), present, "str"
        lines = self.lines() if (n_parsed or n_failed) else None
        plain_texts = parsed & ~self._special_mask(pieces)
        if plain_texts.any():
            idx = np.flatnonzero(plain_texts)
            info.add(
                "coerced",
                file,
                f'numbers written as text in {name!r} ("0.1") were read as numbers',
                count=len(idx),
                line=int(lines[idx[0]]),
                lines=lines[idx[:10]].tolist(),
            )
        if n_failed:
            idx = np.flatnonzero(failed)
            first = self._cell(pieces, int(idx[0]))
            info.add(
                "coerced",
                file,
                f"non-numeric cells in {name!r} became NaN (first: {first!r})",
                count=n_failed,
                line=int(lines[idx[0]]),
                lines=lines[idx[:10]].tolist(),
            )
        return vals, (None if present.all() else present), "num"

    def _mask(self, pieces, test) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for start, _n, v, _p, kind in pieces:
            if kind == "str":
                out[start : start + len(v)] = [isinstance(x, str) and test(x) for x in v]
        return out

    def _special_nan_mask(self, pieces) -> np.ndarray:
        return self._mask(pieces, lambda x: x.strip().lower() in ("nan", "null", "none"))

    def _special_mask(self, pieces) -> np.ndarray:
        return self._mask(pieces, lambda x: x.strip().lower() in _TEXT_VALUES)

    @staticmethod
    def _cell(pieces, i: int) -> Any:
        for start, _n, v, _p, _k in pieces:
            if start <= i < start + len(v):
                return v[i - start]
        return None  # pragma: no cover
