"""Multi-GPU views: spread across ranks with stragglers, throughput, scaling efficiency.

The tables live in `chartkit.metrics.rank_tables` (pure); each plot here is "table -> draw".
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list, invalid_value_message
from chartkit.metrics.frames import frame_of
from chartkit.metrics.lazy import as_lazy
from chartkit.metrics.plots._data import (
    Series,
    empty_axes,
    pick_metric,
    series_colors,
    text_color,
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
from chartkit.metrics.rank_tables import (
    find_stragglers,
    rank_table,
    scaling_table,
    throughput_table,
)
from chartkit.metrics.smooth import auto_smooth, ema

__all__ = [
    "find_stragglers",
    "plot_rank_spread",
    "plot_scaling",
    "plot_throughput",
    "rank_table",
    "scaling_table",
    "throughput_table",
]


# --------------------------------------------------------------------------- drawing


def plot_rank_spread(
    data,
    metric: str | None = None,
    *,
    band: Literal["minmax", "iqr"] = "minmax",
    smooth: float | Literal["auto"] | None = "auto",
    how: Literal["inner", "outer"] = "inner",
    threshold: float = 3.0,
    persist: float = 0.5,
    yscale: Literal["auto", "linear", "clip", "symlog", "log"] = "auto",
    x: Literal["step", "relative_time", "wall_time", "samples"] = "step",
    batch_size: float | None = None,
    color: Any = None,
    label: str | None = None,
    lang: Literal["en", "ko"] = "en",
    ax=None,
    band_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Median across ranks with a band, and straggler ranks highlighted and labelled.

    Off scale as in `plot_curves`: the y limits come from each rank's healthy part
    (`chartkit.metrics.offscale`), values beyond are triangles at the edge, divergence steps
    are dotted lines, and the facts are one note inside the Axes.

    Parameters
    ----------
    data : RunLog, pandas.DataFrame, LazyLog or dask.dataframe.DataFrame
        Per-rank log (DDP: one file or folder per rank), or its long frame. A lazy log
        (``read(..., engine="dask")``) is reduced on the workers: up to
        `chartkit.metrics.reduce.RANK_STEP_LIMIT` steps per rank every row comes back and
        the chart is the pandas one; beyond, each rank is smoothed whole on its worker and
        averaged per pixel column, the median, band and stragglers are taken over those
        means (the note says so) and ``x`` must be ``"step"``.
    metric : str, optional
        May be omitted when the data holds one metric.
    band : {"minmax", "iqr"}, default: "minmax"
        Band drawn around the median: the full range of the ranks or the interquartile range.
    smooth : float, "auto" or None, default: "auto"
        EMA weight applied per rank before aggregating; ``"auto"`` smooths noisy metrics
        only (see `chartkit.metrics.smooth.auto_smooth`).
    how : {"inner", "outer"}, default: "inner"
        Steps used for the aggregates: those present in every rank, or all.
    threshold, persist : float
        Straggler rule, see `chartkit.metrics.rank_tables.find_stragglers`.
    yscale : {"auto", "linear", "clip", "symlog", "log"}, default: "auto"
        See `plot_curves`.
    x : {"step", "relative_time", "wall_time", "samples"}, default: "step"
        See `plot_curves`; times are the median over ranks of each step's wall time.
    batch_size : float, optional
        Samples per step per rank, for ``x="samples"``.
    color : colour, optional
        Colour of the median and band (default: the Axes' next colour).
    label : str, optional
        Legend label of the median.
    lang : {"en", "ko"}, default: "en"
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    band_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.fill_between` for the band.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the median line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_in_list(["minmax", "iqr"], band=band)
    check_in_list(["auto", "linear", "clip", "symlog", "log"], yscale=yscale)
    check_lang(lang)
    check_in_list(["step", "relative_time", "wall_time", "samples"], x=x)
    lazy = as_lazy(data)
    binned = None
    if lazy is None:
        frame, _ = frame_of(data)
        ax = get_ax(ax)
        metric = pick_metric(frame, metric)
        if metric is None:
            return empty_axes(ax, "plot_rank_spread", lang)
        wide = rank_table(frame, metric, how=how)
    else:  # the Dask engine: every row up to a limit, else pixel columns x ranks
        ax = get_ax(ax)
        frame, wide, metric, smooth, binned = _lazy_wide(lazy, metric, how, smooth, x, ax, lang)
        if metric is None:
            return empty_axes(ax, "plot_rank_spread", lang)
    if len(wide) == 0:
        ax.text(
            0.5,
            0.5,
            tr("ranks.note.no_common_step", lang),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )
        return ax
    weight = smooth
    if isinstance(smooth, str):
        check_in_list(["auto"], smooth=smooth)
        weight = auto_smooth(metric, wide.iloc[:, 0].to_numpy())
    if weight:
        wide = wide.apply(lambda c: pd.Series(ema(c.to_numpy(), weight), index=c.index))
    xs, x_label, x_note = _x_of_steps(frame, metric, wide.index.to_numpy(), x, batch_size, lang)
    stragglers = find_stragglers(wide, threshold=threshold, persist=persist)
    # The band describes the ranks that behave alike; stragglers are drawn on their own.
    others = [c for c in wide.columns if c not in stragglers]
    colors = series_colors(ax, 1 + len(stragglers), color)
    base = colors[0]
    core = wide[others].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps with how="outer"
        med = np.nanmedian(core, axis=1)
        lo, hi = (
            (np.nanmin(core, axis=1), np.nanmax(core, axis=1))
            if band == "minmax"
            else tuple(np.nanpercentile(core, [25, 75], axis=1))
        )
    what = tr(f"ranks.band.{band}", lang)
    key = "ranks.legend.band_others" if stragglers else "ranks.legend.band"
    ax.fill_between(
        xs,
        lo,
        hi,
        **{
            "color": base,
            "alpha": 0.18,
            "linewidth": 0,
            "label": tr(key, lang, what=what),
            **(band_kws or {}),
        },
    )
    for c in others:
        ax.plot(
            xs,
            wide[c].to_numpy(),
            color="0.6",
            linewidth=0.6,
            alpha=0.6,
            zorder=1.8,
            label="_rank",
        )
    median_label = (
        escape(label) if label is not None else tr("ranks.legend.median", lang, n=len(others))
    )
    ax.plot(xs, med, **{"color": base, "label": median_label, **kwargs})
    steps = wide.index.to_numpy()
    drawn = [Drawn(f"rank {c}", xs, steps, wide[c].to_numpy(dtype=float), "0.45") for c in others]
    for k, r in enumerate(stragglers):
        y = wide[r].to_numpy(dtype=float)
        ax.plot(xs, y, color=colors[k + 1], linewidth=1.4, zorder=2.5, label="_straggler")
        drawn.append(Drawn(f"rank {r}", xs, steps, y, colors[k + 1]))
    _merged, limits = apply_offscale(ax, drawn, yscale=yscale, lang=lang)
    _label_stragglers(ax, xs, wide, stragglers, colors[1:], lang)
    notes = [x_note] if x_note else []
    if binned:
        notes.append(binned)
    diverged: dict[int, list[str]] = {}
    for d, lim in zip(drawn, limits, strict=True):
        if lim is not None and lim.diverged_at_step is not None:
            diverged.setdefault(lim.diverged_at_step, []).append(d.label)
    for step, who in sorted(diverged.items()):
        shown = ", ".join(who) if len(who) <= 3 else f"{who[0]} … {who[-1]} ({len(who)})"
        notes.append(tr("curves.note.diverged", lang, series=shown, step=int(step)))
    add_note(ax, notes, points=[(xs, med)])
    if x == "wall_time":
        date_axis(ax)
        ax.set_xlabel(x_label)
    else:
        exponent_in_label(ax, x_label, axis="x")
    exponent_in_label(ax, escape(metric))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small")
    return ax


def _lazy_wide(lazy, metric, how, smooth, x, ax, lang):
    """``(frame, wide, metric, smooth, note)`` of a lazy log, reduced on the workers.

    Up to `chartkit.metrics.reduce.RANK_STEP_LIMIT` steps per rank every row of the metric
    comes back and `rank_table` builds the table pandas builds (smoothing then runs here,
    as for pandas: *smooth* is returned). Beyond, each rank is smoothed whole on its worker
    and averaged per pixel column (`chartkit.metrics.reduce.rank_wide`); *smooth* comes back
    None and *note* says so.
    """
    from chartkit.metrics import reduce
    from chartkit.metrics.plots.curves import _columns
    from chartkit.metrics.schema import empty_frame

    metric = reduce.pick(lazy.metric_names, metric)
    if metric is None:
        return empty_frame(), None, None, smooth, None
    stats = lazy.series_stats(metric)  # once per log and metric
    stats = stats[stats["rank"].notna()]
    if not len(stats) or int(stats["n"].max()) <= reduce.RANK_STEP_LIMIT:
        frame = reduce.rank_rows(lazy.metrics, metric)
        return frame, rank_table(frame, metric, how=how), metric, smooth, None
    if x != "step":
        raise ValueError(
            invalid_value_message(
                x, "x", expected=f"'step' for a Dask log of more than "
                f"{reduce.RANK_STEP_LIMIT} steps per rank (its wall times are not gathered)",
            )
        )
    weight = smooth
    if isinstance(smooth, str):
        check_in_list(["auto"], smooth=smooth)
        first = stats.sort_values("rank", kind="stable").iloc[0]
        weight = None if pd.isna(first["auto"]) else float(first["auto"])
    counts = stats.groupby("rank")["n"].sum()
    short = counts[counts < counts.max()]
    if len(short):
        from chartkit.errors import DataWarning, warn_external

        listed = ", ".join(f"rank {int(r)} has {int(n)} of {int(counts.max())} steps"
                           for r, n in short.items())
        warn_external(
            f"{len(short)} rank(s) of {metric!r} miss steps: {listed}; aggregates use "
            + ("the pixel columns every rank has (how='outer' keeps all)." if how == "inner"
               else "the ranks present in each pixel column."),
            DataWarning,
        )
    n_cols = _columns(ax)
    lo, hi = int(stats["first_step"].min()), int(stats["last_step"].max())
    wide = reduce.rank_wide(
        lazy.metrics, metric, n_cols, first_step=lo, last_step=hi, weight=weight,
        segments=getattr(lazy.info, "segments", None),
    )
    if how == "inner":
        wide = wide.dropna(how="any")
    steps = int(stats["n"].max())
    note = tr("ranks.note.binned", lang, steps=f"{steps:,}", per=f"{(hi - lo + 1) / n_cols:,.0f}")
    return empty_frame(), wide, metric, None, note


def _x_of_steps(frame, metric, steps, x, batch_size, lang):
    """x positions of the steps of a rank table (times: the median over ranks per step)."""
    if x == "step":
        return steps, tr("word.step", lang), None
    rows = frame[frame["metric"] == metric]
    wall = rows.groupby("step")["wall_time"].median().reindex(steps).to_numpy(dtype=float)
    first = rows.iloc[0]
    key = (first["run"], pd.NA, pd.NA)
    one = Series(key, "", steps, np.zeros(steps.size), wall, np.zeros(steps.size, dtype=int))
    xs, label, note = x_values([one], rows, x, batch_size, lang)
    return xs[0], label, note


def _label_stragglers(ax, x, wide, stragglers, colors, lang: str) -> None:
    y0, y1 = sorted(ax.get_ylim())
    for r, color in zip(stragglers, colors, strict=False):
        y = wide[r].to_numpy(dtype=float)
        last = np.flatnonzero(np.isfinite(y))
        if not last.size:
            continue
        ax.annotate(
            tr("ranks.label.straggler", lang, rank=r),
            (x[last[-1]], float(np.clip(y[last[-1]], y0, y1))),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            # The line's colour, darkened just enough to read as text (WCAG 4.5:1).
            color=text_color(ax, color),
            fontsize="small",
            annotation_clip=False,
        )


def _fmt_rate(v: float) -> str:
    return f"{v:,.0f}"


def plot_throughput(
    data,
    metric: str | None = None,
    *,
    batch_size: float | None = None,
    window: int = 50,
    x: Literal["step", "relative_time", "wall_time", "samples"] = "step",
    columns: Mapping[str, str] | None = None,
    lang: Literal["en", "ko"] = "en",
    ax=None,
    **kwargs: Any,
):
    """Throughput per rank and in total, from the logged rate AND from wall time.

    The two differ: a mean of per-step rates (what ``samples_per_sec`` logs) overweights
    fast steps, while samples / elapsed wall time is what the run achieved. Both are drawn,
    each labelled with where it comes from, and the totals are stated with their ratio.
    The samples come only from independent inputs (*batch_size*, a logged batch size, the
    run's config; see `chartkit.metrics.rank_tables.resolve_batch_size`): without one, the
    wall-time view is not drawn and the chart says what is missing and how to give it.

    Parameters
    ----------
    data : RunLog or pandas.DataFrame
    metric : str, optional
        The logged per-rank rate; resolved by meaning (``samples_per_sec``...) when None.
    batch_size : float, optional
        Samples per step on one rank (CLI ``--batch-size``).
    window : int, default: 50
        Steps per rolling window for the wall-time rate.
    x : {"step", "relative_time", "wall_time", "samples"}, default: "step"
        The x axis, as in `plot_curves` (times: the median over ranks per step; samples
        from *batch_size* or the batch size the wall-time view uses).
    columns : mapping, optional
        Role choices by hand: ``{"throughput": ..., "batch_size": ...}``.
    lang : {"en", "ko"}, default: "en"
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the total from wall time.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    check_in_list(["step", "relative_time", "wall_time", "samples"], x=x)
    frame, _ = frame_of(data)
    ax = get_ax(ax)
    if len(frame) == 0:
        return empty_axes(ax, "plot_throughput", lang)
    tp = throughput_table(
        data, metric=metric, batch_size=batch_size, window=window, columns=columns
    )
    logged, wall = tp.logged, tp.wall
    per_step = batch_size if batch_size is not None else getattr(tp.batch, "value", None)

    def at(index):  # the x of a table's steps
        xs, label, _ = _x_of_steps(frame, tp.metric, index.to_numpy(), x, per_step, lang)
        return np.asarray(xs), label

    x_logged, x_label = at(logged.index)
    colors = series_colors(ax, len(logged.columns))
    name = escape(tp.metric)
    for k, r in enumerate(logged.columns):
        sm = ema(logged[r].to_numpy(), 0.95)
        ax.plot(
            x_logged,
            sm,
            color=colors[k],
            linewidth=0.9,
            linestyle="--",
            alpha=0.8,
            label=tr("throughput.legend.logged", lang, rank=r, metric=name),
        )
        if wall is not None and r in wall:
            ax.plot(
                at(wall.index)[0],
                wall[r].to_numpy(),
                color=colors[k],
                linewidth=1.6,
                label=tr("throughput.legend.wall", lang, rank=r, window=window),
            )
    notes = [tr("throughput.note.total_logged", lang, rate=_fmt_rate(tp.total_logged))]
    tops = [np.nanmax(logged.to_numpy(dtype=float))]
    if wall is not None:
        total_wall = wall.sum(axis=1, min_count=wall.shape[1])
        ax.plot(
            at(total_wall.index)[0],
            total_wall.to_numpy(),
            **{
                "color": "0.15",
                "linewidth": 2.0,
                "label": tr("throughput.legend.total_wall", lang),
                **kwargs,
            },
        )
        src = tp.batch.source
        source = (
            tr("throughput.source.given", lang)
            if src == "given"
            else tr(f"throughput.source.{src}", lang, name=escape(tp.batch.name))
        )
        notes.insert(
            0,
            tr(
                "throughput.note.total_wall",
                lang,
                rate=_fmt_rate(tp.total_wall),
                batch=f"{tp.batch.value:g}",
                source=source,
            ),
        )
        notes.append(tr("throughput.note.ratio", lang, ratio=f"{tp.ratio:.2f}"))
        tops.append(np.nanmax(total_wall.to_numpy(dtype=float)))
    elif "batch_size" in tp.missing:
        notes.append(tr("throughput.note.no_batch", lang))
    else:
        notes.append(tr("throughput.note.no_wall_time", lang))
    top = np.nanmax(tops)
    ax.set_ylim(0, top * 1.45 if np.isfinite(top) and top > 0 else 1.0)
    # Facts at the top, inside the Axes (room made by the limit above), never in the title.
    ax.text(
        0.01,
        0.98,
        "\n".join(notes),
        transform=ax.transAxes,
        fontsize="small",
        color="0.2",
        va="top",
        ha="left",
    )
    if x == "wall_time":
        date_axis(ax)
        ax.set_xlabel(x_label)
    else:
        exponent_in_label(ax, x_label, axis="x")
    exponent_in_label(ax, tr("throughput.ylabel", lang))
    ax.legend(fontsize="x-small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    return ax


def plot_scaling(
    data: Sequence,
    metric: str | None = None,
    *,
    batch_size: float | None = None,
    columns: Mapping[str, str] | None = None,
    color: Any = None,
    label: str | None = None,
    lang: Literal["en", "ko"] = "en",
    ax=None,
    **kwargs: Any,
):
    """Speed-up against world size with the ideal line and each run's efficiency.

    Parameters
    ----------
    data : sequence of RunLog
        Runs that differ only in world size (same model, data and per-rank batch).
    metric, batch_size, columns
        See `chartkit.metrics.rank_tables.scaling_table` (the batch size is never
        inferred from the logged rate).
    color : colour, optional
        Colour of the measured line (default: the Axes' next colour).
    label : str, optional
        Legend label of the measured line.
    lang : {"en", "ko"}, default: "en"
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the measured speed-up.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    table = scaling_table(data, metric=metric, batch_size=batch_size, columns=columns)
    ax = get_ax(ax)
    (main,) = series_colors(ax, 1, color)
    w = table["world_size"].to_numpy()
    ax.plot(w, table["ideal"], linestyle="--", color="0.5", label=tr("scaling.legend.ideal", lang))
    measured = escape(label) if label is not None else tr("scaling.legend.measured", lang)
    ax.plot(w, table["speedup"], **{"marker": "o", "color": main, "label": measured, **kwargs})
    for _, row in table.iterrows():
        ax.annotate(
            tr(
                "scaling.label.point",
                lang,
                eff=f"{row['efficiency']:.2f}",
                rate=_fmt_rate(row["throughput"]),
            ),
            (row["world_size"], row["speedup"]),
            xytext=(6, -4),
            textcoords="offset points",
            va="top",
            fontsize="small",
        )
    ax.set_xticks(w, [str(int(v)) for v in w])
    ax.margins(x=0.3)
    ax.set_xlabel(tr("scaling.xlabel", lang))
    ax.set_ylabel(tr("scaling.ylabel", lang, n=int(w[0])))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return ax
