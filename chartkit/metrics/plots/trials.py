"""Every trial's curve coloured by a hyper-parameter, the best one labelled (PBT as segments)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list, check_refused
from chartkit.annotate._markup import escape_data
from chartkit.metrics.plots._data import cycle_colors, frame_of, metric_rows
from chartkit.metrics.plots._scale import Drawn, apply_offscale, offscale_note
from chartkit.metrics.plots.rungs import OUTCOME_STYLE
from chartkit.metrics.plots.tuning import no_finite, quiet_corner, reserve_rows, show_facts
from chartkit.metrics.schema import natural_key
from chartkit.metrics.tuning_tables import (
    best_trial,
    check_param,
    check_params_available,
    default_metric,
    default_mode,
    format_config,
    last_steps,
    lineage_segments,
    param_kinds,
    segment_of,
    trial_curves,
    trial_table,
    trials_info,
    varying_params,
)

__all__ = ["continuous_cmap", "plot_lineage", "plot_trials"]


def continuous_cmap():
    """chartkit's sequential map for a continuous parameter (viridis when none is registered).

    The lightest quarter of ``chartkit.blues`` is cut off, so every line stays visible on
    a white background.
    """
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    name = "chartkit.blues"
    if name not in mpl.colormaps:
        return mpl.colormaps["viridis"]
    base = mpl.colormaps[name]
    return ListedColormap(base(np.linspace(0.3, 1.0, 192)), name=f"{name}_lines")


def plot_trials(
    log,
    metric: str | None = None,
    *,
    color_by: str | None = "lr",
    scope: Literal["last", "min", "max"] = "last",
    mode: Literal["min", "max"] | None = None,
    lineage: bool | None = None,
    yscale: Literal["auto", "clip", "linear", "symlog", "log"] = "auto",
    cmap=None,
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
    log : RunLog
        A tuning log (`chartkit.metrics.readers.ray.read_ray`). A bare metrics frame works
        with ``color_by=None`` only (it has no configs).
    metric : str, optional
        Metric to draw; default: ``loss`` when the log has it.
    color_by : str or None, default: "lr"
        Config key that colours the curves; None colours by trial with the colour cycle.
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
    import matplotlib as mpl
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

    colors = _ParamColors(
        segs if lineage and len(segs) else table, color_by, kind, cmap, cycle_colors()
    )
    norm, cats = colors.norm, colors.cats
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
    if colorbar and norm is not None:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=colors.cmap)
        cb = ax.figure.colorbar(sm, ax=ax, **{"pad": 0.02, **(colorbar_kws or {})})
        name = escape_data(color_by)
        cb.set_label(tr("tuning.log_scale", lang, name=name) if kind == "log" else name)
    elif colorbar and kind == "categorical":
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=color_of(c, 0), linewidth=2) for c in cats]
        ax.legend(
            handles,
            [escape_data(c) for c in cats],
            title=escape_data(color_by),
            fontsize="small",
            loc=legend_loc,
        )
    return ax


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


class _ParamColors:
    """Colours of one config key's values: a (log) norm on a map, or the colour cycle."""

    def __init__(self, frame, name, kind, cmap, cycle) -> None:
        import matplotlib as mpl
        from matplotlib.colors import LogNorm, Normalize

        self.kind, self.cycle = kind, cycle
        self.norm = None
        self.cmap = None
        self.cats: list = []
        self._value_color: dict[float, tuple] = {}
        if kind in ("log", "linear"):
            vals = frame[name].astype(float).to_numpy()
            vals = vals[np.isfinite(vals)]
            lo, hi = (vals.min(), vals.max()) if vals.size else (0.0, 1.0)
            if lo == hi:
                lo, hi = (lo / 2, lo * 2) if kind == "log" else (lo - 0.5, hi + 0.5)
            self.norm = LogNorm(lo, hi) if kind == "log" else Normalize(lo, hi)
            self.cmap = continuous_cmap() if cmap is None else mpl.colormaps[cmap]
            # one colormap call for every value (a call per line costs ~ms each)
            uniq = np.unique(vals)
            rgba = self.cmap(self.norm(uniq)) if uniq.size else []
            self._value_color = {float(v): tuple(c) for v, c in zip(uniq, rgba, strict=True)}
        elif kind == "categorical":
            src = frame[name]
            self.cats = sorted(src.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))

    def color_of(self, value, k: int = 0):
        """Colour of *value* (the *k*-th cycle colour when nothing colours by a key)."""
        if self.kind is None:
            return self.cycle[k % len(self.cycle)]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "0.6"
        if self.norm is not None:
            v = float(value)
            return self._value_color.get(v) or self.cmap(self.norm(v))
        return self.cycle[self.cats.index(value) % len(self.cycle)]


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


def plot_lineage(
    log,
    param: str = "lr",
    *,
    cmap=None,
    colorbar: bool = True,
    exploits: bool = True,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    text_kws: dict[str, Any] | None = None,
    colorbar_kws: dict[str, Any] | None = None,
    exploit_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Draw each trial's lineage segments (PBT) as bars coloured by one config key.

    With Ray's PBT exploit log in the run's folder (``pbt_global.txt``, see
    `chartkit.metrics.schedulers.exploit_table`) an arrow goes from the trial that was
    copied, at the iteration of the copied checkpoint, to the trial that copied it: who
    copied whom, and when.

    One row per trial; a bar per lineage segment from the iteration where it started to
    where the next one took over (the trial's last iteration for the last one), coloured
    and labelled by the segment's value of *param*. A segment starts where Ray's
    ``training_iteration`` went back (PBT restored another trial's checkpoint) or the
    config changed. A segment whose steps a later one overwrote entirely (it restarted at
    the same or an earlier iteration) is drawn as a tick at its start. ERROR trials are
    marked at their end.

    Parameters
    ----------
    log : RunLog
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    param : str, default: "lr"
        Config key that colours and labels the segments.
    cmap : str or Colormap, optional
        Colormap for a continuous *param*; default: `continuous_cmap`.
    colorbar : bool, default: True
        Add a colourbar (continuous) or a legend (categorical).
    exploits : bool, default: True
        Draw the exploit arrows when the log has PBT's exploit log.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts note then becomes its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
    text_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.text` for the values written in the bars.
    exploit_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.annotate` (its ``arrowprops``) for the exploits.
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    **kwargs
        Passed to `~matplotlib.axes.Axes.barh` for each trial's segments.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *param* is not a config key (close matches listed).
    ValueError
        For a bare metrics frame (no configs).

    See Also
    --------
    plot_trials : the curves, with the same segments coloured (``lineage=True``).
    chartkit.metrics.plots.tuning.lineage_segments : the table drawn here.
    """
    import matplotlib as mpl

    check_lang(lang)
    check_refused(
        kwargs,
        ("color", "left", "width", "label"),
        func="plot_lineage",
        reason="per segment",
        hint="style the bars after drawing via ax.patches",
    )
    params = check_params_available(log, "plot_lineage")
    check_param(param, params, "param")
    segs = lineage_segments(log)
    kind = param_kinds(segs, [param])[param]
    colors = _ParamColors(segs, param, kind, cmap, cycle_colors())
    last_step = last_steps(log)
    status = {}
    info = trials_info(log)
    if info is not None:
        status = {str(t): str(s) for t, s in zip(info["trial"], info["status"], strict=True)}
    ax = get_ax(ax)
    trials = sorted(segs["trial"].astype(str).unique(), key=natural_key)
    bar_style = {"height": 0.7, "edgecolor": "white", "linewidth": 1.0, **kwargs}
    tstyle = {"fontsize": "x-small", "ha": "center", "va": "center", "clip_on": True}
    tstyle.update(text_kws or {})
    n_changes = n_replaced = 0
    for row, trial in enumerate(trials):
        y = len(trials) - 1 - row
        g = segs[segs["trial"].astype(str) == trial]
        end_of_trial = last_step.get(trial)
        n_changes += len(g) - 1
        lefts, widths, cs, values = [], [], [], []
        for start, end, value in zip(g["start_step"], g["end_step"], g[param], strict=True):
            if pd.isna(start):
                continue
            stop = end if not pd.isna(end) else (end_of_trial or start) + 1
            c = colors.color_of(value)
            if stop <= start:  # overwritten by a later segment
                n_replaced += 1
                ax.plot([start - 0.5] * 2, [y - 0.45, y + 0.45], color=c, linewidth=2.5, zorder=3)
                continue
            lefts.append(start - 0.5)
            widths.append(stop - start)
            cs.append(c)
            values.append(value)
        if widths:
            ax.barh([y] * len(widths), widths, left=lefts, color=cs, **bar_style)
            for left, width, value, c in zip(lefts, widths, values, cs, strict=True):
                if width >= 2:
                    ax.text(
                        left + width / 2,
                        y,
                        _short(value),
                        color=_ink(c),
                        **tstyle,
                    )
        if status.get(trial, "").upper() == "ERROR" and end_of_trial is not None:
            ax.plot(
                [end_of_trial + 0.5],
                [y],
                marker="X",
                markersize=9,
                color=OUTCOME_STYLE["error"]["color"],
                markeredgecolor="white",
                linestyle="none",
                zorder=4,
            )
    ax.set_yticks(range(len(trials))[::-1], [escape_data(t) for t in trials])
    ax.set_ylim(-0.6, len(trials) - 0.4)
    ax.set_xlabel(tr("tuning.iteration", lang))
    ax.grid(False, axis="y")
    parts = [
        tr("tuning.lineage.changes", lang, n=n_changes)
        if n_changes
        else tr("tuning.lineage.none", lang)
    ]
    if exploits:
        n_arrows = _draw_exploits(ax, log, trials, exploit_kws)
        if n_arrows:
            parts.append(tr("tuning.lineage.exploits", lang, n=n_arrows))
    if n_replaced:
        parts.append(tr("tuning.lineage.replaced", lang, n=n_replaced))
    if any(s.upper() == "ERROR" for s in status.values()):
        parts.append(tr("tuning.mark.error", lang))
    if title is None:  # room under the last row for the note, so it covers no bar
        reserve_rows(ax, "\n".join(parts), len(trials))
    show_facts(ax, "\n".join(parts), title, loc="lower right")
    if colorbar and colors.norm is not None:
        sm = mpl.cm.ScalarMappable(norm=colors.norm, cmap=colors.cmap)
        cb = ax.figure.colorbar(sm, ax=ax, **{"pad": 0.02, **(colorbar_kws or {})})
        name = escape_data(param)
        cb.set_label(tr("tuning.log_scale", lang, name=name) if kind == "log" else name)
    elif colorbar and kind == "categorical":
        from matplotlib.patches import Patch

        handles = [Patch(color=colors.color_of(c)) for c in colors.cats]
        ax.legend(
            handles,
            [escape_data(c) for c in colors.cats],
            title=escape_data(param),
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    return ax


def _draw_exploits(ax, log, trials: list[str], exploit_kws) -> int:
    """Arrows from the copied trial's row to the copying trial's row; returns their count."""
    from chartkit.metrics.schedulers import NotApplicable, exploit_table

    try:
        table = exploit_table(log)
    except NotApplicable:
        return 0
    row_of = {t: len(trials) - 1 - i for i, t in enumerate(trials)}
    props = {
        "arrowstyle": "-|>",
        "color": "0.15",
        "linewidth": 1.0,
        "shrinkA": 2,
        "shrinkB": 2,
        "mutation_scale": 9,
        **(exploit_kws or {}),
    }
    n = 0
    for trial, source, at in zip(
        table["trial"], table["source"], table["source_step"], strict=True
    ):
        if trial not in row_of or source not in row_of or pd.isna(at):
            continue
        x = float(at) + 0.5  # the boundary after the copied checkpoint's iteration
        ax.annotate(
            "",
            (x, row_of[trial]),
            xytext=(x, row_of[source]),
            arrowprops={**props, "connectionstyle": "arc3,rad=0.25"},
            zorder=6,
        )
        n += 1
    return n


def _short(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3g}".replace("-", "\u2212")
    return str(value)


def _ink(color) -> str:
    """Black or white text, whichever contrasts more with *color* (WCAG luminance)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ [0.2126, 0.7152, 0.0722])
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"
