"""Direct line labels: each series named at its end, or in the best free gap along it.

`label_lines` replaces a legend by names written beside the lines, coloured like them.
At the end, the names form a column just right of every line (so no line can cross them);
names that would collide are stacked vertically with the least total displacement and
joined to their line's end by a leader. Along the line (``where="best"``), each name takes
the place next to its line with the most clearance from every line and from the names
already placed.

Extents are measured once per call with one renderer; the geometry is in
`chartkit.annotate._geometry`. No pyplot here (pyplot is only imported when no Axes and no
lines are given, to find the current Axes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.transforms import Bbox

from chartkit._validate import check_in_list, check_length, check_refused, invalid_value_message
from chartkit.annotate import _geometry, _measure
from chartkit.annotate.placement import Placement, _set_arrow

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

__all__ = ["label_lines", "readable_color", "stack_1d"]

_CONTROLLED = {
    "xy": "each label is anchored at its line",
    "xytext": "label positions are chosen by the placer",
    "textcoords": "label positions are offsets in points from the line",
    "xycoords": "anchors are the lines' own coordinates",
    "ha": "labels are aligned by the placer",
    "horizontalalignment": "labels are aligned by the placer",
    "va": "labels are aligned by the placer",
    "verticalalignment": "labels are aligned by the placer",
    "arrowprops": "leader lines are styled with leader_kws",
}


def stack_1d(
    desired: np.ndarray, heights: np.ndarray, gap: float, lo: float = -np.inf, hi: float = np.inf
) -> np.ndarray:
    """Centres for boxes on one axis: no overlaps, least squared displacement from *desired*.

    Boxes keep the order of *desired*; consecutive centres end at least the half heights
    plus *gap* apart. Colliding boxes are merged into blocks centred on the mean of their
    wishes (pool-adjacent-violators), then the blocks are pushed inside ``[lo, hi]`` when the
    stack fits there (otherwise it is centred on the interval).

    Parameters
    ----------
    desired, heights : (n,) array
    gap : float
    lo, hi : float
        Interval the boxes should stay inside.

    Returns
    -------
    (n,) ndarray of centres, in the input order.
    """
    d = np.asarray(desired, float)
    h = np.asarray(heights, float)
    n = len(d)
    if not n:
        return d.copy()
    order = np.argsort(d, kind="stable")
    ds, hs = d[order], h[order]
    # Offset of each box centre from the bottom of a tight stack.
    sep = (hs[:-1] + hs[1:]) / 2 + gap
    off = np.concatenate([[0.0], np.cumsum(sep)])
    # Blocks as [first, last, base] where centre_i = base + off_i - off_first.
    blocks: list[list[float]] = []
    for i in range(n):
        blocks.append([i, i, ds[i]])
        while len(blocks) > 1:
            a, b = blocks[-2], blocks[-1]
            top_a = a[2] + off[int(a[1])] - off[int(a[0])] + hs[int(a[1])] / 2
            if top_a + gap <= b[2] - hs[int(b[0])] / 2 + 1e-9:
                break
            first, last = int(a[0]), int(b[1])
            base = float(np.mean(ds[first : last + 1] - (off[first : last + 1] - off[first])))
            blocks[-2:] = [[first, last, base]]
    pos = np.empty(n)
    for first, last, base in blocks:
        f, la = int(first), int(last)
        pos[f : la + 1] = base + off[f : la + 1] - off[f]
    total = off[-1] + hs[0] / 2 + hs[-1] / 2
    if np.isfinite(lo) and np.isfinite(hi) and total > hi - lo:
        pos = pos - (pos[0] - hs[0] / 2) + (lo + hi) / 2 - total / 2
    else:
        if np.isfinite(lo):
            low = lo + hs[0] / 2
            for i in range(n):
                pos[i] = max(pos[i], low if i == 0 else pos[i - 1] + sep[i - 1])
        if np.isfinite(hi):
            high = hi - hs[-1] / 2
            for i in range(n - 1, -1, -1):
                pos[i] = min(pos[i], high if i == n - 1 else pos[i + 1] - sep[i])
    out = np.empty(n)
    out[order] = pos
    return out


def readable_color(color: Any, backgrounds: Sequence[Any], min_contrast: float) -> Any:
    """*color*, darkened or lightened just enough to reach *min_contrast* on *backgrounds*.

    The colour is mixed with black (on light backgrounds) or white (on dark ones) in sRGB,
    which keeps its hue; the smallest mix that reaches the ratio against every background
    is kept (to 1/256). A colour that already passes is returned unchanged.

    Parameters
    ----------
    color : colour
    backgrounds : sequence of colours
    min_contrast : float
        WCAG contrast ratio to reach, 1 to 21.

    Returns
    -------
    colour
        *color* itself, or an RGB tuple.
    """
    import matplotlib.colors as mcolors

    from chartkit.annotate.contrast import contrast_ratio, relative_luminance

    if min(float(contrast_ratio(color, bg)) for bg in backgrounds) >= min_contrast:
        return color
    rgb = np.asarray(mcolors.to_rgb(color))
    dark_bg = np.mean([relative_luminance(bg) for bg in backgrounds]) < 0.18
    target = np.ones(3) if dark_bg else np.zeros(3)
    # Mixes in steps of 1/256, all tested at once; the first that passes is kept.
    t = np.linspace(0.0, 1.0, 257)
    mixes = rgb + (target - rgb) * t[:, None]
    ratio = np.min([np.asarray(contrast_ratio(mixes, bg)) for bg in backgrounds], axis=0)
    passing = np.flatnonzero(ratio >= min_contrast)
    best = mixes[passing[0]] if len(passing) else target
    return tuple(float(v) for v in best)


def _resolve(
    lines: Sequence[Line2D] | None, names: Sequence[str] | None, ax: Axes | None
) -> tuple[Axes, list[Line2D], list[str]]:
    from matplotlib.lines import Line2D

    if lines is not None:
        lines = list(lines)
        for i, line in enumerate(lines):
            if not isinstance(line, Line2D):
                raise TypeError(
                    f"lines (entry {i}) must be a matplotlib.lines.Line2D, "
                    f"not {type(line).__name__}"
                )
    if ax is None:
        if lines:
            ax = lines[0].axes
        else:
            import matplotlib.pyplot as plt

            ax = plt.gca()
    explicit = lines is not None
    if lines is None:
        lines = [ln for ln in ax.get_lines() if ln.get_visible()]
        if names is None:
            lines = [ln for ln in lines if not str(ln.get_label()).startswith("_")]
    if names is None:
        names = []
        for i, line in enumerate(lines):
            label = str(line.get_label())
            if label.startswith("_"):
                raise ValueError(
                    invalid_value_message(
                        label,
                        f"the label of line {i}",
                        expected="a label (names starting with '_' are hidden); pass names= "
                        "to name the lines",
                    )
                )
            names.append(label)
        if not lines and not explicit:
            raise ValueError(
                "no labelled lines on the Axes; draw them with label= or pass lines= and names=."
            )
    names = [str(s) for s in names]
    check_length(names, len(lines), name="names", per="line", got="names")
    return ax, lines, names


def label_lines(
    lines: Sequence[Line2D] | None = None,
    names: Sequence[str] | None = None,
    *,
    where: Literal["end", "best"] = "end",
    pad: float = 3.0,
    gap: float = 1.0,
    leader: bool = True,
    min_leader: float = 3.0,
    min_contrast: float | None = 4.5,
    leader_kws: dict[str, Any] | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Placement:
    """Write each line's name beside it, in the line's colour, instead of a legend.

    Parameters
    ----------
    lines : sequence of `~matplotlib.lines.Line2D`, optional
        Lines to name. Default: the visible lines of *ax* (those with a label unless
        *names* is given), in drawing order; works for lines drawn by seaborn or plain
        matplotlib.
    names : sequence of str, optional
        One name per line. Default: each line's ``label``.
    where : {"end", "best"}, default: "end"
        ``"end"``: in a column just right of the rightmost line, each name level with its
        line's last point; colliding names are stacked vertically with the least
        displacement and joined to their line by a leader line. ``"best"``: beside the
        line, at the place with the most clearance from every line and from the other
        names (lines without such a place fall back to ``"end"``).
    pad : float, default: 3.0
        Space in points between a line and its name.
    gap : float, default: 1.0
        Vertical space in points between stacked names.
    leader : bool, default: True
        Draw leader lines for names moved away from their line's end.
    min_leader : float, default: 3.0
        Names moved by less than this (points) get no leader.
    min_contrast : float or None, default: 4.5
        WCAG contrast ratio each name must reach against the Axes and figure backgrounds
        (4.5:1 is the level for normal text): a line colour that is too light (or too dark
        on a dark background) is darkened (lightened) for its name, keeping its hue. None
        writes every name in exactly its line's colour.
    leader_kws : dict, optional
        Passed to `matplotlib.patches.FancyArrowPatch` (the annotation's ``arrowprops``);
        default a thin line in the line's colour.
    ax : `~matplotlib.axes.Axes`, optional
        Default: the Axes of the first line, or pyplot's current Axes.
    **kwargs
        Text properties passed to `matplotlib.axes.Axes.annotate` (``fontsize``, ...). By
        default each name takes its line's colour; ``color=`` sets one colour for all.

    Returns
    -------
    Placement
        ``.texts`` the name artists (in line order), ``.shown`` their positions in
        *lines*; ``.hidden`` lists the lines without a finite point.

    Raises
    ------
    ValueError
        For an unknown *where*, a line without a label when *names* is not given, no lines
        to label, or a *names* of another length than *lines*.
    TypeError
        For a keyword the function controls itself, or a non-Line2D in *lines*.

    See Also
    --------
    chartkit.annotate.label_points : Labels for scattered points.

    Notes
    -----
    Call it after the lines are drawn. Positions are computed at once (a layout engine is
    run first, and once more after the names are added, since names in the right margin
    change the layout) and again at every draw, so the names follow later changes of
    limits, figure size, dpi or layout.
    """
    check_in_list(["end", "best"], where=where)
    check_refused(kwargs, _CONTROLLED, func="label_lines")
    ax, lines, names = _resolve(lines, names, ax)
    if not lines:
        return Placement(labels=names, axes=[ax])
    fig = ax.get_figure(root=True)
    _measure.prepare_layout(fig)
    renderer = _measure.get_renderer(fig)

    sizes = _measure.label_sizes(fig, names, renderer, ha="left", va="center", **kwargs)

    from chartkit.annotate.contrast import series_text_color

    texts = []
    for i, line in enumerate(lines):
        color = kwargs.get("color", kwargs.get("c", line.get_color()))
        if min_contrast is not None and "color" not in kwargs and "c" not in kwargs:
            color = series_text_color(color, ax, min_contrast)
        style = {k: v for k, v in kwargs.items() if k not in ("color", "c")}
        t = ax.annotate(
            names[i],
            xy=(0, 0),
            xytext=(0, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            color=color,
            annotation_clip=False,
            **style,
        )
        t.set_clip_on(False)
        texts.append(t)
    placement = Placement(labels=names, axes=[ax])
    keeper = _LineLabeller(
        placement,
        lines,
        texts,
        sizes / _measure.px_per_point(fig),
        where,
        pad,
        gap,
        leader,
        min_leader,
        leader_kws,
    )
    keeper.layout(renderer)
    if fig.get_layout_engine() is not None:
        # Names in the margin change the layout: lay out again, then place again.
        _measure.prepare_layout(fig)
        keeper.layout(renderer)
    ax.add_artist(keeper)
    placement.helpers = [keeper]
    return placement


class _LineLabeller(Artist):
    """Invisible artist that re-places the names at every draw, before they are drawn.

    Drawn first on its Axes (lowest zorder), after the layout engine has run, so the names
    follow changes of limits, figure size, dpi or layout made after `label_lines`.
    """

    zorder = -1e9

    def __init__(self, placement, lines, texts, sizes_pt, *options):
        super().__init__()
        self.set_in_layout(False)
        self.placement = placement
        self._ax, self._lines, self._texts = placement.axes[0], lines, texts
        self._sizes_pt = sizes_pt
        self._options = options

    def layout(self, renderer) -> None:
        """Place the names for the figure as it is now and update the Placement."""
        fig = self._ax.get_figure(root=True)
        sizes = self._sizes_pt * _measure.px_per_point(fig)
        leaders = _layout(self._ax, self._lines, self._texts, sizes, *self._options, renderer)
        shown = np.array([t.get_visible() for t in self._texts], bool)
        self.placement.texts = [t for t in self._texts if t.get_visible()]
        self.placement.shown = np.flatnonzero(shown)
        self.placement.hidden = np.flatnonzero(~shown)
        self.placement.leaders = leaders

    def draw(self, renderer) -> None:
        if self.get_visible() and self._texts:
            self.layout(renderer)
        self.stale = False

    def get_window_extent(self, renderer=None):
        return Bbox.null()

    def get_tightbbox(self, renderer=None):
        return None


def _last_finite(xy: np.ndarray) -> int:
    ok = np.flatnonzero(np.isfinite(xy).all(axis=1))
    return int(ok[-1]) if len(ok) else -1


def _layout(ax, lines, texts, sizes, where, pad, gap, leader, min_leader, leader_kws, renderer):
    """Compute every name's position for the current layout and move the texts there."""
    fig = ax.get_figure(root=True)
    ppp = _measure.px_per_point(fig)
    box = np.asarray(ax.bbox.extents)
    _, segments = _measure.axes_obstacles(ax, exclude=texts, renderer=renderer, texts=False)
    dxy = [np.asarray(line.get_xydata(), float) for line in lines]
    pxy = [line.get_transform().transform(xy) for line, xy in zip(lines, dxy, strict=True)]
    # Names are anchored in data coordinates: map lines drawn in other coordinates there.
    to_data = ax.transData.inverted()
    dxy = [
        xy if line.get_transform() == ax.transData else to_data.transform(p)
        for line, xy, p in zip(lines, dxy, pxy, strict=True)
    ]
    ends = [_last_finite(xy) for xy in pxy]
    n = len(lines)
    centre = np.full((n, 2), np.nan)  # label centres, display px
    vertex = np.full(n, -1)  # the line vertex a name (or its leader) points to

    # Right edge of the lines inside the Axes: the end column starts there.
    right = box[0]
    if len(segments):
        sx = segments[:, [0, 2]].ravel()
        sx = sx[np.isfinite(sx)]
        if len(sx):
            right = min(float(sx.max()), box[2])
    if where == "best":
        # Names along the lines stay left of the column.
        inner = np.array([box[0], box[1], min(box[2], right), box[3]])
        centre, vertex = _best(pxy, sizes, segments, inner, pad * ppp)
    todo = [i for i in range(n) if not np.isfinite(centre[i]).all() and ends[i] >= 0]
    column = np.zeros(n, bool)
    if todo:
        # The column starts right of every line vertex inside the Axes, so no line crosses
        # a name in it.
        x_col = right + pad * ppp
        wishes = np.array([np.clip(pxy[i][ends[i], 1], box[1], box[3]) for i in todo])
        ys = stack_1d(wishes, sizes[todo, 1], gap * ppp, box[1], box[3])
        for k, i in enumerate(todo):
            centre[i] = x_col + sizes[i, 0] / 2, ys[k]
            vertex[i] = ends[i]
            column[i] = True
    leaders = 0
    style = {"arrowstyle": "-", "linewidth": 0.6, "shrinkA": 0.0, "shrinkB": 1.0, "patchA": None}
    style.update(leader_kws or {})
    for i, t in enumerate(texts):
        if not np.isfinite(centre[i]).all():
            t.set_visible(False)
            continue
        t.set_visible(True)
        t.xy = (float(dxy[i][vertex[i], 0]), float(dxy[i][vertex[i], 1]))
        left = centre[i] - np.array([sizes[i, 0] / 2, 0.0])
        off = (left - pxy[i][vertex[i]]) / ppp
        t.xyann = (float(off[0]), float(off[1]))
        if leader and column[i] and float(np.hypot(*off)) > pad + min_leader:
            props = dict(style)
            props.setdefault("color", t.get_color())
            _set_arrow(t, props, relpos=(0.0, 0.5))
            leaders += 1
        else:
            t.arrowprops = None
            t.arrow_patch = None
    return leaders


def _best(pxy, sizes, segments, box, pad):
    """Place each name beside its own line with the most clearance; NaN where none fits."""
    n = len(pxy)
    centre = np.full((n, 2), np.nan)
    vertex = np.full(n, -1)
    # About 1 px cells, coarser for very large Axes (at most ~4 million cells).
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1.0)
    cell = max(1.0, float(np.sqrt(area / 4e6)))
    grid = _geometry.OccupancyGrid(segments, box, cell)
    margins = np.array([0.0, 2.0, 4.0, 8.0, 16.0]) * (pad / 3.0 if pad > 0 else 1.0)
    placed: list[np.ndarray] = []
    for i in range(n):
        xy = pxy[i]
        usable = np.flatnonzero(
            np.isfinite(xy).all(axis=1) & _geometry.box_contains(box, np.hstack([xy, xy]))
        )
        if not len(usable):
            continue
        picks = usable[
            np.unique(np.linspace(0, len(usable) - 1, min(len(usable), 80)).round().astype(int))
        ]
        pts = xy[picks]
        w, h = sizes[i]
        up = np.column_stack(
            [pts[:, 0] - w / 2, pts[:, 1] + pad, pts[:, 0] + w / 2, pts[:, 1] + pad + h]
        )
        down = np.column_stack(
            [pts[:, 0] - w / 2, pts[:, 1] - pad - h, pts[:, 0] + w / 2, pts[:, 1] - pad]
        )
        cand = np.vstack([up, down])
        ok = _geometry.box_contains(box, cand)
        if placed:
            ok &= ~_geometry.rects_overlap(cand, np.array(placed), pad).any(axis=1)
        score = np.full(len(cand), -1.0)
        for m in margins:  # the widest clearance that is free of every line
            free = ok & (grid.count(cand + np.array([-m, -m, m, m])) == 0)
            score[free] = m
        if score.max() < 0:
            continue
        # Most clearance; among equals, the latest along the line (nearest its end).
        best_score = score.max()
        choices = np.flatnonzero(score == best_score)
        along = np.concatenate([picks, picks])[choices]
        k = choices[np.argmax(along)]
        centre[i] = (cand[k, :2] + cand[k, 2:]) / 2
        vertex[i] = np.concatenate([picks, picks])[k]
        placed.append(cand[k])
    return centre, vertex
