"""One place for colour: turn a ``palette=`` argument into colours, and hand out series colours.

`resolve_palette` is what every chartkit function taking ``palette=`` calls (facets, the
metrics plots, annotate): chartkit's named palettes first (``"okabe_ito"`` is chartkit's
Okabe-Ito, orange first, not matplotlib's black-first sequence of that name), then
matplotlib's colour sequences and colormaps, then a list of colours or a dict keyed by
level; None is the active theme's colour cycle (``axes.prop_cycle``).

`next_colors` is the per-Axes rule: the second plot on one Axes takes the next colours,
and a level already drawn on that Axes keeps its colour.

No pyplot is imported here.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from chartkit._validate import (
    check_keys,
    check_nonempty,
    invalid_value_message,
)
from chartkit.errors import ColorWarning, warn_external

__all__ = ["next_colors", "resolve_colors", "resolve_palette"]

_EXPECTED_COLOR = "a matplotlib colour: a name, '#rrggbb' hex or an RGB(A) tuple"


def _check_color(value: Any, name: str, entry: Any = None) -> Any:
    """Return *value* if matplotlib reads it as a colour, else raise naming it (and where)."""
    from matplotlib.colors import to_rgba

    try:
        rgba = to_rgba(value)
        ok = all(np.isfinite(rgba))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(invalid_value_message(value, name, entry=entry, expected=_EXPECTED_COLOR))
    return value


def _tup(rgba: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in rgba)


def _theme_cycle() -> list[Any]:
    import matplotlib as mpl

    return list(mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"]))


def _named(palette: str, n: int | None, name: str) -> tuple[list[Any], bool]:
    """Colours of a named palette and whether they are categorical (may be cycled)."""
    import matplotlib as mpl
    from matplotlib.colors import Colormap, ListedColormap

    from chartkit.palettes import _data
    from chartkit.palettes.registry import PREFIX, list_palettes
    from chartkit.palettes.registry import palette as named_palette

    key = palette.removeprefix(PREFIX)
    base = key[:-2] if key.endswith("_r") else key
    if key in _data.PALETTES or base in _data.PALETTES:
        return named_palette(key), True
    if key in _data.MAPS or base in _data.MAPS:
        return named_palette(key, n or 256), False
    if palette in mpl.color_sequences:
        return list(mpl.color_sequences[palette]), True
    if palette in mpl.colormaps:
        cmap: Colormap = mpl.colormaps[palette]
        if isinstance(cmap, ListedColormap) and cmap.N <= 32:
            return [_tup(c) for c in np.asarray(cmap.colors)], True
        count = n or 256
        return [_tup(c) for c in cmap(np.linspace(0, 1, count))], False
    known = list(dict.fromkeys([*list_palettes(), *mpl.color_sequences, *mpl.colormaps]))
    raise ValueError(
        invalid_value_message(
            palette,
            name,
            known,
            expected="a chartkit palette (chartkit.palettes.list_palettes()), a matplotlib "
            "colour sequence or colormap name, a list of colours or a dict {level: colour}",
            list_supported=False,
        )
    )


def _from_mapping(palette: Mapping, levels: Sequence[Any], name: str) -> dict[Any, Any]:
    check_keys(palette, levels, name=name, what="levels")
    return {lv: _check_color(palette[lv], f"{name}[{lv!r}]") for lv in levels}


def resolve_palette(
    palette: Any = None,
    n: int | None = None,
    *,
    levels: Sequence[Hashable] | None = None,
    name: str = "palette",
) -> list[Any] | dict[Any, Any]:
    """Turn a ``palette=`` argument into colours: the one resolver of chartkit.

    Parameters
    ----------
    palette : str, list, dict, Colormap or None, default: None
        In this order: a chartkit palette or map name (``"okabe_ito"``, ``"petroff10"``,
        ``"blues"``; see `chartkit.palettes.list_palettes`; ``"chartkit."`` prefix and
        ``"_r"`` accepted), a matplotlib colour sequence or colormap name (``"tab10"``,
        ``"viridis"``), a `~matplotlib.colors.Colormap`, a list of colours, or a dict
        ``{level: colour}`` (needs *levels*). None: the active theme's colour cycle.
    n : int, optional
        Number of colours. Default: ``len(levels)``, else the palette's own length (256
        samples of a continuous map).
    levels : sequence, optional
        Categorical levels in order; the result is then a dict ``{level: colour}``.
    name : str, default: "palette"
        The argument's name in messages.

    Returns
    -------
    list of colours, or dict level -> colour when *levels* is given
        Colours as given (list, dict) or as the palette stores them (hex strings for
        chartkit's palettes, RGB(A) tuples for colormaps).

    Raises
    ------
    ValueError
        For an unknown name (with close matches), a bad colour (naming it and its position:
        ``'notacolor' is not a valid value for palette (entry 3)``), a dict missing levels
        (listing all of them), an empty palette, or a bad *n*.

    Warns
    -----
    chartkit.errors.ColorWarning
        When a categorical palette has fewer colours than needed: it is cycled, and the
        message says which levels repeat colours.

    Examples
    --------
    >>> resolve_palette("okabe_ito", 3)
    ['#e69f00', '#56b4e9', '#009e73']
    >>> resolve_palette(["k", "r"], levels=["train", "val"])
    {'train': 'k', 'val': 'r'}
    """
    if levels is not None:
        levels = list(levels)
        if n is None:
            n = len(levels)
    if n is not None and (not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0):
        raise ValueError(invalid_value_message(n, "n", expected="a non-negative integer"))
    if isinstance(palette, Mapping):
        if levels is None:
            raise ValueError(
                invalid_value_message(
                    palette,
                    name,
                    expected="a name or a list here: a dict maps levels to colours and needs "
                    "levels= (the levels in order)",
                )
            )
        return _from_mapping(palette, levels, name)
    categorical = True
    if palette is None:
        colors = _theme_cycle()
    elif isinstance(palette, str):
        colors, categorical = _named(palette, n, name)
    else:
        from matplotlib.colors import Colormap

        if isinstance(palette, Colormap):
            count = n or getattr(palette, "N", 256)
            colors = [_tup(c) for c in palette(np.linspace(0, 1, count))]
            categorical = False
        elif isinstance(palette, Sequence | np.ndarray):
            colors = [_check_color(c, name, entry=i) for i, c in enumerate(palette)]
        else:
            raise ValueError(
                invalid_value_message(
                    palette, name, expected="a palette name, a list of colours or a dict"
                )
            )
    check_nonempty(colors, name=name, expected="at least one colour")
    if n is not None:
        if categorical and n > len(colors):
            k = len(colors)
            what = f"{n} levels" if levels is not None else f"n={n} colours"
            label = (
                repr(palette)
                if isinstance(palette, str)
                else ("the theme's colour cycle" if palette is None else f"the {name} list")
            )
            repeat = f"level {n}" if n == k + 1 else f"levels {k + 1}-{n}"
            first = "level 1" if n == k + 1 else f"levels 1-{min(k, n - k)}"
            verb = "repeats the colour" if n == k + 1 else "repeat the colours"
            warn_external(
                f"{label} has {k} colours for {what}; cycling it, so {repeat} {verb} of "
                f"{first}. Give a palette with at least {n} colours (e.g. a continuous map "
                "name) to tell them apart.",
                ColorWarning,
            )
        colors = [colors[i % len(colors)] for i in range(n)]
    if levels is not None:
        return dict(zip(levels, colors, strict=True))
    return colors


def resolve_colors(color: Any, n: int, *, name: str = "color", per: str = "label") -> list[Any]:
    """One colour for all *n* items, or one per item, each checked (entry named if bad).

    Parameters
    ----------
    color : colour, sequence of colours or None
        None gives ``[None] * n`` (the caller's default applies).
    n : int
        Number of items.
    name, per : str
        Argument name and what one item is, for messages.

    Returns
    -------
    list
        *n* colours (or Nones).

    Raises
    ------
    ValueError
        ``'notacolor' is not a valid value for color (entry 1); expected ...``, or a
        sequence of another length than *n*.
    """
    from matplotlib.colors import is_color_like

    from chartkit._validate import check_length

    if color is None:
        return [None] * n
    if isinstance(color, str) or is_color_like(color):
        return [_check_color(color, name)] * n
    if not isinstance(color, Sequence | np.ndarray):
        _check_color(color, name)
    colors = [_check_color(c, name, entry=i) for i, c in enumerate(color)]
    check_length(colors, n, name=name, per=per, got="colours")
    return colors


# Per-Axes record of the colours handed out: Axes -> {"count": int, "levels": {level: colour}}.
_USED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def next_colors(
    ax: Any,
    n: int | None = None,
    *,
    levels: Sequence[Hashable] | None = None,
    palette: Any = None,
) -> list[Any] | dict[Any, Any]:
    """Colours for the next series drawn on *ax*: the per-Axes "next colour" rule.

    A second plot on the same Axes takes the colours after those the first one used (as
    matplotlib's own cycle does for ``ax.plot``), so two calls never draw in one colour.
    With *levels*, a level already drawn on *ax* by an earlier call keeps its colour, so
    hue colours stay stable across calls. Lines drawn on *ax* before chartkit's first call
    (plain ``ax.plot``) count as used colours.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    n : int, optional
        How many colours (default: ``len(levels)``, else 1).
    levels : sequence, optional
        Series names in order; the result is then ``{level: colour}``.
    palette : optional
        Anything `resolve_palette` accepts (default: the theme's colour cycle).

    Returns
    -------
    list of colours, or dict level -> colour when *levels* is given

    Examples
    --------
    >>> next_colors(ax, 1)  # first call on ax: the first colour
    >>> next_colors(ax, 1)  # the second call takes the next one
    """
    record = _USED.get(ax)
    if record is None:
        record = {"count": len(getattr(ax, "lines", ())), "levels": {}}
        _USED[ax] = record
    if levels is None:
        count = 1 if n is None else n
        start = record["count"]
        colors = _cycled(palette, start, count)
        record["count"] = start + count
        return colors
    levels = list(levels)
    new = [lv for lv in levels if lv not in record["levels"]]
    start = record["count"]
    fresh = _cycled(palette, start, len(new))
    record["levels"].update(zip(new, fresh, strict=True))
    record["count"] = start + len(new)
    return {lv: record["levels"][lv] for lv in levels}


def _cycled(palette: Any, start: int, count: int) -> list[Any]:
    """Colours ``start .. start + count - 1`` of *palette*, cycling without a warning."""
    if count == 0:
        return []
    base = resolve_palette(palette)
    return [base[(start + i) % len(base)] for i in range(count)]
