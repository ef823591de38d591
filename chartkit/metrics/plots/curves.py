"""Training curves: every series of a metric, smoothed by kind, decimated without losing extremes.

Off scale: the y limits come from each series' healthy part (`chartkit.metrics.offscale`);
finite values beyond them are triangles at the edge with the extreme annotated, and each
divergence step is a dotted vertical line. Facts (divergence, NaN, a rank's log ending
early, a cut last line) go into one note inside the Axes, never into the title.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import (
    check_in_list,
    check_positive,
    check_refused,
    invalid_value_message,
)
from chartkit.errors import DataWarning, warn_external
from chartkit.metrics.downsample import downsample_indices
from chartkit.metrics.frames import frame_of, metric_rows
from chartkit.metrics.lazy import as_lazy
from chartkit.metrics.plots._data import (
    empty_axes,
    iter_series,
    pick_metric,
    series_colors,
    x_values,
)
from chartkit.metrics.plots._scale import (
    Drawn,
    add_note,
    apply_offscale,
    date_axis,
    escape,
    exponent_in_label,
)
from chartkit.metrics.smooth import auto_smooth, ema, metric_kind

__all__ = ["plot_curves"]

_GID = "chartkit.curve"  # marks the main line of each series, for the next-colour/legend rules


def _columns(ax) -> int:
    import matplotlib as mpl

    fig = ax.figure
    save_dpi = mpl.rcParams["savefig.dpi"]
    ratio = 1.0 if save_dpi == "figure" else max(float(save_dpi) / fig.dpi, 1.0)
    return max(int(ax.bbox.width * ratio), 50)


def _weight(smooth, metric: str, series) -> tuple[float | None, str]:
    """The EMA weight and the metric's kind (``"given"`` when *smooth* is a number)."""
    if smooth is None:
        return None, "given"
    if isinstance(smooth, str):
        check_in_list(["auto"], smooth=smooth)
        longest = max(series, key=lambda s: s.value.size).value if series else None
        return auto_smooth(metric, longest), metric_kind(metric, longest)
    return float(smooth), "given"


def plot_curves(
    data,
    metric: str | None = None,
    *,
    by: Literal["rank", "trial", "run"] | None = None,
    x: Literal["step", "relative_time", "wall_time", "samples"] = "step",
    smooth: float | Literal["auto"] | None = "auto",
    smooth_how: Literal["points", "steps"] = "points",
    yscale: Literal["auto", "linear", "clip", "symlog", "log"] = "auto",
    downsample: bool = True,
    legend: bool = True,
    batch_size: float | None = None,
    color: Any = None,
    label: str | None = None,
    lang: Literal["en", "ko"] = "en",
    ax=None,
    raw_kws: dict[str, Any] | None = None,
    marker_kws: dict[str, Any] | None = None,
    edge_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Plot every series of *metric*, smoothed by kind, with divergences and crashes marked.

    Parameters
    ----------
    data : RunLog, pandas.DataFrame, LazyLog or dask.dataframe.DataFrame
        What a `chartkit.metrics` reader returned, or its long ``.metrics`` frame (also a
        subset of it, as `chartkit.facets.FacetGrid.map_dataframe` passes per panel). A
        lazy log (``read(..., engine="dask")``) or a Dask frame of the canonical schema is
        reduced on the workers (`chartkit.metrics.reduce.curve_rows`: each series smoothed
        whole, then the rows M4 keeps per pixel column) and drawn the same way; the healthy
        limits are then taken from the rows kept (every extreme is among them).
    metric : str, optional
        Metric to draw (``"loss"``, ``"train/loss"``); may be omitted when *data* holds one.
    by : {"rank", "trial", "run"}, optional
        What names the series in the legend; by default every key that varies.
    x : {"step", "relative_time", "wall_time", "samples"}, default: "step"
        The x axis: the training step; seconds (minutes, hours) since the run's first
        record; the wall-clock time as dates; or samples seen per rank, from a logged
        ``batch_size`` metric or *batch_size*. A missing input falls back to steps and the
        chart says what is missing.
    smooth : float, "auto" or None, default: "auto"
        EMA weight in [0, 1) (TensorBoard's slider); the raw series stays faint behind.
        ``"auto"`` smooths by kind (`chartkit.metrics.smooth.metric_kind`): noisy
        measurements (loss, accuracy, throughput) get 0.6, or 0.9 from 200 points on;
        schedules and counters (learning rate, momentum, epoch, steps, memory) and any
        piecewise-constant or monotone series are never smoothed. A number or None
        overrides. The average restarts at non-finite values and resumes.
    smooth_how : {"points", "steps"}, default: "points"
        See `chartkit.metrics.smooth.ema`.
    yscale : {"auto", "linear", "clip", "symlog", "log"}, default: "auto"
        ``"auto"``: the y limits come from the healthy part of each series
        (`chartkit.metrics.offscale.healthy_limits`) when something would otherwise be off
        their scale; values beyond are triangles at the edge, the extreme annotated.
        Schedules and counters are never clipped under ``"auto"``. ``"clip"``: always the
        healthy limits. ``"symlog"``: everything, linear within the healthy range, at most
        about six labelled decades beyond. ``"linear"``/``"log"``: everything.
    downsample : bool, default: True
        Draw only the first/last/min/max point of each pixel column (plus every first
        non-finite point), which looks the same as drawing all points.
    legend : bool, default: True
        Add a legend when the Axes holds 2 to 12 curves (also over several calls) and the
        colour was not given (a caller passing ``color=``, such as a facet grid's hue,
        makes its own legend).
    batch_size : float, optional
        Samples per step per rank, for ``x="samples"``.
    color : colour, optional
        One colour for every series drawn (default: the next colours of the Axes, so a
        second call on one Axes takes new colours).
    label : str, optional
        The legend label of the series (with several series, their prefix).
    lang : {"en", "ko"}, default: "en"
        Language of the words the chart writes (data names stay as they are).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes (`matplotlib.pyplot.gca`).
    raw_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the faint raw lines.
    marker_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the first-non-finite markers.
    edge_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the off-scale triangles.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the main (smoothed or raw) lines.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the data, or is omitted while the data holds several (the
        message lists them, close matches first).

    See Also
    --------
    chartkit.metrics.offscale.healthy_limits, chartkit.metrics.smooth.metric_kind
    """
    check_in_list(["points", "steps"], smooth_how=smooth_how)
    check_in_list(["auto", "linear", "clip", "symlog", "log"], yscale=yscale)
    check_in_list(["step", "relative_time", "wall_time", "samples"], x=x)
    check_lang(lang)
    check_positive(batch_size=batch_size)
    check_refused(kwargs, {"c": "use color="}, func="plot_curves")
    lazy = as_lazy(data)
    if lazy is not None:  # the Dask engine: the rows M4 keeps, smoothed on the workers
        ax = get_ax(ax)
        data, chosen = _lazy_rows(lazy, metric, by, smooth, smooth_how, downsample, x,
                                  batch_size, _columns(ax))
    frame, info = frame_of(data)
    ax = get_ax(ax)
    metric = pick_metric(frame, metric)
    if metric is None:
        return empty_axes(ax, "plot_curves", lang)
    rows = metric_rows(frame, metric)
    series = list(iter_series(rows, info, by=by))
    if lazy is None:
        weight, kind = _weight(smooth, metric, series)
        smoothed = None
    else:
        weight, kind = chosen
        smoothed = [s.value for s in iter_series(rows.assign(value=rows["smoothed"]), info)]
    colors = series_colors(ax, len(series), color)
    xs, x_label, x_note = x_values(series, frame, x, batch_size, lang)
    n_cols = _columns(ax)
    raw_style = {
        "alpha": 0.25,
        "linewidth": 0.8,
        "zorder": 1.5,
        "label": "_raw",
        **(raw_kws or {}),
    }
    drawn = []
    for k, s in enumerate(series):
        keep = (
            downsample_indices(s.step, s.value, n_cols) if downsample else np.arange(s.step.size)
        )
        xk = xs[k][keep]
        name = escape(_series_label(label, s.label, len(series)))
        main = {"color": colors[k], "label": name, "gid": _GID, **kwargs}
        if weight is not None and weight > 0:
            sm = (
                ema(s.value, weight, steps=s.step, segments=s.segment, how=smooth_how)
                if smoothed is None
                else smoothed[k]
            )
            ax.plot(xk, s.value[keep], color=colors[k], **raw_style)
            ax.plot(xk, sm[keep], **main)
        else:
            ax.plot(xk, s.value[keep], **main)
        check = yscale == "clip" or kind in ("noisy", "given")
        drawn.append(Drawn(name, xs[k], s.step, s.value, colors[k], check=check))
    if x == "wall_time":
        date_axis(ax)
    _merged, limits = apply_offscale(ax, drawn, yscale=yscale, lang=lang, edge_kws=edge_kws)
    notes = _nonfinite(ax, drawn, limits, lang, marker_kws)
    notes += _crash_facts(ax, drawn, [s.key for s in series], info, lang)
    if x_note:
        notes.append(x_note)
    _all_empty(ax, metric, series, lang)
    if x == "wall_time":
        ax.set_xlabel(x_label)
    else:
        exponent_in_label(ax, x_label, axis="x")  # 2e6 steps: "step (×1e6)", no offset text
    exponent_in_label(ax, escape(metric))
    add_note(ax, notes, points=[(d.x, d.value) for d in drawn])
    _legend(ax, legend and color is None, weight, smooth_how, lang)
    return ax


def _lazy_rows(lazy, metric, by, smooth, smooth_how, downsample, x, batch_size, n_cols):
    """A lazy log reduced on the workers in one pass (`chartkit.metrics.reduce.curve_pass`).

    Returns the rows M4 keeps per series (column ``smoothed``: the EMA over the whole
    series) as a frame carrying the `LogInfo`, and the (weight, kind) ``smooth`` gives: for
    ``"auto"`` those of the longest series, as `_weight` picks on a pandas log.
    """
    from chartkit.metrics import reduce
    from chartkit.metrics.plots._data import _label
    from chartkit.metrics.schema import empty_frame, natural_key

    if x == "samples" and batch_size is None:
        raise ValueError(
            invalid_value_message(
                x, "x", expected="with a Dask log, batch_size= as well (a logged batch size "
                "is not gathered from the workers)",
            )
        )
    metric = reduce.pick(lazy.metric_names, metric)
    if metric is None:
        return empty_frame(), (None, "given")

    def choose(stats):  # the longest series' auto weight and kind, ties in label order
        if not len(stats):
            return None, "given"
        varying = [k for k in ("run", "rank", "trial") if stats[k].nunique() > 1]
        labels = [_label((r.run, r.rank, r.trial), varying, by)
                  for r in stats.itertuples(index=False)]
        order = sorted(range(len(stats)), key=lambda i: natural_key(labels[i]))
        longest = stats.iloc[max(order, key=lambda i: stats["n"].iloc[i])]
        auto = longest["auto"]
        return (None if pd.isna(auto) else float(auto)), str(longest["kind"])

    known = lazy._stats.get(metric)
    weight, kind = None, "given"
    if isinstance(smooth, str):
        check_in_list(["auto"], smooth=smooth)
        if known is not None:
            weight, kind = choose(known)
        candidates = reduce.AUTO_WEIGHTS if known is None else (weight,)
    else:
        weight = None if smooth is None else float(smooth)
        candidates = (weight,)
    rows, smoothed, stats = reduce.curve_pass(
        lazy.metrics, metric, n_cols, weights=[w for w in candidates if w], how=smooth_how,
        segments=getattr(lazy.info, "segments", None), downsample=downsample,
    )  # one pass: the rows M4 keeps, their EMA, the stats (a split series refused)
    lazy._stats[metric] = stats
    if isinstance(smooth, str) and known is None:
        weight, kind = choose(stats)
    rows = rows.assign(smoothed=smoothed[weight] if weight else rows["value"].to_numpy())
    rows.attrs["chartkit"] = lazy.info
    return rows, (weight, kind)


def _series_label(label: str | None, own: str, n: int) -> str:
    if label is None:
        return own
    return str(label) if n == 1 else f"{label}: {own}"


def _nonfinite(ax, drawn: list[Drawn], limits, lang: str, marker_kws) -> list[str]:
    """An X at each series' first non-finite point; facts grouped by step for the note."""
    style = {
        "marker": "X",
        "markersize": 7,
        "linestyle": "none",
        "zorder": 3,
        "label": "_nonfinite",
        **(marker_kws or {}),
    }
    facts: dict[tuple[str, int], list[str]] = {}
    y0, y1 = ax.get_ylim()
    for d, lim in zip(drawn, limits, strict=True):
        if lim is not None and lim.diverged_at_step is not None:
            facts.setdefault(("diverged", lim.diverged_at_step), []).append(d.label)
        bad = np.flatnonzero(~np.isfinite(d.value))
        if not bad.size:
            continue
        i = int(bad[0])
        before = d.value[:i][np.isfinite(d.value[:i])]
        y_at = float(np.clip(before[-1], min(y0, y1), max(y0, y1))) if before.size else y0
        ax.plot([d.x[i]], [y_at], color=d.color, **style)
        v = d.value[i]
        what = "NaN" if np.isnan(v) else ("+inf" if v > 0 else "\u2212inf")
        facts.setdefault((what, int(d.step[i])), []).append(d.label)
    lines = []
    for (what, step), labels in sorted(facts.items(), key=lambda kv: kv[0][1]):
        who = _who(labels)
        if what == "diverged":
            lines.append(tr("curves.note.diverged", lang, series=who, step=step))
        else:
            lines.append(tr("curves.note.nonfinite", lang, series=who, kind=what, step=step))
    return lines


def _who(labels: list[str]) -> str:
    return ", ".join(labels) if len(labels) <= 3 else f"{labels[0]} … {labels[-1]} ({len(labels)})"


def _mark_end(ax, d: Drawn) -> None:
    """A bar across the last point of a series that stopped early or was cut."""
    j = d.step.size - 1
    finite = np.flatnonzero(np.isfinite(d.value))
    y0, y1 = sorted(ax.get_ylim())
    y = float(np.clip(d.value[finite[-1]], y0, y1)) if finite.size else y0
    ax.plot(
        [d.x[j]],
        [y],
        marker="|",
        markersize=14,
        markeredgewidth=2.0,
        color=d.color,
        linestyle="none",
        zorder=3.2,
        label="_ended",
    )


def _file_rank(path: str) -> int | None:
    """The rank a per-rank log file names (``rank1.jsonl``, ``worker_3.csv``), if any."""
    found = re.findall(r"\d+", os.path.splitext(os.path.basename(path))[0])
    return int(found[-1]) if found else None


def _crash_facts(ax, drawn: list[Drawn], keys: list[tuple], info, lang: str) -> list[str]:
    """A series whose log ends before the others' or whose file was cut is marked at its end.

    Ending early: its last step is before the last step of the other series of the metric.
    Cut: the reader dropped an unterminated last line (`LogInfo` ``truncated`` entry) of a
    file that names the series' rank (``rank1.jsonl``); the file and line are in the note.
    """
    lines = []
    marked = set()
    if len(drawn) > 1:
        last = max(int(d.step[-1]) for d in drawn if d.step.size)
        for k, d in enumerate(drawn):
            if d.step.size and int(d.step[-1]) < last:
                _mark_end(ax, d)
                marked.add(k)
                lines.append(
                    tr(
                        "curves.note.ended_early",
                        lang,
                        series=d.label,
                        step=int(d.step[-1]),
                        last=last,
                    )
                )
    ranks = [key[1] for key in keys]
    for e in getattr(info, "entries", None) or []:
        if e.kind != "truncated" or e.file is None:
            continue
        rank = _file_rank(e.file)
        hits = [k for k, r in enumerate(ranks) if not pd.isna(r) and int(r) == rank]
        if len(hits) == 1 and hits[0] not in marked and drawn[hits[0]].step.size:
            _mark_end(ax, drawn[hits[0]])
            marked.add(hits[0])
        lines.append(
            tr(
                "curves.note.cut_line",
                lang,
                file=escape(os.path.basename(e.file)),
                line=e.line if e.line is not None else "?",
            )
        )
    return lines


def _all_empty(ax, metric: str, series, lang: str) -> None:
    empty = [s.label for s in series if not np.isfinite(s.value).any()]
    if not empty:
        return
    warn_external(
        f"{len(empty)} of {len(series)} series of {metric!r} have no finite values "
        f"(first: {empty[0]!r}); drawn as empty.",
        DataWarning,
    )
    if len(empty) == len(series):
        ax.text(
            0.5,
            0.5,
            tr("curves.note.no_finite", lang),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )


def _legend(ax, show: bool, weight, smooth_how: str, lang: str) -> None:
    curves = [ln for ln in ax.get_lines() if ln.get_gid() == _GID]
    if not show or not 2 <= len(curves) <= 12:
        return
    title = None
    if weight:
        key = "curves.legend.ema_steps" if smooth_how == "steps" else "curves.legend.ema"
        title = tr(key, lang, weight=f"{weight:g}")
    # Outside the data area: a legend inside would cover noisy curves somewhere.
    ax.legend(
        handles=curves,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize="small",
    )
