"""ASHA/HyperBand rungs: where each trial stopped and how many trials reached each rung."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list, check_refused
from chartkit.annotate._markup import escape_data
from chartkit.metrics.frames import frame_of, metric_rows
from chartkit.metrics.plots.tuning import not_drawn, show_facts, too_few
from chartkit.metrics.schedulers import NotApplicable, evidence_text, rung_facts
from chartkit.metrics.tuning_tables import default_metric, trial_curves, trial_table
from chartkit.palettes import resolve_palette

__all__ = ["OUTCOME_STYLE", "plot_rungs"]

#: Marker, colour and legend text of each trial outcome (shape and colour both differ, so
#: the outcome reads without colour vision). Colours are Okabe-Ito.
OUTCOME_STYLE: dict[str, dict[str, Any]] = {
    "completed": {"marker": "*", "color": "#0072B2", "label": "tuning.outcome.completed"},
    "stopped": {"marker": "o", "color": "#7f7f7f", "label": "tuning.outcome.stopped"},
    "error": {"marker": "X", "color": "#D55E00", "label": "tuning.outcome.error"},
    "other": {"marker": "s", "color": "#CC79A7", "label": "tuning.outcome.other"},
}


_BRACKET_STYLES = ("-", "--", ":", "-.")


def _fmt(v: float) -> str:
    return f"{v:g}"


def plot_rungs(
    data,
    metric: str | None = None,
    *,
    scheduler: Literal["asha", "hyperband"] | None = None,
    grace_period: float | None = None,
    reduction_factor: float | None = None,
    max_t: float | None = None,
    xscale: Literal["log", "linear"] = "log",
    palette=None,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    marker_kws: dict[str, Any] | None = None,
    rung_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Plot trials against the ASHA/HyperBand rungs, with stop points and survivors.

    Each trial's curve of *metric* is drawn thin; its last point is marked by outcome
    (completed, stopped early by the scheduler, ERROR); a vertical line stands at each rung
    ``grace_period * reduction_factor**k`` (and at ``max_t``), labelled with the number of
    trials whose last iteration reached it. A note in the Axes (or the subtitle under
    *title*) states the survivors per rung (``16 -> 9 -> 6 -> 2 -> 1``), the scheduler's
    values and the evidence they come from. With HyperBand each bracket's trials take one
    colour and the note gives each bracket's survivors.

    Rungs are drawn only when the run's files or the arguments give the scheduler (see
    `chartkit.metrics.schedulers`); otherwise the Axes say why
    (`~chartkit.metrics.schedulers.rung_evidence` gives the same reason without drawing).

    Parameters
    ----------
    data : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    metric : str, optional
        Metric to draw (the one the scheduler compared, usually); default: ``loss`` when
        the log has it (see `~chartkit.metrics.tuning_tables.default_metric`).
    scheduler : {"asha", "hyperband"}, optional
        The scheduler the run used, when its files do not show it.
    grace_period, reduction_factor, max_t : float, optional
        The scheduler's arguments; by default the values the reader found evidence of
        (``log.info.extra["scheduler"]``, see `chartkit.metrics.schedulers.scheduler_facts`).
    xscale : {"log", "linear"}, default: "log"
        ``"log"`` spaces geometric rungs evenly.
    palette : str, list or None, optional
        Colours of HyperBand's brackets (`chartkit.palettes.resolve_palette`); default:
        the theme's colour cycle.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts then go in its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
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
    log = data
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    check_in_list(["log", "linear"], xscale=xscale)
    check_lang(lang)
    check_refused(
        kwargs,
        ("color", "c", "label"),
        func="plot_rungs",
        reason="per trial outcome",
        hint="style the lines after drawing via ax.get_lines()",
    )
    metric = default_metric(log, metric)
    frame, _ = frame_of(log)
    rows = metric_rows(frame, metric)
    table = trial_table(log, metric)
    ax = get_ax(ax)
    ax.set_xlabel(tr("tuning.iteration", lang))
    ax.set_ylabel(escape_data(metric))
    try:
        sched = rung_facts(
            log,
            scheduler=scheduler,
            grace_period=grace_period,
            reduction_factor=reduction_factor,
            max_t=max_t,
        )
    except NotApplicable as err:
        not_drawn(ax, err.why(lang), lang)
        return ax
    n_valued = int(np.isfinite(table["value"].to_numpy(dtype=float)).sum())
    if n_valued < 2:
        too_few(ax, n_valued, 2, "tuning.what.rungs", lang)
        return ax
    milestones = list(sched["milestones"])
    survivors = sched["survivors"]
    bracket_of = {t: k for k, b in enumerate(sched.get("brackets", [])) for t in b["trials"]}
    style = {"linewidth": 1.0, "alpha": 0.7, **kwargs}
    _draw_trials(ax, rows, table, bracket_of, lang, style, marker_kws, palette)
    rstyle = {"color": "0.55", "linestyle": "--", "linewidth": 0.9, "zorder": 0.5}
    rstyle.update(rung_kws or {})
    xaxis = ax.get_xaxis_transform()
    for k, m in enumerate(milestones):
        ax.axvline(m, **rstyle)
        n = survivors.get(m, 0)
        ax.annotate(
            tr("tuning.rungs.trials", lang, n=n) if k == 0 else str(n),
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
        ax.set_xlim(max(lo, 0.5) / 1.15, hi * 1.15)
    else:
        pad = 0.04 * (hi - lo or 1)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(top=ax.get_ylim()[1] + 0.08 * (ax.get_ylim()[1] - ax.get_ylim()[0]))
    # the survivor counts sit at the top: the note takes a lower corner
    show_facts(ax, _facts(sched, lang), title, avoid=("upper right", "upper left"))
    handles = [h for h in ax.collections if not h.get_label().startswith("_")]
    handles += [h for h in ax.lines if h.get_label().startswith("bracket")]
    ax.legend(handles=handles, fontsize="small", loc="upper right", bbox_to_anchor=(1, 0.9))
    return ax


def rung_chain(survivors: dict, milestones: list) -> str:
    """``16 → 9 → 6 → 2 → 1``: the trials reaching each milestone."""
    return " \u2192 ".join(str(survivors.get(m, 0)) for m in milestones)


def _facts(sched: dict, lang: str) -> str:
    """The note: survivors (per bracket for HyperBand), the arguments and their evidence."""
    if sched.get("brackets"):
        lines = [
            tr("tuning.rungs.bracket", lang, s=k)
            + ": "
            + rung_chain(b["survivors"], b["milestones"])
            for k, b in enumerate(sched["brackets"])
        ]
    else:
        lines = [
            tr(
                "tuning.rungs.reached",
                lang,
                chain=rung_chain(sched["survivors"], sched["milestones"]),
            )
        ]
    g = sched.get("grace_period")
    lines.append(
        tr(
            "tuning.rungs.args",
            lang,
            g="\u2013" if g is None else _fmt(g),
            rf=_fmt(sched["reduction_factor"]),
            mt=_fmt(sched["max_t"]),
        )
    )
    kind = {"asha": "ASHA", "hyperband": "HyperBand"}[sched["kind"]]
    lines.append(tr("tuning.rungs.from", lang, kind=kind, evidence=evidence_text(sched, lang)))
    return "\n".join(lines)


def _draw_trials(ax, rows, table, bracket_of, lang, line_style, marker_kws, palette) -> None:
    """Each trial's curve (by outcome, or by bracket) and its stop point by outcome."""
    outcome = dict(zip(table["trial"], table["outcome"], strict=True))
    stops: dict[str, list] = {}
    cycle = resolve_palette(palette)
    seen: set[int] = set()
    for trial, x, y in trial_curves(rows):
        kind = outcome.get(trial, "other")
        kind = kind if kind in OUTCOME_STYLE else "other"
        color = OUTCOME_STYLE[kind]["color"]
        label = "_" + trial
        b = bracket_of.get(trial)
        if b is not None:
            color = cycle[b % len(cycle)]
            if b not in seen:
                seen.add(b)
                label = tr("tuning.rungs.bracket", lang, s=b)
        style = line_style
        if b is not None:  # a line style per bracket too: colour is not the only cue
            style = {"linestyle": _BRACKET_STYLES[b % len(_BRACKET_STYLES)], **line_style}
        ax.plot(x, y, color=color, label=label, **style)
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
        ax.scatter(xs, ys, label=f"{tr(st['label'], lang)} ({len(pts)})", **style)
