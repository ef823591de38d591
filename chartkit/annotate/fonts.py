"""Fonts for Hangul without setup.

chartkit ships NanumGothic (regular and bold, SIL OFL 1.1, from Debian's ``fonts-nanum``),
which covers all 11,172 modern Hangul syllables. Nothing here runs at import: the bundled
files are added to matplotlib's font manager only when a theme asks for them, and the
family is always a *fallback list* (``["DejaVu Sans", "NanumGothic"]``) so Latin glyphs and
the U+2212 minus sign keep coming from the Latin font.

Mathtext (``$...$``) does not use the fallback list: put Hangul outside math.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from pathlib import Path
from typing import Literal

from chartkit._validate import invalid_value_message

__all__ = [
    "HANGUL_FAMILIES",
    "bundled_font_paths",
    "covers",
    "font_family",
    "korean_font",
    "register_bundled_fonts",
]

#: Family name of the bundled Korean font.
BUNDLED_FAMILY = "NanumGothic"
_BUNDLED_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")

#: Installed Korean families looked for, best first, before the bundled one is used.
HANGUL_FAMILIES = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans KR",
    "Pretendard",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "NanumGothic",
    "NanumBarunGothic",
    "UnDotum",
)

#: The Latin font put first in every fallback list: ships with matplotlib, so it is the
#: same everywhere, and has the U+2212 minus.
LATIN_FAMILY = "DejaVu Sans"

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3  # the 11,172 modern syllables


def bundled_font_paths() -> list[Path]:
    """Paths of the font files shipped in ``chartkit/fonts/``."""
    root = importlib.resources.files("chartkit") / "fonts"
    return [Path(os.fspath(root / name)) for name in _BUNDLED_FILES]


def register_bundled_fonts() -> None:
    """Add the bundled fonts to matplotlib's font manager (idempotent).

    This adds entries to ``matplotlib.font_manager.fontManager``; it is called by
    `chartkit.theme` and by importing ``chartkit.styles``, never by ``import chartkit``.
    """
    import dataclasses

    from matplotlib import font_manager

    fm = font_manager.fontManager
    known = {os.path.realpath(f.fname) for f in fm.ttflist}
    for path in bundled_font_paths():
        real = os.path.realpath(path)
        if real in known:
            continue
        fm.addfont(str(path))
        if path.name == "NanumGothicBold.ttf":
            # Its OS/2 table says weight 600 while its style name is "Bold"; as 600,
            # matplotlib logs "Failed to find font weight bold" on every bold title.
            fm.ttflist = [
                dataclasses.replace(f, weight=700) if os.path.realpath(f.fname) == real else f
                for f in fm.ttflist
            ]


@functools.lru_cache(maxsize=64)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    codes: set[int] = set()
    if path.lower().endswith((".ttc", ".otc")):
        with TTCollection(path, lazy=True) as collection:
            for font in collection.fonts:
                codes.update(font.getBestCmap() or {})
    else:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            codes.update(font.getBestCmap() or {})
    return frozenset(codes)


def covers(path: str | os.PathLike[str], text: str) -> set[str]:
    """Return the characters of *text* that the font file at *path* cannot draw.

    Uses the font's character map (fontTools); whitespace is ignored.

    Parameters
    ----------
    path : path-like
        A TrueType/OpenType font file (or collection: any member counts).
    text : str
        Characters to look up.

    Returns
    -------
    set of str
        The missing characters (empty when the font covers everything).
    """
    codes = _cmap(os.fspath(path))
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in codes}


def _covers_all_hangul(path: str) -> bool:
    codes = _cmap(path)
    return all(c in codes for c in range(_HANGUL_FIRST, _HANGUL_LAST + 1))


def _installed_korean_family() -> str | None:
    """First family of `HANGUL_FAMILIES` installed on the system covering all syllables."""
    from matplotlib import font_manager

    bundled = {os.path.realpath(p) for p in bundled_font_paths()}
    by_name: dict[str, list[str]] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, []).append(entry.fname)
    for family in HANGUL_FAMILIES:
        for fname in by_name.get(family, ()):
            if os.path.realpath(fname) in bundled:
                continue
            try:
                if _covers_all_hangul(fname):
                    return family
            except Exception:  # an unreadable system font is simply not a candidate
                continue
    return None


KoreanFont = Literal["auto", "bundled", "system"]


def korean_font(which: str = "auto") -> str:
    """Name the Korean family to use, registering the bundled font when needed.

    Parameters
    ----------
    which : {"auto", "bundled", "system"} or str, default: "auto"
        ``"auto"``: an installed Korean font covering every syllable if there is one, else
        the bundled NanumGothic. ``"bundled"``: always the bundled font (what image tests
        want: the same pixels on every machine). ``"system"``: an installed font or a
        `ValueError`. Any other string is taken as a family name and must be known to
        matplotlib's font manager.

    Returns
    -------
    str
        A family name.
    """
    if which in ("auto", "system"):
        found = _installed_korean_family()
        if found is not None:
            return found
        if which == "system":
            raise ValueError(
                invalid_value_message(
                    which,
                    "korean_font",
                    expected="'bundled' or 'auto' here: no installed Korean font covering "
                    f"all 11,172 Hangul syllables was found (looked for "
                    f"{', '.join(HANGUL_FAMILIES)})",
                )
            )
    if which in ("auto", "bundled"):
        register_bundled_fonts()
        return BUNDLED_FAMILY
    from matplotlib import font_manager

    register_bundled_fonts()
    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    if which not in names:
        raise ValueError(
            invalid_value_message(which, "korean_font", ["auto", "bundled", "system", *names])
        )
    return which


def font_family(korean: str = "auto", latin: str = LATIN_FAMILY) -> list[str]:
    """The fallback family list chartkit themes use: Latin font first, Korean second.

    Parameters
    ----------
    korean : str, default: "auto"
        Passed to `korean_font`.
    latin : str, default: "DejaVu Sans"
        The font that draws Latin letters, digits and the minus sign.

    Returns
    -------
    list of str
    """
    family = korean_font(korean)
    return [latin] if family == latin else [latin, family]
