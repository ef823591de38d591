"""Themes: chartkit's styles applied in a context, never globally.

The styles live as ``.mplstyle`` files in ``chartkit/styles/`` (so ``plt.style.use
("chartkit.styles.paper")`` works too); `theme` reads the same files and applies them with
`matplotlib.rc_context`, replacing the Korean part of the font fallback list by an installed
Korean font when there is one.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import itertools
import logging
import os
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl

from chartkit._validate import check_in_list, invalid_value_message

__all__ = ["available_themes", "rc_params", "theme"]


def _styles_dir() -> importlib.resources.abc.Traversable:
    return importlib.resources.files("chartkit") / "styles"


def available_themes() -> list[str]:
    """Names of the themes chartkit ships, sorted."""
    return sorted(
        p.name.removesuffix(".mplstyle")
        for p in _styles_dir().iterdir()
        if p.name.endswith(".mplstyle")
    )


def _key_candidates(key: str) -> Iterator[str]:
    parts = key.split("_")
    for seps in itertools.product("._", repeat=len(parts) - 1):
        yield parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True))


def _rc_key(key: str) -> str:
    """Map an override keyword (``font_size`` or ``"font.size"``) to an rcParams key."""
    if key in mpl.rcParams:
        return key
    matches = [c for c in _key_candidates(key) if c in mpl.rcParams]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        shown = " or ".join(repr(m) for m in matches)
        raise ValueError(
            invalid_value_message(
                key,
                "a theme override",
                expected=f"one rcParams key; it could be {shown}: pass the dotted name, "
                f'e.g. theme(**{{"{matches[0]}": ...}})',
            )
        )
    raise ValueError(
        invalid_value_message(
            key,
            "a theme override",
            list(mpl.rcParams),
            expected="an rcParams key, dotted or with underscores for dots",
            list_supported=False,
        )
    )


def rc_params(name: str = "default", *, korean_font: str = "auto", **overrides: Any) -> dict:
    """The rcParams a theme sets, as a plain dict.

    Parameters
    ----------
    name : str, default: "default"
        One of `available_themes`.
    korean_font : str, default: "auto"
        Which Korean font follows the Latin one in ``font.family``; see
        `chartkit.annotate.fonts.korean_font`. ``"bundled"`` gives identical pixels on every
        machine (what image tests want).
    **overrides
        rcParams to change on top of the theme, by dotted name (``**{"axes.grid": False}``)
        or with underscores for dots (``font_size=9``).

    Returns
    -------
    dict
        Suitable for `matplotlib.rc_context` or pytest-mpl's ``style=``.

    Raises
    ------
    ValueError
        For an unknown theme name or override key (with the valid ones or close matches).
    """
    check_in_list(available_themes(), name=name)
    from chartkit.annotate.fonts import font_family

    path = _styles_dir() / f"{name}.mplstyle"
    with importlib.resources.as_file(path) as real:
        params = dict(mpl.rc_params_from_file(os.fspath(real), use_default_template=False))
    params["font.family"] = font_family(korean_font)
    for key, value in overrides.items():
        params[_rc_key(key)] = value
    return params


def theme(name: str = "default", *, korean_font: str = "auto", **overrides: Any):
    """Apply a chartkit theme inside a ``with`` block (or as a decorator).

    Everything is restored on exit; nothing global changes. Save figures inside the block:
    some settings (the minus sign, savefig defaults) are read when the figure is drawn.

    Parameters
    ----------
    name : str, default: "default"
        One of `available_themes`: ``"default"`` (clean, for screens) or ``"paper"``
        (single-column article figures).
    korean_font : str, default: "auto"
        ``"auto"``: an installed Korean font if one covers all Hangul syllables, else the
        bundled NanumGothic; ``"bundled"``: always the bundled one; or a family name.
    **overrides
        rcParams set on top of the theme, dotted (``**{"font.size": 9}``) or with
        underscores (``font_size=9``).

    Returns
    -------
    contextlib.AbstractContextManager
        A `matplotlib.rc_context` holding the theme. Inside it, fontTools' notes that it
        drops the bundled font's ``TSI*`` tables (VTT hinting sources, useless in a PDF)
        when subsetting it for a PDF/PS are silenced; nothing else is.

    See Also
    --------
    rc_params : the same settings as a dict.

    Examples
    --------
    >>> import chartkit
    >>> with chartkit.theme("paper", font_size=9):
    ...     fig, ax = plt.subplots()
    ...     ax.set_title("손실 곡선 (loss)")
    ...     fig.savefig("loss.pdf")
    """
    return _themed(rc_params(name, korean_font=korean_font, **overrides))


class _DropHintingSourceNotes(logging.Filter):
    """Drop fontTools' "TSI0 NOT subset; ... dropped" records (VTT hinting sources)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            isinstance(record.msg, str)
            and record.msg.startswith("%s NOT subset")
            and record.args
            and str(record.args[0]).startswith("TSI")
        )


@contextlib.contextmanager
def _themed(params: dict) -> Iterator[None]:
    """`matplotlib.rc_context` plus the scoped fontTools filter (removed on exit)."""
    subset_log = logging.getLogger("fontTools.subset")
    quiet = _DropHintingSourceNotes()
    with mpl.rc_context(params):
        subset_log.addFilter(quiet)
        try:
            yield
        finally:
            subset_log.removeFilter(quiet)
