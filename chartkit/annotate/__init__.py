"""Text layers: fonts (Hangul without setup) and, later, titles, labels and placement."""

from chartkit.annotate.fonts import (
    HANGUL_FAMILIES,
    bundled_font_paths,
    covers,
    font_family,
    korean_font,
    register_bundled_fonts,
)

__all__ = [
    "HANGUL_FAMILIES",
    "bundled_font_paths",
    "covers",
    "font_family",
    "korean_font",
    "register_bundled_fonts",
]
