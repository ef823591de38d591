"""How `FacetGrid.map` reaches the panels: callers, categorical colours, free-space ratios.

Hue colours come from `chartkit.palettes.resolve_palette` (the one resolver); `_caller`
turns a method name, a pyplot function, a function taking ``ax=`` or a current-Axes function
into ``call(ax, *args, **kwargs)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from chartkit._validate import invalid_value_message

__all__ = ["categorical_colors"]


def categorical_colors(n: int) -> list[Any]:
    """*n* colours for categorical hue levels, the same level always the same colour.

    The active theme's colour cycle (``axes.prop_cycle``) through
    `chartkit.palettes.resolve_palette`, cycled (with a `~chartkit.errors.ColorWarning`)
    when there are more levels than colours.
    """
    from chartkit.palettes.resolve import resolve_palette

    return resolve_palette(None, n)


def _tame(ratios: list[float] | None, min_share: float = 0.0) -> list[float] | None:
    """Free-space ratios made usable: bad spans filled, each at least *min_share* of the sum.

    *min_share* keeps a panel of one step readable (``facet(space="free")`` gave it a
    14-px column, overlapping ticks and a strip cut to "t…"): the caller sets it to the
    share of the room that a minimum readable width takes. Capped at an equal share.
    """
    if ratios is None:
        return None
    good = [r for r in ratios if np.isfinite(r) and r > 0]
    fill = max(good) if good else 1.0
    out = [r if np.isfinite(r) and r > 0 else fill for r in ratios]
    share = min(max(min_share, 0.0), 1.0 / len(out))
    if share > 0:
        for _ in range(8):  # raising small ratios raises the sum: a few rounds settle it
            floor = share * sum(out)
            out = [max(r, floor) for r in out]
    return out


def _resolve_palette(palette: Any, hue_levels: list[Any]) -> dict[Any, Any]:
    from chartkit.palettes.resolve import resolve_palette

    return resolve_palette(palette, levels=hue_levels)


def _caller(func: Callable[..., Any] | str) -> Callable[..., Any]:
    """Turn *func* into ``call(ax, *args, **kwargs)`` drawing on *ax*."""
    from matplotlib.axes import Axes

    if isinstance(func, str):
        if not callable(getattr(Axes, func, None)):
            raise ValueError(
                invalid_value_message(func, "func", expected="the name of an Axes method")
            )
        name = func

        def call(ax, *args, **kwargs):
            return getattr(ax, name)(*args, **kwargs)

        call.__name__ = name
        return call
    module = getattr(func, "__module__", "") or ""
    fname = getattr(func, "__name__", "")
    if module == "matplotlib.pyplot" and callable(getattr(Axes, fname, None)):
        return _caller(fname)
    if getattr(func, "__qualname__", "") == f"Axes.{fname}":
        return _caller(fname)
    try:
        takes_ax = "ax" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        takes_ax = False
    if takes_ax:

        def call(ax, *args, **kwargs):
            return func(*args, ax=ax, **kwargs)

    else:

        def call(ax, *args, **kwargs):
            import matplotlib.pyplot as plt

            plt.sca(ax)
            return func(*args, **kwargs)

    call.__name__ = fname or "func"
    return call
