"""Repel placer: labels beside their points, clear of each other, of markers and of lines.

`label_points` measures every label once (one renderer, no draw), then solves the
placement in pure geometry (`chartkit.annotate._geometry.place`): greedy by priority over a
fixed set of candidate positions, with a spatial index for markers and line segments and a
relocation sweep for the labels that found no room. The work is bounded by iteration budgets
only, so the same input always gives the same picture, whatever the machine load. Labels
that still find no room are hidden, lowest priority first, and reported in the returned
`Placement`.

No pyplot here (pyplot is only imported when no Axes is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.transforms import Bbox

from chartkit._validate import check_isinstance, check_length, check_refused, invalid_value_message
from chartkit.annotate import _geometry, _measure, _repel
from chartkit.errors import DataWarning, warn_external
from chartkit.palettes.resolve import resolve_colors

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

__all__ = ["Placement", "label_points"]

# Keywords label_points sets itself on each annotation, with the reason given on refusal.
_CONTROLLED = {
    "xy": "the anchors are given by x and y",
    "xytext": "label positions are chosen by the placer",
    "textcoords": "label positions are offsets in points from the anchor",
    "xycoords": "anchors are in data coordinates",
    "ha": "labels are centred on the chosen position",
    "horizontalalignment": "labels are centred on the chosen position",
    "va": "labels are centred on the chosen position",
    "verticalalignment": "labels are centred on the chosen position",
    "arrowprops": "leader lines are styled with leader_kws",
    "annotation_clip": "labels of hidden anchors are not drawn at all",
    "visible": "the placer shows the labels it places and hides the others",
}


@dataclass(repr=False)
class Placement:
    """Result of a label placement.

    When the figure is drawn after a change that moves the Axes (a title or colorbar added
    under a layout engine, a resize, new limits), the labels are placed again and these
    attributes are updated in place.

    Attributes
    ----------
    texts : list of `matplotlib.text.Annotation`
        The label artists that were drawn, in the order of `shown`.
    shown : ndarray of int
        Input positions of the labels that were placed.
    hidden : ndarray of int
        Input positions of the labels hidden for lack of room, lowest priority first hidden.
    skipped : ndarray of int
        Input positions skipped because their anchor was not finite.
    labels : list of str
        The input label strings, so that ``[p.labels[i] for i in p.hidden]`` names the hidden.
    axes : list of `matplotlib.axes.Axes`
        The Axes labelled.
    leaders : int
        How many shown labels got a leader line.
    has_leader : ndarray of bool
        Per shown label (aligned with `shown`), whether it has a leader line.
    helpers : list of `matplotlib.artist.Artist`
        The other artists made: the leader lines (one
        `~matplotlib.collections.LineCollection` per Axes, from `label_points`) and an
        invisible artist that keeps the labels in place when the figure changes; `remove`
        removes them too.
    """

    texts: list[Annotation] = field(default_factory=list)
    shown: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    hidden: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    skipped: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    labels: list[str] = field(default_factory=list)
    axes: list[Axes] = field(default_factory=list)
    leaders: int = 0
    has_leader: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    helpers: list[Any] = field(default_factory=list)

    def _repr_html_(self) -> str:
        """Shown, hidden and skipped labels as a compact table."""
        from chartkit._html import table, titled

        def names(idx) -> str:
            shown = [self.labels[i] for i in list(idx)[:12] if i < len(self.labels)]
            more = len(idx) - len(shown)
            return ", ".join(shown) + (f" … (+{more})" if more > 0 else "")

        rows = [
            ("shown", len(self.shown), names(self.shown)),
            ("hidden (no room)", len(self.hidden), names(self.hidden)),
            ("skipped", len(self.skipped), names(self.skipped)),
            ("with a leader line", self.leaders, ""),
        ]
        return titled("label placement", table(rows, ("labels", "count", "which")))

    def __len__(self) -> int:
        return len(self.shown)

    @property
    def hidden_labels(self) -> list[str]:
        """The strings of the hidden labels."""
        return [self.labels[i] for i in self.hidden]

    def remove(self) -> None:
        """Remove every label artist (shown or hidden) and the helpers from the figure."""
        for h in self.helpers:
            for t in getattr(h, "_texts", ()):
                if t is not None and t not in self.texts:
                    t.remove()
        for t in [*self.texts, *self.helpers]:
            t.remove()
        self.texts = []
        self.helpers = []

    def __repr__(self) -> str:
        return (
            f"Placement(shown={len(self.shown)}, hidden={len(self.hidden)}, "
            f"skipped={len(self.skipped)}, leaders={self.leaders})"
        )


def _as_1d(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(
            invalid_value_message(f"<array of shape {arr.shape}>", name, expected="a 1-D sequence")
        )
    return arr


def _resolve_axes(ax: Any, n: int) -> tuple[list[Axes], np.ndarray]:
    """Unique Axes and, per label, the index of its Axes."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        return [plt.gca()], np.zeros(n, int)
    if isinstance(ax, Axes):
        return [ax], np.zeros(n, int)
    axs = list(np.asarray(ax, dtype=object).ravel())
    check_length(axs, n, name="ax (one Axes or a sequence)", per="label", got="Axes")
    unique: list[Axes] = []
    owner = np.empty(n, int)
    for i, a in enumerate(axs):
        check_isinstance(Axes, ax=a)
        for k, u in enumerate(unique):
            if u is a:
                owner[i] = k
                break
        else:
            unique.append(a)
            owner[i] = len(unique) - 1
    return unique, owner


def label_points(
    x: Sequence[float],
    y: Sequence[float],
    texts: Sequence[str],
    *,
    priority: Sequence[float] | None = None,
    leader: bool = True,
    joint: bool = False,
    avoid: bool = True,
    marker_size: float = 6.0,
    pad: float = 2.0,
    min_leader: float = 5.0,
    rings: int = 6,
    angles: int = 16,
    sweeps: int = 1,
    leader_kws: dict[str, Any] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    **kwargs: Any,
) -> Placement:
    """Label points without overlaps, hiding the lowest-priority labels when there is no room.

    Each label is tried at 8 positions touching its point, then on rings farther out (with a
    leader line back to the point); it must stay inside the Axes and clear of other labels,
    of markers, of lines and of other texts on the Axes. Labels are placed greedily from the
    highest priority down, then a sweep moves single blocking labels aside to make room for
    hidden ones. Nothing depends on time: budgets are counts (*rings*, *angles*, *sweeps*).

    Call it after the data are drawn: the placement is computed at once for the current
    limits and layout (a layout engine, if any, is run first) so that `Placement` can
    report what was hidden, and computed again at draw time whenever the Axes have moved
    since (a title or colorbar added under a layout engine, a resize, new limits); the
    returned `Placement` is then updated in place. Offsets are stored in points, so saving
    at another dpi keeps the picture when the layout in points is unchanged.

    Parameters
    ----------
    x, y : sequence of float
        Anchors in data coordinates. Non-finite anchors are skipped with one `DataWarning`.
    texts : sequence of str
        One label per anchor.
    priority : sequence of float, optional
        Higher is placed first and hidden last; by default the input order (first highest).
    leader : bool, default: True
        Draw a line from a label to its point when the label is farther than *min_leader*.
    joint : bool, default: False
        When *ax* gives one Axes per label (the panels of a figure or facet grid), solve
        them as one problem over the figure, with one priority order: a label may leave
        its own panel into the figure's margins and gutters (never into another panel,
        never straddling its panel's frame, never over tick labels, axis labels or
        titles) and avoids the labels, markers and lines of every panel. Otherwise each
        Axes is solved on its own and its labels stay inside it.
    avoid : bool, default: True
        Keep clear of the markers, lines and texts already on the Axes.
    marker_size : float, default: 6.0
        Diameter in points of the anchor markers (``sqrt(s)`` for ``scatter``).
    pad : float, default: 2.0
        Clearance in points between a label and anything else.
    min_leader : float, default: 5.0
        Leader lines are drawn only for labels farther than this (points) from their point.
    rings, angles : int, default: 6, 16
        Candidate positions beyond the first 8: *rings* rings of *angles* directions, one
        label height apart.
    sweeps : int, default: 1
        Relocation sweeps for hidden labels.
    leader_kws : dict, optional
        Passed to `matplotlib.collections.LineCollection` for the leader lines (one
        collection per Axes, below the labels); default thin grey lines.
    ax : `~matplotlib.axes.Axes` or sequence of Axes, optional
        The Axes to label, or one Axes per label. Default: pyplot's current Axes.
    **kwargs
        Text properties passed to `matplotlib.axes.Axes.annotate` (``fontsize``, ...);
        ``color`` may be one colour or one per label. Positions, alignment and
        ``arrowprops`` are set by the placer and refused.

    Returns
    -------
    Placement
        ``.texts`` the label artists, ``.shown`` / ``.hidden`` / ``.skipped`` input
        positions.

    Raises
    ------
    ValueError
        When *x*, *y*, *priority*, a *color* sequence or a sequence *ax* do not have one
        entry per label, or for a bad colour (naming it and its position).
    TypeError
        For a keyword the placer controls itself.

    See Also
    --------
    chartkit.annotate.label_lines : Name each line at its end.

    Examples
    --------
    >>> ax.scatter(x, y)                                      # doctest: +SKIP
    >>> placed = label_points(x, y, names, ax=ax)             # doctest: +SKIP
    >>> placed.hidden_labels                                  # doctest: +SKIP
    """
    check_refused(kwargs, _CONTROLLED, func="label_points")
    xs = _as_1d("x", x)
    ys = _as_1d("y", y)
    labels = [str(t) for t in texts]
    n = len(labels)
    check_length(xs, n, name="x", per="label", got="values")
    check_length(ys, n, name="y", per="label", got="values")
    colors = resolve_colors(kwargs.pop("color", None), n, per="label")
    if priority is None:
        prio = -np.arange(n, dtype=float)
    else:
        prio = _as_1d("priority", priority)
        check_length(prio, n, name="priority", per="label", got="values")
        if not np.isfinite(prio).all():
            bad = int(np.flatnonzero(~np.isfinite(prio))[0])
            raise ValueError(
                invalid_value_message(
                    float(prio[bad]), "priority", entry=bad, expected="a finite number"
                )
            )
    if n == 0:
        return Placement(labels=labels)

    finite = np.isfinite(xs) & np.isfinite(ys)
    skipped = np.flatnonzero(~finite)
    if len(skipped):
        warn_external(
            f"{len(skipped)} of {n} labels have a non-finite anchor (NaN or inf in x or y) "
            "and were skipped.",
            DataWarning,
        )
    axes, owner = _resolve_axes(ax, n)
    fig = axes[0].get_figure(root=True)
    _measure.prepare_layout(fig)
    renderer = _measure.get_renderer(fig)
    ppp = _measure.px_per_point(fig)

    # Every label measured once, with one probe text carrying the labels' properties.
    sizes = np.zeros((n, 2))
    sizes[finite] = _measure.label_sizes(
        fig,
        [labels[i] for i in np.flatnonzero(finite)],
        renderer,
        ha="center",
        va="center",
        **kwargs,
    )

    texts: list[Annotation | None] = [None] * n
    for i in np.flatnonzero(finite):
        t = axes[owner[i]].annotate(
            labels[i],
            xy=(xs[i], ys[i]),
            xytext=(0.0, 0.0),
            textcoords="offset points",
            ha="center",
            va="center",
            annotation_clip=False,
            visible=False,
            **kwargs,
            **({} if colors[i] is None else {"color": colors[i]}),
        )
        t.set_in_layout(False)
        if joint:
            t.set_clip_on(False)
        texts[i] = t
    leader_style = dict(leader_kws or {})
    if not {"color", "colors", "c", "edgecolor", "edgecolors", "ec"} & leader_style.keys():
        leader_style["colors"] = "0.4"
    if not {"linewidth", "linewidths", "lw"} & leader_style.keys():
        leader_style["linewidths"] = 0.6
    leader_style.setdefault("zorder", 2.9)
    placement = Placement(skipped=skipped, labels=labels, axes=axes)
    keeper = _PointLabeller(
        placement,
        texts,
        np.column_stack([xs, ys]),
        sizes / ppp,
        prio,
        owner,
        joint=joint,
        avoid=avoid,
        leader_style=leader_style if leader else None,
        options={
            "radius": marker_size / 2,
            "pad": pad,
            "min_leader": min_leader,
            "rings": rings,
            "angles": angles,
            "sweeps": sweeps,
        },
    )
    keeper.solve(renderer)
    fig.add_artist(keeper)
    placement.helpers = [keeper, *keeper._leader_lines.values()]
    return placement


class _PointLabeller(Artist):
    """Solves the placement, and solves it again at draw time if the axes have moved.

    Added to the figure with the lowest zorder, it is drawn after the layout engine ran and
    before any Axes, so a later title, colorbar, resize or change of limits gives a fresh
    placement instead of stale offsets. A change of dpi alone (saving at another dpi)
    scales everything alike and keeps the placement.
    """

    zorder = -1e9

    def __init__(
        self,
        placement,
        texts,
        xy,
        sizes_pt,
        prio,
        owner,
        *,
        joint,
        avoid,
        leader_style,
        options,
    ):
        super().__init__()
        self.set_in_layout(False)
        self.placement = placement
        self._texts = texts
        self._xy = xy
        self._sizes_pt = sizes_pt
        self._prio = prio
        self._owner = owner
        self._joint = joint
        self._avoid = avoid
        self._leader_style = leader_style
        self._options = options
        self._signature = None
        self._leader_lines = {}
        if leader_style is not None:
            from matplotlib.collections import LineCollection
            from matplotlib.transforms import Affine2D

            fig = placement.axes[0].get_figure(root=True)
            points = Affine2D().scale(1 / 72) + fig.dpi_scale_trans
            for k in sorted(set(owner[[t is not None for t in texts]].tolist())):
                a = placement.axes[k]
                lc = LineCollection(
                    [], transform=points, offset_transform=a.transData, **leader_style
                )
                if joint:
                    lc.set_clip_on(False)
                a.add_collection(lc, autolim=False)
                self._leader_lines[k] = lc

    def _current_signature(self) -> tuple:
        axes = self.placement.axes
        fig = axes[0].get_figure(root=True)
        ppp = _measure.px_per_point(fig)
        sig = [tuple(np.round(np.asarray(fig.bbox.bounds) / ppp, 4))]
        for a in axes:
            sig.append(tuple(np.round(np.asarray(a.bbox.bounds) / ppp, 4)))
            sig.append(tuple(np.round(a.viewLim.bounds, 12)))
        return tuple(sig)

    def draw(self, renderer) -> None:
        if self.get_visible() and self._current_signature() != self._signature:
            self.solve(renderer)
        self.stale = False

    def get_window_extent(self, renderer=None):
        return Bbox.null()

    def get_tightbbox(self, renderer=None):
        return None

    def solve(self, renderer) -> None:
        """Place every label for the figure as it is now and update the Placement."""
        axes = self.placement.axes
        fig = axes[0].get_figure(root=True)
        ppp = _measure.px_per_point(fig)
        owner, prio, texts = self._owner, self._prio, self._texts
        n = len(texts)
        finite = np.array([t is not None for t in texts])
        ours = [t for t in texts if t is not None]
        sizes = self._sizes_pt * ppp
        anchors = np.full((n, 2), np.nan)
        for k, a in enumerate(axes):
            sel = (owner == k) & finite
            anchors[sel] = a.transData.transform(self._xy[sel])
        groups = (
            [np.flatnonzero(finite)]
            if self._joint
            else [np.flatnonzero((owner == k) & finite) for k in range(len(axes))]
        )
        opts = {
            key: (val * ppp if key in ("radius", "pad", "min_leader") else val)
            for key, val in self._options.items()
        }
        centre = np.full((n, 2), np.nan)
        has_leader = np.zeros(n, bool)
        leader_xy = np.full((n, 4), np.nan)
        shown_mask = np.zeros(n, bool)
        for members in groups:
            if not len(members):
                continue
            group_axes = sorted(set(owner[members].tolist()))
            if self._joint:
                bounds = np.asarray(fig.bbox.extents)
            else:
                bounds = np.asarray(axes[group_axes[0]].bbox.extents)
            # Anchors outside their Axes' view are not drawn by matplotlib: hide their labels.
            inside = np.ones(len(members), bool)
            for k in group_axes:
                sel = owner[members] == k
                inside[sel] = _geometry.box_contains(
                    axes[k].bbox.extents, np.hstack([anchors[members[sel]]] * 2)
                )
            members = members[inside]
            if not len(members):
                continue
            rect_obs: list[np.ndarray] = []
            seg_obs: list[np.ndarray] = []
            zones = None
            if self._avoid:
                for k in group_axes:
                    r, sg = _measure.axes_obstacles(axes[k], exclude=ours, renderer=renderer)
                    rect_obs.append(r)
                    seg_obs.append(sg)
            if self._joint:
                # Labels may leave their panel, but not into another panel, nor over any
                # panel's tick labels, axis labels or titles.
                others = [a for a in fig.get_axes() if a.get_visible()]
                rect_obs.append(_measure.decorations(others, renderer))
                zone_owner = np.array(
                    [next((k for k, a in enumerate(axes) if a is o), -1) for o in others]
                )
                zones = (
                    np.array([o.bbox.extents for o in others]),
                    zone_owner,
                    owner[members],
                )
            rects, shown, leads = _repel.place(
                anchors[members],
                sizes[members],
                priority=prio[members],
                bounds=bounds,
                obstacles=np.vstack(rect_obs) if rect_obs else None,
                segments=np.vstack(seg_obs) if seg_obs else None,
                zones=zones,
                **opts,
            )
            centre[members] = (rects[:, :2] + rects[:, 2:]) / 2
            has_leader[members] = np.isfinite(leads[:, 0])
            # Leaders from one point beyond the marker's edge to the label's border.
            gap = opts["radius"] + ppp
            leader_xy[members] = _geometry.leader_segments(anchors[members], rects, gap=gap)
            shown_mask[members] = shown

        shown_idx = np.flatnonzero(shown_mask)
        hidden_idx = np.flatnonzero(finite & ~shown_mask)
        hidden_idx = hidden_idx[np.lexsort((-hidden_idx, prio[hidden_idx]))]
        for i in np.flatnonzero(finite):
            t = texts[i]
            if not shown_mask[i]:
                t.set_visible(False)
                continue
            offset = (centre[i] - anchors[i]) / ppp
            t.xyann = (float(offset[0]), float(offset[1]))
            t.set_visible(True)
        drawn = shown_mask & has_leader & (self._leader_style is not None)
        for k, lc in self._leader_lines.items():
            sel = np.flatnonzero(drawn & (owner == k))
            # Segments in points relative to their anchor, offset by the anchor in data
            # coordinates: leaders follow their points and scale with the dpi like the
            # annotations' offsets do.
            rel = (leader_xy[sel] - np.hstack([anchors[sel], anchors[sel]])) / ppp
            lc.set_segments(rel.reshape(-1, 2, 2))
            lc.set_offsets(self._xy[sel])
        self.placement.texts = [texts[i] for i in shown_idx]
        self.placement.shown = shown_idx
        self.placement.hidden = hidden_idx
        self.placement.has_leader = drawn[shown_idx]
        self.placement.leaders = int(drawn.sum())
        self._signature = self._current_signature()


def _set_arrow(t: Annotation, props: dict, relpos: tuple[float, float]) -> None:
    """Give an existing annotation a leader (what ``arrowprops=`` does at creation)."""
    from matplotlib.patches import FancyArrowPatch

    t.arrowprops = props
    t._arrow_relpos = relpos
    t.arrow_patch = FancyArrowPatch((0, 0), (1, 1), **props)
    t.arrow_patch.set_figure(t.get_figure(root=False))
