"""Warning classes of chartkit.

Every warning chartkit emits is a `ChartkitWarning`, so users can filter them all at once
(``warnings.simplefilter("ignore", chartkit.errors.ChartkitWarning)``) or one kind at a time.
Errors on bad arguments are plain `ValueError`/`TypeError`/`KeyError` with chartkit's message
template (see `chartkit._validate`).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = [
    "ChartkitWarning",
    "ColorWarning",
    "ColumnNotFoundError",
    "DataWarning",
    "FontWarning",
    "LayoutWarning",
    "LogFormatError",
    "warn_external",
]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


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


class ColumnNotFoundError(KeyError):
    """A column or metric that is not in the data; the message lists what is.

    The one such error of chartkit (facets, metrics readers and plots raise it). A `KeyError`
    whose ``str()`` is the plain message, not its repr.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class LogFormatError(ValueError):
    """A file that is not a log of the format asked for, or whose values cannot be kept as
    they are (a JSON array given as JSON lines, fractional steps); the message names the file
    and what to do. A `ValueError`.
    """


def warn_external(message: str, category: type[Warning] = ChartkitWarning) -> None:
    """Warn with the location of the first caller outside chartkit (the user's line).

    The idea of matplotlib's ``_api.warn_external``: a warning raised deep inside chartkit
    (``chartkit.metrics.read`` -> a reader -> ``LogInfo.warn``) points at the line of the
    user's script that called chartkit, not at chartkit's own code. Frames of chartkit's
    package and of Python's ``warnings``/``contextlib`` machinery are skipped.

    Parameters
    ----------
    message : str
    category : type of Warning, default: `ChartkitWarning`
    """
    frame = sys._getframe(1)
    stacklevel = 1
    while frame is not None:
        fname = str(Path(frame.f_code.co_filename).resolve()) if frame.f_code.co_filename else ""
        inside = fname.startswith(_PACKAGE_DIR) and not fname.startswith(
            str(Path(_PACKAGE_DIR) / "_gallery_src")
        )
        if not inside and not fname.endswith(("contextlib.py", "warnings.py")):
            break
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel + 1)
