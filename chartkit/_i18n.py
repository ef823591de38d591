"""One message catalogue for every text chartkit writes into a chart or report.

Titles, axis labels, legend entries, notes and the ``plot-logs`` report page take their
words from `CATALOGUE`, in English (``"en"``) or Korean (``"ko"``), chosen by the ``lang=``
argument of the function that draws them (``--lang`` in the CLI). Data (metric, run, trial
and parameter names) is never translated.

Keys are grouped by the module that uses them (``"curves.note.nan"``); each entry maps every
language of `LANGS` to a `str.format` template. ``tests/test_i18n.py`` checks that every key
has every language and that both templates take the same fields.

Only the standard library is imported here.
"""

from __future__ import annotations

import string
from typing import Any, Literal

__all__ = ["CATALOGUE", "LANGS", "Lang", "check_lang", "fields_of", "join_title", "tr"]

Lang = Literal["en", "ko"]

#: Languages every entry of `CATALOGUE` has.
LANGS: tuple[str, ...] = ("en", "ko")

#: key -> {lang: template}. Add keys in the section of the module that uses them.
CATALOGUE: dict[str, dict[str, str]] = {
    # --- shared words -------------------------------------------------------------------
    "word.step": {"en": "step", "ko": "스텝"},
    "word.rank": {"en": "rank", "ko": "rank"},
    "word.trial": {"en": "trial", "ko": "시행"},
    "word.run": {"en": "run", "ko": "실행"},
    "word.value": {"en": "value", "ko": "값"},
    "word.time_s": {"en": "time (s)", "ko": "시간 (초)"},
    "word.wall_time": {"en": "wall time", "ko": "벽시계 시간"},
    "word.relative_time": {"en": "relative time", "ko": "상대 시간"},
    "word.no_data": {"en": "no data", "ko": "데이터 없음"},
    # --- report (chartkit.metrics.report) -----------------------------------------------
    # --- curves / ranks / throughput ----------------------------------------------------
    # --- gpu / probe / roles ------------------------------------------------------------
    # --- tuning (trials, rungs, parallel, importance, lineage) -------------------------
    # --- audit --------------------------------------------------------------------------
}


def check_lang(lang: Any) -> str:
    """Return *lang* when it is one of `LANGS`, else raise chartkit's `ValueError`."""
    from chartkit._validate import check_in_list

    check_in_list(LANGS, lang=lang)
    return lang


def fields_of(template: str) -> set[str]:
    """Names of the ``{fields}`` a template takes."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def tr(key: str, lang: str = "en", /, **fields: Any) -> str:
    """The text of *key* in *lang*, formatted with *fields*.

    Parameters
    ----------
    key : str
        A key of `CATALOGUE`.
    lang : {"en", "ko"}, default: "en"
    **fields
        Values for the template's ``{fields}`` (data such as metric names stay as given).

    Raises
    ------
    KeyError
        An unknown *key* (a bug in chartkit, with close matches named).
    ValueError
        An unknown *lang*.
    """
    check_lang(lang)
    try:
        entry = CATALOGUE[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, CATALOGUE, n=3)
        raise KeyError(f"no message {key!r} in chartkit's catalogue; close: {close}") from None
    return entry[lang].format(**fields)


def join_title(prefix: str | None, title: str) -> str:
    """Join a user's title prefix and a chart's own title without doubled punctuation.

    ``join_title("실험 A:", "처리량")`` gives ``"실험 A: 처리량"``; ``join_title("Run 3",
    "Throughput")`` gives ``"Run 3 — Throughput"``.
    """
    if not prefix:
        return title
    p = prefix.rstrip()
    if p and p[-1] in ":：—–-|·/,;":
        return f"{p} {title}"
    return f"{p} — {title}"
