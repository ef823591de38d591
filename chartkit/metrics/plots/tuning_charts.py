"""The tuning charts Optuna users know, keeping the trials Optuna drops.

`plot_history` (every trial's value and the best so far, in completion order or wall
time), `plot_slice` (the value against one parameter, log axes for log-uniform ones),
`plot_contour` (the value over two parameters) and `plot_edf` (the empirical distribution
of the values). Stopped (pruned) and ERROR trials are drawn with their own markers, and
each chart states what a trial's value is (its last report, its best, or the value at a
rung).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit.annotate import escape_data
from chartkit.errors import DataWarning, warn_external
from chartkit.metrics.frames import value_order
from chartkit.metrics.tuning_history import edf_table, history_table
from chartkit.metrics.tuning_tables import Scope, param_kinds

__all__ = ["OUTCOME_STYLES", "plot_contour", "plot_edf", "plot_history", "plot_slice"]

#: Marker, colour and fill of each trial outcome, shared by the four charts.
OUTCOME_STYLES = {
    "completed": {"marker": "o", "color": "#0072b2", "filled": True},
    "stopped": {"marker": "o", "color": "#e69f00", "filled": False},
    "error": {"marker": "X", "color": "#d55e00", "filled": True},
    "other": {"marker": "s", "color": "#999999", "filled": False},
}


def _outcome(value: Any) -> str:
    v = str(value).lower()
    return v if v in OUTCOME_STYLES else "other"


def _scatter(ax, x, y, outcomes, lang: str, **kws) -> None:
    for outcome, style in OUTCOME_STYLES.items():
        m = np.asarray([_outcome(o) == outcome for o in outcomes], dtype=bool)
        if not m.any():
            continue
        face = style["color"] if style["filled"] else "white"
        ax.scatter(
            np.asarray(x)[m],
            np.asarray(y)[m],
            marker=style["marker"],
            s=kws.get("s", 28),
            facecolors=face,
            edgecolors=style["color"],
            linewidths=1.2,
            zorder=3,
            label=tr(f"tcharts.outcome.{outcome}", lang, n=int(m.sum())),
        )


def _scope_note(table, lang: str) -> str:
    meta = table.attrs.get("chartkit", {})
    return tr(
        f"tcharts.scope.{meta.get('scope', 'last')}",
        lang,
        metric=escape_data(meta.get("metric", "")),
    )


def _note(ax, lines: list[str], legend_at: str = "upper right") -> None:
    """The chart's facts in the quietest corner that the legend does not hold."""
    from chartkit.metrics.plots.tuning import fact_note

    fact_note(ax, "\n".join(line for line in lines if line), avoid=(legend_at,))


def plot_history(
    data,
    metric: str,
    *,
    scope: Scope = "last",
    mode: Literal["min", "max"] | None = None,
    x: Literal["order", "wall_time"] = "order",
    ax=None,
    lang: str = "en",
):
    """Optimisation history: every trial's value and the best so far.

    Parameters
    ----------
    data : RunLog
        A tuning log (`chartkit.metrics.read_ray`).
    metric : str
    scope : {"last", "min", "max"}, default: "last"
        A trial's value: its last report, or its smallest/largest.
    mode : {"min", "max"}, optional
        Whether lower or higher is better (default from the metric's name).
    x : {"order", "wall_time"}, default: "order"
        Trials in completion order, or at their completion time (minutes since the
        sweep's first report).
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "ko"}, default: "en"

    Returns
    -------
    matplotlib.axes.Axes
    """
    from chartkit._validate import check_in_list

    lang = check_lang(lang)
    check_in_list(("order", "wall_time"), x=x)
    table = history_table(data, metric, scope=scope, mode=mode)
    ax = get_ax(ax)
    if x == "wall_time":
        xs = table["elapsed"].to_numpy(dtype=float) / 60
        ax.set_xlabel(tr("tcharts.minutes_since_start", lang))
    else:
        xs = table["order"].to_numpy(dtype=float)
        ax.set_xlabel(tr("tcharts.completion_order", lang))
    _scatter(ax, xs, table["value"], table["outcome"], lang)
    ok = np.isfinite(xs) & np.isfinite(table["best_so_far"].to_numpy(dtype=float))
    ax.step(
        xs[ok],
        table["best_so_far"].to_numpy(dtype=float)[ok],
        where="post",
        color="#333333",
        lw=1.4,
        label=tr("tcharts.best_so_far", lang),
        zorder=2,
    )
    ax.set_ylabel(metric)
    missing = int((~np.isfinite(table["value"].to_numpy(dtype=float))).sum())
    lines = [_scope_note(table, lang)]
    if missing:
        lines.append(tr("tcharts.no_value", lang, n=missing))
    ax.legend(loc="upper right", fontsize="small")
    _note(ax, lines)
    return ax


def _single_value(ax, param: str, values, lang: str) -> bool:
    finite = [v for v in values if v == v]
    if len({str(v) for v in finite}) > 1:
        return False
    shown = finite[0] if finite else "-"
    text = tr("tcharts.single_value", lang, param=escape_data(param), value=shown)
    warn_external(text, DataWarning)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])
    return True


def _positions(ax, values, kind: str, axis: str) -> np.ndarray:
    """Numbers for *values* on *axis*: log scale, linear, or category positions."""
    if kind == "categorical":
        labels = sorted({str(v) for v in values}, key=value_order)
        pos = np.array([labels.index(str(v)) for v in values], dtype=float)
        (ax.set_xticks if axis == "x" else ax.set_yticks)(range(len(labels)), labels)
        return pos
    if kind == "log":
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    return np.asarray(values, dtype=float)


def plot_slice(
    data,
    metric: str,
    param: str,
    *,
    scope: Scope = "last",
    ax=None,
    lang: str = "en",
):
    """Each trial's value against one parameter (log axis for log-uniform parameters).

    A parameter with one value says so (a note and a `DataWarning`) instead of drawing an
    empty chart.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    table = history_table(data, metric, scope=scope)
    if param not in table.columns:
        from chartkit.metrics.schema import unknown_column

        raise unknown_column(param, [c for c in table.columns if c not in _BASE], "param")
    ax = get_ax(ax)
    values = table[param].tolist()
    if _single_value(ax, param, values, lang):
        return ax
    kind = param_kinds(table, [param])[param]
    xs = _positions(ax, values, kind, "x")
    _scatter(ax, xs, table["value"], table["outcome"], lang)
    ax.set_xlabel(param + (f" ({tr('tcharts.log_axis', lang)})" if kind == "log" else ""))
    ax.set_ylabel(metric)
    ax.legend(loc="upper right", fontsize="small")
    _note(ax, [_scope_note(table, lang)])
    return ax


_BASE = {
    "order",
    "trial",
    "status",
    "outcome",
    "last_step",
    "n_points",
    "value",
    "finished",
    "elapsed",
    "best_so_far",
}


def plot_contour(
    data,
    metric: str,
    *,
    x: str,
    y: str,
    scope: Scope = "last",
    cmap: Any = "chartkit.blues_r",
    ax=None,
    lang: str = "en",
    colorbar_kws: dict[str, Any] | None = None,
):
    """The value over two parameters: interpolated filled contours and every trial.

    *x* and *y* name the two parameters (config keys). Contours come from a linear
    interpolation over the Delaunay triangulation of the trials
    that have a value (in log space for log-uniform parameters): they show the trend
    between trials, not measured values. Trials are drawn on top with their outcome's
    marker. Fewer than three trials with values, or a parameter with one value: a note.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    x_param, y_param = x, y
    table = history_table(data, metric, scope=scope)
    for p in (x_param, y_param):
        if p not in table.columns:
            from chartkit.metrics.schema import unknown_column

            raise unknown_column(p, [c for c in table.columns if c not in _BASE], "param")
    ax = get_ax(ax)
    for p in (x_param, y_param):
        if _single_value(ax, p, table[p].tolist(), lang):
            return ax
    kinds = param_kinds(table, [x_param, y_param])
    xs = _positions(ax, table[x_param].tolist(), kinds[x_param], "x")
    ys = _positions(ax, table[y_param].tolist(), kinds[y_param], "y")
    v = table["value"].to_numpy(dtype=float)
    ok = np.isfinite(v) & np.isfinite(xs) & np.isfinite(ys)
    lines = [_scope_note(table, lang), tr("tcharts.contour_note", lang)]
    if ok.sum() >= 3:
        tx = np.log10(xs[ok]) if kinds[x_param] == "log" else xs[ok]
        ty = np.log10(ys[ok]) if kinds[y_param] == "log" else ys[ok]
        try:
            import matplotlib.tri as mtri

            tri = mtri.Triangulation(tx, ty)
            back_x = 10**tri.x if kinds[x_param] == "log" else tri.x
            back_y = 10**tri.y if kinds[y_param] == "log" else tri.y
            shown = mtri.Triangulation(back_x, back_y, tri.triangles)
            filled = ax.tricontourf(shown, v[ok], levels=10, cmap=cmap, alpha=0.85, zorder=1)
            cbar = ax.figure.colorbar(filled, ax=ax, **(colorbar_kws or {}))
            cbar.set_label(metric)
        except (ValueError, RuntimeError):  # collinear trials: no triangulation
            lines.append(tr("tcharts.contour_degenerate", lang))
    else:
        lines.append(tr("tcharts.too_few_for_contour", lang, n=int(ok.sum())))
    _scatter(ax, xs, ys, table["outcome"], lang, s=22)
    ax.set_xlabel(x_param)
    ax.set_ylabel(y_param)
    ax.legend(loc="upper right", fontsize="small")
    _note(ax, lines)
    return ax


def plot_edf(
    data,
    metric: str,
    *,
    scope: Scope = "last",
    ax=None,
    lang: str = "en",
):
    """Empirical distribution of the trials' values: all trials, and per outcome.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    table = history_table(data, metric, scope=scope)
    ax = get_ax(ax)
    v = table["value"].to_numpy(dtype=float)
    xs, ys = edf_table(v)
    ax.step(
        xs,
        ys,
        where="post",
        color="#333333",
        lw=1.8,
        label=tr("tcharts.all_trials", lang, n=xs.size),
    )
    for outcome, style in OUTCOME_STYLES.items():
        m = np.asarray([_outcome(o) == outcome for o in table["outcome"]], dtype=bool)
        if m.sum() < 2 or m.sum() == np.isfinite(v).sum():
            continue
        ox, oy = edf_table(v[m])
        ax.step(
            ox,
            oy,
            where="post",
            color=style["color"],
            lw=1.3,
            ls="-" if style["filled"] else "--",
            label=tr(f"tcharts.outcome.{outcome}", lang, n=int(m.sum())),
        )
    ax.set_xlabel(metric)
    ax.set_ylabel(tr("tcharts.fraction_at_or_below", lang))
    ax.set_ylim(0, 1.02)
    missing = int((~np.isfinite(v)).sum())
    lines = [_scope_note(table, lang)]
    if missing:
        lines.append(tr("tcharts.no_value", lang, n=missing))
    ax.legend(loc="lower right", fontsize="small")
    _note(ax, lines, legend_at="lower right")
    return ax
