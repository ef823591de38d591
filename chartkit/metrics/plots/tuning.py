"""Drawing helpers shared by the tuning plots: the facts note, the opt-in title, "too few".

The tables these plots draw are computed in `chartkit.metrics.tuning_tables`,
`chartkit.metrics.importance` and `chartkit.metrics.schedulers` (no pyplot there); their
public names are re-exported here for older imports.

A plot's own facts ("reached: 16 → 9 → 6 → 2 → 1", how "best" was scored) never go into
``ax.set_title``: they are a note inside the Axes (`fact_note`), or, when the caller passes
``title=``, the subtitle of chartkit's title stack under that title. A user's later
``ax.set_title(...)`` or ``titles(ax, ...)`` therefore never gives two titles.
"""

from __future__ import annotations

import warnings

from chartkit._i18n import tr
from chartkit.annotate._markup import escape_data
from chartkit.errors import DataWarning
from chartkit.metrics.tuning_tables import (  # re-exported for older imports
    LOG_SPREAD,
    Kind,
    best_trial,
    check_param,
    check_params_available,
    default_metric,
    default_mode,
    format_config,
    last_steps,
    lineage_segments,
    param_kinds,
    param_names,
    segment_of,
    trial_curves,
    trial_table,
    trials_info,
    varying_params,
)

__all__ = [
    "LOG_SPREAD",
    "Kind",
    "best_trial",
    "check_param",
    "check_params_available",
    "default_metric",
    "default_mode",
    "fact_note",
    "format_config",
    "last_steps",
    "lineage_segments",
    "no_finite",
    "param_kinds",
    "param_names",
    "reserve_rows",
    "segment_of",
    "show_facts",
    "too_few",
    "trial_curves",
    "trial_table",
    "trials_info",
    "varying_params",
]

#: Grey of the facts note (7.4:1 on white).
NOTE_COLOR = "0.3"


def fact_note(ax, text: str, *, loc: str = "best", avoid=("upper right",)):
    """Write *text* (a plot's own facts, data names escaped) as a small note inside *ax*.

    The note sits in a corner of the Axes on a translucent white box, so neither a title
    set later nor the legend (placed by the plots in an *avoid* corner) collides with it;
    ``loc="best"`` takes the other corner holding the fewest data points.

    Returns
    -------
    matplotlib.text.Text
    """
    if loc == "best":
        loc = quiet_corner(ax, avoid)
    x = 0.012 if "left" in loc else 0.988
    y = 0.02 if "lower" in loc else 0.98
    return ax.text(
        x,
        y,
        escape_data(text),
        transform=ax.transAxes,
        ha="left" if "left" in loc else "right",
        va="bottom" if "lower" in loc else "top",
        fontsize="small",
        color=NOTE_COLOR,
        zorder=6,
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def quiet_corner(ax, avoid=("upper right",)) -> str:
    """The corner of *ax* (``"lower left"``, ...) with the fewest points of its lines."""
    import numpy as np

    ax.autoscale_view()
    pts = [np.column_stack([ln.get_xdata(), ln.get_ydata()]) for ln in ax.get_lines()]
    pts = [p.astype(float) for p in pts if len(p)]
    xy = ax.transLimits.transform(np.vstack(pts)) if pts else np.empty((0, 2))
    best, fewest = "lower left", None
    for v in ("lower", "upper"):
        for h in ("left", "right"):
            if f"{v} {h}" in avoid:
                continue
            xs = xy[:, 0] < 0.55 if h == "left" else xy[:, 0] > 0.45
            ys = xy[:, 1] < 0.3 if v == "lower" else xy[:, 1] > 0.7
            n = int(np.count_nonzero(xs & ys))
            if fewest is None or n < fewest:
                best, fewest = f"{v} {h}", n
    return best


def reserve_rows(ax, text: str, n_rows: int) -> None:
    """Lower the y-limits of a one-row-per-item chart so *text* fits under the last row."""
    pos = ax.get_position()
    height_pt = max(pos.height * ax.figure.get_figheight() * 72, 1.0)
    band = (len(text.splitlines()) * 13 + 8) / height_pt * (n_rows + 0.5)
    ax.set_ylim(-0.6 - band, n_rows - 0.4)


def show_facts(ax, facts: str, title: str | None, *, loc: str = "best", avoid=("upper right",)):
    """*facts* as the subtitle under the caller's *title*, or as a note when *title* is None.

    *title* is the caller's own text (rich-text markup allowed); *facts* are escaped, so
    data names in them are drawn literally.
    """
    if title is None:
        return fact_note(ax, facts, loc=loc, avoid=avoid)
    from chartkit.annotate.titles import titles

    return titles(ax, title=title, subtitle=escape_data(facts, markup=True))


def too_few(ax, n: int, need: int, what: str, lang: str = "en", stacklevel: int = 3) -> None:
    """Write a 'needs at least *need* trials' note in *ax* and emit one DataWarning.

    *what* is a catalogue key naming the chart (``"tuning.what.rungs"``).
    """
    msg = tr("tuning.too_few", lang, what=tr(what, lang), need=need, n=n)
    warnings.warn(msg + ".", DataWarning, stacklevel=stacklevel)
    ax.text(
        0.5, 0.5, _wrapped(ax, msg), transform=ax.transAxes, ha="center", va="center", color="0.35"
    )


def not_drawn(ax, reason: str, lang: str = "en") -> None:
    """Write why a chart is not drawn (a scheduler fact the run does not support) in *ax*."""
    text = escape_data(tr("tuning.not_drawn", lang, reason=reason))
    ax.text(
        0.5, 0.5, _wrapped(ax, text), transform=ax.transAxes, ha="center", va="center", color="0.3"
    )


def _wrapped(ax, text: str) -> str:
    """*text* broken into lines that fit the Axes' width (about 0.55 em per character)."""
    import textwrap

    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    size = FontProperties(size=rcParams["font.size"]).get_size_in_points()
    chars = max(int(0.85 * width_pt / (0.6 * size)), 20)
    return "\n".join(textwrap.fill(p, chars) for p in text.split("\n"))


def no_finite(ax, metric: str, lang: str = "en", stacklevel: int = 3) -> None:
    """Note "no finite values" in *ax* and emit one DataWarning naming *metric*."""
    warnings.warn(
        f"no trial has a finite value of {metric!r}; drawn without scores.",
        DataWarning,
        stacklevel=stacklevel,
    )
    ax.text(
        0.5,
        0.5,
        tr("tuning.no_finite", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="0.4",
    )
