"""Rich text: coloured, bold and sized runs inside one title, subtitle or annotation.

``"<loss> falls below <val_loss>"`` draws the words *loss* and *val_loss* in the colours of
the series labelled so; ``"<b>bold</b>"``, ``"<i>italic</i>"``, ``"<big>..</big>"``,
``"<small>..</small>"`` and ``"<{color=#d55e00, size=14, weight=bold}>..</>"`` style runs.
The markup is parsed once; a `RichText` artist lays its runs out when it is drawn (or when
a layout engine asks for its extent), so it needs no extra ``canvas.draw()`` and stays right
when limits, figure size or dpi change.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib import cbook
from matplotlib import colors as mcolors
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform

from chartkit._validate import check_in_list, check_refused, invalid_value_message
from chartkit.annotate._markup import Segment, markup_error, parse_markup, plain_text
from chartkit.annotate.contrast import series_text_color

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase
    from matplotlib.transforms import Transform

__all__ = ["RichText", "parse_markup", "plain_text", "rich_text", "series_colors"]

try:  # the cache matplotlib itself uses for text extents
    from matplotlib.text import _get_text_metrics_with_cache as _metrics
except ImportError:  # pragma: no cover - older/newer matplotlib

    def _metrics(renderer, text, fontprop, ismath, dpi):
        return renderer.get_text_width_height_descent(text, fontprop, ismath)


# Text property aliases a markup key replaces (matplotlib refuses both spellings at once).
_ALIASES = {
    "size": ("fontsize", "size"),
    "weight": ("fontweight", "weight"),
    "style": ("fontstyle", "style"),
    "family": ("fontfamily", "family"),
    "color": ("c", "color"),
}

_HA = ("left", "center", "right")
_VA = ("top", "center", "baseline", "bottom")


def _artist_color(artist: Any) -> Any:
    """The colour a legend would show for *artist* (line, collection, patch, container)."""
    if hasattr(artist, "patches") and artist.patches:  # BarContainer and friends
        artist = artist.patches[0]
    elif hasattr(artist, "lines") and isinstance(artist.lines, tuple) and artist.lines:
        artist = artist.lines[0]  # ErrorbarContainer: (data line, caplines, barlines)
    if hasattr(artist, "get_color") and not hasattr(artist, "get_facecolor"):
        return artist.get_color()
    if hasattr(artist, "get_facecolor"):
        fc = np.atleast_2d(mcolors.to_rgba_array(artist.get_facecolor()))
        if len(fc) and fc[0, 3] > 0:
            return tuple(fc[0])
        if hasattr(artist, "get_edgecolor"):
            ec = np.atleast_2d(mcolors.to_rgba_array(artist.get_edgecolor()))
            if len(ec):
                return tuple(ec[0])
    if hasattr(artist, "get_color"):
        return artist.get_color()
    return None


def series_colors(scope: Axes | FigureBase) -> dict[str, Any]:
    """Map each labelled series in *scope* (an Axes, or every Axes of a figure) to its colour.

    Labels starting with ``_`` (matplotlib's "no legend" labels) are skipped; the first
    artist with a label wins.

    Parameters
    ----------
    scope : matplotlib.axes.Axes or matplotlib.figure.Figure

    Returns
    -------
    dict
        ``{label: colour}``.
    """
    axes = scope.axes if hasattr(scope, "get_axes") and not hasattr(scope, "xaxis") else [scope]
    out: dict[str, Any] = {}
    for ax in axes:
        for artist in [*ax.containers, *ax.get_children()]:
            label = artist.get_label() if hasattr(artist, "get_label") else None
            if not isinstance(label, str) or not label or label[0] == "_" or label in out:
                continue
            color = _artist_color(artist)
            if color is not None:
                out[label] = color
    return out


def _resolve(
    segments: list[Segment],
    markup: str,
    colors: Mapping[str, Any] | None,
    scope: Axes | FigureBase | None,
) -> list[tuple[str, dict[str, Any]]]:
    """Turn parsed segments into ``(text, Text kwargs)`` with series colours looked up."""
    known: dict[str, Any] | None = None
    runs: list[tuple[str, dict[str, Any]]] = []
    for seg in segments:
        props = dict(seg.props)
        color_pos = seg.start if seg.color_at is None else seg.color_at
        if seg.series is not None:
            if colors is not None and seg.series in colors:
                props["color"] = colors[seg.series]
            else:
                if known is None:
                    known = series_colors(scope) if scope is not None else {}
                if seg.series not in known:
                    names = sorted({*known, *(colors or {})})
                    detail = (
                        "; labelled series are " + ", ".join(repr(s) for s in names)
                        if names
                        else "; no labelled series was found (plot first, or pass colors=)"
                    )
                    raise markup_error(
                        f"unknown markup tag '<{seg.series}>': not a tag (b, i, big, small, "
                        "{...}) and not a series name" + detail,
                        markup,
                        seg.start,
                    )
                # Series names read as text: the series colour darkened to WCAG contrast
                # (the one helper), as label_lines does; colors= is taken as given.
                props["color"] = series_text_color(known[seg.series], scope)
        color = props.get("color")
        if color is not None and not mcolors.is_color_like(color):
            raise markup_error(
                invalid_value_message(color, "color in markup").rstrip("."), markup, color_pos
            )
        runs.append((seg.text, props))
    return runs


class RichText(Artist):
    """Text made of differently styled runs, laid out at draw time.

    Normally made by `rich_text` or `chartkit.annotate.titles`. Runs sit on a common
    baseline; ``\\n`` starts a new line; with *max_width* lines wrap at spaces.

    Parameters
    ----------
    x, y : float
        Anchor, in *transform* coordinates.
    markup : str
        Rich-text markup (see `chartkit.annotate.richtext`).
    ha : {"left", "center", "right"}, default: "left"
    va : {"top", "center", "baseline", "bottom"}, default: "baseline"
    transform : matplotlib.transforms.Transform, optional
        Default: display coordinates (pixels).
    max_width : float, optional
        Wrap lines longer than this many points.
    linespacing : float, default: 1.2
    colors : dict, optional
        ``{name: colour}`` used for ``<name>`` before looking up labelled series.
    scope : Axes or Figure, optional
        Where ``<name>`` series are looked up.
    **text_kws
        Base properties of every run, passed to `matplotlib.text.Text`.
    """

    zorder = 3

    def __init__(
        self,
        x: float,
        y: float,
        markup: str,
        *,
        ha: Literal["left", "center", "right"] = "left",
        va: Literal["top", "center", "baseline", "bottom"] = "baseline",
        transform: Transform | None = None,
        max_width: float | None = None,
        linespacing: float = 1.2,
        colors: Mapping[str, Any] | None = None,
        scope: Axes | FigureBase | None = None,
        **text_kws: Any,
    ) -> None:
        super().__init__()
        check_in_list(_HA, ha=ha)
        check_in_list(_VA, va=va)
        check_refused(
            text_kws,
            ("horizontalalignment", "verticalalignment", "transform"),
            func="RichText",
            reason="on its runs",
            hint="pass ha=, va= or transform= as RichText's own arguments",
        )
        self._xy = (x, y)
        self.ha, self.va = ha, va
        self.max_width = max_width
        self.linespacing = linespacing
        self.markup = markup
        self._text_kws = text_kws
        self._runs = _resolve(parse_markup(markup), markup, colors, scope)
        self._base = Text(0, 0, "", **text_kws)
        self._run_texts = [self._make_text(text, props) for text, props in self._runs]
        self._pieces: dict[tuple[int, str], Text] = {}
        # Text extents by (dpi, run Text, string): measured once, reused by every layout
        # pass (constrained layout asks twice, then the draw).
        self._mcache: dict[tuple[float, int, str], tuple[float, float, float]] = {}
        self._placed: list[Text] = []
        self.set_transform(IdentityTransform() if transform is None else transform)
        self.set_clip_on(False)

    # -- text objects -------------------------------------------------------------------
    def _make_text(self, text: str, props: Mapping[str, Any]) -> Text:
        kws = dict(self._text_kws)
        scale = props.get("size_scale")
        for key, value in props.items():
            if key != "size_scale":
                for alias in _ALIASES.get(key, ()):  # a run's "weight" beats a base "fontweight"
                    kws.pop(alias, None)
                kws[key] = value
        t = Text(0, 0, text, **kws)
        if scale is not None and "size" not in props:
            t.set_fontsize(self._base.get_fontsize() * float(scale))
        t.set_ha("left")
        t.set_va("baseline")
        t.set_transform(IdentityTransform())
        t.set_clip_on(False)
        return t

    def _piece(self, run: int, text: str) -> Text:
        if text == self._runs[run][0]:
            return self._run_texts[run]
        key = (run, text)
        t = self._pieces.get(key)
        if t is None:
            t = Text(0, 0, text)
            t.update_from(self._run_texts[run])
            t.set_ha("left")
            t.set_va("baseline")
            t.set_transform(IdentityTransform())
            t.set_clip_on(False)
            fig = self.get_figure(root=False)
            if fig is not None:
                t.set_figure(fig)
            self._pieces[key] = t
        return t

    @property
    def text(self) -> str:
        """The characters drawn, without markup."""
        return "".join(text for text, _ in self._runs)

    def get_text(self) -> str:
        return self.text

    def get_children(self) -> list[Artist]:
        # After a draw: the pieces as placed (wrapped lines); before: one Text per run.
        return list(self._placed) if self._placed else list(self._run_texts)

    def set_figure(self, fig: Any) -> None:
        super().set_figure(fig)
        for t in (self._base, *self._run_texts, *self._pieces.values()):
            t.set_figure(fig)

    def set_position(self, xy: tuple[float, float]) -> None:
        self._xy = tuple(xy)
        self.stale = True

    def get_position(self) -> tuple[float, float]:
        return self._xy

    def update_style(self, **text_kws: Any) -> None:
        """Change base text properties of every run (runs keep their own overrides)."""
        self._text_kws.update(text_kws)
        self._base.update(text_kws)
        self._run_texts = [self._make_text(text, props) for text, props in self._runs]
        self._pieces.clear()
        self._mcache.clear()
        if self.get_figure(root=False) is not None:
            self.set_figure(self.get_figure(root=False))
        self.stale = True

    # -- layout ----------------------------------------------------------------------------
    def _measure(self, renderer: Any, text: Text, s: str) -> tuple[float, float, float]:
        dpi = renderer.points_to_pixels(72)
        key = (dpi, id(text), s)
        hit = self._mcache.get(key)
        if hit is not None:
            return hit
        prop: FontProperties = text.get_fontproperties()
        ismath: Any = cbook.is_math_text(s)
        if ismath and text.get_usetex():
            ismath = "TeX"
        out = _metrics(renderer, s, prop, ismath, dpi)
        if len(self._mcache) > 4096:
            self._mcache.clear()
        self._mcache[key] = out
        return out

    def _line_metrics(self, renderer: Any, text: Text) -> tuple[float, float]:
        """Ascent and descent of a line of *text*'s font (matplotlib's "lp" convention)."""
        _, h, d = self._measure(renderer, text, "lp")
        return h - d, d

    def _lines(self, renderer: Any, max_px: float | None) -> list[list[tuple[int, str, float]]]:
        """Runs split into lines of ``(run index, text, width px)``, wrapped to *max_px*."""
        lines: list[list[tuple[int, str, float]]] = [[]]
        for k, (text, _) in enumerate(self._runs):
            parts = text.split("\n")
            for j, part in enumerate(parts):
                if j:
                    lines.append([])
                if part:
                    w = self._measure(renderer, self._run_texts[k], part)[0]
                    lines[-1].append((k, part, w))
        if max_px is None or max_px <= 0:
            return lines
        out: list[list[tuple[int, str, float]]] = []
        for line in lines:
            if sum(w for _, _, w in line) <= max_px:
                out.append(line)
                continue
            out.extend(self._wrap(renderer, line, max_px))
        return out

    def _wrap(self, renderer: Any, line: list[tuple[int, str, float]], max_px: float):
        words: list[tuple[int, str]] = []  # (run, word with its trailing spaces)
        for k, part, _ in line:
            if cbook.is_math_text(part):
                words.append((k, part))
                continue
            start = 0
            for idx, ch in enumerate(part):
                if ch == " " and (idx + 1 == len(part) or part[idx + 1] != " "):
                    words.append((k, part[start : idx + 1]))
                    start = idx + 1
            if start < len(part):
                words.append((k, part[start:]))
        out: list[list[tuple[int, str, float]]] = [[]]
        width = 0.0
        for k, word in words:
            w = self._measure(renderer, self._run_texts[k], word)[0]
            trimmed = word.rstrip(" ")
            wt = self._measure(renderer, self._run_texts[k], trimmed)[0] if trimmed else 0
            if out[-1] and width + wt > max_px:
                out.append([])
                width = 0.0
            out[-1].append((k, word, w))
            width += w
        # Merge adjacent words of one run back into single pieces (fewer Text draws).
        merged: list[list[tuple[int, str, float]]] = []
        for ln in out:
            m: list[tuple[int, str, float]] = []
            for k, s, w in ln:
                if m and m[-1][0] == k:
                    s2 = m[-1][1] + s
                    m[-1] = (k, s2, m[-1][2] + w)
                else:
                    m.append((k, s, w))
            if m:  # drop trailing spaces of the line's last piece
                k, s, _ = m[-1]
                s = s.rstrip(" ")
                m[-1] = (k, s, self._measure(renderer, self._run_texts[k], s)[0] if s else 0)
            merged.append(m)
        return merged

    def _layout(self, renderer: Any) -> tuple[list[tuple[Text, float, float]], Bbox]:
        """Pieces with display positions, and the bounding box, for this renderer."""
        x, y = self.get_transform().transform(self._xy)
        max_px = None
        if self.max_width is not None:
            max_px = renderer.points_to_pixels(self.max_width)
        lines = self._lines(renderer, max_px)
        metrics = []
        for line in lines:
            texts = [self._run_texts[k] for k, _, _ in line] or [self._base]
            ad = [self._line_metrics(renderer, t) for t in texts]
            asc = max(a for a, _ in ad)
            desc = max(d for _, d in ad)
            metrics.append((sum(w for _, _, w in line), asc, desc))
        # Baseline offsets (downwards positive) from the first baseline.
        offsets = [0.0]
        for (_, _, d0), (_, a1, _) in itertools.pairwise(metrics):
            gap = (d0 + a1) * self.linespacing
            offsets.append(offsets[-1] + gap)
        top = metrics[0][1]
        bottom = offsets[-1] + metrics[-1][2]
        width = max(m[0] for m in metrics)
        if self.va == "top":
            base0 = y - top
        elif self.va == "bottom":
            base0 = y + bottom
        elif self.va == "center":
            base0 = y - top + (top + bottom) / 2
        else:
            base0 = y
        x0 = {"left": x, "center": x - width / 2, "right": x - width}[self.ha]
        placed = []
        for line, (lw, _, _), off in zip(lines, metrics, offsets, strict=True):
            lx = {"left": x0, "center": x0 + (width - lw) / 2, "right": x0 + width - lw}[self.ha]
            for k, s, w in line:
                placed.append((self._piece(k, s), lx, base0 - off))
                lx += w
        bbox = Bbox.from_extents(x0, base0 - bottom, x0 + width, base0 + top)
        return placed, bbox

    def get_window_extent(self, renderer: Any = None) -> Bbox:
        if renderer is None:
            renderer = self.get_figure(root=True)._get_renderer()
        if not self.get_visible() or not self._runs:
            x, y = self.get_transform().transform(self._xy)
            return Bbox.from_bounds(x, y, 0, 0)
        return self._layout(renderer)[1]

    def get_tightbbox(self, renderer: Any = None) -> Bbox:
        return self.get_window_extent(renderer)

    @allow_rasterization
    def draw(self, renderer: Any) -> None:
        if not self.get_visible() or not self._runs:
            return
        placed, _ = self._layout(renderer)
        renderer.open_group("richtext", gid=self.get_gid())
        self._placed = [text for text, _, _ in placed]
        for text, px, py in placed:
            text.set_position((px, py))
            text.set_alpha(text.get_alpha() if self.get_alpha() is None else self.get_alpha())
            text.draw(renderer)
        renderer.close_group("richtext")
        self.stale = False


def rich_text(
    target: Axes | FigureBase,
    x: float,
    y: float,
    markup: str,
    *,
    ha: Literal["left", "center", "right"] = "left",
    va: Literal["top", "center", "baseline", "bottom"] = "baseline",
    transform: Transform | None = None,
    max_width: float | None = None,
    colors: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> RichText:
    """Add rich-text markup to an Axes or a Figure.

    Parameters
    ----------
    target : matplotlib.axes.Axes or matplotlib.figure.Figure
        Where the text goes; ``<name>`` looks up series labelled *name* there.
    x, y : float
        Anchor position in *transform* coordinates.
    markup : str
        ``"<loss> falls below <val_loss>"``, ``"<b>bold</b>"``,
        ``"<{color=#d55e00, size=14}>styled</>"``, ``"<big>..</big>"``, ``"<small>..</small>"``.
    ha : {"left", "center", "right"}, default: "left"
    va : {"top", "center", "baseline", "bottom"}, default: "baseline"
    transform : matplotlib.transforms.Transform, optional
        Default: ``ax.transData`` on an Axes, ``fig.transSubfigure`` on a figure.
    max_width : float, optional
        Wrap at spaces beyond this width, in points.
    colors : dict, optional
        ``{name: colour}`` for ``<name>`` runs; looked up before the labelled series.
    **kwargs
        Base text properties of every run, passed to `matplotlib.text.Text`.

    Returns
    -------
    RichText
        The artist, already added to *target*.

    Raises
    ------
    ValueError
        On unknown tags or series names and unbalanced markup, naming the position.

    Examples
    --------
    >>> ax.plot(x, loss, label="loss"); ax.plot(x, val, label="val_loss")
    >>> rich_text(ax, 0.5, 0.9, "<loss> falls below <val_loss>", transform=ax.transAxes)
    """
    is_axes = hasattr(target, "xaxis")
    if transform is None:
        transform = target.transData if is_axes else target.transSubfigure
    artist = RichText(
        x,
        y,
        markup,
        ha=ha,
        va=va,
        transform=transform,
        max_width=max_width,
        colors=colors,
        scope=target,
        **kwargs,
    )
    target.add_artist(artist)
    artist.set_clip_on(False)
    artist.set_figure(target.get_figure(root=False))
    return artist
