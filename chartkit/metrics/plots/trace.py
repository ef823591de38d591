"""Charts of torch.profiler traces: step breakdown, timeline and straggler, per rank.

Each takes a `~chartkit.metrics.readers.trace.TraceLog` (`chartkit.metrics.read_trace`),
draws on ``ax`` (the current Axes when None) and returns it. The numbers come from
`chartkit.metrics.trace_analysis`; the categories have fixed Okabe-Ito colours (the same in
every chart), and communication is also hatched, so no pair depends on colour alone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit.metrics.trace_analysis import PRIORITY, find_straggler, step_breakdown

__all__ = ["CATEGORY_COLORS", "plot_step_breakdown", "plot_straggler", "plot_timeline"]

#: One colour per category (Okabe-Ito), used by every trace chart.
CATEGORY_COLORS = {
    "compute": "#0072b2",
    "optimizer": "#cc79a7",
    "data loading": "#009e73",
    "memory copy": "#56b4e9",
    "communication": "#d55e00",
    "other": "#bbbbbb",
    "idle": "#eeeeee",
}
_HATCH = {"communication": "///", "other": "xx", "idle": ""}
_KEYS = {
    "compute": "trace.cat.compute",
    "optimizer": "trace.cat.optimizer",
    "data loading": "trace.cat.data",
    "memory copy": "trace.cat.memcpy",
    "communication": "trace.cat.comm",
    "other": "trace.cat.other",
    "idle": "trace.cat.idle",
}


def _label(category: str, lang: str) -> str:
    return tr(_KEYS[category], lang)


def _steps(trace, steps: Sequence[int] | None, limit: int) -> list[int]:
    have = sorted(int(s) for s in trace.steps["step"].unique())
    if steps is None:
        return have[:limit]
    missing = [s for s in steps if s not in have]
    if missing:
        from chartkit._validate import invalid_value_message

        raise ValueError(invalid_value_message(missing, "steps", have))
    return list(steps)


def plot_step_breakdown(
    trace,
    *,
    steps: Sequence[int] | None = None,
    ax=None,
    lang: str = "en",
    legend_kws: dict[str, Any] | None = None,
):
    """Stacked bars of where each rank's step time went, step by step.

    One bar per rank and step, split into exclusive time per category (compute, optimizer,
    data loading, memory copy, exposed communication, other, idle: they add up to the
    step time, written above each bar). A narrow hatched bar beside it shows the
    communication that overlapped other work (it did not make the step longer).

    Parameters
    ----------
    trace : TraceLog
    steps : sequence of int, optional
        Steps to show (default: the first 8 profiled steps).
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    lang : {"en", "ko"}, default: "en"
    legend_kws : dict, optional
        Passed to `matplotlib.axes.Axes.legend`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    ax = get_ax(ax)
    bd = step_breakdown(trace)
    chosen = _steps(trace, steps, 8)
    bd = bd[bd["step"].isin(chosen)].sort_values(["step", "rank"])
    ranks = sorted(bd["rank"].unique())
    width = 0.7
    pos, ticks, group_mid = [], [], []
    x = 0.0
    for s in chosen:
        first = x
        for r in ranks:
            pos.append(x)
            ticks.append(f"r{r}")
            x += 1
        group_mid.append(((first + x - 1) / 2, s))
        x += 0.8
    pos_arr = np.asarray(pos)
    bottom = np.zeros(len(bd))
    for c in [*PRIORITY, "idle"]:
        values = bd[c].to_numpy()
        if not values.any():
            continue  # a category with no time gets no bar and no legend entry
        ax.bar(
            pos_arr,
            values,
            width,
            bottom=bottom,
            color=CATEGORY_COLORS[c],
            hatch=_HATCH.get(c, ""),
            edgecolor="white" if c != "idle" else "#bbbbbb",
            linewidth=0.4,
            label=_label(c, lang) if c != "communication" else tr("trace.exposed", lang),
        )
        bottom += values
    ax.bar(
        pos_arr + width / 2 + 0.08,
        bd["overlapped communication"].to_numpy(),
        0.14,
        color="white",
        edgecolor=CATEGORY_COLORS["communication"],
        hatch="...",
        linewidth=0.6,
        label=tr("trace.overlapped", lang),
    )
    for xi, total in zip(pos_arr, bd["step_time"].to_numpy(), strict=True):
        ax.text(xi, total, f"{total:.0f}", ha="center", va="bottom", fontsize=7, color="#333333")
    ax.set_xticks(pos_arr, ticks, fontsize=7)
    for mid, s in group_mid:
        ax.annotate(
            tr("trace.step_n", lang, step=s),
            (mid, 0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -22),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
        )
    ax.set_ylabel(tr("trace.ms_per_step", lang))
    ax.set_xlim(pos_arr.min() - 0.8, pos_arr.max() + 0.8)
    ax.set_ylim(0, float(bd["step_time"].max()) * 1.12)
    kws = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8, "frameon": False}
    ax.legend(**{**kws, **(legend_kws or {})})
    return ax


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping intervals (sorted output)."""
    if not len(starts):
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], np.maximum.accumulate(ends[order])
    new = np.concatenate([[True], s[1:] > e[:-1]])
    group = np.cumsum(new) - 1
    return s[new], np.maximum.reduceat(e, np.flatnonzero(new))[: group.max() + 1]


def _covered(edges: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Covered length of merged intervals in each bin of *edges*.

    The covered length up to each edge is the lengths of the intervals ending before it
    plus the part of the one interval it may cut (merged intervals are disjoint): O(n log n),
    not a bins x intervals matrix (a GPU trace holds millions of kernels).
    """
    if not len(s):
        return np.zeros(edges.size - 1)
    done = np.concatenate([[0.0], np.cumsum(e - s)])
    k = np.searchsorted(e, edges, side="right")  # intervals ending at or before the edge
    cut = np.clip(edges - s[np.minimum(k, s.size - 1)], 0, None)  # s_k < edge < e_k
    return np.diff(done[k] + np.where(k < s.size, cut, 0.0))


def _lane_label(trace, rank: int, lane: str) -> str:
    """Short lane names: ``rank 0 · main``, ``rank 0 · 25402 gloo``, ``rank 0 · gpu 0 s7``."""
    if lane == trace.main_lanes.get(rank):
        return f"rank {rank} · main"
    m = re.match(r"^thread (\S+)(?: \((.*)\))?$", lane)
    if m:
        kind = (m.group(2) or "").replace("pt_", "").replace("_runloop", "")
        return f"rank {rank} · {m.group(1)} {kind}".rstrip()
    return f"rank {rank} · " + lane.replace(" stream ", " s")


def _lanes(trace, ranks) -> list[tuple[int, str]]:
    ev = trace.events
    lanes = []
    for r in ranks:
        mine = ev[(ev["rank"] == r) & (ev["category"] != "step")]
        names = mine.groupby("lane", observed=True)["duration"].sum().sort_values(ascending=False)
        main = trace.main_lanes.get(r)
        order = [main] if main in names.index else []
        order += [str(n) for n in names.index if str(n) != main]
        lanes += [(r, lane) for lane in order]
    return lanes


def plot_timeline(
    trace,
    *,
    steps: Sequence[int] | None = None,
    ranks: Sequence[int] | None = None,
    bins: int = 600,
    ax=None,
    lang: str = "en",
):
    """A static timeline of one or a few steps: a lane per rank and thread or stream.

    Time runs from each rank's first chosen step (each rank on its own clock:
    `TraceLog.clocks`); each lane shows, per pixel-sized bin, the category that covers most
    of it, so thousands of short operators stay readable at paper size. Step starts are
    marked on every lane, and the straggler (`find_straggler`) is named with its cause.

    Parameters
    ----------
    trace : TraceLog
    steps : sequence of int, optional
        Steps to draw (default: the first two profiled steps).
    ranks : sequence of int, optional
        Ranks to draw (default: all).
    bins : int, default: 600
        Time bins across the window (about one per pixel of a 6-inch Axes at 100 dpi).
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "ko"}, default: "en"

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    ax = get_ax(ax)
    chosen = _steps(trace, steps, 2)
    ranks = trace.ranks if ranks is None else list(ranks)
    st = trace.steps[trace.steps["step"].isin(chosen) & trace.steps["rank"].isin(ranks)]
    origin = st.groupby("rank")["start"].min()
    span = float((st["end"] - st["rank"].map(origin)).max())
    edges = np.linspace(0.0, span, bins + 1)
    ev = trace.events
    counted = ev[(ev["category"] != "step") & ev["step"].isin(chosen) & ev["rank"].isin(ranks)]
    lanes = _lanes(trace, ranks)
    seen: set[str] = set()
    for y, (r, lane) in enumerate(lanes):
        part = counted[(counted["rank"] == r) & (counted["lane"] == lane)]
        part = part[
            ~part["cat"].astype(str).isin(("user_annotation", "gpu_user_annotation"))
            | ~part["category"].isin(("compute", "other"))
        ]
        start = part["start"].to_numpy() - origin[r]
        end = start + part["duration"].to_numpy()
        cats = part["category"].astype(str).to_numpy()
        cover = np.stack(
            [_covered(edges, *_union(start[cats == c], end[cats == c])) for c in PRIORITY]
        )
        # a tie (two categories both covering a bin) goes to the first in PRIORITY, never to
        # whichever float sum rounded higher
        top = cover.max(axis=0)
        best = np.argmax(cover >= top - 1e-9 * (edges[1] - edges[0]), axis=0)
        filled = top > 0.3 * (edges[1] - edges[0])
        runs = np.flatnonzero(np.diff(np.concatenate([[-1], np.where(filled, best, -1), [-1]])))
        for a, b in itertools.pairwise(runs):
            if not filled[a]:
                continue
            c = PRIORITY[best[a]]
            ax.broken_barh(
                [(edges[a], edges[b] - edges[a])],
                (y - 0.38, 0.76),
                facecolors=CATEGORY_COLORS[c],
                hatch=_HATCH.get(c, ""),
                edgecolor="none",
                label=None if c in seen else _label(c, lang),
            )
            seen.add(c)
        for s0 in st.loc[st["rank"] == r, "start"].to_numpy() - origin[r]:
            ax.plot([s0, s0], [y - 0.48, y + 0.48], color="#333333", lw=0.8)
    labels = [_lane_label(trace, r, lane) for r, lane in lanes]
    ax.set_yticks(range(len(lanes)), labels, fontsize=7)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, span)
    ax.set_xlabel(tr("trace.ms_since_step", lang, step=chosen[0]))
    report = find_straggler(trace)
    if report.straggler is not None and report.straggler in ranks:
        y = next(i for i, (r, _) in enumerate(lanes) if r == report.straggler)
        note = tr(
            "trace.straggler_note",
            lang,
            rank=report.straggler,
            cause=_label(report.cause, lang),
            ms=f"{report.excess_ms:.0f}",
        )
        ax.annotate(
            note,
            (span, y),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=7,
            color="#222222",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#888888", "lw": 0.5},
        )
    handles, labels = ax.get_legend_handles_labels()
    rank_of = {_label(c, lang): i for i, c in enumerate(PRIORITY)}
    order = sorted(range(len(labels)), key=lambda i: rank_of.get(labels[i], 99))
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    ax.grid(False)
    return ax


def plot_straggler(trace, *, metrics=None, ax=None, lang: str = "en"):
    """Mean time per step of each rank by category, with the rank the others wait for.

    Horizontal stacked bars (one per rank, exclusive milliseconds per step over the steps
    every rank has); the straggler's bar is outlined and a note under the bars says who
    waits for whom, in what, and why (`find_straggler`).

    Parameters
    ----------
    trace : TraceLog
    metrics : RunLog, optional
        Per-rank metrics to join (see `find_straggler`); shown in the note when they hold
        ``samples_per_sec``.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "ko"}, default: "en"

    Returns
    -------
    matplotlib.axes.Axes
    """
    lang = check_lang(lang)
    ax = get_ax(ax)
    report = find_straggler(trace, metrics=metrics)
    table = report.table.sort_values("rank")
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for c in [*PRIORITY, "idle"]:
        values = table[c].to_numpy()
        if not values.any():
            continue
        ax.barh(
            y,
            values,
            0.7,
            left=left,
            color=CATEGORY_COLORS[c],
            hatch=_HATCH.get(c, ""),
            edgecolor="white" if c != "idle" else "#bbbbbb",
            linewidth=0.4,
            label=_label(c, lang) if c != "communication" else tr("trace.exposed", lang),
        )
        left += values
    if report.straggler is not None:
        k = int(np.flatnonzero(table["rank"].to_numpy() == report.straggler)[0])
        ax.barh(k, left[k], 0.86, fill=False, edgecolor="#222222", linewidth=1.4)
    ax.set_yticks(y, [tr("trace.rank_n", lang, rank=r) for r in table["rank"]])
    ax.yaxis.grid(False)  # bars are categories: grid lines belong to the time axis
    ax.xaxis.grid(True)
    ax.set_ylim(len(table) - 0.4, -0.6)
    ax.set_xlabel(tr("trace.mean_ms_per_step", lang, steps=len(report.steps)))
    note = _straggler_sentence(report, lang)
    ax.text(
        0.0,
        -0.16,
        note,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=8,
        wrap=True,
        color="#222222",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def _straggler_sentence(report, lang: str) -> str:
    if report.straggler is None:
        return tr("trace.no_straggler", lang)
    return tr(
        "trace.straggler_sentence",
        lang,
        rank=report.straggler,
        cause=_label(report.cause, lang),
        ms=f"{report.excess_ms:.1f}",
        others=", ".join(map(str, report.waiting_ranks)),
        wait=f"{report.wait_ms:.1f}",
        comm=report.comm_name or tr("trace.cat.comm", lang),
    )
