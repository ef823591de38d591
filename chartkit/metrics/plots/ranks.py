"""Multi-GPU views: spread across ranks with stragglers, throughput, scaling efficiency."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._validate import check_in_list
from chartkit.errors import DataWarning
from chartkit.metrics.plots._data import cycle_colors, frame_of, metric_rows, text_color
from chartkit.metrics.smooth import ema

__all__ = [
    "find_stragglers",
    "plot_rank_spread",
    "plot_scaling",
    "plot_throughput",
    "rank_table",
    "scaling_table",
    "throughput_table",
]


# --------------------------------------------------------------------------- pure maths


def rank_table(log, metric: str, *, how: Literal["inner", "outer"] = "inner") -> pd.DataFrame:
    """One column per rank, one row per step, for one metric (natural rank order).

    Ranks that miss steps the others have are reported in ONE `DataWarning`; with
    ``how="inner"`` only the steps present in every rank are kept, with ``"outer"`` all.
    """
    check_in_list(["inner", "outer"], how=how)
    frame, _ = frame_of(log)
    rows = metric_rows(frame, metric)
    if rows["rank"].isna().all():
        raise ValueError(
            f"the log has no rank column for {metric!r}; rank plots need per-rank logs "
            "(one JSONL/CSV/TensorBoard folder per rank)."
        )
    rows = rows.dropna(subset=["rank"])
    wide = rows.pivot_table(
        index="step",
        columns="rank",
        values="value",
        aggfunc="last",
        observed=True,
        dropna=False,
    ).sort_index()
    wide = wide[sorted(wide.columns)]
    counts = wide.notna().sum()
    full = int(counts.max()) if len(counts) else 0
    short = counts[counts < full]
    if len(short):
        listed = ", ".join(f"rank {int(r)} has {int(n)} of {full} steps" for r, n in short.items())
        warnings.warn(
            f"{len(short)} rank(s) of {metric!r} miss steps: {listed}; "
            + (
                "aggregates use the steps present in every rank (how='outer' keeps all)."
                if how == "inner"
                else "aggregates use the ranks present at each step."
            ),
            DataWarning,
            stacklevel=3,
        )
    if how == "inner":
        wide = wide.dropna(how="any")
    wide.columns = [int(c) for c in wide.columns]
    return wide


def find_stragglers(
    wide: pd.DataFrame, *, threshold: float = 3.0, persist: float = 0.5
) -> list[int]:
    """Ranks that stay far from the median of all ranks for a large part of the run.

    A rank's deviation from the per-step median is compared with the typical spread
    between ranks (the median over steps of the per-step median absolute deviation). A rank
    whose deviation exceeds *threshold* times that spread on at least *persist* of the steps
    is a straggler. With two ranks nobody is: the median sits between them.

    Parameters
    ----------
    wide : pandas.DataFrame
        `rank_table` output (steps x ranks), ideally smoothed.
    threshold : float, default: 3
    persist : float, default: 0.5
        Fraction of steps.

    Returns
    -------
    list of int
    """
    if wide.shape[1] < 3 or len(wide) == 0:
        return []
    vals = wide.to_numpy(dtype=float)
    med = np.nanmedian(vals, axis=1, keepdims=True)
    dev = np.abs(vals - med)
    mad = np.nanmedian(dev, axis=1)
    scale = float(np.nanmedian(mad))
    floor = 1e-9 * max(float(np.nanmedian(np.abs(med))), 1.0)
    scale = max(scale, floor)
    far = dev > threshold * scale
    frac = np.nanmean(far, axis=0)
    return [int(c) for c, f in zip(wide.columns, frac, strict=True) if f >= persist]


def _batch_per_step(frame: pd.DataFrame, metric: str) -> float | None:
    """Infer samples per step per rank as median(logged rate x time between steps)."""
    rows = frame[frame["metric"] == metric].dropna(subset=["rank"])
    if rows.empty or rows["wall_time"].isna().all():
        return None
    out = []
    for _, g in rows.groupby("rank", observed=True):
        g = g.sort_values("step")
        dt = np.diff(g["wall_time"].to_numpy())
        rate = g["value"].to_numpy()[1:]
        ok = np.isfinite(dt) & np.isfinite(rate) & (dt > 0)
        out.append(rate[ok] * dt[ok])
    vals = np.concatenate(out) if out else np.array([])
    if vals.size == 0:
        return None
    est = float(np.median(vals))
    # Timers differ slightly (perf_counter for the rate, time.time for wall_time): a value
    # within 1 % of a whole number of samples is that number.
    return float(round(est)) if round(est) and abs(est - round(est)) < 0.01 * est else est


def throughput_table(
    log,
    *,
    metric: str = "samples_per_sec",
    batch_size: float | None = None,
    window: int = 50,
) -> dict[str, Any]:
    """Throughput per rank and in total, from the logged rate and from wall time.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    metric : str, default: "samples_per_sec"
        The logged per-step rate (samples per second on one rank).
    batch_size : float, optional
        Samples per step on one rank; inferred as the median of rate x (time between
        steps) when None.
    window : int, default: 50
        Steps per rolling window for the wall-time rate.

    Returns
    -------
    dict
        ``logged``: steps x ranks of the logged rate; ``wall``: steps x ranks of
        batch x steps / seconds over rolling windows; ``batch_size``; ``total_logged``:
        sum over ranks of each rank's mean logged rate; ``total_wall``: sum over ranks of
        batch x (steps - 1) / elapsed seconds; ``ratio`` = total_logged / total_wall.
    """
    frame, _ = frame_of(log)
    logged = rank_table(frame, metric)
    bs = batch_size if batch_size is not None else _batch_per_step(frame, metric)
    if bs is None:
        raise ValueError(
            "cannot compute throughput from wall time: the log has no wall_time; "
            "pass batch_size= and a log with wall times."
        )
    rows = metric_rows(frame, metric).dropna(subset=["rank"])
    wall = {}
    totals = []
    for r, g in rows.groupby("rank", observed=True):
        g = g.sort_values("step")
        t = g["wall_time"].to_numpy(dtype=float)
        s = g["step"].to_numpy()
        w = min(window, max(len(t) - 1, 1))
        rate = np.full(len(t), np.nan)
        if len(t) > w:
            rate[w:] = bs * (s[w:] - s[:-w]) / (t[w:] - t[:-w])
        wall[int(r)] = pd.Series(rate, index=s)
        if len(t) > 1 and t[-1] > t[0]:
            totals.append(bs * (s[-1] - s[0]) / (t[-1] - t[0]))
    wall_df = pd.DataFrame(wall).sort_index()
    total_logged = float(logged.mean().sum())
    total_wall = float(np.sum(totals)) if totals else float("nan")
    return {
        "logged": logged,
        "wall": wall_df,
        "batch_size": float(bs),
        "total_logged": total_logged,
        "total_wall": total_wall,
        "ratio": total_logged / total_wall if total_wall else float("nan"),
    }


def scaling_table(
    logs: Sequence, *, metric: str = "samples_per_sec", batch_size: float | None = None
) -> pd.DataFrame:
    """Speed-up and efficiency against world size, from runs differing only in world size.

    Throughput of a run = sum over its ranks of batch x steps / elapsed wall time.
    Speed-up and efficiency are relative to the smallest world size given:
    ``speedup = T(w) / T(w0)``, ``efficiency = speedup / (w / w0)``.

    Returns
    -------
    pandas.DataFrame
        ``world_size, throughput, speedup, ideal, efficiency`` sorted by world size.
    """
    if len(logs) < 2:
        raise ValueError(
            f"scaling needs at least 2 runs of different world size, got {len(logs)}."
        )
    rows = []
    for log in logs:
        frame, _ = frame_of(log)
        tp = throughput_table(frame, metric=metric, batch_size=batch_size)
        world = int(frame["rank"].dropna().nunique())
        rows.append({"world_size": world, "throughput": tp["total_wall"]})
    out = pd.DataFrame(rows).sort_values("world_size").reset_index(drop=True)
    if out["world_size"].duplicated().any():
        raise ValueError(
            "scaling needs runs of different world sizes; got world sizes "
            f"{out['world_size'].tolist()}."
        )
    w0, t0 = out["world_size"].iloc[0], out["throughput"].iloc[0]
    out["speedup"] = out["throughput"] / t0
    out["ideal"] = out["world_size"] / w0
    out["efficiency"] = out["speedup"] / out["ideal"]
    return out


# --------------------------------------------------------------------------- drawing


def plot_rank_spread(
    log,
    metric: str,
    *,
    band: Literal["minmax", "iqr"] = "minmax",
    smooth: float | None = 0.9,
    how: Literal["inner", "outer"] = "inner",
    threshold: float = 3.0,
    persist: float = 0.5,
    ax=None,
    band_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Median across ranks with a band, and straggler ranks highlighted and labelled.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
        Per-rank log (DDP: one file or folder per rank).
    metric : str
    band : {"minmax", "iqr"}, default: "minmax"
        Band drawn around the median: the full range of the ranks or the interquartile range.
    smooth : float or None, default: 0.9
        EMA weight applied per rank before aggregating (TensorBoard's meaning).
    how : {"inner", "outer"}, default: "inner"
        Steps used for the aggregates: those present in every rank, or all.
    threshold, persist : float
        Straggler rule, see `find_stragglers`.
    ax : matplotlib.axes.Axes, optional
    band_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.fill_between` for the band.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the median line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_in_list(["minmax", "iqr"], band=band)
    wide = rank_table(log, metric, how=how)
    if smooth is not None:
        wide = wide.apply(lambda c: pd.Series(ema(c.to_numpy(), smooth), index=c.index))
    ax = get_ax(ax)
    colors = cycle_colors()
    x = wide.index.to_numpy()
    if len(x) == 0:
        ax.text(
            0.5,
            0.5,
            "no step common to all ranks",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )
        return ax
    stragglers = find_stragglers(wide, threshold=threshold, persist=persist)
    # The band describes the ranks that behave alike; stragglers are drawn on their own.
    others = [c for c in wide.columns if c not in stragglers]
    core = wide[others].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps with how="outer"
        med = np.nanmedian(core, axis=1)
        lo, hi = (
            (np.nanmin(core, axis=1), np.nanmax(core, axis=1))
            if band == "minmax"
            else tuple(np.nanpercentile(core, [25, 75], axis=1))
        )
    what = "min–max" if band == "minmax" else "IQR"
    band_label = f"{what} of ranks" if not stragglers else f"{what} of the other ranks"
    base = colors[0]
    ax.fill_between(
        x,
        lo,
        hi,
        **{
            "color": base,
            "alpha": 0.18,
            "linewidth": 0,
            "label": band_label,
            **(band_kws or {}),
        },
    )
    for c in wide.columns:
        if c not in stragglers:
            ax.plot(x, wide[c].to_numpy(), color="0.6", linewidth=0.6, alpha=0.6, zorder=1.8)
    ax.plot(x, med, **{"color": base, "label": f"median of {len(others)} ranks", **kwargs})
    for k, r in enumerate(stragglers):
        color = colors[(k + 1) % len(colors)]
        y = wide[r].to_numpy()
        ax.plot(x, y, color=color, linewidth=1.4, zorder=2.5)
        last = np.flatnonzero(np.isfinite(y))
        if last.size:
            ax.annotate(
                f"rank {r} (straggler)",
                (x[last[-1]], y[last[-1]]),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                # The line's colour, darkened just enough to read as text (WCAG 4.5:1).
                color=text_color(ax, color),
                fontsize="small",
                annotation_clip=False,
            )
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    ax.legend(loc="best")
    return ax


def _fmt_rate(v: float) -> str:
    return f"{v:,.0f}"


def plot_throughput(
    log,
    *,
    metric: str = "samples_per_sec",
    batch_size: float | None = None,
    window: int = 50,
    ax=None,
):
    """Throughput per rank and in total, from the logged rate AND from wall time.

    The two differ: a mean of per-step rates (what ``samples_per_sec`` logs) overweights
    fast steps, while samples / elapsed wall time is what the run achieved. Both are drawn,
    each labelled with where it comes from, and the totals are stated with their ratio.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    metric : str, default: "samples_per_sec"
    batch_size : float, optional
        Samples per step on one rank (inferred when None, see `throughput_table`).
    window : int, default: 50
        Steps per rolling window for the wall-time rate.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    tp = throughput_table(log, metric=metric, batch_size=batch_size, window=window)
    ax = get_ax(ax)
    colors = cycle_colors()
    logged, wall = tp["logged"], tp["wall"]
    for k, r in enumerate(logged.columns):
        color = colors[k % len(colors)]
        sm = ema(logged[r].to_numpy(), 0.95)
        ax.plot(
            logged.index,
            sm,
            color=color,
            linewidth=0.9,
            linestyle="--",
            alpha=0.8,
            label=f"rank {r}, logged {metric} (EMA 0.95)",
        )
        if r in wall:
            ax.plot(
                wall.index,
                wall[r].to_numpy(),
                color=color,
                linewidth=1.6,
                label=f"rank {r}, from wall time ({window}-step windows)",
            )
    total_wall = wall.sum(axis=1, min_count=wall.shape[1])
    ax.plot(
        total_wall.index,
        total_wall.to_numpy(),
        color="0.15",
        linewidth=2.0,
        label="total, from wall time",
    )
    ax.text(
        0.01,
        0.98,
        f"total {_fmt_rate(tp['total_wall'])} samples/s from wall time "
        f"({tp['batch_size']:g} samples/step/rank)\n"
        f"total {_fmt_rate(tp['total_logged'])} samples/s from the mean of logged rates "
        f"({tp['ratio']:.2f}x)",
        transform=ax.transAxes,
        fontsize="small",
        color="0.2",
        va="top",
    )
    ax.set_xlabel("step")
    ax.set_ylabel("samples / s")
    top = np.nanmax([np.nanmax(total_wall.to_numpy(dtype=float)), np.nanmax(logged.to_numpy())])
    ax.set_ylim(0, top * 1.2)
    ax.legend(fontsize="x-small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return ax


def plot_scaling(
    logs: Sequence,
    *,
    metric: str = "samples_per_sec",
    batch_size: float | None = None,
    ax=None,
    **kwargs: Any,
):
    """Speed-up against world size with the ideal line and each run's efficiency.

    Parameters
    ----------
    logs : sequence of RunLog
        Runs that differ only in world size (same model, data and per-rank batch).
    metric, batch_size
        See `throughput_table`.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the measured speed-up.

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = scaling_table(logs, metric=metric, batch_size=batch_size)
    ax = get_ax(ax)
    w = table["world_size"].to_numpy()
    ax.plot(w, table["ideal"], linestyle="--", color="0.5", label="ideal (linear)")
    ax.plot(w, table["speedup"], **{"marker": "o", "label": "measured (wall time)", **kwargs})
    for _, row in table.iterrows():
        ax.annotate(
            f"efficiency {row['efficiency']:.2f}\n{_fmt_rate(row['throughput'])} samples/s",
            (row["world_size"], row["speedup"]),
            xytext=(6, -4),
            textcoords="offset points",
            va="top",
            fontsize="small",
        )
    ax.set_xticks(w, [str(int(v)) for v in w])
    ax.margins(x=0.3)
    ax.set_xlabel("world size (ranks)")
    ax.set_ylabel(f"speed-up vs {int(w[0])} rank(s)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return ax
