"""Warning classes of chartkit.

Every warning chartkit emits is a `ChartkitWarning`, so users can filter them all at once
(``warnings.simplefilter("ignore", chartkit.errors.ChartkitWarning)``) or one kind at a time.
Errors on bad arguments are plain `ValueError`/`TypeError`/`KeyError` with chartkit's message
template (see `chartkit._validate`).
"""

from __future__ import annotations

__all__ = [
    "ChartkitWarning",
    "ColorWarning",
    "DataWarning",
    "FontWarning",
    "LayoutWarning",
]


class ChartkitWarning(UserWarning):
    """Base class of every warning chartkit emits."""


class FontWarning(ChartkitWarning):
    """A font problem: a missing glyph, a fallback taken, a font that could not be loaded."""


class DataWarning(ChartkitWarning):
    """Input data were skipped, deduplicated or truncated; the message counts how many."""


class ColorWarning(ChartkitWarning):
    """A colour choice that fails a colour-vision or contrast check."""


class LayoutWarning(ChartkitWarning):
    """Text or panels that could not be placed without overlap."""
