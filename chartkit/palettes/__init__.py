"""Palettes and colour-vision checks.

* Named sets as plain data: `palette` (Okabe-Ito, Paul Tol's sets, Petroff 6/8/10, tab10,
  seaborn deep/colorblind, chartkit's maps), `list_palettes`.
* Builders in CAM02-UCS: `sequential`, `diverging`, `categorical`; the generator `generate`.
* CVD simulation: `simulate_cvd` (Machado 2009 or Brettel 1997), `image_ucs`.
* Checks: `check_palette` -> `PaletteReport`, `check_cmap` -> `CmapReport`.
* Diagnostics: `plot_palette` (imports pyplot on first use).
* The one resolver of ``palette=`` arguments, `resolve_palette`, and the per-Axes
  "next colour" rule, `next_colors`.

Metrics use unclipped simulated colours; only display output is clipped to [0, 1].
colorspacious is imported on first use, never by ``import chartkit``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are resolved on first use (PEP 562), so ``import chartkit`` (which registers the
# named maps through `chartkit.palettes.registry`) loads only the registry and plain data.
_WHERE = {
    "categorical": "builders",
    "diverging": "builders",
    "sequential": "builders",
    "CmapReport": "checks",
    "PaletteReport": "checks",
    "check_cmap": "checks",
    "check_palette": "checks",
    "pairwise_delta_e": "checks",
    "CVD_KINDS": "cvd",
    "ImageColors": "cvd",
    "image_ucs": "cvd",
    "simulate_cvd": "cvd",
    "visions_ucs": "cvd",
    "generate": "generator",
    "list_palettes": "registry",
    "palette": "registry",
    "register": "registry",
    "plot_palette": "plot",
    "next_colors": "resolve",
    "resolve_palette": "resolve",
}

__all__ = [
    "CVD_KINDS",
    "CmapReport",
    "ImageColors",
    "PaletteReport",
    "categorical",
    "check_cmap",
    "check_palette",
    "diverging",
    "generate",
    "image_ucs",
    "list_palettes",
    "next_colors",
    "pairwise_delta_e",
    "palette",
    "plot_palette",
    "register",
    "resolve_palette",
    "sequential",
    "simulate_cvd",
    "visions_ucs",
]

if TYPE_CHECKING:
    from chartkit.palettes.builders import categorical, diverging, sequential
    from chartkit.palettes.checks import (
        CmapReport,
        PaletteReport,
        check_cmap,
        check_palette,
        pairwise_delta_e,
    )
    from chartkit.palettes.cvd import (
        CVD_KINDS,
        ImageColors,
        image_ucs,
        simulate_cvd,
        visions_ucs,
    )
    from chartkit.palettes.generator import generate
    from chartkit.palettes.plot import plot_palette
    from chartkit.palettes.registry import list_palettes, palette, register
    from chartkit.palettes.resolve import next_colors, resolve_palette


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"chartkit.palettes.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chartkit.palettes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
