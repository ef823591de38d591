"""Small, escaped HTML for notebook displays (``_repr_html_``): tables and colour swatches.

Every value is escaped; colours are validated as ``#rrggbb`` before they reach a ``style``
attribute, so data (metric, run or palette names) can never inject markup. Only the
standard library is imported here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["swatches", "table", "titled"]

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_STYLE = "border-collapse:collapse;font-size:12px;margin:2px 0"
_CELL = "padding:1px 8px;text-align:left;border-bottom:1px solid #ddd"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


def table(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None) -> str:
    """An HTML table of *rows* (values escaped; floats to 4 significant digits)."""
    out = [f'<table style="{_STYLE}">']
    if header:
        out.append("<tr>" + "".join(f'<th style="{_CELL}">{_cell(h)}</th>' for h in header))
    for row in rows:
        out.append("<tr>" + "".join(f'<td style="{_CELL}">{_cell(v)}</td>' for v in row))
    out.append("</table>")
    return "".join(out)


def swatches(colors: Iterable[str], *, size: int = 18, labels: bool = True) -> str:
    """A row of colour squares; colours that are not ``#rrggbb`` are shown as text only."""
    cells = []
    for c in colors:
        text = f"<br><code>{html.escape(c)}</code>" if labels else ""
        if _HEX.match(c):
            box = (
                f'<span style="display:inline-block;width:{size}px;height:{size}px;'
                f'background:{c};border:1px solid #999"></span>'
            )
        else:
            box = ""
        span = '<span style="display:inline-block;margin:1px;font-size:10px">'
        cells.append(f"{span}{box}{text}</span>")
    return f"<div>{''.join(cells)}</div>"


def titled(title: str, *parts: str) -> str:
    """A bold, escaped title followed by already-built HTML *parts*."""
    return f"<div><strong>{html.escape(title)}</strong>{''.join(parts)}</div>"
