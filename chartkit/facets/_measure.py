"""One-pass margin measurement: layout that runs inside the one `Figure.draw` of a save.

`PageLayout` knows a page's panels, strips, spanning axis labels, header texts, legend and
colourbar. `LayoutArtist` is an invisible figure artist with the lowest zorder: `Figure.draw`
draws it first, with the renderer and dpi of that draw, and its ``draw`` measures text
extents, computes margins and gaps in inches and places everything before the rest is
drawn. (A `matplotlib.layout_engine.LayoutEngine` would be the obvious hook, but any layout
engine makes ``savefig`` run an extra draw-disabled `Figure.draw` first, which doubles the
cost of a save.) Nothing is drawn to measure, so a save costs exactly one `Figure.draw` and no
`tight_layout`; positions never go stale because they are recomputed at every draw.

The rule for gaps is the one of tight_layout, computed from extents: each panel's
decorations overhang its box by (left, right, bottom, top); the gap between two neighbouring
panels is the larger sum of facing overhangs, and the figure margins are the largest
overhangs on the outer sides plus the bands for labels, legend and colourbar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from chartkit._layout import DrawTimeLayout
from chartkit.facets.layout import gridspec_params

__all__ = ["LayoutArtist", "OnePassFigure", "PageLayout", "fit_text", "new_figure"]

_ELLIPSIS = "…"


def _union(boxes: list[Bbox]) -> Bbox | None:
    boxes = [b for b in boxes if b is not None and b.width >= 0 and b._is_finite()]
    return Bbox.union(boxes) if boxes else None


def _text_box(text: Any, renderer: Any) -> Bbox | None:
    if text is None or not text.get_visible() or not text.get_text():
        return None
    return text.get_window_extent(renderer)


def axis_boxes(axis: Any, renderer: Any) -> list[Bbox]:
    """Extents of an axis' drawn tick labels, offset text and (non-empty) label."""
    if not axis.get_visible():
        return []
    try:
        ticks = axis._update_ticks()
        b1, b2 = axis._get_ticklabel_bboxes(ticks, renderer)
        axis._update_offset_text_position(b1, b2)
        axis.offsetText.set_text(axis.major.formatter.get_offset())
        boxes = [*b1, *b2]
    except AttributeError:  # pragma: no cover - private API moved; public fallback
        bb = axis.get_tightbbox(renderer)
        return [bb] if bb is not None else []
    for text in (axis.offsetText, axis.label):
        bb = _text_box(text, renderer)
        if bb is not None:
            if text is axis.label:
                axis._update_label_position(renderer)
                bb = text.get_window_extent(renderer)
            boxes.append(bb)
    return boxes


def overhang(box: Bbox | None, ref: Bbox) -> tuple[float, float, float, float]:
    """How far *box* reaches beyond *ref* on the left, right, bottom and top (>= 0)."""
    if box is None:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        max(0.0, ref.x0 - box.x0),
        max(0.0, box.x1 - ref.x1),
        max(0.0, ref.y0 - box.y0),
        max(0.0, box.y1 - ref.y1),
    )


_WIDTHS: dict[tuple, float] = {}


def _scale(renderer: Any) -> tuple[str, float]:
    """What a renderer's text widths are measured in: its kind and pixels per point.

    Not ``renderer.dpi``: a PDF or SVG save draws through a `MixedModeRenderer` whose
    ``dpi`` is the raster dpi (``savefig.dpi``) while its text widths are in points, so a
    cache keyed on ``dpi`` handed PNG widths to a PDF save and row strips were cut
    (``옵티마이저 = A…``) after a PNG save of the same size (issue 12.7).
    """
    inner = getattr(renderer, "_renderer", renderer)
    return type(inner).__name__, float(renderer.points_to_pixels(1.0))


def _width(text: Any, s: str, renderer: Any) -> float:
    """Width in pixels of one line *s* in *text*'s font, cached per font and renderer scale."""
    prop = text.get_fontproperties()
    key = (s, hash(prop), _scale(renderer), text.get_usetex())
    hit = _WIDTHS.get(key)
    if hit is None:
        if len(_WIDTHS) > 50_000:
            _WIDTHS.clear()
        clean, ismath = text._preprocess_math(s)
        hit = _WIDTHS[key] = renderer.get_text_width_height_descent(clean, prop, ismath=ismath)[0]
    return hit


def fit_text(text: Any, full: str, renderer: Any, limit_px: float, *, vertical: bool) -> None:
    """Set *text* to *full*, broken at spaces (then cut with an ellipsis) to fit *limit_px*.

    Lengths run along the baseline, so rotated strips fit the same way (*vertical* is
    accepted for clarity). At most two lines are kept. Lines are planned from cached word
    widths (words repeat across strips) and checked with one real measurement each; a text
    already fitted to the same room is left alone.
    """
    del vertical  # lengths are measured along the baseline
    key = (full, round(limit_px, 1), _scale(renderer))
    if getattr(text, "_chartkit_fit", None) == key and text.get_text():
        return
    text._chartkit_fit = key

    def width(s: str) -> float:
        return _width(text, s, renderer)

    if limit_px <= 0 or max(width(line) for line in full.split("\n")) <= limit_px:
        text.set_text(full)
        return
    words = full.replace("\n", " ").split(" ")
    space = width(" ") if len(words) > 1 else 0.0
    lines: list[str] = []
    current, current_w = "", 0.0
    for word in words:
        w = width(word)
        if current and current_w + space + w > limit_px:
            lines.append(current)
            current, current_w = word, w
        else:
            current = word if not current else f"{current} {word}"
            current_w = w if current_w == 0.0 else current_w + space + w
    lines.append(current)
    fitted = []
    for line in lines[:2]:
        shown = line
        while len(line) > 1 and width(shown) > limit_px:
            line = line[: max(1, min(len(line) - 1, int(len(line) * limit_px / width(shown))))]
            shown = line + _ELLIPSIS
        fitted.append(shown)
    if len(lines) > 2 and not fitted[-1].endswith(_ELLIPSIS):
        last = fitted[-1]
        while len(last) > 1 and width(last + _ELLIPSIS) > limit_px:
            last = last[:-1]
        fitted[-1] = last + _ELLIPSIS
    text.set_text("\n".join(fitted))


@dataclass
class PageLayout:
    """Everything the engine places on one figure.

    Attributes
    ----------
    gridspec : matplotlib.gridspec.GridSpec
        Grid of the panels; its parameters are set by the engine.
    axes : list of Axes
        Panels in the grid (their subplotspecs give their cells).
    pad : float
        Inches between neighbouring elements.
    header : list of Text
        Figure texts stacked above the panels, top first (titles; the title-stack hook).
    xlabel, ylabel : Text or None
        Spanning axis labels (figure texts), centred on the panel area.
    top_strips : dict
        Axes -> (Text, full string): strip label above a panel, fitted to its width.
    right_strips : dict
        Grid row -> (Text, full string): strip label right of the grid row (figure text).
    legend : Legend or None
        A figure legend placed on *legend_side*.
    legend_side : {"right", "bottom", "top"}
    cax : Axes or None
        A shared colourbar's Axes, placed on the right.
    cax_width : float
        Inches.
    ratios : callable or None
        Called at draw time, returns ``(width_ratios, height_ratios)`` (free space).
    """

    gridspec: Any
    axes: list[Any]
    pad: float
    header: list[Any] = field(default_factory=list)
    xlabel: Any = None
    ylabel: Any = None
    top_strips: dict[Any, tuple[Any, str]] = field(default_factory=dict)
    right_strips: dict[int, tuple[Any, str]] = field(default_factory=dict)
    legend: Any = None
    legend_side: str = "right"
    cax: Any = None
    cax_width: float = 0.15
    ratios: Callable[[], tuple[list[float] | None, list[float] | None]] | None = None
    tags: dict[Any, Any] = field(default_factory=dict)
    measured_runs: int = 0
    _right_overhang: float = 0.0
    _sup_top: float = 0.0
    _sup_bottom: float = 0.0
    _sup_left: float = 0.0
    _tag_spots: dict[Any, tuple[float, float]] = field(default_factory=dict)

    # -- measuring -------------------------------------------------------------------------

    def _panel_overhangs(self, renderer: Any) -> dict[Any, tuple[float, float, float, float]]:
        """Overhang in pixels of each panel's decorations, axes measured once per share key."""
        cache: dict[tuple, tuple[list[Bbox], Bbox]] = {}
        out = {}
        for ax in self.axes:
            box = ax.get_window_extent(renderer)
            parts = []
            for axis, other in ((ax.xaxis, "x"), (ax.yaxis, "y")):
                # Panels sharing an axis with identical label visibility and size have
                # identical tick labels: measure one, shift to this panel.
                group = ax._shared_axes[other].get_siblings(ax)
                leader = min(group, key=id)
                key = (
                    other,
                    id(leader),
                    _labels_visible(axis),
                    round(box.width, 1),
                    round(box.height, 1),
                    bool(axis.label.get_text()),
                )
                hit = cache.get(key)
                if hit is None:
                    boxes = axis_boxes(axis, renderer)
                    cache[key] = (boxes, box)
                    parts.extend(boxes)
                else:
                    dx, dy = box.x0 - hit[1].x0, box.y0 - hit[1].y0
                    parts.extend(b.translated(dx, dy) for b in hit[0])
            for text in (ax.title, ax._left_title, ax._right_title):
                bb = _text_box(text, renderer)
                if bb is not None:
                    parts.append(bb)
            for text in ax.texts:
                # Every text in layout, clipped or not: title stacks are Text artists that
                # draw outside the axes whatever their clip settings.
                if text.get_in_layout():
                    bb = _text_box(text, renderer)
                    if bb is not None:
                        parts.append(bb)
            for artist in ax.artists:
                # Artists that take part in layout (e.g. chartkit.annotate title stacks,
                # which report their extent like an axes title) get room too.
                if artist.get_visible() and artist.get_in_layout():
                    bb = artist.get_window_extent(renderer)
                    if bb is not None and bb.width > 0 and bb.height > 0:
                        parts.append(bb)
            leg = ax.get_legend()
            if leg is not None and leg.get_visible():
                parts.append(leg.get_window_extent(renderer))
            for child in ax.child_axes:
                bb = child.get_tightbbox(renderer)
                if bb is not None:
                    parts.append(bb)
            lo, ro, bo, to = overhang(_union(parts), box)
            # Outward tick marks reach beyond the box even where their labels are hidden.
            px = renderer.points_to_pixels(1.0)
            xt, yt = _tick_reach(ax.xaxis), _tick_reach(ax.yaxis)
            bo, to = max(bo, xt[0] * px), max(to, xt[1] * px)
            lo, ro = max(lo, yt[0] * px), max(ro, yt[1] * px)
            tag = self.tags.get(ax)
            if tag is not None:
                # The abc tag sits on a line of its own above the panel's decorations.
                tb = tag.get_window_extent(renderer)
                self._tag_spots[ax] = (box.x0 - lo, box.y1 + to)
                to += tb.height + 0.25 * self.pad * renderer.points_to_pixels(72.0)
            out[ax] = (lo, ro, bo, to)
        return out

    # -- placing ---------------------------------------------------------------------------

    def run(self, fig: Any, renderer: Any) -> None:
        dpi = fig.dpi
        w_in, h_in = fig.get_size_inches()
        pad = self.pad
        inch = 1.0 / dpi
        self.measured_runs += 1

        if self.ratios is not None:
            wr, hr = self.ratios()
            if wr is not None:
                self.gridspec.set_width_ratios(wr)
            if hr is not None:
                self.gridspec.set_height_ratios(hr)

        nrows, ncols = self.gridspec.get_geometry()
        cells = {}
        for ax in self.axes:
            ss = ax.get_subplotspec()
            cells[ax] = (ss.rowspan, ss.colspan)

        # Fixed bands (inches) that do not depend on panel positions.
        def text_h(t: Any) -> float:
            bb = _text_box(t, renderer)
            return 0.0 if bb is None else bb.height * inch

        def text_w(t: Any) -> float:
            bb = _text_box(t, renderer)
            return 0.0 if bb is None else bb.width * inch

        def fit_bands(m: dict[str, float]) -> tuple[list[float], float, float, float]:
            """Wrap titles and spanning labels to the room *m* leaves; their bands."""
            for text in self.header:
                full = getattr(text, "_chartkit_full", None)
                if full is not None:  # titles start at the panels' left edge
                    fit_text(text, full, renderer, (w_in - m["left"] - pad) * dpi, vertical=False)
            for text, room, vertical in (
                (self.xlabel, w_in - m["left"] - m["right"], False),
                (self.ylabel, h_in - m["top"] - m["bottom"], True),
            ):
                full = getattr(text, "_chartkit_full", None)
                if full:
                    fit_text(text, full, renderer, room * dpi, vertical=vertical)
            heights = [text_h(t) for t in self.header]
            top_band = sum(h + pad for h in heights if h > 0)
            xb = text_h(self.xlabel) + pad if text_h(self.xlabel) else 0.0
            yb = text_w(self.ylabel) + pad if text_w(self.ylabel) else 0.0
            return heights, top_band, xb, yb

        legend_w = legend_h = 0.0
        if self.legend is not None and self.legend.get_visible():
            lb = self.legend.get_window_extent(renderer)
            legend_w, legend_h = lb.width * inch, lb.height * inch
        right_band = legend_w + 2 * pad if self.legend_side == "right" and legend_w else 0.0
        bottom_band = legend_h + pad if self.legend_side == "bottom" and legend_h else 0.0
        top_legend = legend_h + pad if self.legend_side == "top" and legend_h else 0.0

        # Figure-level suptitle / supxlabel (plain texts or chartkit.annotate title stacks)
        # keep the figure edges: the header and the bottom labels go inside them.
        self._sup_top = self._edge_band(fig, "_suptitle", renderer, w_in, h_in)
        self._sup_bottom = self._edge_band(fig, "_supxlabel", renderer, w_in, h_in)
        self._sup_left = self._edge_band(fig, "_supylabel", renderer, w_in, h_in)

        # Two rounds: tick locators and strip fitting depend on the panel size, which
        # depends on the margins; the second round sees the final size.
        margins = {"left": 0.5, "right": 0.2, "bottom": 0.5, "top": 0.3}
        wgap = hgap = pad
        strip_w_in = 0.0
        cax_band = 0.0
        for _ in range(2):
            header_h, top_band, xlabel_band, ylabel_band = fit_bands(margins)
            params = gridspec_params((w_in, h_in), _add(margins), wgap, hgap, nrows, ncols)
            self.gridspec.update(**params)
            # Strips fitted to the panel size.
            for ax, (text, full) in self.top_strips.items():
                width = ax.get_position().width * w_in * dpi
                fit_text(text, full, renderer, width, vertical=False)
            strip_w_in = 0.0
            for r, (text, full) in self.right_strips.items():
                height = self._row_height(r, params, h_in, nrows) * dpi
                fit_text(text, full, renderer, height, vertical=True)
                strip_w_in = max(strip_w_in, text_w(text))
            if self.cax is not None:
                self._place_cax(params, w_in, h_in, pad, 0.0)
                cb = self.cax.get_tightbbox(renderer)
                cax_band = pad * 2 + (cb.width * inch if cb is not None else self.cax_width)

            measured = self._panel_overhangs(renderer)
            over = {ax: tuple(v * inch for v in o) for ax, o in measured.items()}
            left = right = bottom = top = 0.0
            wgap = hgap = pad
            for ax, (rs, cs) in cells.items():
                lo, ro, bo, to = over[ax]
                if cs.start == 0:
                    left = max(left, lo)
                if cs.stop == ncols:
                    right = max(right, ro)
                if rs.start == 0:
                    top = max(top, to)
                if rs.stop == nrows:
                    bottom = max(bottom, bo)
            if len(cells) > 64:  # single-cell panels (facets): neighbours by grid cell
                wgap, hgap = self._gaps_fast(cells, over, pad, wgap, hgap)
            else:  # spanning panels (mosaics): every pair
                for a, (ra, ca) in cells.items():
                    for b, (rb, cb_) in cells.items():
                        if ca.stop == cb_.start and _overlap(ra, rb):
                            wgap = max(wgap, over[a][1] + over[b][0] + pad)
                        if ra.stop == rb.start and _overlap(ca, cb_):
                            hgap = max(hgap, over[a][2] + over[b][3] + pad)
            strip_band = strip_w_in + pad if strip_w_in else 0.0
            margins = {
                "left": pad + ylabel_band + left + self._sup_left,
                "right": pad + right + strip_band + cax_band + right_band,
                "bottom": pad + bottom + xlabel_band + bottom_band + self._sup_bottom,
                "top": pad + top + top_band + top_legend + self._sup_top,
            }
        # Titles and labels wrapped for the final margins; their bands follow.
        bands = (top_band, xlabel_band, ylabel_band)
        header_h, top_band, xlabel_band, ylabel_band = fit_bands(margins)
        margins["top"] += top_band - bands[0]
        margins["bottom"] += xlabel_band - bands[1]
        margins["left"] += ylabel_band - bands[2]
        params = gridspec_params((w_in, h_in), margins, wgap, hgap, nrows, ncols)
        self.gridspec.update(**params)
        self._right_overhang = right
        if self.tags:
            self._panel_overhangs(renderer)  # tag spots at the final panel positions
            for ax, tag in self.tags.items():
                x, y = self._tag_spots[ax]
                tag.set_position((x / (w_in * dpi), (y + 0.25 * pad * dpi) / (h_in * dpi)))
        self._place_texts(params, w_in, h_in, header_h, strip_band, cax_band, xlabel_band)

    # -- helpers ---------------------------------------------------------------------------

    def _edge_band(self, fig: Any, attr: str, renderer: Any, w_in: float, h_in: float) -> float:
        """Inches a figure suptitle/supxlabel/supylabel takes from its edge, placed there."""
        text = getattr(fig, attr, None)
        if text is None or not text.get_visible() or not text.get_text():
            return 0.0
        if attr == "_supylabel":  # left edge: x at the pad, its right side is the reach
            text.set_position((self.pad / w_in, text.get_position()[1]))
            text.set_ha("left")
            bb = text.get_window_extent(renderer)
            return 0.0 if bb is None or bb.width <= 0 else max(0.0, bb.x1 / fig.dpi)
        top = attr == "_suptitle"
        x = text.get_position()[0]
        text.set_position((x, 1 - self.pad / h_in if top else self.pad / h_in))
        bb = text.get_window_extent(renderer)
        if bb is None or bb.height <= 0:
            return 0.0
        dpi = fig.dpi
        reach = (fig.bbox.height - bb.y0) if top else bb.y1
        return max(0.0, reach / dpi)

    def _gaps_fast(self, cells, over, pad, wgap, hgap):
        # Neighbours by grid cell, linear in the number of panels.
        at = {}
        for ax, (rs, cs) in cells.items():
            at[(rs.start, cs.start)] = ax
        for (r, c), ax in at.items():
            rs, cs = cells[ax]
            right = at.get((r, cs.stop))
            below = at.get((rs.stop, c))
            if right is not None:
                wgap = max(wgap, over[ax][1] + over[right][0] + pad)
            if below is not None:
                hgap = max(hgap, over[ax][2] + over[below][3] + pad)
        return wgap, hgap

    def _row_height(self, r: int, params: dict, h_in: float, nrows: int) -> float:
        bottoms, tops, _, _ = self.gridspec.get_grid_positions(self.gridspec.figure)
        return (tops[r] - bottoms[r]) * h_in

    def _place_cax(self, params, w_in, h_in, pad, x_in):
        left = params["right"] + x_in / w_in
        h = params["top"] - params["bottom"]
        self.cax.set_position(
            [left + pad / w_in, params["bottom"] + 0.1 * h, self.cax_width / w_in, 0.8 * h]
        )

    def _place_texts(self, params, w_in, h_in, header_h, strip_band, cax_band, xlabel_band):
        fig = self.gridspec.figure
        pad = self.pad
        left, right, bottom, top = (params[k] for k in ("left", "right", "bottom", "top"))
        bottoms, tops, _, _ = self.gridspec.get_grid_positions(fig)
        # Header stacked from the top edge, aligned with the panel area's left edge.
        y = 1 - (pad + self._sup_top) / h_in
        for text, h in zip(self.header, header_h, strict=True):
            if h <= 0:
                continue
            text.set_position((left if text.get_ha() == "left" else 0.5, y))
            y -= (h + pad) / h_in
        if self.xlabel is not None:
            self.xlabel.set_position(((left + right) / 2, (pad + self._sup_bottom) / h_in))
        if self.ylabel is not None:
            self.ylabel.set_position((pad / w_in, (bottom + top) / 2))
        right += self._right_overhang / w_in
        for r, (text, _) in self.right_strips.items():
            text.set_position((right + pad / w_in, (bottoms[r] + tops[r]) / 2))
        x = right + strip_band / w_in
        if self.cax is not None:
            self._place_cax(params, w_in, h_in, pad, strip_band + self._right_overhang)
            x += cax_band / w_in
        if self.legend is not None:
            if self.legend_side == "right":
                anchor, loc = (x + pad / w_in, (bottom + top) / 2), "center left"
            elif self.legend_side == "bottom":
                lift = pad + xlabel_band + self._sup_bottom
                anchor, loc = ((left + right) / 2, lift / h_in), "lower center"
            else:
                anchor, loc = ((left + right) / 2, y), "upper center"
            self.legend.set_bbox_to_anchor(anchor, fig.transFigure)
            self.legend.set_loc(loc)


def _tick_reach(axis: Any) -> tuple[float, float]:
    """Points the major tick marks reach outside the axes on side 1 and side 2."""
    ticks = axis.majorTicks
    if not axis.get_visible() or not ticks:
        return (0.0, 0.0)
    tick = ticks[0]
    size = getattr(tick, "_size", 0.0)
    frac = {"out": 1.0, "inout": 0.5}.get(tick.get_tickdir(), 0.0)
    return (
        size * frac if tick.tick1line.get_visible() else 0.0,
        size * frac if tick.tick2line.get_visible() else 0.0,
    )


def _labels_visible(axis: Any) -> tuple[bool, bool]:
    kw = axis._major_tick_kw
    if axis.axis_name == "x":
        return kw.get("label1On", True), kw.get("label2On", False)
    return kw.get("label1On", True), kw.get("label2On", False)


def _overlap(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop


def _add(margins: dict[str, float]) -> dict[str, float]:
    return {k: max(0.0, v) for k, v in margins.items()}


class LayoutArtist(DrawTimeLayout):
    """An invisible figure artist, drawn first, that lays the page out with the renderer.

    `Figure.draw` draws its artists in zorder; this one has the lowest, so its ``draw``
    (which measures and places, and draws nothing) runs before any Axes or text is drawn,
    with the renderer and dpi of that very draw. Unlike a `LayoutEngine`, it does not make
    ``savefig`` run a second, draw-disabled `Figure.draw` first. It is the page's
    `chartkit._layout.DrawTimeLayout`: title stacks see that the page lays itself out.
    """

    def __init__(self, page: PageLayout) -> None:
        super().__init__()
        self.page = page

    def layout(self, fig: Any, renderer: Any) -> None:
        self.page.run(fig, renderer)
        for ax in self.page.axes:
            ax.apply_aspect()


def new_figure(page: PageLayout, figsize: tuple[float, float] | None) -> Any:
    """A pyplot figure without layout engine, laid out by *page* at every draw."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="none", FigureClass=OnePassFigure)
    fig._one_pass = True
    fig.add_artist(LayoutArtist(page))
    return fig


class OnePassFigure(Figure):
    """A `~matplotlib.figure.Figure` that keeps "no layout engine" meaning no engine.

    ``savefig`` turns the engine off while printing and restores the previous one with
    ``set_layout_engine(None)``, which reads ``figure.constrained_layout.use``: a figure
    without engine saved inside ``chartkit.theme()`` (whose rcParams ask for constrained
    layout) would come out of the save with a constrained engine, and every later save
    would draw twice. Here ``None`` stays None once the one-pass layout is attached.
    """

    _one_pass = False

    def set_layout_engine(self, layout: Any = None, **kwargs: Any) -> None:
        if layout is None and self._one_pass:
            self._layout_engine = None
            return
        super().set_layout_engine(layout, **kwargs)
