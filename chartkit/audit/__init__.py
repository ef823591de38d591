"""Whole-figure accessibility audit: colours under CVD, contrast, glyphs, overlaps.

* `check_figure` -> `AuditReport`: one draw of a matplotlib figure, then its artists are
  read (series colours, colormaps, texts and their backgrounds, legends).
* `audit_image` -> `AuditReport`: the colour check on a rendered PNG made by any tool, with
  a side-by-side preview (`cvd_preview`).
* `chartkit.testing.assert_accessible`: the same check as a pytest assertion.

Findings have a fixed vocabulary, `KINDS`. pyplot is never imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "KINDS": "report",
    "AuditReport": "report",
    "Finding": "report",
    "check_figure": "figure",
    "audit_image": "image",
    "cvd_preview": "image",
}

__all__ = ["KINDS", "AuditReport", "Finding", "audit_image", "check_figure", "cvd_preview"]

if TYPE_CHECKING:
    from chartkit.audit.figure import check_figure
    from chartkit.audit.image import audit_image, cvd_preview
    from chartkit.audit.report import KINDS, AuditReport, Finding


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"chartkit.audit.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chartkit.audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
