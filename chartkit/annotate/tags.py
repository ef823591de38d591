"""Panel tags: the one labeller behind `chartkit.annotate.abc` and ``mosaic(abc=...)``.

A style is a counter marker in any brackets or punctuation: the marker is one of ``a``
(a, b, ..., z, aa, ab), ``A``, ``1``, ``i`` (Roman i, ii, iii, iv), ``I``, ``가`` (가, 나,
다, ... 하: the 14 syllables of Korean list numbering) or ``ㄱ`` (ㄱ, ㄴ, ㄷ, ... ㅎ);
around it, anything without letters or digits: ``(a)``, ``a.``, ``a)``, ``[a]``, ``a:``,
``(가)``, ``ㄱ.``, ``[i]``...

Pure string work: no matplotlib here.
"""

from __future__ import annotations

from chartkit._validate import invalid_value_message

__all__ = ["TAG_MARKERS", "panel_tags"]

_HANGUL = "가나다라마바사아자차카타파하"
_JAMO = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ"

#: The counter markers a tag style may contain (exactly one of them).
TAG_MARKERS = ("a", "A", "1", "i", "I", "가", "ㄱ")

_EXPECTED = (
    "a counter marker a, A, 1, i, I, 가 or ㄱ, alone or in brackets/punctuation "
    "('(a)', 'a.', 'a)', '[a]', '(가)', 'ㄱ.', '(i)')"
)

_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _letters(k: int) -> str:
    out = ""
    while True:
        out = chr(ord("a") + k % 26) + out
        k = k // 26 - 1
        if k < 0:
            return out


def _roman(number: int) -> str:
    out = ""
    for value, digits in _ROMAN:
        count, number = divmod(number, value)
        out += digits * count
    return out


def _split(style: str, name: str) -> tuple[str, str, str]:
    """(prefix, marker, suffix) of a style, or raise naming it."""
    if isinstance(style, str):
        hits = [(i, ch) for i, ch in enumerate(style) if ch in TAG_MARKERS]
        others = [ch for ch in style if ch.isalnum() and ch not in TAG_MARKERS]
        if len(hits) == 1 and not others:
            i, marker = hits[0]
            return style[:i], marker, style[i + 1 :]
    raise ValueError(invalid_value_message(style, name, expected=_EXPECTED))


def _counter(marker: str, k: int) -> str | None:
    if marker == "a":
        return _letters(k)
    if marker == "A":
        return _letters(k).upper()
    if marker == "1":
        return str(k + 1)
    if marker in "iI":
        roman = _roman(k + 1)
        return roman if marker == "i" else roman.upper()
    seq = _HANGUL if marker == "가" else _JAMO
    return seq[k] if k < len(seq) else None


def panel_tags(n: int, style: str = "a", *, start: int = 0, name: str = "style") -> list[str]:
    """Tags for *n* panels in reading order.

    Parameters
    ----------
    n : int
        Number of panels.
    style : str, default: "a"
        A counter marker (``a``, ``A``, ``1``, ``i``, ``I``, ``가``, ``ㄱ``), alone or with
        brackets or punctuation around it: ``"(a)"``, ``"a."``, ``"a)"``, ``"[A]"``,
        ``"(1)"``, ``"i."``, ``"(가)"``, ``"ㄱ."``.
    start : int, default: 0
        Index of the first tag (``start=2`` begins at c).
    name : str, default: "style"
        The argument's name in messages (``mosaic`` calls it ``abc``).

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a style without exactly one marker (or with other letters or digits), or more
        panels than a Hangul style has tags (14).

    Examples
    --------
    >>> panel_tags(3, "(a)")
    ['(a)', '(b)', '(c)']
    >>> panel_tags(4, "i.")
    ['i.', 'ii.', 'iii.', 'iv.']
    >>> panel_tags(3, "(가)")
    ['(가)', '(나)', '(다)']
    """
    prefix, marker, suffix = _split(style, name)
    out = []
    for k in range(start, start + n):
        core = _counter(marker, k)
        if core is None:
            seq = _HANGUL if marker == "가" else _JAMO
            raise ValueError(
                invalid_value_message(
                    style,
                    name,
                    expected=f"a style with a tag for each of {start + n} panels: {marker!r} "
                    f"has {len(seq)} ({seq[0]}-{seq[-1]}); use 'a', '1' or 'i' for more",
                )
            )
        out.append(prefix + core + suffix)
    return out
