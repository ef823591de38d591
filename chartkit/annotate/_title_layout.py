"""Where title stacks go: panel extents, and room on figures without constrained layout.

Used by `chartkit.annotate.titles`; kept apart so that module stays about the stack itself.
Stacks are recognised by their ``_is_title_stack`` attribute (no import cycle). Figures that
chartkit lays out at draw time (facet pages) are recognised through `chartkit._layout`.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from chartkit._layout import DrawTimeLayout, attach, draw_time_layout
from chartkit.annotate.richtext import RichText
from chartkit.errors import LayoutWarning

__all__ = ["StackLayout", "StackTightEngine", "panel_extents", "reserve_figure_space"]

# Gaps in points (titles.py uses the same ones).
_PAD = 6.0  # between the panel (or figure edge) and the stack


def _box(artist: Any, renderer: Any) -> Bbox | None:
    if not artist.get_visible():
        return None
    if isinstance(artist, Text) and not artist.get_text():
        return None
    bb = artist.get_window_extent(renderer)
    if bb is None or not (bb.width > 0 or bb.height > 0):
        return None
    return bb


def panel_extents(ax: Any, renderer: Any, stack: Any) -> tuple[float, float, float, float]:
    """Left, right, bottom, top (pixels) of an Axes with its decorations, cheaply.

    ``Axes.get_tightbbox`` would re-measure every tick label on each layout pass (most of
    the cost of a draw); here only what can stick out is measured: axes titles, legends and
    other unclipped texts, the y axis' offset text ("1e7"), the y tick labels and label for
    ``align="panel"``, and the x axis only when a caption/source sits below it or its
    labels are on top.
    """
    from matplotlib.legend import Legend
    from matplotlib.offsetbox import OffsetBox

    inner = ax.bbox
    x0, x1, y0, y1 = inner.x0, inner.x1, inner.y0, inner.y1
    boxes: list[Bbox] = []
    for t in (ax.title, ax._left_title, ax._right_title):
        bb = _box(t, renderer)
        if bb is not None:
            boxes.append(bb)
    for a in ax.get_children():
        if a is stack or getattr(a, "_is_title_stack", False) or not a.get_in_layout():
            continue
        if isinstance(a, (Legend, OffsetBox, RichText)) or (
            isinstance(a, Text) and not a.get_clip_on()
        ):
            bb = _box(a, renderer)
            if bb is not None and np.isfinite(bb.extents).all():
                boxes.append(bb)
    xaxis, yaxis = ax.xaxis, ax.yaxis
    # The y axis' offset text ("1e7") sits above the Axes: the stack keeps clear of it. Its
    # position (pixels) is refreshed from the Axes box, which a layout may just have moved.
    # (The x axis' one is measured with the x axis below, when that matters.)
    if yaxis.get_visible() and yaxis.offsetText.get_text():
        yaxis._update_offset_text_position([], [])
        bb = _box(yaxis.offsetText, renderer)
        if bb is not None and np.isfinite(bb.extents).all():
            boxes.append(bb)
    ticks = xaxis.majorTicks
    top_labels = (ticks and ticks[0].label2.get_visible()) or (
        xaxis.get_label_position() == "top" and xaxis.label.get_text()
    )
    below = any(s in stack.items for s in ("caption", "source"))
    if (top_labels or below) and xaxis.get_visible():
        bb = xaxis.get_tightbbox(renderer)
        if bb is not None:
            boxes.append(bb)
    if stack.align == "panel" and yaxis.get_visible():
        bb = _box(yaxis.label, renderer)
        if bb is not None:
            boxes.append(bb)
        else:
            # Tick labels on one side share their anchor: the longest strings reach furthest.
            lo, hi = sorted(yaxis.get_view_interval())
            labels = [
                lab
                for tick in yaxis.majorTicks
                if lo <= tick.get_loc() <= hi
                for lab in (tick.label1, tick.label2)
                if lab.get_visible() and lab.get_text()
            ]
            longest = max((len(lab.get_text()) for lab in labels), default=0)
            for lab in labels:
                if len(lab.get_text()) >= longest - 1:
                    bb = _box(lab, renderer)
                    if bb is not None:
                        boxes.append(bb)
    for bb in boxes:
        x0, x1 = min(x0, bb.x0), max(x1, bb.x1)
        y0, y1 = min(y0, bb.y0), max(y1, bb.y1)
    if stack.align == "plot":
        x0, x1 = inner.x0, inner.x1
    return x0, x1, y0, y1


def _outer_box(ax: Any, renderer: Any, skip: Any = None) -> Bbox | None:
    """``Axes.get_tightbbox`` without *skip* and the spines that sit on the Axes' edges.

    Each spine's extent updates its axis' ticks again (four more tick updates per Axes,
    most of the cost of measuring); a spine at its default place (``("outward", 0)``) lies
    inside the Axes box and its ticks, so only moved spines are measured.
    """
    from matplotlib.spines import Spine

    extra = [
        a
        for a in ax.get_default_bbox_extra_artists()
        if a is not skip and not (isinstance(a, Spine) and a.get_position() == ("outward", 0.0))
    ]
    return ax.get_tightbbox(renderer, bbox_extra_artists=extra)


def _own_stack(ax: Any) -> Any:
    stack = getattr(ax, "_chartkit_title_stack", None)
    if stack is None or stack.axes is not ax or not stack.get_visible() or not stack.items:
        return None
    return stack


def _overhangs(axes: list[Any], renderer: Any) -> dict[Any, tuple[float, ...]]:
    """``{ax: (left, right, bottom, top)}``: how far each Axes' decorations (its title
    stack left out) reach past its box, in pixels; one measurement per Axes."""
    out = {}
    for ax in axes:
        bb = _outer_box(ax, renderer, skip=_own_stack(ax))
        if bb is None or not np.isfinite(bb.extents).all():
            continue
        a = ax.bbox
        out[ax] = (a.x0 - bb.x0, bb.x1 - a.x1, a.y0 - bb.y0, bb.y1 - a.y1)
    return out


def _predicted(
    overhangs: dict[Any, tuple[float, ...]], renderer: Any, stacks: dict[Any, tuple]
) -> dict[Any, Bbox]:
    """Outer boxes of the Axes where they are now: their overhangs around the current box,
    and their title stack, measured again when the panel's width changed (the stack wraps
    to it) and otherwise moved with the panel. *stacks* keeps ``{ax: (width, offsets)}``
    between rounds."""
    out = {}
    for ax, (left, right, bottom, top) in overhangs.items():
        a = ax.bbox
        box = Bbox.from_extents(a.x0 - left, a.y0 - bottom, a.x1 + right, a.y1 + top)
        stack = _own_stack(ax)
        if stack is not None:
            # The upper part hangs from the panel's top, the lower part from its bottom.
            lower = any(k in stack.items for k in ("caption", "source"))
            upper = any(k in stack.items for k in ("title", "subtitle", "tag"))
            y0_of, y1_of = (a.y0 if lower else a.y1), (a.y1 if upper else a.y0)
            known = stacks.get(ax)
            if known is not None and abs(known[0] - a.width) < 0.5:
                dx0, dy0, dx1, dy1 = known[1]
                sb = Bbox.from_extents(a.x0 + dx0, y0_of + dy0, a.x0 + dx1, y1_of + dy1)
            else:
                sb = stack.get_window_extent(renderer)
                stacks[ax] = (a.width, (sb.x0 - a.x0, sb.y0 - y0_of, sb.x1 - a.x0, sb.y1 - y1_of))
            box = Bbox.union([box, sb])
        out[ax] = box
    return out


def _stack_heights(fig: Any, renderer: Any) -> tuple[float, float]:
    """Figure fractions taken by the figure-level top and bottom stacks (with padding)."""
    h = fig.bbox.height
    out = []
    for attr, y in (("_suptitle", 1.0), ("_supxlabel", 0.0)):
        stack = getattr(fig, attr, None)
        if not getattr(stack, "_is_title_stack", False) or not stack.items:
            out.append(0.0)
            continue
        pad = renderer.points_to_pixels(_PAD) / h
        stack.set_position((stack.get_position()[0], 1 - pad if y else pad))
        bb = stack.get_window_extent(renderer)
        out.append(bb.height / h + 2 * pad)
    return out[0], out[1]


class StackLayout(DrawTimeLayout):
    """For figures with no layout engine: move the subplot parameters just enough.

    Starting from the parameters the figure had when the first stack was added, lowers
    ``top`` / raises ``bottom`` for the figure-level stacks and for whatever sticks out of
    the outer Axes (axes-level stacks, titles, tick labels), and widens ``hspace`` /
    ``wspace`` where neighbouring panels' decorations would overlap. Nothing else changes.

    It runs at the start of each draw (a `chartkit._layout.DrawTimeLayout`, not a layout
    engine): ``savefig`` draws the figure once, as with plain ``set_title``. When a layout
    engine is set on the figure later, the engine lays it out and this does nothing.
    """

    def __init__(self, subplotpars: Any) -> None:
        super().__init__()
        self._orig = {
            k: getattr(subplotpars, k)
            for k in ("left", "right", "top", "bottom", "hspace", "wspace")
        }

    def layout(self, fig: Any, renderer: Any) -> None:
        if fig.get_layout_engine() is not None:
            return
        top_h, bottom_h = _stack_heights(fig, renderer)
        o = self._orig
        fig.subplots_adjust(
            **{**o, "top": min(o["top"], 1 - top_h), "bottom": max(o["bottom"], bottom_h)}
        )
        # Decorations are measured once per draw, as overhangs around each Axes box; the
        # rounds move the Axes and re-measure only the title stacks (their wrapping follows
        # the panel width). Tick labels are assumed to keep their sizes when a panel moves.
        axes = [a for a in fig.axes if a.get_visible() and a.get_subplotspec() is not None]
        overhangs = _overhangs(axes, renderer)
        stacks: dict[Any, tuple] = {}
        status = "moved"
        for _ in range(5):
            boxes = _predicted(overhangs, renderer, stacks)
            status = self._fit(fig, renderer, top_h, bottom_h, boxes)
            if status != "moved":
                break
        if status != "fits":
            warnings.warn(
                "the title stacks and panel decorations need more room than this figure "
                "has: texts may overlap. Make the figure larger, the texts shorter, or use "
                'layout="constrained".',
                LayoutWarning,
                stacklevel=2,
            )

    @staticmethod
    def _fit(
        fig: Any, renderer: Any, top_h: float, bottom_h: float, boxes: dict[Any, Bbox]
    ) -> str:
        """Adjust the subplot parameters once for the outer *boxes* of the Axes:
        ``"fits"`` (nothing to move), ``"moved"``, or ``"no room"`` (moving would leave the
        panels less than 10 % of the figure)."""
        if not boxes:
            return "fits"
        axes = list(boxes)
        w, h = fig.bbox.width, fig.bbox.height
        pad = renderer.points_to_pixels(_PAD / 2)
        sp = fig.subplotpars
        params: dict[str, float] = {}
        over_top = max(b.y1 for b in boxes.values()) / h - (1 - top_h)
        under = bottom_h - min(b.y0 for b in boxes.values()) / h
        if over_top > 1e-4:
            params["top"] = sp.top - over_top
        if under > 1e-4:
            params["bottom"] = sp.bottom + under
        edge = pad / w
        over_right = max(b.x1 for b in boxes.values()) / w - (1 - edge)
        under_left = edge - min(b.x0 for b in boxes.values()) / w
        if over_right > 1e-4:
            params["right"] = sp.right - over_right
        if under_left > 1e-4:
            params["left"] = sp.left + under_left
        need_v = need_h = 0.0
        spans = {a: a.get_subplotspec() for a in boxes}
        for a, b in itertools.permutations(boxes, 2):
            sa, sb = spans[a], spans[b]
            if sa.get_gridspec() is not sb.get_gridspec():
                continue
            cols = set(sa.colspan) & set(sb.colspan)
            rows = set(sa.rowspan) & set(sb.rowspan)
            if cols and sa.rowspan.stop == sb.rowspan.start:  # a directly above b
                need_v = max(need_v, boxes[b].y1 - boxes[a].y0 + pad)
            if rows and sa.colspan.stop == sb.colspan.start:  # a directly left of b
                need_h = max(need_h, boxes[a].x1 - boxes[b].x0 + pad)
        gs = spans[axes[0]].get_gridspec()
        nrows, ncols = gs.get_geometry()
        top = params.get("top", sp.top)
        bottom = params.get("bottom", sp.bottom)
        if need_v > 0.5 and nrows > 1:
            params["hspace"] = _grow_space((top - bottom) * h, nrows, sp.hspace, need_v)
        if need_h > 0.5 and ncols > 1:
            right = params.get("right", sp.right)
            left = params.get("left", sp.left)
            params["wspace"] = _grow_space((right - left) * w, ncols, sp.wspace, need_h)
        if not params:
            return "fits"
        if params.get("top", sp.top) - params.get("bottom", sp.bottom) < 0.1:
            return "no room"
        if params.get("right", sp.right) - params.get("left", sp.left) < 0.1:
            return "no room"
        fig.subplots_adjust(**params)
        return "moved"


def _grow_space(avail: float, n: int, space: float, extra: float) -> float:
    """The ``hspace``/``wspace`` that widens each gap between *n* cells by *extra* pixels."""
    cell = avail / (n + space * (n - 1))
    gap = space * cell + extra
    cell = max((avail - (n - 1) * gap) / n, avail / n * 0.1)
    return gap / cell


class StackTightEngine(TightLayoutEngine):
    """tight_layout with its *rect* set so the figure stacks keep their room."""

    def execute(self, fig: Any) -> None:
        top_h, bottom_h = _stack_heights(fig, fig._get_renderer())
        rect = self._params.get("rect") or (0, 0, 1, 1)
        self._params["rect"] = (rect[0], bottom_h, rect[2], 1 - top_h)
        try:
            super().execute(fig)
        finally:
            self._params["rect"] = rect


def reserve_figure_space(fig: Any) -> None:
    """Make the layout of *fig*'s root figure keep room for title stacks.

    A figure laid out at draw time (a `chartkit._layout.DrawTimeLayout`: a facet page, or
    a `StackLayout` added before) and one with constrained layout need nothing; tight
    layout gets its *rect* from the figure stacks (`StackTightEngine`); a figure without a
    layout engine gets a `StackLayout`.
    """
    root = fig.get_figure(root=True)
    if draw_time_layout(root) is not None:
        return
    engine = root.get_layout_engine()
    if engine is None:
        attach(root, StackLayout(root.subplotpars))
    elif isinstance(engine, (ConstrainedLayoutEngine, StackTightEngine)):
        return
    elif type(engine) is TightLayoutEngine:
        new = StackTightEngine(**engine.get())
        root.set_layout_engine(new)
    else:
        warnings.warn(
            f"cannot reserve space for the title stack with layout engine "
            f"{type(engine).__name__}; texts may overlap the axes",
            LayoutWarning,
            stacklevel=3,
        )
