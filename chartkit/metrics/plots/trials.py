"""Every trial's curve coloured by a hyper-parameter, the best one labelled (PBT as segments)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list, check_refused
from chartkit.annotate._markup import escape_data
from chartkit.metrics.frames import frame_of, metric_rows
from chartkit.metrics.lazy import as_lazy
from chartkit.metrics.plots._scale import Drawn, apply_offscale, offscale_note
from chartkit.metrics.plots.lineage import plot_lineage
from chartkit.metrics.plots.param_colors import ParamColors, continuous_cmap
from chartkit.metrics.plots.tuning import no_finite, quiet_corner, show_facts
from chartkit.metrics.tuning_tables import (
    best_trial,
    check_param,
    check_params_available,
    default_metric,
    default_mode,
    format_config,
    lineage_segments,
    param_kinds,
    segment_of,
    trial_curves,
    trial_table,
    varying_params,
)
from chartkit.palettes import resolve_palette

__all__ = ["continuous_cmap", "plot_lineage", "plot_trials"]  # plot_lineage re-exported


def plot_trials(
    data,
    metric: str | None = None,
    *,
    color_by: str | None = "auto",
    scope: Literal["last", "min", "max"] = "last",
    mode: Literal["min", "max"] | None = None,
    lineage: bool | None = None,
    yscale: Literal["auto", "clip", "linear", "symlog", "log"] = "auto",
    cmap=None,
    palette=None,
    colorbar: bool = True,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    best_kws: dict[str, Any] | None = None,
    text_kws: dict[str, Any] | None = None,
    colorbar_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Plot every trial's curve of *metric*, coloured by a hyper-parameter.

    A continuous parameter gets a sequential colormap and a colourbar labelled with the
    parameter's name, on a log norm when its values are all positive and span more than a
    factor 20 (a log-uniform search); a categorical one (strings, booleans or at most four
    integer choices) gets the theme's colour cycle and a legend. The best trial under
    *scope* and *mode* is drawn on top, thicker, and labelled with its config; a note under
    the title states how trials were scored.

    Parameters
    ----------
    data : RunLog, pandas.DataFrame, LazyLog or dask.dataframe.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`). A bare metrics frame works
        with ``color_by=None`` only (it has no configs). A lazy log (``read(...,
        engine="dask", cache=DIR)`` keeps the configs) is reduced on the workers to the rows
        M4 keeps per trial, which hold each trial's last, minimum and maximum value, so the
        scores are those of the whole log.
    metric : str, optional
        Metric to draw; default: ``loss`` when the log has it.
    color_by : str or None, default: "auto"
        Config key that colours the curves; None colours by trial with the colour cycle.
        ``"auto"``: ``lr`` when it varies across trials, else the first config key that
        varies, else None; a bare metrics frame (a facet's subset) has no configs: None.
    scope : {"last", "min", "max"}, default: "last"
        How a trial is scored to find the best one: its last finite value, or its
        minimum/maximum over all steps (Ray's ``scope="last"``/``"all"``).
    mode : {"min", "max"}, optional
        Whether lower or higher scores are better; default: *scope* when it is ``"min"``
        or ``"max"``, else ``"max"`` for metric names such as ``accuracy``, ``auc``,
        ``score``, ``reward``, and ``"min"`` otherwise.
    yscale : {"auto", "clip", "linear", "symlog", "log"}, default: "auto"
        The off-scale rule of `chartkit.metrics.offscale` (as in `plot_curves`): with
        ``"auto"`` a diverged trial (values far above its own healthy part) is drawn to
        the edge of limits set from the healthy parts, with a triangle and a note, so the
        other trials stay readable; ``"linear"`` draws everything.
    lineage : bool, optional
        Draw PBT lineage: each segment of a trial (a restored checkpoint or a changed
        config) is coloured by its own config value and its start is marked. Default: on
        when some trial has more than one segment.
    palette : str, list or None, optional
        Colours of a categorical key (`chartkit.palettes.resolve_palette`: chartkit's names
        first, then matplotlib's, or a list); default: the theme's colour cycle.
    cmap : str or Colormap, optional
        Colormap for a continuous *color_by*; default: `continuous_cmap`.
    colorbar : bool, default: True
        Add a colourbar (continuous) or a legend (categorical).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts note then becomes its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
    best_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the best trial's line (over *kwargs*).
    text_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.annotate` for the best trial's label.
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for each trial's line.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the log or *color_by* is not a config key (close matches
        listed).
    ValueError
        For a bad *scope* or *mode*, or a *color_by* with a bare metrics frame.
    TypeError
        When *kwargs* hold ``color`` or ``label`` (set per trial).

    Warns
    -----
    DataWarning
        When no trial has a finite value of *metric* (the axes say "no finite values").

    See Also
    --------
    chartkit.metrics.plots.tuning.trial_table : the per-trial scores used here.
    plot_rungs, plot_parallel, plot_importance
    """
    lazy = as_lazy(data)
    if lazy is not None:  # the Dask engine: each trial's M4 rows (last, min, max kept)
        ax = get_ax(ax)
        data, metric = _lazy_log(lazy, metric, ax)
    log = data
    import matplotlib.patheffects as pe

    check_in_list(["last", "min", "max"], scope=scope)
    check_lang(lang)
    if mode is not None:
        check_in_list(["min", "max"], mode=mode)
    metric = default_metric(log, metric)
    check_refused(
        kwargs,
        ("color", "c", "label"),
        func="plot_trials",
        reason=f"by {color_by!r} and per trial",
        hint="style the lines after drawing via ax.get_lines()",
    )
    frame, _ = frame_of(log)
    rows = metric_rows(frame, metric)
    params: list[str] = []
    kind = None
    if color_by == "auto":
        color_by = _auto_color_by(log, metric)
    if color_by is not None:
        params = check_params_available(log, "plot_trials(color_by=...)")
        check_param(color_by, params)
    table = trial_table(log, metric, scope=scope)
    mode = mode or default_mode(metric, scope)
    segs = lineage_segments(log)
    multi = bool(len(segs)) and segs.groupby("trial").size().max() > 1
    lineage = multi if lineage is None else lineage
    if color_by is not None:
        # with lineage, every segment's value counts (PBT explores beyond the final configs)
        kind = param_kinds(segs if lineage and len(segs) else table, [color_by])[color_by]
    ax = get_ax(ax)

    colors = ParamColors(
        segs if lineage and len(segs) else table, color_by, kind, cmap, resolve_palette(palette)
    )
    color_of = colors.color_of

    best = best_trial(table, mode)
    best_name = table["trial"].iloc[best] if best is not None else None
    line_style = {"linewidth": 1.2, "alpha": 0.9, "marker": "o", "markersize": 3.5, **kwargs}
    best_style = {
        **line_style,
        "linewidth": 2.6,
        "markersize": 5,
        "alpha": 1.0,
        "zorder": 4,
        "path_effects": [pe.withStroke(linewidth=4.5, foreground="white")],
        **(best_kws or {}),
    }
    outcome = dict(zip(table["trial"], table["outcome"], strict=True))
    value_of = dict(zip(table["trial"], table[color_by], strict=True)) if color_by else {}
    segs_of = {}
    if lineage and multi:
        several = segs[segs.groupby("trial", sort=False)["segment"].transform("size") > 1]
        segs_of = {str(t): g for t, g in several.groupby("trial", sort=False)}
    drawn, seg_markers, series = _draw_curves(
        ax,
        rows,
        outcome,
        segs_of if lineage else {},
        color_by,
        color_of,
        value_of,
        best_name,
        line_style,
        best_style,
    )
    merged, _ = apply_offscale(ax, series, yscale=yscale, lang=lang)
    if seg_markers:
        xs, ys, cs = zip(*seg_markers, strict=True)
        ax.scatter(
            xs,
            ys,
            c=list(cs),
            marker="D",
            s=28,
            edgecolors="white",
            linewidths=0.8,
            zorder=5,
            label=tr("tuning.pbt.legend", lang),
        )
    if best is None and len(table):
        no_finite(ax, metric, lang)
    if best_name is not None and best_name in drawn:
        _label_best(ax, table, best, params, color_by, metric, drawn[best_name], text_kws, lang)
    ax.set_xlabel(tr("tuning.iteration" if _is_ray(frame) else "word.step", lang))
    ax.set_ylabel(escape_data(metric))
    n = len(table)
    parts = [
        tr("tuning.coloured_by", lang, n=n, name=color_by)
        if color_by
        else tr("tuning.one_colour", lang, n=n),
        tr(f"tuning.best.{mode}", lang, scope=tr(f"tuning.scope.{scope}", lang)),
    ]
    if lineage and multi:
        parts.append(tr("tuning.mark.pbt", lang))
    if "error" in outcome.values():
        parts.append(tr("tuning.mark.error", lang))
    parts += offscale_note(merged, ax, lang)
    # the legend takes the quietest corner, the note the next one
    legend_loc = quiet_corner(ax, ()) if colorbar and kind == "categorical" else "upper right"
    facts = "; ".join(parts[:2]) + ("\n" + "; ".join(parts[2:]) if parts[2:] else "")
    show_facts(ax, facts, title, avoid=(legend_loc,))
    _key(ax, colorbar, colors, kind, color_by, legend_loc, colorbar_kws, lang)
    return ax


def _lazy_log(lazy, metric, ax):
    """A lazy log as a `RunLog` of the rows M4 keeps per trial, and the metric.

    M4 keeps each series' last finite point and, per pixel column, its minimum and maximum,
    so every trial's score (`trial_table`: last, min or max) is the one of the whole log.
    """
    from chartkit.metrics import reduce
    from chartkit.metrics.plots.curves import _columns
    from chartkit.metrics.schema import LogInfo, RunLog
    from chartkit.metrics.tuning_tables import DEFAULT_METRICS

    names = lazy.metric_names
    if metric is None:
        metric = next((m for m in DEFAULT_METRICS if m in names), None)
    metric = reduce.pick(names, metric)
    if metric is None:
        from chartkit._validate import invalid_value_message

        raise ValueError(invalid_value_message(None, "metric", expected="a metric of the log"))
    rows, _, stats = reduce.curve_pass(lazy.metrics, metric, _columns(ax))  # refuses splits
    lazy._stats[metric] = stats
    info = lazy.info if lazy.info is not None else LogInfo(source="dask")
    rows.attrs["chartkit"] = info
    return RunLog(rows, lazy.params, info), metric


def _auto_color_by(log, metric: str) -> str | None:
    """``lr`` when it varies, else the first config key that varies, else None."""
    from chartkit.metrics.tuning_tables import param_names

    params = param_names(log)
    if not params:
        return None
    varying, _ = varying_params(trial_table(log, metric), params)
    return "lr" if "lr" in varying else (varying[0] if varying else None)


def _key(ax, colorbar, colors, kind, color_by, legend_loc, colorbar_kws, lang) -> None:
    """The colourbar (continuous *color_by*) or legend (categorical) of the curves' colours."""
    import matplotlib as mpl

    if colorbar and colors.norm is not None:
        sm = mpl.cm.ScalarMappable(norm=colors.norm, cmap=colors.cmap)
        cb = ax.figure.colorbar(sm, ax=ax, **{"pad": 0.02, **(colorbar_kws or {})})
        name = escape_data(color_by)
        cb.set_label(tr("tuning.log_scale", lang, name=name) if kind == "log" else name)
    elif colorbar and kind == "categorical":
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=colors.color_of(c, 0), linewidth=2) for c in colors.cats]
        ax.legend(
            handles,
            [escape_data(c) for c in colors.cats],
            title=escape_data(color_by),
            fontsize="small",
            loc=legend_loc,
        )


def _draw_curves(
    ax, rows, outcome, segs_of, color_by, color_of, value_of, best_name, line_style, best_style
):
    """Each trial's curve (PBT segments coloured by their own config); the lines drawn."""
    drawn = {}
    seg_markers = []
    series = []
    for k, (trial, x, y) in enumerate(trial_curves(rows)):
        is_best = trial == best_name
        style = best_style if is_best else line_style
        if outcome.get(trial) == "error":
            style = {**style, "marker": "X", "markersize": style.get("markersize", 3.5) * 2}
        tseg = segs_of.get(trial)
        if tseg is not None and len(tseg) > 1:
            idx = segment_of(x, tseg["start_step"].tolist())
            for j in np.unique(idx):
                m = np.flatnonzero(idx == j)
                # join each segment to the previous point so the curve stays continuous
                lo_i = max(m[0] - 1, 0)
                value = tseg[color_by].iloc[j] if color_by else None
                c = color_of(value, k)
                xs, ys = x[lo_i : m[-1] + 1], y[lo_i : m[-1] + 1]
                last = j == idx[-1]
                (line,) = ax.plot(
                    xs, ys, color=c, label=trial, **{**style, "markevery": [len(xs) - 1]}
                )
                if not last:
                    line.set_marker("None")
                if j > 0:
                    seg_markers.append((x[m[0]], y[m[0]], c))
            drawn[trial] = line
        else:
            value = value_of.get(trial)
            (line,) = ax.plot(
                x, y, color=color_of(value, k), label=trial, **{"markevery": [len(x) - 1], **style}
            )
            drawn[trial] = line
        series.append(Drawn(trial, x, x, y, line.get_color()))
    return drawn, seg_markers, series


def _is_ray(frame) -> bool:
    src = frame["source"]
    return len(src) > 0 and (src == "ray").all()


def _label_best(ax, table, best, params, color_by, metric, line, text_kws, lang) -> None:
    row = table.iloc[best]
    shown, _ = varying_params(table, params) if params else ([], [])
    if color_by and color_by in shown:
        shown = [color_by] + [p for p in shown if p != color_by]
    x = line.get_xdata()
    y = line.get_ydata()
    ok = np.flatnonzero(np.isfinite(np.asarray(y, dtype=float)))
    if not ok.size:
        return
    i = ok[-1]
    score = f"{row['value']:.3g}".replace("-", "\u2212")
    text = tr("tuning.best.label", lang, trial=row["trial"], metric=metric, score=score)
    if shown:
        text += "\n" + format_config(row, shown)
    text = escape_data(text)
    style = {
        "fontsize": "small",
        "color": "0.1",
        "bbox": {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.7", "alpha": 0.85},
        "arrowprops": {"arrowstyle": "-", "color": "0.4", "linewidth": 0.7},
        "zorder": 6,
        **(text_kws or {}),
    }
    # below the end point when it sits in the upper part of the axes, left of it unless it
    # sits in the left part
    ax.autoscale_view()
    fx, fy = ax.transLimits.transform((float(x[i]), float(y[i])))
    upper, left = fy > 0.55, fx < 0.45
    style.setdefault("va", "top" if upper else "bottom")
    style.setdefault("ha", "left" if left else "right")
    offset = (8 if left else -8, -18 if upper else 18)
    ax.annotate(text, (x[i], y[i]), xytext=offset, textcoords="offset points", **style)
