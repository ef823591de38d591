"""Parallel coordinates of a tuning run, keeping stopped and ERROR trials (Optuna drops them)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list, check_refused
from chartkit.annotate._markup import escape_data
from chartkit.metrics.plots.param_colors import continuous_cmap
from chartkit.metrics.plots.rungs import OUTCOME_STYLE
from chartkit.metrics.plots.tuning import no_finite, show_facts, too_few
from chartkit.metrics.tuning_tables import (
    Kind,
    best_trial,
    check_param,
    check_params_available,
    default_metric,
    default_mode,
    param_kinds,
    trial_table,
    varying_params,
)

__all__ = ["AxisScale", "axis_scale", "plot_parallel"]

# Where a trial without a value of an axis is drawn, below the axis (0..1 is the axis).
_MISSING_Y = -0.12
# A log axis with at most this many distinct values ticks at each of them.
_MAX_VALUE_TICKS = 8
# A linear axis labels its ends when its nearest tick is further than this (axis = 1).
_END_GAP = 0.15
_LINESTYLE = {"completed": "-", "stopped": "--", "error": ":", "other": "-."}


@dataclass
class AxisScale:
    """How one parallel axis maps values to [0, 1] and where its ticks go (no pyplot).

    Attributes
    ----------
    name : str
    kind : {"log", "linear", "categorical"}
    lo, hi : float
        Value range (log10 of the values for ``"log"``) mapped to 0 and 1.
    categories : list
        Ordered categories of a categorical axis.
    ticks : list of (float, str)
        Tick positions in [0, 1] and their labels.
    """

    name: str
    kind: Kind
    lo: float = 0.0
    hi: float = 1.0
    categories: list = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)

    def __call__(self, values: Sequence[Any]) -> np.ndarray:
        """Positions in [0, 1] of *values*; NaN where a value is missing or unknown."""
        if self.kind == "categorical":
            index = {c: i for i, c in enumerate(self.categories)}
            n = len(self.categories)
            out = []
            for v in values:
                i = index.get(v) if not _isna(v) else None
                out.append(math.nan if i is None else (0.5 if n == 1 else i / (n - 1)))
            return np.asarray(out, dtype=float)
        v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(
            dtype=float
        )
        if self.kind == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
        if self.hi == self.lo:
            return np.where(np.isfinite(v), 0.5, np.nan)
        return (v - self.lo) / (self.hi - self.lo)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def axis_scale(name: str, values: Sequence[Any], kind: Kind) -> AxisScale:
    """Build the `AxisScale` of one parameter (or the metric) from the trials' values.

    Log axes span the values' decades exactly and tick at powers of ten (with 2 and 5
    between them when fewer than two powers fall inside); linear axes tick at
    `~matplotlib.ticker.MaxNLocator` positions; categorical axes space the sorted
    categories evenly (numbers in numeric order).
    """
    from matplotlib.ticker import LogLocator, MaxNLocator

    if kind == "categorical":
        cats = [v for v in pd.unique(pd.Series(list(values), dtype=object)) if not _isna(v)]
        cats.sort(key=lambda v: (0, float(v), "") if _is_number(v) else (1, 0.0, str(v)))
        ax = AxisScale(name, kind, categories=cats)
        ax.ticks = [(float(p), str(c)) for p, c in zip(ax(cats), cats, strict=True)]
        return ax
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if kind == "log":
        v = v[v > 0]
    if not v.size:
        return AxisScale(name, kind)
    lo, hi = float(v.min()), float(v.max())
    distinct = np.unique(v)
    if kind == "log":
        scale = AxisScale(name, kind, math.log10(lo), math.log10(hi))
        if distinct.size <= _MAX_VALUE_TICKS:
            # a few values (powers of two, say): tick at each of them
            scale.ticks = [
                (float(p), _fmt(t)) for p, t in zip(scale(distinct), distinct, strict=True)
            ]
            return scale
        cand = LogLocator(base=10).tick_values(lo, hi)
        inside = [t for t in cand if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
        if len(inside) < 2:
            cand = LogLocator(base=10, subs=(1.0, 2.0, 5.0)).tick_values(lo, hi)
            inside = [t for t in cand if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
    else:
        scale = AxisScale(name, kind, lo, hi)
        cand = MaxNLocator(5).tick_values(lo, hi)
        inside = [t for t in cand if lo - 1e-12 * abs(hi) <= t <= hi + 1e-12 * abs(hi)]
    if lo == hi:
        inside = [lo]
    elif kind == "linear":
        # label the ends too when no tick is near them
        pos = scale(inside)
        if not len(pos) or pos.min() > _END_GAP:
            inside = [lo, *inside]
        if not len(pos) or pos.max() < 1 - _END_GAP:
            inside = [*inside, hi]
    pos = scale(inside)
    scale.ticks = [(float(p), _fmt(t)) for p, t in zip(pos, inside, strict=True)]
    return scale


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def plot_parallel(
    data,
    metric: str | None = None,
    *,
    params: Sequence[str] | None = None,
    scope: Literal["last", "min", "max"] = "last",
    step: int | None = None,
    mode: Literal["min", "max"] | None = None,
    scales: Mapping[str, Kind] | None = None,
    cmap=None,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    text_kws: dict[str, Any] | None = None,
    colorbar_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Draw parallel coordinates of the trials' configs, ending on *metric*.

    One vertical axis per parameter that varies (constant ones are listed in the note),
    then the metric. A parameter whose positive values span more than a factor 20 gets a
    log axis; strings, booleans and integer choices get categorical axes; others linear
    (see `chartkit.metrics.plots.tuning.param_kinds`; *scales* overrides). Every trial
    is drawn, coloured by its score (darkest = best), including the ones an ASHA
    scheduler stopped early (dashed) and ERROR trials (dotted, with an X on the metric
    axis); a trial without a value is drawn to a "no value" slot under the metric axis.

    Parameters
    ----------
    data : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    metric : str, optional
        Metric of the last axis and of the colours; default: ``loss`` when the log has it.
    params : list of str, optional
        Parameters to show, in order; default: every config key that varies.
    scope : {"last", "min", "max"}, default: "last"
        How a trial's curve becomes one value (see `~.tuning.trial_table`).
    step : int, optional
        Score every trial at this step instead (for example the first rung, which every
        ASHA trial reached).
    mode : {"min", "max"}, optional
        Whether lower or higher values are better (default as in `plot_trials`).
    scales : dict, optional
        ``{param: "log" | "linear" | "categorical"}`` overriding the guessed axis kinds.
    cmap : str or Colormap, optional
        Colormap for the score; default: `~.trials.continuous_cmap`, reversed for
        ``mode="min"`` so the best trials are the darkest.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts note then becomes its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
    text_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.text` for the tick labels of the axes (labels
        closer than their height are thinned so they never collide).
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for each trial's polyline.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the log or a name in *params* / *scales* is not a config
        key (close matches listed).
    ValueError
        For a bad *scope*, *mode* or scale, or a bare metrics frame (no configs).

    Warns
    -----
    DataWarning
        When fewer than 2 trials exist (the axes say so instead), or when no trial has a
        finite value of *metric* (the configs are drawn, to the "no value" slot).

    See Also
    --------
    plot_trials, plot_rungs, plot_importance
    """
    log = data
    import matplotlib as mpl

    check_in_list(["last", "min", "max"], scope=scope)
    check_lang(lang)
    metric = default_metric(log, metric)
    if mode is not None:
        check_in_list(["min", "max"], mode=mode)
    check_refused(
        kwargs,
        ("color", "c", "label"),
        func="plot_parallel",
        reason="by score and per trial",
        hint="style the lines after drawing via ax.get_lines()",
    )
    all_params = check_params_available(log, "plot_parallel")
    table = trial_table(log, metric, scope=scope, step=step)
    mode = mode or default_mode(metric, scope)
    if params is None:
        shown, constant = varying_params(table, all_params)
    else:
        for p in params:
            check_param(p, all_params, "params")
        shown, constant = list(params), []
    kinds = param_kinds(table, shown, scales)
    ax = get_ax(ax)
    if len(table) < 2:
        too_few(ax, len(table), 2, "tuning.what.parallel", lang)
        return ax

    axes = [axis_scale(p, table[p].tolist(), kinds[p]) for p in shown]
    axes.append(axis_scale(metric, table["value"].tolist(), "linear"))
    values = table["value"].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if cmap is None:
        cm = continuous_cmap()
        cm = cm.reversed() if mode == "min" else cm
    else:
        cm = mpl.colormaps[cmap]
    norm = mpl.colors.Normalize(
        float(finite.min()) if finite.size else 0.0, float(finite.max()) if finite.size else 1.0
    )
    n_ax = len(axes)
    xs = np.arange(n_ax, dtype=float)
    ys = (
        np.vstack(
            [a(table[p].tolist()) for a, p in zip(axes[:-1], shown, strict=True)]
            + [axes[-1](values.tolist())]
        )
        if n_ax > 1
        else axes[-1](values.tolist())[None]
    )
    ys = np.where(np.isfinite(ys), ys, _MISSING_Y)

    # draw worst first, best last (on top); trials without a value first of all
    order = np.argsort(np.where(np.isfinite(values), values, np.inf if mode == "max" else -np.inf))
    if mode == "min":
        order = order[::-1]
    counts = _draw_trials(ax, xs, ys, table, values, order, mode, cm, norm, kwargs)

    tstyle = {
        "fontsize": "small",
        "color": "0.25",
        "ha": "right",
        "va": "center",
        "zorder": 5,
        "bbox": {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
    }
    tstyle.update(text_kws or {})
    ax.set_ylim(_MISSING_Y - 0.06, _TOP)
    _axis_ticks(ax, xs, axes, tstyle)
    if not finite.size:
        no_finite(ax, metric, lang)
    if np.any(ys == _MISSING_Y):
        no_value = tr("tuning.no_value", lang)
        ax.text(xs[-1] - 0.05, _MISSING_Y, no_value, **{**tstyle, "color": "0.45"})
    names_ = [escape_data(a.name) for a in axes]
    ax.set_xticks(
        xs,
        [
            tr("tuning.log_axis", lang, name=n) if a.kind == "log" else n
            for n, a in zip(names_, axes, strict=True)
        ],
    )
    ax.set_xlim(-0.45, xs[-1] + 0.25)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)

    _outcome_legend(ax, counts, lang)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cm)
    cb = ax.figure.colorbar(sm, ax=ax, **{"pad": 0.01, "fraction": 0.04, **(colorbar_kws or {})})
    scope_text = (
        tr("tuning.scope.step", lang, step=step)
        if step is not None
        else tr(f"tuning.scope.{scope}", lang)
    )
    cb.set_label(escape_data(metric))
    facts = tr(
        "tuning.parallel.note",
        lang,
        n=len(table),
        scope=scope_text,
        best=tr("tuning.parallel.best", lang),
    )
    if constant:
        facts += "; " + tr("tuning.parallel.constant", lang, names=", ".join(constant))
    # the "no value" slot's label sits at the lower right and the outcome legend along the
    # top: the facts then take the lower left
    missing = bool(np.any(ys == _MISSING_Y))
    show_facts(ax, facts, title, loc="lower left" if missing else "lower right")
    return ax


def _draw_trials(ax, xs, ys, table, values, order, mode, cm, norm, kwargs) -> dict[str, int]:
    """One polyline per trial in *order*, by score and outcome; counts per outcome."""
    best = best_trial(table, mode)
    counts: dict[str, int] = {}
    outcomes = table["outcome"].tolist()
    names = table["trial"].astype(str).tolist()
    rgba = cm(norm(np.where(np.isfinite(values), values, 0.0)))  # one colormap call
    for i in order:
        out = outcomes[i]
        kind = out if out in OUTCOME_STYLE else "other"
        counts[kind] = counts.get(kind, 0) + 1
        color = tuple(rgba[i]) if np.isfinite(values[i]) else "0.6"
        style = {
            "linewidth": 2.4 if i == best else 1.3,
            "alpha": 1.0 if i == best else 0.85,
            "linestyle": _LINESTYLE[kind],
            "zorder": 3 if i == best else 2,
            **kwargs,
        }
        ax.plot(xs, ys[:, i], color=color, label=names[i], **style)
        if kind == "error":
            ax.plot(
                [xs[-1]],
                [ys[-1, i]],
                marker="X",
                color=OUTCOME_STYLE["error"]["color"],
                markersize=8,
                markeredgecolor="white",
                linestyle="none",
                zorder=4,
            )
    return counts


def _axis_ticks(ax, xs, axes, tstyle) -> None:
    """Each vertical axis with its ticks; labels closer than their height are thinned."""
    gap = _label_gap(ax, tstyle["fontsize"])
    for x, a in zip(xs, axes, strict=True):
        ax.plot([x, x], [0, 1], color="0.3", linewidth=1.0, zorder=1.5, label="_axis")
        for pos, text in thin_ticks(a.ticks, gap):
            ax.plot([x - 0.03, x], [pos, pos], color="0.3", linewidth=0.8, label="_tick")
            ax.text(x - 0.05, pos, escape_data(text), **tstyle)


def _outcome_legend(ax, counts: dict[str, int], lang: str) -> None:
    """One legend entry per outcome drawn (line style, X for ERROR), above the axis tops."""
    from matplotlib.lines import Line2D

    handles = []
    for kind in ("completed", "stopped", "error", "other"):
        if kind in counts:
            handles.append(
                Line2D(
                    [],
                    [],
                    color="0.3",
                    linestyle=_LINESTYLE[kind],
                    marker="X" if kind == "error" else None,
                    markerfacecolor=OUTCOME_STYLE["error"]["color"],
                    markeredgecolor="white",
                    label=f"{tr(OUTCOME_STYLE[kind]['label'], lang)} ({counts[kind]})",
                )
            )
    # inside the Axes, above the axis tops: a user's title never lands on it
    ax.legend(
        handles=handles,
        fontsize="small",
        loc="upper left",
        ncols=len(handles),
        frameon=False,
        borderaxespad=0.1,
    )


#: Top of the y range: the legend sits above the axis tops (at 1).
_TOP = 1.2


def _label_gap(ax, fontsize) -> float:
    """Data height of one line of tick label text on *ax* (its y-limits set)."""
    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=fontsize).get_size_in_points()
    height_pt = ax.get_position().height * ax.figure.get_figheight() * 72
    lo, hi = ax.get_ylim()
    return 1.15 * size / max(height_pt, 1.0) * (hi - lo)


def thin_ticks(ticks: Sequence[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    """*ticks* without the labels closer than *gap* to one kept (the ends are kept first)."""
    if len(ticks) < 3:
        return list(ticks)
    order = sorted(ticks, key=lambda t: t[0])
    kept = [order[0], order[-1]] if order[-1][0] - order[0][0] >= gap else [order[0]]
    for t in order[1:-1]:
        if all(abs(t[0] - k[0]) >= gap for k in kept):
            kept.append(t)
    return sorted(kept, key=lambda t: t[0])
