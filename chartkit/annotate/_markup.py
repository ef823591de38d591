"""The rich-text markup: parsing only (standard library, no matplotlib).

Grammar::

    <b>bold</b>   <i>italic</i>   <big>larger</big>   <small>smaller</small>
    <{color=#d55e00, size=14, weight=bold}>styled</>      (``</>`` closes any tag)
    <loss>        the word "loss" drawn in the colour of the series labelled "loss"
    \\<  \\>  \\\\   a literal ``<``, ``>`` or backslash

A ``<`` followed by a space is literal too (``"a < b"``). Errors name the position in the
string and show it with a caret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chartkit._validate import invalid_value_message

__all__ = ["STYLE_KEYS", "TAGS", "Segment", "escape_data", "markup_error", "parse_markup"]

#: Named formatting tags and the text properties they set.
TAGS: dict[str, dict[str, object]] = {
    "b": {"weight": "bold"},
    "i": {"style": "italic"},
    "big": {"size_scale": 1.25},
    "small": {"size_scale": 0.8},
}

#: Keys accepted inside ``<{...}>`` and the text property each maps to.
STYLE_KEYS = {
    "color": "color",
    "c": "color",
    "size": "size",
    "fontsize": "size",
    "weight": "weight",
    "fontweight": "weight",
    "style": "style",
    "fontstyle": "style",
    "family": "family",
    "alpha": "alpha",
    "series": "series",
}


@dataclass(frozen=True)
class Segment:
    """A run of text with one set of properties.

    Attributes
    ----------
    text : str
        The characters drawn.
    props : dict
        Text properties (``color``, ``weight``, ``style``, ``size``, ``family``, ``alpha``,
        ``size_scale``, ``series``) accumulated from the enclosing tags.
    series : str or None
        Name of the series whose colour this segment takes (``<name>`` or ``series=``).
    start : int
        Position in the markup string where the segment's text (or tag) begins.
    color_at : int or None
        Position of the ``<{color=...}>`` tag that set the colour, if any.
    """

    text: str
    props: dict = field(default_factory=dict)
    series: str | None = None
    start: int = 0
    color_at: int | None = None


def markup_error(message: str, markup: str, pos: int) -> ValueError:
    """A `ValueError` quoting *markup* with a caret under position *pos*."""
    shown = markup.replace("\n", " ")
    return ValueError(f"{message} at position {pos} in markup:\n  {shown}\n  {' ' * pos}^")


def _parse_style(body: str, markup: str, pos: int) -> dict[str, object]:
    props: dict[str, object] = {}
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise markup_error(
                f"style item {item!r} is not key=value in tag '<{{{body}}}>'", markup, pos
            )
        if key not in STYLE_KEYS:
            raise markup_error(
                invalid_value_message(key, "a markup style key", sorted(STYLE_KEYS)).rstrip("."),
                markup,
                pos,
            )
        name = STYLE_KEYS[key]
        if name in ("size", "alpha"):
            try:
                props[name] = float(value)
                continue
            except ValueError:
                if name == "alpha":
                    raise markup_error(
                        f"alpha must be a number, not {value!r}", markup, pos
                    ) from None
        props[name] = value
    return props


def parse_markup(markup: str) -> list[Segment]:
    """Split rich-text *markup* into `Segment` runs.

    Parameters
    ----------
    markup : str
        Text with tags, see the module docstring.

    Returns
    -------
    list of Segment
        Adjacent runs; empty runs are dropped. A plain string gives one segment.

    Raises
    ------
    ValueError
        For an unknown tag name of the ``</x>`` form, a closing tag that matches nothing,
        a tag left open, an unterminated ``<`` or a bad ``<{key=value}>`` item; the message
        gives the position in the string and shows it with a caret.
    """
    if not isinstance(markup, str):
        raise TypeError(f"markup must be a str, not {type(markup).__name__}")
    segments: list[Segment] = []
    # Stack of (tag name, props after opening, position of the tag).
    stack: list[tuple[str, dict[str, object], int]] = []
    buf: list[str] = []
    buf_start = 0
    i, n = 0, len(markup)

    def current() -> dict[str, object]:
        return stack[-1][1] if stack else {}

    def flush() -> None:
        if buf:
            props = dict(current())
            series = props.pop("series", None)
            color_at = props.pop("_color_pos", None)
            segments.append(Segment("".join(buf), props, series, buf_start, color_at))
            buf.clear()

    while i < n:
        ch = markup[i]
        if ch == "\\" and i + 1 < n and markup[i + 1] in "<>\\":
            if not buf:
                buf_start = i
            buf.append(markup[i + 1])
            i += 2
            continue
        if ch != "<" or i + 1 >= n or markup[i + 1].isspace():
            if not buf:
                buf_start = i
            buf.append(ch)
            i += 1
            continue
        end = markup.find(">", i + 1)
        nxt = markup.find("<", i + 1)
        if end < 0 or (0 <= nxt < end):
            raise markup_error(
                "unterminated '<' (write '\\<' or '< ' for a literal one)", markup, i
            )
        body = markup[i + 1 : end]
        flush()
        if body.startswith("/"):
            name = body[1:].strip()
            if not stack:
                raise markup_error(f"closing tag '<{body}>' matches no open tag", markup, i)
            open_name, _, open_pos = stack[-1]
            if name and name != open_name:
                shown = "<{...}>" if open_name == "{}" else f"<{open_name}>"
                raise markup_error(
                    f"closing tag '<{body}>' does not match {shown} opened at position {open_pos}",
                    markup,
                    i,
                )
            stack.pop()
        elif body.startswith("{"):
            if not body.endswith("}"):
                raise markup_error(f"style tag '<{body}>' must end with '}}>'", markup, i)
            style = _parse_style(body[1:-1], markup, i)
            props = {**current(), **style}
            if "color" in style:
                props["_color_pos"] = i  # where a bad colour is reported
            if "size" in props:
                props.pop("size_scale", None)
            stack.append(("{}", props, i))
        elif body in TAGS:
            props = dict(current())
            for key, value in TAGS[body].items():
                if key == "size_scale":
                    props[key] = float(props.get(key, 1.0)) * float(value)  # type: ignore[arg-type]
                else:
                    props[key] = value
            stack.append((body, props, i))
        elif not body.strip():
            raise markup_error("empty tag '<>'", markup, i)
        else:
            # A series reference: its own name drawn in the series' colour.
            props = dict(current())
            props.pop("series", None)
            props.pop("_color_pos", None)
            segments.append(Segment(body, props, body, i))
        i = end + 1
        buf_start = i
    flush()
    if stack:
        name, _, pos = stack[-1]
        shown = "<{...}>" if name == "{}" else f"<{name}>"
        raise markup_error(f"tag {shown} is never closed", markup, pos)
    return segments


def plain_text(markup: str) -> str:
    """The characters *markup* draws, without its tags."""
    return "".join(seg.text for seg in parse_markup(markup))


def escape_data(text: object, *, markup: bool = False) -> str:
    r"""*text* (a metric, trial, run or parameter name) escaped to be drawn literally.

    Data names are not markup: a metric called ``cost$$`` or ``a\<b`` must appear as
    written, never as mathtext or chartkit rich text. Every ``$`` becomes ``\$``, which
    matplotlib draws as a plain dollar sign; with *markup* (a string that goes through
    chartkit's rich-text parser first: `chartkit.annotate.titles`, `rich_text`), backslashes,
    ``<`` and ``>`` are escaped for the parser as well.

    Parameters
    ----------
    text : object
        The name; non-strings are converted with `str`.
    markup : bool, default: False
        Also escape chartkit's rich-text markup.

    Returns
    -------
    str

    Examples
    --------
    >>> escape_data("cost$$")
    'cost\\$\\$'
    >>> escape_data("a<b>", markup=True)
    'a\\<b\\>'
    """
    s = str(text)
    if markup:
        s = s.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")
    return s.replace("$", "\\$")
