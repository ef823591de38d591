"""ASHA/HyperBand rungs: where each trial stopped and how many trials reached each rung."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._validate import check_in_list, check_refused
from chartkit.metrics.plots._data import frame_of, metric_rows
from chartkit.metrics.plots.tuning import (
    heading,
    scheduler_of,
    too_few,
    trial_curves,
    trial_table,
)

__all__ = ["OUTCOME_STYLE", "plot_rungs"]

#: Marker, colour and legend text of each trial outcome (shape and colour both differ, so
#: the outcome reads without colour vision). Colours are Okabe-Ito.
OUTCOME_STYLE: dict[str, dict[str, Any]] = {
    "completed": {"marker": "*", "color": "#0072B2", "label": "completed (reached max_t)"},
    "stopped": {"marker": "o", "color": "#7f7f7f", "label": "stopped by the scheduler"},
    "error": {"marker": "X", "color": "#D55E00", "label": "ERROR"},
    "other": {"marker": "s", "color": "#CC79A7", "label": "other status"},
}


def _fmt(v: float) -> str:
    return f"{v:g}"


def plot_rungs(
    log,
    metric: str,
    *,
    grace_period: float | None = None,
    reduction_factor: float | None = None,
    max_t: float | None = None,
    xscale: Literal["log", "linear"] = "log",
    ax=None,
    marker_kws: dict[str, Any] | None = None,
    rung_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Plot trials against the ASHA/HyperBand rungs, with stop points and survivors.

    Each trial's curve of *metric* is drawn thin; its last point is marked by outcome
    (completed, stopped early by the scheduler, ERROR); a vertical line stands at each rung
    ``grace_period * reduction_factor**k`` (and at ``max_t``), labelled with the number of
    trials whose last iteration reached it. A note states the survivors per rung
    (``16 -> 9 -> 6 -> 2 -> 1``) and the scheduler's values.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    metric : str
        Metric to draw (the one the scheduler compared, usually).
    grace_period, reduction_factor, max_t : float, optional
        The scheduler's arguments; by default the values the reader recorded or inferred
        (``log.info.extra["scheduler"]``, see `chartkit.metrics.plots.tuning.scheduler_of`).
    xscale : {"log", "linear"}, default: "log"
        ``"log"`` spaces geometric rungs evenly.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    marker_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.scatter` for the stop points.
    rung_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.axvline` for the rung lines.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for each trial's curve.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the log (close matches listed).
    ValueError
        For a bad *xscale* or scheduler value.

    Warns
    -----
    DataWarning
        When fewer than 2 trials have a value of *metric* (the axes say so instead).

    See Also
    --------
    chartkit.metrics.readers.ray.asha_milestones
    plot_trials, plot_parallel
    """
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    check_in_list(["log", "linear"], xscale=xscale)
    check_refused(
        kwargs,
        ("color", "c", "label"),
        func="plot_rungs",
        reason="per trial outcome",
        hint="style the lines after drawing via ax.get_lines()",
    )
    frame, _ = frame_of(log)
    rows = metric_rows(frame, metric)
    table = trial_table(log, metric)
    sched = scheduler_of(
        log, grace_period=grace_period, reduction_factor=reduction_factor, max_t=max_t
    )
    ax = get_ax(ax)
    ax.set_xlabel("training iteration")
    ax.set_ylabel(metric)
    n_valued = int(np.isfinite(table["value"].to_numpy(dtype=float)).sum())
    if n_valued < 2 or not sched:
        too_few(ax, n_valued, 2, "A rung plot")
        return ax
    milestones = list(sched["milestones"])
    survivors = sched["survivors"]

    line_style = {"linewidth": 1.0, "alpha": 0.7, **kwargs}
    outcome = dict(zip(table["trial"], table["outcome"], strict=True))
    stops: dict[str, list] = {}
    for trial, x, y in trial_curves(rows):
        kind = outcome.get(trial, "other")
        kind = kind if kind in OUTCOME_STYLE else "other"
        color = OUTCOME_STYLE[kind]["color"]
        ax.plot(x, y, color=color, label=trial, **line_style)
        ok = np.flatnonzero(np.isfinite(y))
        if ok.size:
            stops.setdefault(kind, []).append((x[ok[-1]], y[ok[-1]]))
    for kind, pts in stops.items():
        st = OUTCOME_STYLE[kind]
        xs, ys = zip(*pts, strict=True)
        style = {
            "marker": st["marker"],
            "color": st["color"],
            "s": 90 if st["marker"] == "*" else 36,
            "edgecolors": "white",
            "linewidths": 0.6,
            "zorder": 4,
            **(marker_kws or {}),
        }
        ax.scatter(xs, ys, label=f"{st['label']} ({len(pts)})", **style)

    rstyle = {"color": "0.55", "linestyle": "--", "linewidth": 0.9, "zorder": 0.5}
    rstyle.update(rung_kws or {})
    xaxis = ax.get_xaxis_transform()
    for k, m in enumerate(milestones):
        ax.axvline(m, **rstyle)
        ax.annotate(
            f"{survivors.get(m, 0)}" + (" trials" if k == 0 else ""),
            (m, 1.0),
            xycoords=xaxis,
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize="small",
            color="0.25",
        )
    if xscale == "log":
        ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(milestones))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_locator(NullLocator())
    lo = min(milestones[0], rows["step"].min())
    hi = max(milestones[-1], rows["step"].max())
    if xscale == "log":
        ax.set_xlim(lo / 1.15, hi * 1.15)
    else:
        pad = 0.04 * (hi - lo or 1)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(top=ax.get_ylim()[1] + 0.08 * (ax.get_ylim()[1] - ax.get_ylim()[0]))

    chain = " \u2192 ".join(str(survivors.get(m, 0)) for m in milestones)
    heading(
        ax,
        f"{metric}: trials reaching each rung",
        f"reached: {chain}  (grace_period {_fmt(sched['grace_period'])}, reduction_factor "
        f"{_fmt(sched['reduction_factor'])}, max_t {_fmt(sched['max_t'])})",
    )
    handles = [h for h in ax.collections if not h.get_label().startswith("_")]
    ax.legend(handles=handles, fontsize="small", loc="upper right", bbox_to_anchor=(1, 0.9))
    return ax
