"""Reading a figure for placement: text extents in one batch and what is drawn on an Axes.

The placers work in display pixels of the figure as it is now (its ``dpi``) and convert
their offsets to points when they create artists, so the result holds when the figure is
saved at another dpi. Text extents come from one renderer, without drawing the figure: a
`matplotlib.text.Text` measures itself with the renderer's font metrics (cached per string
and font by matplotlib), which is far cheaper than ``fig.canvas.draw()``.

No pyplot here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

__all__ = [
    "axes_obstacles",
    "decorations",
    "get_renderer",
    "label_sizes",
    "prepare_layout",
    "px_per_point",
]

_NO_LINE = {"None", "none", "", " "}


def get_renderer(fig: Figure) -> RendererBase:
    """The renderer of *fig*'s canvas (made once and reused by matplotlib)."""
    fig = fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig
    getter = getattr(fig, "_get_renderer", None)
    if getter is not None:
        return getter()
    return fig.canvas.get_renderer()  # pragma: no cover - matplotlib < 3.6


def px_per_point(fig: Figure) -> float:
    """Display pixels per typographic point at the figure's current dpi."""
    return fig.get_figure(root=True).dpi / 72.0


def prepare_layout(fig: Figure) -> None:
    """Settle axes limits and the layout engine's positions before reading coordinates.

    Autoscaled limits are computed lazily by matplotlib and a layout engine (constrained or
    tight layout) moves the axes at draw time; positions measured before that would be
    stale. Running the engine once here costs one layout pass, not a draw.
    """
    root = fig.get_figure(root=True)
    for ax in root.get_axes():
        ax.get_xlim()  # un-stales autoscaled limits
        ax.get_ylim()
    engine = root.get_layout_engine()
    if engine is not None:
        engine.execute(root)


def label_sizes(
    fig: Figure,
    strings: Sequence[str],
    renderer: RendererBase,
    **text_kws: object,
) -> np.ndarray:
    """Width and height in display pixels of each string drawn with *text_kws*.

    One probe `~matplotlib.text.Text` carrying the properties measures every string with
    one renderer (matplotlib caches the font metrics per string and font). A ``bbox=``
    among the properties counts: the size is that of the box drawn around the text.

    Returns
    -------
    (n, 2) ndarray
    """
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    probe = Text(0, 0, "", **text_kws)
    probe.set_figure(fig.get_figure(root=True))
    patch = probe.get_bbox_patch()
    out = np.zeros((len(strings), 2))
    for i, s in enumerate(strings):
        probe.set_text(s)
        bb = probe.get_window_extent(renderer)
        if patch is not None:
            probe.update_bbox_position_size(renderer)
            bb = Bbox.union([bb, patch.get_window_extent(renderer)])
        out[i] = bb.width, bb.height
    return out


def _marker_radius_px(size_pt: float, fig: Figure) -> float:
    return 0.5 * float(size_pt) * px_per_point(fig)


def axes_obstacles(
    ax: Axes,
    *,
    exclude: Iterable[object] = (),
    renderer: RendererBase | None = None,
    texts: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """What labels should keep clear of on *ax*, in display pixels.

    Markers of scatter collections and of `~matplotlib.lines.Line2D` become squares of the
    marker's size, other texts their bounding boxes (unless *texts* is false); lines and
    `LineCollection` segments become segments. Artists in *exclude* and invisible artists
    are skipped.

    Returns
    -------
    rects : (m, 4) ndarray
    segments : (s, 4) ndarray
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.text import Text

    from chartkit.annotate._geometry import polyline_segments

    fig = ax.get_figure(root=True)
    skip = {id(a) for a in exclude}
    rects: list[np.ndarray] = []
    segs: list[np.ndarray] = []

    def add_points(xy: np.ndarray, radius: np.ndarray | float) -> None:
        xy = np.asarray(xy, float).reshape(-1, 2)
        r = np.broadcast_to(np.asarray(radius, float), (len(xy),))
        keep = np.isfinite(xy).all(axis=1)
        xy, r = xy[keep], r[keep]
        rects.append(np.column_stack([xy - r[:, None], xy + r[:, None]]))

    for coll in ax.collections:
        if id(coll) in skip or not coll.get_visible():
            continue
        if isinstance(coll, PathCollection):
            offsets = np.asarray(coll.get_offsets(), float)
            if not len(offsets):
                continue
            xy = coll.get_offset_transform().transform(offsets)
            sizes = np.asarray(coll.get_sizes(), float)
            if not len(sizes):
                continue
            radius = np.sqrt(np.resize(sizes, len(xy))) / 2 * px_per_point(fig)
            add_points(xy, radius)
        elif isinstance(coll, LineCollection):
            tr = coll.get_transform()
            for seg in coll.get_segments():
                if len(seg) > 1:
                    segs.append(polyline_segments(tr.transform(np.asarray(seg, float))))
    for line in ax.lines:
        if id(line) in skip or not line.get_visible():
            continue
        xy = np.asarray(line.get_xydata(), float)
        if not len(xy):
            continue
        xy = line.get_transform().transform(xy)
        if line.get_linestyle() not in _NO_LINE and len(xy) > 1:
            segs.append(polyline_segments(xy))
        if str(line.get_marker()) not in _NO_LINE:
            add_points(xy, _marker_radius_px(line.get_markersize(), fig))
    others = [t for t in ax.texts if id(t) not in skip and t.get_visible() and t.get_text()]
    if texts and others:
        if renderer is None:
            renderer = get_renderer(fig)
        boxes = []
        for t in others:
            if hasattr(t, "update_positions"):  # an Annotation places its text at draw time
                t.update_positions(renderer)
            boxes.append(Text.get_window_extent(t, renderer).extents)
        rects.append(np.array(boxes))
    r = np.vstack(rects) if rects else np.empty((0, 4))
    s = np.vstack(segs) if segs else np.empty((0, 4))
    return r, s


def decorations(axes: Iterable[Axes], renderer: RendererBase) -> np.ndarray:
    """Boxes (m, 4) of the tick labels, axis labels and titles of *axes*, in display pixels.

    Each axis (ticks and their labels, with its label) is one box, from
    `matplotlib.axis.Axis.get_tightbbox`; each non-empty title is one box.
    """
    boxes = []
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_visible():
                bb = axis.get_tightbbox(renderer)
                if bb is not None and bb.width > 0 and bb.height > 0:
                    boxes.append(bb.extents)
        for title in (ax.title, ax._left_title, ax._right_title):
            if title.get_visible() and title.get_text():
                boxes.append(title.get_window_extent(renderer).extents)
    return np.array(boxes).reshape(-1, 4)
