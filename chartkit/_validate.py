"""Argument validation with one message template.

Every check raises with the same shape of message, modelled on matplotlib's ``_api``::

    'notacolor' is not a valid value for color (entry 3); supported values are 'a', 'b'.
    Did you mean 'c'?

Only the standard library is imported here, so any module may use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "check_at_most",
    "check_exclusive",
    "check_in_list",
    "check_isinstance",
    "check_keys",
    "check_length",
    "check_nonempty",
    "check_positive",
    "check_refused",
    "check_shape",
    "invalid_value_message",
]

_MAX_LISTED = 30


def _quote(value: Any) -> str:
    return repr(value)


def invalid_value_message(
    value: Any,
    name: str,
    supported: Iterable[Any] | None = None,
    *,
    entry: int | None = None,
    expected: str | None = None,
    list_supported: bool = True,
) -> str:
    """Build the one message template used for every bad value.

    Parameters
    ----------
    value : object
        The offending value.
    name : str
        The argument (or setting) it was given for.
    supported : iterable, optional
        The values that would have been accepted; listed, and searched for close matches
        when *value* is a string.
    entry : int, optional
        Position of *value* inside a sequence argument.
    expected : str, optional
        Free-text description of what is accepted, used instead of the list when there is no
        finite list or when it is too long to print (*list_supported* false).
    list_supported : bool, default: True
        Whether to print *supported*; when false it is only searched for close matches.

    Returns
    -------
    str
    """
    where = name if entry is None else f"{name} (entry {entry})"
    msg = f"{_quote(value)} is not a valid value for {where}"
    if expected is not None:
        msg += f"; expected {expected}"
    if supported is not None:
        items = list(supported)
        if list_supported:
            shown = ", ".join(_quote(s) for s in items[:_MAX_LISTED])
            if len(items) > _MAX_LISTED:
                shown += f", ... ({len(items) - _MAX_LISTED} more)"
            msg += f"; supported values are {shown}"
        if isinstance(value, str):
            names = [s for s in items if isinstance(s, str)]
            close = difflib.get_close_matches(value, names, n=3, cutoff=0.6)
            if not close:
                lowered = {s.lower(): s for s in names}
                close = [
                    lowered[c]
                    for c in difflib.get_close_matches(
                        value.lower(), list(lowered), n=3, cutoff=0.6
                    )
                ]
            if close:
                msg += ". Did you mean " + " or ".join(_quote(c) for c in close) + "?"
                return msg
    return msg + "."


def check_in_list(
    supported: Iterable[Any] | Mapping[Any, Any],
    /,
    *,
    entry: int | None = None,
    **kwargs: Any,
) -> None:
    """Check that each keyword's value is one of *supported*.

    Parameters
    ----------
    supported : iterable or mapping
        Accepted values (a mapping's keys).
    entry : int, optional
        Position of the value inside a sequence argument, quoted in the message.
    **kwargs
        ``name=value`` pairs to check.

    Raises
    ------
    ValueError
        Naming the bad value, the supported ones and close matches.

    Examples
    --------
    >>> check_in_list(["panel", "plot"], align="panel")
    """
    values = list(supported)
    for name, value in kwargs.items():
        try:
            ok = value in values
        except TypeError:  # unhashable or uncomparable
            ok = False
        if not ok:
            raise ValueError(invalid_value_message(value, name, values, entry=entry))


def _type_name(tp: type | None) -> str:
    if tp is None or tp is type(None):
        return "None"
    return tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"


def check_isinstance(types: type | tuple[type | None, ...] | None, /, **kwargs: Any) -> None:
    """Check that each keyword's value is an instance of *types*.

    ``None`` inside *types* means ``None`` is accepted.

    Raises
    ------
    TypeError
        ``'x' must be an instance of int or float, not str``.
    """
    if not isinstance(types, tuple):
        types = (types,)
    real = tuple(type(None) if t is None else t for t in types)
    for name, value in kwargs.items():
        if not isinstance(value, real):
            names = [_type_name(t) for t in real]
            wanted = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            raise TypeError(
                f"{name!r} must be an instance of {wanted}, not {_type_name(type(value))}"
            )


def check_exclusive(*, hint: str | None = None, **kwargs: Any) -> None:
    """Refuse keyword pairs that were both given (not ``None``).

    Parameters
    ----------
    hint : str, optional
        What to do instead, appended after a colon.
    **kwargs
        ``name=value`` pairs of which at most one may be given.

    Raises
    ------
    ValueError
        One sentence per conflicting pair: ``cannot give both ax and figsize``.
    """
    given = [name for name, value in kwargs.items() if value is not None]
    if len(given) > 1:
        pairs = [
            f"cannot give both {a} and {b}" for i, a in enumerate(given) for b in given[i + 1 :]
        ]
        raise ValueError("; ".join(pairs) + (f": {hint}." if hint else "."))


def check_keys(
    mapping: Mapping[Any, Any], required: Iterable[Any], *, name: str, what: str = "levels"
) -> None:
    """Check that *mapping* has every required key, listing all the missing ones.

    Raises
    ------
    ValueError
        ``palette has no entry for 2 of 3 levels: 'b', 'c'; give one for every level (the
        dict has keys 'a').``
    """
    required = list(required)
    missing = [k for k in required if k not in mapping]
    if missing:
        shown = ", ".join(_quote(k) for k in missing[:_MAX_LISTED])
        if len(missing) > _MAX_LISTED:
            shown += f", ... ({len(missing) - _MAX_LISTED} more)"
        have = ", ".join(_quote(k) for k in list(mapping)[:_MAX_LISTED]) or "none"
        raise ValueError(
            f"{name} has no entry for {len(missing)} of {len(required)} {what}: {shown}; "
            f"give one for every {what.rstrip('s')} (the dict has keys {have})."
        )


def check_nonempty(value: Any, *, name: str, expected: str) -> None:
    """Refuse an empty sequence, string or mapping.

    Raises
    ------
    ValueError
        ``layout is empty; expected a mosaic such as 'AB;CC'.``
    """
    if value is not None and len(value) == 0:
        raise ValueError(f"{name} is empty; expected {expected}.")


def check_at_most(count: int, limit: int, *, name: str, hint: str) -> None:
    """Refuse a count over a stated limit, saying how to proceed.

    Raises
    ------
    ValueError
        ``5000 panels on one figure is more than the limit of 400; pass max_per_page=...``
    """
    if count > limit:
        raise ValueError(f"{count} {name} is more than the limit of {limit}; {hint}.")


def check_refused(
    kwargs: Mapping[str, Any],
    names: Iterable[str] | Mapping[str, str],
    *,
    func: str,
    reason: str | None = None,
    hint: str | None = None,
) -> None:
    """Refuse keywords that a function sets itself, saying why (never drop them silently).

    The one refusal of chartkit: every function raises the same exception (`TypeError`,
    as Python does for an unexpected keyword) with the same sentence.

    Parameters
    ----------
    kwargs : mapping
        The keywords the caller gave.
    names : iterable of str, or mapping name -> reason
        The refused keywords; a mapping gives each its own reason.
    func : str
        The refusing function's name.
    reason : str, optional
        Why the function sets them (when *names* is not a mapping).
    hint : str, optional
        What to do instead.

    Raises
    ------
    TypeError
        ``plot_curves sets 'color' itself (one colour and label per series); style the
        lines after drawing via ax.get_lines().``
    """
    reasons = names if isinstance(names, Mapping) else dict.fromkeys(names, reason)
    for key, why in reasons.items():
        if key in kwargs:
            msg = f"{func} sets {key!r} itself"
            if why:
                msg += f" ({why})"
            raise TypeError(msg + (f"; {hint}." if hint else "."))


def check_length(value: Any, n: int, *, name: str, per: str, got: str | None = None) -> None:
    """Check that *value* has one entry per item: the one shape message of chartkit.

    Parameters
    ----------
    value : sized or int
        The sequence (or its length).
    n : int
        The length it must have.
    name : str
        What *value* is (``"priority"``, ``"labels"``).
    per : str
        What each entry stands for (``"label"``, ``"bar"``).
    got : str, optional
        Noun for the entries in the message (default: "entries").

    Raises
    ------
    ValueError
        ``labels must have one entry per bar; got 1 entries for 2 bars.``
    """
    k = value if isinstance(value, int) else len(value)
    if k != n:
        noun = got or "entries"
        raise ValueError(f"{name} must have one entry per {per}; got {k} {noun} for {n} {per}s.")


def check_shape(shape: tuple[int, ...], expected: tuple[int, ...], *, name: str, of: str) -> None:
    """Check an array's shape against the one it must match.

    Raises
    ------
    ValueError
        ``data has shape (3,); expected (2, 2), the shape of the heatmap.``
    """
    if tuple(shape) != tuple(expected):
        raise ValueError(
            f"{name} has shape {tuple(shape)}; expected {tuple(expected)}, the shape of {of}."
        )


def check_positive(*, finite: bool = True, allow_none: bool = True, **kwargs: Any) -> None:
    """Check that each keyword is a positive (finite) number, or a tuple of them.

    Raises
    ------
    ValueError
        ``0 is not a valid value for height; expected a positive finite number.``
    """
    import math

    for name, value in kwargs.items():
        if value is None and allow_none:
            continue
        items = value if isinstance(value, tuple | list) else (value,)
        ok = len(items) > 0
        for v in items:
            try:
                ok = ok and not isinstance(v, bool) and float(v) > 0
                ok = ok and (not finite or math.isfinite(float(v)))
            except (TypeError, ValueError):
                ok = False
        if not ok:
            what = "positive finite numbers" if len(items) > 1 else "a positive finite number"
            raise ValueError(invalid_value_message(value, name, expected=what))
