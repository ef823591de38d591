"""Drawing the off-scale rule: healthy limits, edge markers, divergence marks, readable axes.

Every plot that draws a metric over steps (curves, rank spread, trials) goes through
`apply_offscale`, so the rule of `chartkit.metrics.offscale` is applied the same way
everywhere: the y limits come from the healthy part of each series, finite values beyond
them are drawn as triangles at the axis edge with the extreme annotated, and each
divergence step is marked with a dotted vertical line. `readable_symlog` and
`exponent_in_label` keep the axis readable (no 23 overlapping decade labels, no offset text
such as ``1e7`` above the axis where a title goes).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chartkit._i18n import tr
from chartkit.metrics.offscale import Limits, healthy_limits, merge_limits

__all__ = [
    "Drawn",
    "add_note",
    "apply_offscale",
    "date_axis",
    "escape",
    "exponent_in_label",
    "fmt_value",
    "offscale_note",
    "readable_symlog",
]


def escape(text: Any) -> str:
    """A data name (metric, run, rank label) escaped so it is drawn literally, never as math."""
    try:
        from chartkit.annotate._markup import escape_data
    except ImportError:  # the shared helper is not there: the same rule for plain text
        return str(text).replace("$", r"\$")
    return escape_data(text)


def fmt_value(v: float) -> str:
    """A value for a note: 3 significant digits, ``1.5e7`` rather than ``1.5e+07``."""
    s = f"{v:.3g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s.replace("-", "\u2212")


@dataclass
class Drawn:
    """One series as drawn: its label, x positions, steps, values and colour."""

    label: str
    x: np.ndarray
    step: np.ndarray
    value: np.ndarray
    color: Any
    check: bool = True  # apply the off-scale rule (False for schedules and counters)


def _x_at(d: Drawn, step: int) -> float:
    i = int(np.searchsorted(d.step, step))
    return d.x[min(i, d.x.size - 1)]


@dataclass
class _AxesState:
    """What the off-scale rule drew on one Axes, so a later call can redo it for all series."""

    drawn: list = field(default_factory=list)  # (Drawn, Limits) of checked series
    yscale: str = "auto"
    lang: str = "en"
    edge_kws: dict | None = None
    artists: list = field(default_factory=list)  # edge triangles and divergence lines
    set_limits: bool = False
    facts: list = field(default_factory=list)
    offscale: list = field(default_factory=list)
    note: Any = None
    note_points: list = field(default_factory=list)


_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state(ax) -> _AxesState:
    st = _STATE.get(ax)
    if st is None:
        st = _STATE[ax] = _AxesState()
    return st


def apply_offscale(
    ax,
    drawn: list[Drawn],
    *,
    yscale: str = "auto",
    lang: str = "en",
    edge_kws: dict[str, Any] | None = None,
) -> tuple[Limits | None, list[Limits | None]]:
    """Apply the healthy-limits rule to the series drawn on *ax*, with those drawn before.

    Every call redoes the rule for all series drawn on *ax* and on the Axes sharing its y
    axis (a second `plot_curves` on one Axes, a facet grid's hue levels, shared rows), so
    the limits are the union of every series' healthy range and each Axes states its own
    off-scale values once.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    drawn : list of Drawn
    yscale : {"auto", "clip", "linear", "symlog", "log"}
        ``"auto"`` sets the healthy limits only when a value is off scale; ``"clip"``
        always; ``"symlog"`` keeps everything on a symmetric-log axis whose linear part is
        the healthy range; ``"linear"`` and ``"log"`` draw everything.
    lang : {"en", "ko"}
    edge_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the edge triangles.

    Returns
    -------
    merged : Limits or None
        The limits of all checked series of the y-sharing Axes (None when none was checked).
    per_series : list of (Limits or None)
        One per series of *drawn*.
    """
    per = [healthy_limits(d.value, d.step) if d.check else None for d in drawn]
    st = _state(ax)
    st.drawn += [(d, lim) for d, lim in zip(drawn, per, strict=True) if lim is not None]
    st.yscale, st.lang, st.edge_kws = yscale, lang, edge_kws
    group = [a for a in ax.get_shared_y_axes().get_siblings(ax) if a in _STATE] or [ax]
    checked = [pair for a in group for pair in _state(a).drawn]
    if not checked:
        return None, per
    merged = merge_limits(
        [lim for _, lim in checked],
        values=[d.value for d, _ in checked],
        steps=[d.step for d, _ in checked],
    )
    for a in group:
        for artist in _state(a).artists:
            artist.remove()
        _state(a).artists = []
    if not np.isfinite(merged.lo):
        return merged, per
    if yscale == "symlog":
        readable_symlog(ax, merged, [d.value for d, _ in checked])
    elif yscale == "log":
        ax.set_yscale("log")
    elif yscale == "clip" or (yscale == "auto" and merged.clipped):
        ax.set_ylim(merged.lo, merged.hi)
        st.set_limits = True
    elif any(_state(a).set_limits for a in group):
        ax.set_autoscaley_on(True)  # an earlier call clipped; the union no longer needs it
        ax.relim()
        ax.autoscale_view(scalex=False)
        for a in group:
            _state(a).set_limits = False
    for a in group:
        sa = _state(a)
        own = [d for d, _ in sa.drawn]
        if a.get_yscale() == "linear" and (yscale == "clip" or merged.clipped):
            sa.artists += _edges(a, own, merged, sa.edge_kws)
        sa.artists += _divergence_lines(a, sa.drawn)
        sa.offscale = _offscale_line(a, own, merged, sa.lang)
        if a is not ax:
            _draw_note(a)
    return merged, per


def _edges(ax, drawn: list[Drawn], lim: Limits, edge_kws) -> list:
    """Triangles at the edge where values leave the limits (`offscale_note` states them)."""
    style = {
        "linestyle": "none",
        "clip_on": False,
        "zorder": 3,
        "markersize": 5,
        "label": "_offscale",
        **(edge_kws or {}),
    }
    artists = []
    for d in drawn:
        v = d.value
        with np.errstate(invalid="ignore"):
            for out, edge, marker in ((v > lim.hi, lim.hi, "^"), (v < lim.lo, lim.lo, "v")):
                idx = np.flatnonzero(out & np.isfinite(v))
                if idx.size:
                    artists += ax.plot(
                        d.x[idx],
                        np.full(idx.size, edge),
                        **{"marker": marker, "color": d.color, **style},
                    )
    return artists


def offscale_note(lim: Limits | None, ax, lang: str = "en") -> list[str]:
    """The off-scale note line of *ax* as `apply_offscale` last computed it (may be empty).

    `add_note` already shows it; a plot that writes its own note text takes it from here.
    *lim* and *lang* are accepted for callers of the earlier signature.
    """
    return list(_state(ax).offscale)


def _offscale_line(ax, drawn: list[Drawn], lim: Limits, lang: str) -> list[str]:
    """The note line for the values of *drawn* beyond the limits, when the axis clips any."""
    lo, hi = sorted(ax.get_ylim())
    if ax.get_yscale() != "linear" or not np.isfinite(lim.hi):
        return []
    n, worst, value, step = 0, 0.0, None, None
    for d in drawn:
        v = d.value
        with np.errstate(invalid="ignore"):
            out = np.isfinite(v) & ((v > hi) | (v < lo))
        if not out.any():
            continue
        n += int(out.sum())
        dist = np.where(v > hi, v - hi, lo - v)
        dist[~out] = -1.0
        j = int(np.argmax(dist))
        if dist[j] > worst:
            worst, value, step = float(dist[j]), float(v[j]), int(d.step[j])
    if value is None:
        return []
    return [tr("curves.note.offscale", lang, n=n, value=fmt_value(value), step=step)]


def _divergence_lines(ax, checked: list[tuple[Drawn, Limits]]) -> list:
    artists = []
    seen = set()
    for d, lim in checked:
        if lim.diverged_at_step is None:
            continue
        x = _x_at(d, lim.diverged_at_step)
        key = (float(x) if np.isscalar(x) else str(x), str(d.color))
        if key in seen:
            continue
        seen.add(key)
        artists.append(
            ax.axvline(
                x, color=d.color, linestyle=":", linewidth=1.0, zorder=1.2, label="_diverged"
            )
        )
    return artists


def readable_symlog(ax, lim: Limits, values: list[np.ndarray]) -> None:
    """A symlog axis whose linear part is the healthy range, with at most ~6 labelled decades."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    linthresh = max(abs(lim.lo), abs(lim.hi), 1e-12)
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    top = float(finite.max()) if finite.size else lim.hi
    bottom = float(finite.min()) if finite.size else lim.lo
    k0 = int(np.floor(np.log10(linthresh)))
    decades = max(np.log10(max(abs(top), abs(bottom), linthresh) / linthresh), 1.0)
    # The linear (healthy) part gets about a quarter of the axis however far the explosion goes.
    ax.set_yscale("symlog", linthresh=linthresh, linscale=max(1.0, decades / 3))
    ticks = [0.0]
    for sign, far in ((1, top), (-1, -bottom)):
        if far <= 0:
            continue
        if far <= linthresh:
            ticks.append(sign * float(10.0**k0))
            continue
        k1 = int(np.ceil(np.log10(far)))
        stride = max(1, int(np.ceil((k1 - k0) / 5)))
        ticks += [sign * float(10.0**k) for k in range(k0, k1 + 1, stride)]
    ax.yaxis.set_major_locator(FixedLocator(sorted(set(ticks))))
    ax.yaxis.set_minor_locator(NullLocator())

    def fmt(v, _pos):
        if v == 0:
            return "0"
        k = round(float(np.log10(abs(v))))
        sign = "\u2212" if v < 0 else ""
        return f"{sign}{abs(v):g}" if -2 <= k <= 3 else f"{sign}1e{k}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def date_axis(ax) -> None:
    """Dates on the x axis with at most ~6 ticks, labelled concisely (no repeated year)."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def exponent_in_label(ax, label: str, *, axis: str = "y") -> str:
    """Move a large or small axis' exponent into its label (``loss (×1e7)``), no offset text.

    matplotlib writes ``1e7`` above the axis, where titles go; the label carries it instead.
    Call it after the limits are final. Returns the label set.
    """
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    axis_obj = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if axis_obj.get_scale() != "linear" or not isinstance(
        axis_obj.get_major_formatter(), ScalarFormatter
    ):
        (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)
        return label
    axis_obj.get_major_formatter().set_useOffset(False)
    m = max(abs(lo), abs(hi))
    if m >= 1e5 or 0 < m < 1e-3:
        k = int(np.floor(np.log10(m)))
        scale = 10.0**k
        axis_obj.set_major_formatter(FuncFormatter(lambda v, _p: f"{v / scale:.4g}"))
        label = f"{label} (\u00d71e{k})"
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)
    return label


def add_note(ax, lines: list[str], *, points: list[tuple[np.ndarray, np.ndarray]] = ()) -> Any:
    """Add facts to the one note inside *ax* (redrawn with those of earlier calls).

    The note goes in the corner where the fewest drawn points fall; facts never go into the
    title (the user's title must not collide with them). The off-scale line of
    `apply_offscale` is kept last and up to date.
    """
    st = _state(ax)
    for line in lines:
        if line not in st.facts:
            st.facts.append(line)
    st.note_points += list(points)
    return _draw_note(ax)


def _draw_note(ax) -> Any:
    st = _state(ax)
    if st.note is not None:
        st.note.remove()
        st.note = None
    lines = st.facts + [ln for ln in st.offscale if ln not in st.facts]
    if not lines:
        return None
    corners = {
        "upper right": (0.98, 0.97, "right", "top"),
        "upper left": (0.02, 0.97, "left", "top"),
        "lower right": (0.98, 0.03, "right", "bottom"),
        "lower left": (0.02, 0.03, "left", "bottom"),
    }
    counts = dict.fromkeys(corners, 0)
    to_axes = ax.transAxes.inverted()
    for x, y in st.note_points:
        if len(x) == 0:
            continue
        try:
            xs = np.asarray(ax.convert_xunits(x), dtype=float)  # dates -> axis units
            xy = to_axes.transform(ax.transData.transform(np.column_stack([xs, y]).astype(float)))
        except (TypeError, ValueError):
            continue
        ok = np.isfinite(xy).all(axis=1)
        xy = xy[ok]
        left, low = xy[:, 0] < 0.5, xy[:, 1] < 0.35
        high = xy[:, 1] > 0.65
        counts["upper left"] += int(np.sum(left & high))
        counts["upper right"] += int(np.sum(~left & high))
        counts["lower left"] += int(np.sum(left & low))
        counts["lower right"] += int(np.sum(~left & low))
    where = min(corners, key=lambda c: (counts[c], list(corners).index(c)))
    x, y, ha, va = corners[where]
    st.note = ax.text(
        x,
        y,
        "\n".join(lines),
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize="small",
        color="0.2",
        zorder=4,
        bbox={
            "boxstyle": "round,pad=0.25",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.8,
        },
    )
    return st.note
