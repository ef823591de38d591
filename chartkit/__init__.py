"""chartkit: correct, colour-blind-safe, Korean-ready matplotlib charts for deep-learning work.

``import chartkit`` changes nothing global (no rcParams, backend, font or warnings-filter
change) and imports neither pyplot, pandas nor colorspacious; subpackages are imported on
first use (``chartkit.palettes``, ``chartkit.annotate``, ...).
"""

from __future__ import annotations

import importlib
from typing import Any

from chartkit import errors
from chartkit.palettes.registry import register as _register_colormaps
from chartkit.style import available_themes, rc_params, theme

__version__ = "0.1.0"

# The one import-time effect allowed: chartkit's named maps and palettes join
# matplotlib.colormaps / matplotlib.color_sequences under the "chartkit." prefix
# (additive, idempotent, never force; plain data only, no colour science at import).
_register_colormaps()

_SUBPACKAGES = ("annotate", "audit", "facets", "metrics", "palettes", "styles", "testing")

__all__ = ["__version__", "available_themes", "errors", "rc_params", "theme", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"chartkit.{name}")
    raise AttributeError(f"module 'chartkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBPACKAGES))
