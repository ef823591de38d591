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

from dataclasses import dataclass
from typing import Any

import numpy as np

from chartkit._i18n import tr
from chartkit.metrics.offscale import Limits, healthy_limits, merge_limits

__all__ = [
    "Drawn",
    "add_note",
    "apply_offscale",
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


def apply_offscale(
    ax,
    drawn: list[Drawn],
    *,
    yscale: str = "auto",
    lang: str = "en",
    edge_kws: dict[str, Any] | None = None,
) -> tuple[Limits | None, list[Limits | None]]:
    """Apply the healthy-limits rule to the series drawn on *ax*.

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
        The limits of all checked series (None when nothing was checked).
    per_series : list of (Limits or None)
    """
    per = [healthy_limits(d.value, d.step) if d.check else None for d in drawn]
    checked = [(d, lim) for d, lim in zip(drawn, per, strict=True) if lim is not None]
    if not checked:
        return None, per
    merged = merge_limits(
        [lim for _, lim in checked],
        values=[d.value for d, _ in checked],
        steps=[d.step for d, _ in checked],
    )
    if not np.isfinite(merged.lo):
        return merged, per
    if yscale == "symlog":
        readable_symlog(ax, merged, [d.value for d in drawn])
    elif yscale == "log":
        ax.set_yscale("log")
    elif yscale == "clip" or (yscale == "auto" and merged.clipped):
        ax.set_ylim(merged.lo, merged.hi)
        _edges(ax, [d for d, _ in checked], merged, edge_kws)
    _divergence_lines(ax, checked)
    return merged, per


def _edges(ax, drawn: list[Drawn], lim: Limits, edge_kws) -> None:
    """Triangles at the edge where values leave the limits (`offscale_note` states them)."""
    style = {
        "linestyle": "none",
        "clip_on": False,
        "zorder": 3,
        "markersize": 5,
        "label": "_offscale",
        **(edge_kws or {}),
    }
    for d in drawn:
        v = d.value
        with np.errstate(invalid="ignore"):
            for out, edge, marker in ((v > lim.hi, lim.hi, "^"), (v < lim.lo, lim.lo, "v")):
                idx = np.flatnonzero(out & np.isfinite(v))
                if idx.size:
                    ax.plot(
                        d.x[idx],
                        np.full(idx.size, edge),
                        **{"marker": marker, "color": d.color, **style},
                    )


def offscale_note(lim: Limits | None, ax, lang: str) -> list[str]:
    """The note line for the values drawn at the edge, when the limits clip any."""
    if lim is None or lim.extreme_value is None or not np.isfinite(lim.hi):
        return []
    lo, hi = sorted(ax.get_ylim())
    if ax.get_yscale() != "linear" or (lo <= lim.extreme_value <= hi):
        return []
    return [
        tr(
            "curves.note.offscale",
            lang,
            n=lim.n_off,
            value=fmt_value(lim.extreme_value),
            step=int(lim.extreme_step),
        )
    ]


def _divergence_lines(ax, checked: list[tuple[Drawn, Limits]]) -> None:
    seen = set()
    for d, lim in checked:
        if lim.diverged_at_step is None:
            continue
        x = _x_at(d, lim.diverged_at_step)
        key = (float(x) if np.isscalar(x) else str(x), str(d.color))
        if key in seen:
            continue
        seen.add(key)
        ax.axvline(x, color=d.color, linestyle=":", linewidth=1.0, zorder=1.2, label="_diverged")


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
    """One note of facts inside *ax*, in the corner where the fewest drawn points fall.

    Facts never go into the title (the user's title must not collide with them).
    """
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
    for x, y in points:
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
    return ax.text(
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
