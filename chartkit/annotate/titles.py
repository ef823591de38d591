"""Title stacks (title, subtitle, caption, source, tag) whose space the layout reserves.

`titles` puts a stack above and below an Axes or a whole figure; `abc` tags panels
``a``, ``(a)``, ``A.`` or ``가``. Every text is a `~chartkit.annotate.richtext.RichText`, so
the markup of `chartkit.annotate.rich_text` works in all of them.

How the space is reserved:

* **Axes level**: the stack is an artist of the Axes that reports its extent to
  ``Axes.get_tightbbox``, so constrained layout (and ``tight_layout``) make room for it like
  for an axes title.
* **Figure level**: the upper part of the stack takes the figure's *suptitle* slot and the
  lower part the *supxlabel* slot, which constrained layout reserves margins for. On a figure
  without a layout engine, a draw-time layout (`chartkit._layout.DrawTimeLayout`, not an
  engine: ``savefig`` still draws once) lowers ``subplotpars.top`` and raises
  ``subplotpars.bottom`` just enough; with ``tight_layout`` the stack sets its *rect*.

Positions are computed when the figure is drawn (or when the layout engine asks for extents),
from text extents measured with the renderer of that draw: they stay right when limits, size,
dpi or fonts change, and cost no extra draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
import numpy as np
from matplotlib import cbook
from matplotlib import colors as mcolors
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from chartkit._layout import HeaderHost
from chartkit._validate import check_in_list, invalid_value_message
from chartkit.annotate._title_layout import _PAD, panel_extents, reserve_figure_space
from chartkit.annotate.richtext import RichText

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

__all__ = ["TitleStack", "abc", "titles"]

_SLOTS = ("title", "subtitle", "caption", "source", "tag")
_ALIGN = ("panel", "plot")
_ABC_STYLES = ("a", "(a)", "A.", "A", "(A)", "a)", "가", "(가)")

# Gaps in points.
_GAP = 2.0  # between two texts of the stack
_TAG_GAP = 6.0  # between the tag and the title


def _default_style(slot: str, figure_level: bool) -> dict[str, Any]:
    rc = mpl.rcParams
    base = float(mpl.font_manager.FontProperties(size=rc["font.size"]).get_size_in_points())
    if slot in ("title", "tag"):
        key = "figure.titlesize" if figure_level else "axes.titlesize"
        wkey = "figure.titleweight" if figure_level else "axes.titleweight"
        size = mpl.font_manager.FontProperties(size=rc[key]).get_size_in_points()
        return {"fontsize": size, "fontweight": rc[wkey] if slot == "title" else "bold"}
    # Secondary texts: the text colour moved towards the background, never below 4.5:1
    # on a white or black figure (#404040, #4d4d4d, #666666 for black on white).
    fg = np.array(mcolors.to_rgb(rc["text.color"]))
    face = mcolors.to_rgba(rc["figure.facecolor"])
    bg = np.array(face[:3]) if face[3] > 0 else np.ones(3)
    share = {"subtitle": 0.25, "caption": 0.3, "source": 0.4}[slot]
    color = mcolors.to_hex(fg * (1 - share) + bg * share)
    size = base if slot == "subtitle" else base * 0.85
    return {"fontsize": size, "color": color}


class TitleStack(Text):
    """The texts of a title stack and their layout (one per Axes, two per figure).

    Made by `titles`; it subclasses `~matplotlib.text.Text` only so it can sit in a figure's
    suptitle / supxlabel slot, and draws nothing itself but its `RichText` items.

    Attributes
    ----------
    items : dict
        ``{slot: RichText}`` for the slots in use.
    """

    def __init__(self, owner: Any, part: Literal["axes", "top", "bottom"]) -> None:
        super().__init__(0.0, 1.0 if part == "top" else 0.0, "")
        self._owner = owner
        self._part = part
        self.items: dict[str, RichText] = {}
        self.align: str = "panel"
        self._autopos = True  # read by constrained layout for the suptitle slots
        self.set_clip_on(False)
        self.set_in_layout(True)
        self.zorder = 3.5
        self._is_title_stack = True  # how _title_layout recognises stacks
        self.hosted = False  # placed by a chartkit._layout.HeaderHost (facet grid header)

    # -- items --------------------------------------------------------------------------
    def set_item(self, slot: str, markup: str | None, style: Mapping[str, Any]) -> None:
        """Set (or with ``None``/``""`` remove) the text of *slot*."""
        self._put(slot, self._make(slot, markup, style))

    def _make(self, slot: str, markup: str | None, style: Mapping[str, Any]) -> Any:
        """The new item for *slot*: a RichText, ``None`` (remove) or ``...`` (unchanged)."""
        if markup is None or markup == "":
            return None
        old = self.items.get(slot)
        if old is not None and old.markup == markup and style == getattr(old, "_style", None):
            return ...
        kws = {k: v for k, v in style.items() if k != "colors"}
        item = RichText(
            0,
            0,
            markup,
            ha="left",
            va="bottom",
            colors=style.get("colors"),
            scope=self._owner,
            **kws,
        )
        item._style = dict(style)  # type: ignore[attr-defined]
        return item

    def _put(self, slot: str, item: Any) -> None:
        if item is ...:
            return
        if item is None:
            self.items.pop(slot, None)
        else:
            fig = self.get_figure(root=False)
            if fig is not None:
                item.set_figure(fig)
            self.items[slot] = item
        self.stale = True

    def set_figure(self, fig: Any) -> None:
        super().set_figure(fig)
        for item in self.items.values():
            item.set_figure(fig)

    def get_children(self) -> list[Artist]:
        return list(self.items.values())

    def get_text(self) -> str:
        return " ".join(item.text for item in self.items.values())

    def set_text(self, s: Any) -> None:
        # fig.suptitle(...) on a figure whose slot the stack holds changes its title.
        if not hasattr(self, "items"):
            super().set_text(s)
            return
        if s is not None and str(s) != "":
            style = _default_style("title", self._part != "axes")
            self.set_item("title", str(s), style)

    # -- layout -------------------------------------------------------------------------
    def _frame(self, renderer: Any) -> tuple[float, float, float, float]:
        """Left, right, bottom and top (pixels) of what the stack sits around."""
        owner = self._owner
        if self._part == "axes":
            return panel_extents(owner, renderer, self)
        fig = owner
        box = fig.bbox
        pad = renderer.points_to_pixels(_PAD)
        x, y = fig.transSubfigure.transform(self.get_position())
        left, right = box.x0 + pad, box.x1 - pad
        if self.hosted:  # a HeaderHost (facet grid) sets x
            left = max(x, left)
        elif self.align == "plot" and fig.axes:
            left = min(a.bbox.x0 for a in fig.axes if a.get_visible())
            right = max(a.bbox.x1 for a in fig.axes if a.get_visible())
        # The figure part stacks down from y (top) or up from y (bottom).
        return left, right, y, y

    def _layout(self, renderer: Any) -> Bbox | None:
        if not self.items:
            return None
        left, right, bottom, top = self._frame(renderer)
        pt = renderer.points_to_pixels(1.0)
        pad = 0.0 if self._part != "axes" else _PAD * pt
        gap = _GAP * pt
        width_pt = max((right - left) / pt, 1.0)
        boxes: list[Bbox] = []
        items = self.items
        if self._part in ("axes", "top"):
            tag = items.get("tag")
            upper = [s for s in ("title", "subtitle") if s in items]
            tag_w = 0.0
            if tag is not None:
                tag.max_width = None
                tag.va = "bottom"
                tag.set_position((0, 0))
                tag_w = tag.get_window_extent(renderer).width + _TAG_GAP * pt
            if self._part == "axes":
                y = top + pad
                order = list(reversed(upper))  # bottom-up: subtitle, then title
                for k, slot in enumerate(order):
                    item = items[slot]
                    indent = tag_w if (tag is not None and k == len(order) - 1) else 0.0
                    item.va = "bottom"
                    item.max_width = max(width_pt - indent / pt, 1.0)
                    item.set_position((left + indent, y))
                    bb = item.get_window_extent(renderer)
                    boxes.append(bb)
                    if tag is not None and k == len(order) - 1:
                        tag.va = "top"  # on the first line of a wrapped title
                        tag.set_position((left, bb.y1))
                        boxes.append(tag.get_window_extent(renderer))
                    y = bb.y1 + gap
                if tag is not None and not upper:
                    tag.va = "bottom"
                    tag.set_position((left, y))
                    boxes.append(tag.get_window_extent(renderer))
            else:  # figure top: top-down from y
                y = top
                for k, slot in enumerate(upper):
                    item = items[slot]
                    indent = tag_w if (tag is not None and k == 0) else 0.0
                    item.va = "top"
                    item.max_width = max(width_pt - indent / pt, 1.0)
                    item.set_position((left + indent, y))
                    bb = item.get_window_extent(renderer)
                    boxes.append(bb)
                    if tag is not None and k == 0:
                        tag.va = "top"
                        tag.set_position((left, y))
                        boxes.append(tag.get_window_extent(renderer))
                    y = bb.y0 - gap
                if tag is not None and not upper:
                    tag.va = "top"
                    tag.set_position((left, y))
                    boxes.append(tag.get_window_extent(renderer))
        if self._part in ("axes", "bottom"):
            lower = [s for s in ("caption", "source") if s in items]
            if self._part == "axes":  # top-down below the panel
                y = bottom - pad
                for slot in lower:
                    item = items[slot]
                    item.va = "top"
                    item.max_width = width_pt
                    item.set_position((left, y))
                    bb = item.get_window_extent(renderer)
                    boxes.append(bb)
                    y = bb.y0 - gap
            else:  # figure bottom: bottom-up from y
                y = bottom
                for slot in reversed(lower):
                    item = items[slot]
                    item.va = "bottom"
                    item.max_width = width_pt
                    item.set_position((left, y))
                    bb = item.get_window_extent(renderer)
                    boxes.append(bb)
                    y = bb.y1 + gap
        return Bbox.union(boxes) if boxes else None

    def get_window_extent(self, renderer: Any = None, dpi: float | None = None) -> Bbox:
        fig = self.get_figure(root=True)
        if renderer is None:
            renderer = fig._get_renderer()
        if dpi is not None and dpi != fig.dpi:  # like Text: extent at another dpi
            with cbook._setattr_cm(fig, dpi=dpi):
                return self.get_window_extent(renderer)
        # A legend with loc="best" measures every Text of its Axes, this stack included,
        # while the stack measures the legend: inside that cycle the stack reports an empty
        # extent (it sits outside the Axes, so it never competes for the legend's place).
        if getattr(self, "_measuring", False):
            x, y = self.get_transform().transform(self.get_position())
            return Bbox.from_bounds(x, y, 0, 0)
        self._measuring = True
        try:
            bbox = self._layout(renderer) if self.get_visible() else None
        finally:
            self._measuring = False
        if bbox is None:
            x, y = self.get_transform().transform(self.get_position())
            return Bbox.from_bounds(x, y, 0, 0)
        return bbox

    def get_tightbbox(self, renderer: Any = None) -> Bbox:
        return self.get_window_extent(renderer)

    def contains(self, mouseevent: Any) -> tuple[bool, dict]:
        return False, {}

    @allow_rasterization
    def draw(self, renderer: Any) -> None:
        if not self.get_visible() or not self.items:
            return
        self._layout(renderer)
        for item in self.items.values():
            item.draw(renderer)
        self.stale = False


def _is_axes(obj: Any) -> bool:
    return hasattr(obj, "xaxis") and hasattr(obj, "get_tightbbox")


def _axes_stack(ax: Axes) -> TitleStack:
    stack = getattr(ax, "_chartkit_title_stack", None)
    if stack is None or stack.axes is not ax:
        stack = TitleStack(ax, "axes")
        ax.add_artist(stack)
        stack.set_clip_path(None)
        stack.set_clip_on(False)
        stack.set_transform(ax.figure.transFigure)
        ax._chartkit_title_stack = stack  # type: ignore[attr-defined]
    return stack


def _figure_stack(fig: Any, part: Literal["top", "bottom"]) -> TitleStack:
    attr = "_suptitle" if part == "top" else "_supxlabel"
    current = getattr(fig, attr, None)
    if isinstance(current, TitleStack):
        return current
    stack = TitleStack(fig, part)
    stack.set_transform(fig.transSubfigure)
    fig.add_artist(stack)
    if current is not None:  # adopt an existing suptitle / supxlabel as the first text
        stack._adopted = current.get_text()  # type: ignore[attr-defined]
        current.remove()
    setattr(fig, attr, stack)
    return stack


def titles(
    fig_or_ax: Axes | FigureBase,
    title: str | None = None,
    subtitle: str | None = None,
    caption: str | None = None,
    source: str | None = None,
    tag: str | None = None,
    *,
    align: Literal["panel", "plot"] = "panel",
    colors: Mapping[str, Any] | None = None,
    **text_kws: Mapping[str, Any],
) -> TitleStack:
    """Set the title stack of an Axes or a figure, with room reserved by the layout.

    Above the panel (or at the top of the figure): an optional *tag*, then *title*, then
    *subtitle*; below it: *caption*, then *source*. All are rich-text markup
    (``"<loss> falls below <val_loss>"``, ``"<b>..</b>"``, ``"<{color=#d55e00}>..</>"``) and
    wrap at spaces when wider than the panel. Calling again changes the given slots and
    keeps the others; pass ``""`` to remove one.

    Parameters
    ----------
    fig_or_ax : matplotlib.axes.Axes or matplotlib.figure.Figure or SubFigure
        An Axes gets a stack around it (above its ticks, axes title and legends, below its
        x label); a figure gets one at its top and bottom edges.
    title, subtitle, caption, source, tag : str, optional
        The texts; ``None`` leaves a slot as it is.
    align : {"panel", "plot"}, default: "panel"
        Left edge of the stack: ``"panel"``, the outer edge of the panel (tick labels and
        y label included) or of the figure; ``"plot"``, the left spine of the Axes (of the
        leftmost Axes at figure level).
    colors : dict, optional
        ``{name: colour}`` for ``<name>`` runs, before labelled series are looked up.
    **text_kws : dict
        Per-slot text properties: ``title_kws={"color": "k"}``, ``subtitle_kws=...``,
        ``caption_kws=...``, ``source_kws=...``, ``tag_kws=...``, each passed to
        `matplotlib.text.Text` for the runs of that slot.

    Returns
    -------
    TitleStack
        The Axes' stack, or the figure's upper stack.

    Raises
    ------
    ValueError
        For an unknown *align*, slot keyword or markup error (with its position).

    See Also
    --------
    abc : panel tags.
    chartkit.annotate.rich_text : the markup outside titles.

    Examples
    --------
    >>> ax.plot(steps, loss, label="loss"); ax.plot(steps, val, label="val_loss")
    >>> titles(ax, title="<loss> falls below <val_loss>", subtitle="ResNet-50, 90 epochs",
    ...        caption="Shaded: min-max over 3 seeds.", source="Source: internal runs")
    """
    check_in_list(_ALIGN, align=align)
    styles: dict[str, dict[str, Any]] = {}
    allowed = [f"{s}_kws" for s in _SLOTS]
    for key, value in text_kws.items():
        if key not in allowed:
            raise TypeError(invalid_value_message(key, "a keyword of titles()", allowed))
        styles[key.removesuffix("_kws")] = dict(value or {})
    given = {
        "title": title,
        "subtitle": subtitle,
        "caption": caption,
        "source": source,
        "tag": tag,
    }
    if isinstance(fig_or_ax, HeaderHost):
        return _facet_titles(fig_or_ax, given, styles, align, colors)
    if _is_axes(fig_or_ax):
        parts = {"axes": _axes_stack(fig_or_ax)}
        reserve_figure_space(fig_or_ax.get_figure(root=True))
        figure_level = False
        slot_part = dict.fromkeys(_SLOTS, "axes")
    elif hasattr(fig_or_ax, "subfigs"):
        figure_level = True
        slot_part = {
            "title": "top",
            "subtitle": "top",
            "tag": "top",
            "caption": "bottom",
            "source": "bottom",
        }
        need = {slot_part[s] for s, v in given.items() if v is not None}
        parts = {p: _figure_stack(fig_or_ax, p) for p in ("top", "bottom") if p in need}
        if "top" not in parts and isinstance(getattr(fig_or_ax, "_suptitle", None), TitleStack):
            parts["top"] = fig_or_ax._suptitle
        reserve_figure_space(fig_or_ax)
    else:
        raise TypeError(
            f"'fig_or_ax' must be a matplotlib Axes, Figure, SubFigure or a FacetGrid, "
            f"not {type(fig_or_ax).__name__}"
        )
    for part in parts.values():
        part.align = align
        adopted = getattr(part, "_adopted", None)
        if adopted and title is None and part._part == "top":
            given["title"] = adopted
        if adopted and caption is None and part._part == "bottom":
            given["caption"] = adopted  # an existing supxlabel becomes the caption
        part._adopted = None  # type: ignore[attr-defined]
    pending = []  # every text is built (and its markup checked) before any is changed
    for slot, value in given.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"{slot!r} must be an instance of str, not {type(value).__name__}")
        style = {**_default_style(slot, figure_level), **styles.get(slot, {})}
        if colors is not None:
            style["colors"] = colors
        part = parts[slot_part[slot]]
        pending.append((part, slot, part._make(slot, value, style)))
    for part, slot, item in pending:
        part._put(slot, item)
    return parts.get("axes") or parts.get("top") or parts["bottom"]


def _facet_titles(
    grid: Any,
    given: dict[str, str | None],
    styles: dict[str, dict[str, Any]],
    align: str,
    colors: Mapping[str, Any] | None,
) -> TitleStack:
    """Title and subtitle of a `chartkit.facets` grid, on every page, in its header band.

    The grid lays its pages out itself (no layout engine): the stack is handed to its
    ``add_header`` hook (`chartkit._layout.HeaderHost`), which measures it and places its
    top-left corner at every draw.
    """
    below = [s for s in ("caption", "source") if given.get(s) is not None]
    if below:
        raise ValueError(
            invalid_value_message(
                " and ".join(below), "a facet grid's titles",
                expected="a title or subtitle: a facet grid reserves room for headers only "
                "(pass a caption or source to titles() on a figure without facets)",
            )
        )
    first = None
    for k, page in enumerate(grid.pages):
        fig = page.figure
        if getattr(page, "layout", None) is None:  # a grid drawn into a given Axes
            kws = {f"{slot}_kws": style for slot, style in styles.items()}
            stack = titles(fig, **given, align=align, colors=colors, **kws)  # type: ignore[arg-type]
            first = first or stack
            continue
        current = getattr(fig, "_suptitle", None)
        if isinstance(current, TitleStack):
            stack = current
        else:
            stack = TitleStack(fig, "top")
            stack.set_transform(fig.transSubfigure)
            fig.add_artist(stack)
            fig._suptitle = stack
        if not stack.hosted:
            stack.hosted = True
            stack.set_ha("left")
            grid.add_header(stack, page=k)
        stack.align = align
        for slot in ("title", "subtitle", "tag"):
            value = given.get(slot)
            if value is None:
                continue
            if not isinstance(value, str):
                raise TypeError(f"{slot!r} must be an instance of str, not {type(value).__name__}")
            style = {**_default_style(slot, True), **styles.get(slot, {})}
            if colors is not None:
                style["colors"] = colors
            stack.set_item(slot, value, style)
        first = first or stack
    return first  # type: ignore[return-value]


def abc(
    axes: Sequence[Axes] | Any,
    style: str = "a",
    *,
    start: int = 0,
    tag_kws: Mapping[str, Any] | None = None,
) -> list[str]:
    """Tag panels in reading order: a, b, c... (or ``(a)``, ``A.``, ``가``...).

    Each tag goes into the panel's title stack (`titles`' *tag* slot), left of its title.

    Parameters
    ----------
    axes : sequence of Axes, array of Axes or Figure
        The panels, in the order to tag them; a figure means ``fig.axes``. Nested arrays
        (from ``plt.subplots``) are read row by row.
    style : str, default: "a"
        A counter ``a``, ``A``, ``1``, ``i``, ``I``, ``가`` or ``ㄱ`` in any brackets:
        ``"(a)"``, ``"a."``, ``"[A]"``, ``"i)"``, ``"(가)"``... (`chartkit.annotate.tags`).
    start : int, default: 0
        Index of the first label (``start=2`` begins at c).
    tag_kws : dict, optional
        Passed to `matplotlib.text.Text` for each tag.

    Returns
    -------
    list of str
        The tags, in order.

    Raises
    ------
    ValueError
        For an unknown *style*, or more panels than ``가``-style labels (14).
    """
    from chartkit.annotate.tags import panel_tags

    if hasattr(axes, "subfigs"):
        axes = axes.axes
    flat: list[Any] = []

    def walk(obj: Any) -> None:
        if _is_axes(obj):
            flat.append(obj)
        else:
            for o in obj.flat if hasattr(obj, "flat") else obj:
                walk(o)

    walk(axes)
    labels = panel_tags(len(flat), style, start=start)
    for ax, label in zip(flat, labels, strict=True):
        titles(ax, tag=label, tag_kws=tag_kws or {})
    return labels
