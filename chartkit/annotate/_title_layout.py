"""Where title stacks go: panel extents, and room on figures without constrained layout.

Used by `chartkit.annotate.titles`; kept apart so that module stays about the stack itself.
Stacks are recognised by their ``_is_title_stack`` attribute (no import cycle).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine, LayoutEngine, TightLayoutEngine
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from chartkit.annotate.richtext import RichText
from chartkit.errors import LayoutWarning

__all__ = ["StackLayoutEngine", "StackTightEngine", "panel_extents", "reserve_figure_space"]

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
    other unclipped texts, the axes' offset texts ("1e7"), the y tick labels and label for
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
    # Offset texts ("1e7") sit outside the Axes, above the y axis and at the x axis' end
    # (above it when its labels are on top): the stack keeps clear of them.
    for axis in (xaxis, yaxis):
        if axis.get_visible():
            bb = _box(axis.offsetText, renderer)
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


class StackLayoutEngine(LayoutEngine):
    """For figures with no layout engine: move the subplot parameters just enough.

    Starting from the parameters the figure had when the first stack was added, lowers
    ``top`` / raises ``bottom`` for the figure-level stacks and for whatever sticks out of
    the outer Axes (axes-level stacks, titles, tick labels), and widens ``hspace`` /
    ``wspace`` where neighbouring panels' decorations would overlap. Nothing else changes.
    """

    _adjust_compatible = True
    _colorbar_gridspec = True

    def __init__(self, subplotpars: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._orig = {
            k: getattr(subplotpars, k)
            for k in ("left", "right", "top", "bottom", "hspace", "wspace")
        }

    def execute(self, fig: Any) -> None:
        renderer = fig._get_renderer()
        top_h, bottom_h = _stack_heights(fig, renderer)
        o = self._orig
        fig.subplots_adjust(
            **{**o, "top": min(o["top"], 1 - top_h), "bottom": max(o["bottom"], bottom_h)}
        )
        for _ in range(4):  # later rounds see the sizes (and wrapping) earlier ones made
            if not self._fit(fig, renderer, top_h, bottom_h):
                break
        if self._fit(fig, renderer, top_h, bottom_h, dry=True):
            warnings.warn(
                "the title stacks and panel decorations need more room than this figure "
                "has: texts may overlap. Make the figure larger, the texts shorter, or use "
                'layout="constrained".',
                LayoutWarning,
                stacklevel=2,
            )

    @staticmethod
    def _fit(fig: Any, renderer: Any, top_h: float, bottom_h: float, dry: bool = False) -> bool:
        """Adjust the subplot parameters once; True when something had to move."""
        axes = [a for a in fig.axes if a.get_visible() and a.get_subplotspec() is not None]
        if not axes:
            return False
        boxes = {a: a.get_tightbbox(renderer) for a in axes}
        boxes = {a: b for a, b in boxes.items() if b is not None}
        if not boxes:
            return False
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
            return False
        if dry:
            return True
        if params.get("top", sp.top) - params.get("bottom", sp.bottom) < 0.1:
            return False  # no room left: give up (the dry run after this warns)
        if params.get("right", sp.right) - params.get("left", sp.left) < 0.1:
            return False
        fig.subplots_adjust(**params)
        return True


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
    root = fig.get_figure(root=True)
    if getattr(root, "_one_pass", False):  # a chartkit facet page lays itself out
        return
    engine = root.get_layout_engine()
    if engine is None:
        root.set_layout_engine(StackLayoutEngine(root.subplotpars))
    elif isinstance(engine, (ConstrainedLayoutEngine, StackLayoutEngine, StackTightEngine)):
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
