"""Find characters that no font in use can draw, before a figure is saved.

matplotlib 3.11 draws a boxed "last resort" glyph (tofu) for a character that none of the
fonts of a text's fallback list has, and warns once per glyph. `check_glyphs` looks at every
visible text of a figure (titles, tick labels, legends, annotations, chartkit's rich text),
resolves the font files matplotlib would use for it (the same fallback chain as the Agg,
PDF and SVG backends) and checks their character maps with fontTools
(`chartkit.annotate.fonts.covers`), without drawing. It returns the characters that would
become tofu and emits one `~chartkit.errors.FontWarning` for the figure.

Mathtext (``$...$``) is drawn with math fonts, not the fallback list, and TeX text by TeX:
both are left out of the check.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chartkit.annotate.fonts import covers
from chartkit.errors import FontWarning, warn_external

if TYPE_CHECKING:
    from matplotlib.figure import FigureBase

__all__ = ["check_glyphs", "font_files_for"]

_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$", re.S)


def _fspath(p: Any) -> str:
    try:
        return os.fspath(p)
    except TypeError:
        return str(getattr(p, "path", p))


def font_files_for(prop: Any) -> list[str]:
    """Font files matplotlib uses for *prop*: one per family of its fallback list.

    Parameters
    ----------
    prop : matplotlib.font_manager.FontProperties or str
        Font properties (or a fontconfig pattern).

    Returns
    -------
    list of str
        Paths, in fallback order; matplotlib's default font when no family is found.
    """
    from matplotlib import font_manager

    fm = font_manager.fontManager
    prop = font_manager.FontProperties._from_any(prop)
    finder = getattr(fm, "_find_fonts_by_props", None)
    if finder is not None:  # what the backends themselves call
        return [_fspath(p) for p in finder(prop)]
    paths = []
    for family in prop.get_family():
        cprop = prop.copy()
        cprop.set_family(family)
        try:
            paths.append(_fspath(fm.findfont(cprop, fallback_to_default=False)))
        except ValueError:
            continue
    return paths or [_fspath(fm.findfont(prop))]


def _texts(fig: FigureBase) -> list[Any]:
    from matplotlib.text import Text

    from chartkit.annotate.titles import TitleStack

    for ax in fig.get_figure(root=True).axes:
        for axis in ax._axis_map.values() if hasattr(ax, "_axis_map") else ():
            axis.get_majorticklabels()  # brings the tick labels up to date, without drawing
            axis.get_minorticklabels()
    out = []
    for t in fig.findobj(Text):
        if isinstance(t, TitleStack) or not t.get_visible():
            continue
        s = t.get_text()
        if not s or s.isspace():
            continue
        out.append(t)
    return out


def _check_paths(paths: Iterable[Any]) -> list[str]:
    out = []
    for p in paths:
        path = os.fspath(p)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"font file not found: {path!r}")
        out.append(path)
    return out


def check_glyphs(
    fig: FigureBase,
    *,
    fonts: Iterable[str | os.PathLike[str]] | None = None,
    warn: bool = True,
) -> list[str]:
    """List every character of *fig*'s texts that no font in use can draw.

    Call it before saving: nothing is drawn, the tick labels are brought up to date and the
    fonts are resolved the way the backends resolve them.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or SubFigure
    fonts : iterable of path-like, optional
        Check against these font files (as one fallback list) instead of the fonts the
        texts ask for: "would this figure render with only these fonts?".
    warn : bool, default: True
        Emit one `~chartkit.errors.FontWarning` for the figure when characters are missing.

    Returns
    -------
    list of str
        The missing characters, sorted by code point (empty when everything can be drawn).

    Raises
    ------
    FileNotFoundError
        When a path in *fonts* does not exist, naming it.

    Warns
    -----
    FontWarning
        One per call, counting the characters and texts affected, when any is missing.

    Examples
    --------
    >>> with chartkit.theme():
    ...     fig, ax = plt.subplots(); ax.set_title("손실 ☃")
    ...     check_glyphs(fig)  # FontWarning: 1 character ...
    ['☃']
    """
    given = _check_paths(fonts) if fonts is not None else None
    cache: dict[tuple, list[str]] = {}
    missing: dict[str, set[str]] = {}  # char -> texts where it appears
    for t in _texts(fig):
        if t.get_usetex():
            continue
        s = _MATH.sub("", t.get_text())
        if not s.strip():
            continue
        if given is not None:
            paths = given
        else:
            prop = t.get_fontproperties()
            key = (
                tuple(prop.get_family()),
                prop.get_style(),
                prop.get_weight(),
                prop.get_stretch(),
                prop.get_variant(),
            )
            paths = cache.get(key)
            if paths is None:
                paths = cache[key] = font_files_for(prop)
        lacking: set[str] | None = None
        for path in paths:
            gone = covers(path, s)
            lacking = gone if lacking is None else lacking & gone
            if not lacking:
                break
        for ch in lacking or ():
            missing.setdefault(ch, set()).add(t.get_text())
    chars = sorted(missing, key=ord)
    if chars and warn:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars[:12])
        if len(chars) > 12:
            shown += f", ... ({len(chars) - 12} more)"
        n_texts = len(set().union(*missing.values()))
        families = sorted({f for fam, *_ in cache for f in fam}) if cache else []
        using = (
            "the given font files"
            if given is not None
            else "fonts " + ", ".join(repr(f) for f in families)
        )
        warn_external(
            f"{len(chars)} character{'s' if len(chars) != 1 else ''} in {n_texts} "
            f"text{'s' if n_texts != 1 else ''} cannot be drawn by {using} and would "
            f"show as boxes (tofu): {shown}. Use chartkit.theme() (it adds a Korean font) or "
            "a font that has them.",
            FontWarning,
        )
    return chars
