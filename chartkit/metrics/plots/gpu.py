"""GPU views of nvidia-smi logs (lines per GPU, heatmap for many GPUs) and memory per step.

Columns are found by meaning and unit (`chartkit.metrics.roles`): utilisation, memory,
power, temperature, clocks; the chart states which column it took. Memory events (large
falls of the memory in use: ``empty_cache``, a process ending, the peak before an OOM) are
inferred from the samples (`memory_events`) and marked on memory charts only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit.annotate import escape_data
from chartkit.errors import ColumnNotFoundError
from chartkit.metrics.frames import frame_of
from chartkit.metrics.plots._scale import add_note
from chartkit.metrics.plots.probe import plot_batch_probe, probe_summary
from chartkit.metrics.roles import ALIASES, ROLES, RoleChoice, candidates, check_columns, resolve
from chartkit.metrics.schema import unknown_column
from chartkit.palettes.resolve import next_colors

__all__ = [
    "GPU_ROLES",
    "MAX_LEGEND",
    "MAX_LINES",
    "heatmap_height",
    "memory_events",
    "plot_batch_probe",
    "plot_gpu_heatmap",
    "plot_gpu_lines",
    "plot_gpu_memory",
    "probe_summary",
    "smi_role",
]

#: More GPUs than this in one line chart: draw the first ones and say so (use the heatmap).
MAX_LINES = 8
#: Legend entries of `plot_gpu_memory` at most; the others are named in a note.
MAX_LEGEND = 12
#: The roles of an nvidia-smi log, in the order `gpu_overview` draws them.
GPU_ROLES = ("utilization", "memory", "power", "temperature", "clock")
_SEQUENTIAL = ("chartkit.blues", "chartkit.sequential", "viridis")
_EVENT_COLOR = "0.15"


def _sequential_cmap():
    from matplotlib import colormaps

    for name in _SEQUENTIAL:
        if name in colormaps:
            return colormaps[name]
    return colormaps["viridis"]


def _units(info) -> dict[str, str]:
    extra = getattr(info, "extra", None) or {}
    return dict(extra.get("units", {}) or {})


def smi_role(
    smi_log,
    role: str,
    *,
    columns: Mapping[str, str] | None = None,
) -> RoleChoice:
    """The metric of an nvidia-smi log that holds *role* (units from the header used).

    Parameters
    ----------
    smi_log : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_nvidia_smi`.
    role : str
        ``"utilization"``, ``"memory"``, ``"power"``, ``"temperature"``, ``"clock"``, or a
        metric name of the log (taken as it is).
    columns : mapping of role to metric, optional
        Choices by hand (``{"memory": "memory.used"}``).
    """
    frame, info = frame_of(smi_log)
    names = sorted(frame["metric"].astype(str).unique())
    if role in names and role not in ROLES:
        return RoleChoice(role, role, reason="asked for by name")
    if role not in ROLES and role not in ALIASES:
        raise unknown_column(role, [*GPU_ROLES, *names], "metric")
    units = _units(info)
    shown = {(f"{n} [{units[n]}]" if units.get(n) else n): n for n in names}
    cols = check_columns(columns)
    if role in cols:  # a metric name, with or without its unit
        given = cols[role]
        cols[role] = next((k for k, v in shown.items() if given in (k, v)), given)
    choice = resolve(list(shown), role, columns=cols, what="the nvidia-smi log")
    from dataclasses import replace

    return replace(choice, column=shown.get(choice.column, choice.column))


def memory_events(
    smi_log, *, min_drop: float = 0.5, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Large falls of the memory in use in an nvidia-smi log, and the peak before each.

    A fall of at least *min_drop* of the peak between two samples is what
    ``torch.cuda.empty_cache()`` (or the end of a process) looks like from outside; the
    sample before it is the peak, which is where an out-of-memory error happens in a
    batch-size search. nvidia-smi records no events itself: these are inferred.

    Returns
    -------
    pandas.DataFrame
        ``gpu, peak_time, peak_mib, drop_time, after_mib`` (times in seconds since the epoch).
    """
    cols = ["gpu", "peak_time", "peak_mib", "drop_time", "after_mib"]
    frame, _ = frame_of(smi_log)
    try:
        mem = smi_role(smi_log, "memory", columns=columns)
    except ColumnNotFoundError:
        return pd.DataFrame(columns=cols)
    rows = frame[frame["metric"] == mem.column]
    out = []
    for gpu, g in rows.groupby("rank", observed=True):
        g = g.sort_values("wall_time")
        v = mem.convert(g["value"].to_numpy(dtype=float))
        t = g["wall_time"].to_numpy(dtype=float)
        for i in np.flatnonzero(np.diff(v) < 0) + 1:
            if v[i - 1] > 0 and (v[i - 1] - v[i]) >= min_drop * v[i - 1]:
                out.append(
                    dict(zip(cols, [int(gpu), t[i - 1], v[i - 1], t[i], v[i]], strict=True))
                )
    return pd.DataFrame(out, columns=cols)


def heatmap_height(n_gpus: int, *, per_gpu: float = 0.28, extra: float = 1.3) -> float:
    """A figure height (inches) that keeps each GPU's row of a heatmap readable.

    ``per_gpu`` inches per row (a tick label and some colour) plus *extra* for the x axis,
    its label and a title; at least 2 inches. Use it as
    ``plt.subplots(figsize=(7, heatmap_height(n)))``.
    """
    return max(2.0, per_gpu * int(n_gpus) + extra)


def _first_oom(probe) -> int | None:
    if probe is None:
        return None
    p = getattr(probe, "params", None)
    if p is not None and "first_oom_batch_size" in p and p["first_oom_batch_size"].notna().any():
        return int(p["first_oom_batch_size"].dropna().iloc[0])
    return None


def _event_texts(ev: pd.DataFrame, probe, lang: str) -> list[str]:
    first_oom = _first_oom(probe)
    oom_row = int(ev["peak_mib"].to_numpy().argmax()) if len(ev) else -1
    texts = []
    for k, e in enumerate(ev.itertuples(index=False)):
        freed = f"{e.peak_mib - e.after_mib:,.0f}"
        text = tr("gpu.event.freed", lang, mib=freed)
        if k == oom_row:
            text = tr("gpu.event.peak", lang, peak=f"{e.peak_mib:,.0f}", freed=freed)
            if first_oom is not None:
                text = tr("gpu.event.oom", lang, bs=first_oom, text=text)
        texts.append(text)
    return texts


def _mark_events(ax, ev: pd.DataFrame, xs, ys, probe, lang: str, label_kws) -> list[str]:
    """A marker at each peak and at its fall, labels placed inside *ax* (`label_points`).

    *xs* and *ys* are (peak, fall) pairs of arrays.

    Returns the notes to add (labels that found no room, counted).
    """
    from chartkit.annotate import label_points

    if not len(ev):
        return []
    # markers only: a full-height line would wall the labels in (and cross them)
    mark = {"linestyle": "none", "color": _EVENT_COLOR, "zorder": 4}
    ax.plot(xs[0], ys[0], marker="v", markersize=5, **mark)
    ax.plot(xs[1], ys[1], marker="|", markersize=9, markeredgewidth=1.5, **mark)
    texts = _event_texts(ev, probe, lang)
    prio = ev["peak_mib"].to_numpy(dtype=float)
    box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9}
    style = {"fontsize": "x-small", "color": _EVENT_COLOR, "bbox": box, **(label_kws or {})}
    placed = label_points(xs[0], ys[0], texts, priority=prio, ax=ax, **style)
    hidden = len(getattr(placed, "hidden", []))
    if hidden:
        return [tr("gpu.note.events_hidden", lang, n=hidden, total=len(texts))]
    return []


def _wide(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = frame[frame["metric"] == metric].dropna(subset=["wall_time"])
    return rows.pivot_table(
        index="wall_time", columns="rank", values="value", aggfunc="last", observed=True
    ).sort_index()


def _axis_label(choice: RoleChoice) -> str:
    """The column's name with the unit drawn (``memory.used [MiB]``, ``max_mem [MiB]``)."""
    unit = choice.display_unit if choice.role in ROLES else ""
    base = choice.column
    if unit and choice.unit and unit != choice.unit:  # converted: drop the old unit
        base = re.sub(r"\s*\[[^\]]*\]\s*$", "", base)
    if not unit or base.endswith(f"[{unit}]"):
        return base
    return f"{base} [{unit}]"


def _points(lines) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(ln.get_xdata(), ln.get_ydata()) for ln in lines]


def _events_wanted(events, choice: RoleChoice) -> bool:
    return choice.role == "memory" if events == "auto" else bool(events)


def plot_gpu_heatmap(
    smi_log,
    metric: str = "utilization",
    *,
    probe=None,
    events: bool | str = "auto",
    columns: Mapping[str, str] | None = None,
    lang: str = "en",
    colorbar_kws: dict[str, Any] | None = None,
    label_kws: dict[str, Any] | None = None,
    ax=None,
    **kwargs: Any,
):
    """GPU index x time heatmap of one metric of an nvidia-smi log (for many GPUs).

    One row per GPU; give the figure `heatmap_height` inches so rows stay readable. Memory
    events are marked (dashed line at the fall, a marker at the peak) and labelled inside
    the Axes by `chartkit.annotate.label_points`; labels without room are counted in a note.

    Parameters
    ----------
    smi_log : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_nvidia_smi`.
    metric : str, default: "utilization"
        A role (``"utilization"``, ``"memory"``, ``"power"``, ``"temperature"``,
        ``"clock"``) found by meaning and unit, or a metric name of the log.
    probe : RunLog, optional
        A batch-size probe of the same session: the inferred out-of-memory peak is labelled
        with its first failing batch size.
    events : bool or "auto", default: "auto"
        Mark the large memory falls found by `memory_events` ("auto": on memory only).
    columns : mapping of role to metric, optional
    lang : {"en", "ko"}, default: "en"
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    label_kws : dict, optional
        Text properties of the event labels (`chartkit.annotate.label_points`).
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.pcolormesh`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    frame, _ = frame_of(smi_log)
    choice = smi_role(smi_log, metric, columns=columns)
    wide = _wide(frame, choice.column)
    t0 = float(wide.index[0]) if len(wide) else 0.0
    secs = wide.index.to_numpy(dtype=float) - t0
    gpus = [int(g) for g in wide.columns]
    step = np.median(np.diff(secs)) if len(secs) > 1 else 1.0
    edges_t = np.r_[secs, secs[-1] + step] if len(secs) else np.array([0.0, 1.0])
    edges_g = np.arange(len(gpus) + 1) - 0.5
    ax = get_ax(ax)
    style = {"cmap": _sequential_cmap(), "shading": "flat", **kwargs}
    if choice.role == "utilization" and "vmin" not in kwargs and "norm" not in kwargs:
        style.update(vmin=0, vmax=100)
    mesh = ax.pcolormesh(edges_t, edges_g, choice.convert(wide.to_numpy(dtype=float)).T, **style)
    label = escape_data(_axis_label(choice))
    ax.figure.colorbar(mesh, ax=ax, **{"label": label, "pad": 0.02, **(colorbar_kws or {})})
    ax.set_yticks(range(len(gpus)), [tr("gpu.label", lang, gpu=g) for g in gpus])
    ax.set_xlabel(tr("gpu.xlabel.seconds", lang))
    ax.set_ylim(edges_g[-1], edges_g[0])
    notes = [choice.note(lang)] if choice.role in ROLES else []
    if _events_wanted(events, choice):
        ev = memory_events(frame, columns=columns)
        ev = ev[ev["gpu"].isin(gpus)]
        xs = (ev["peak_time"].to_numpy() - t0, ev["drop_time"].to_numpy() - t0)
        ys = np.array([gpus.index(int(g)) for g in ev["gpu"]], dtype=float)
        notes += _mark_events(ax, ev, xs, (ys, ys), probe, lang, label_kws)
    add_note(ax, [escape_data(n) for n in notes])
    return ax


def plot_gpu_lines(
    smi_log,
    metric: str | None = None,
    *,
    gpus: Sequence[int] | None = None,
    probe=None,
    events: bool | str = "auto",
    columns: Mapping[str, str] | None = None,
    color=None,
    label: str | None = None,
    palette=None,
    lang: str = "en",
    label_kws: dict[str, Any] | None = None,
    note: bool = True,
    ax=None,
    **kwargs: Any,
):
    """One metric of an nvidia-smi log over time, one line per GPU (one or a few GPUs).

    For a one-GPU log this is the chart to draw (a one-row heatmap hides the values); call
    it once per metric (utilisation, memory, power, temperature, clocks) or use
    `gpu_overview` for all of them. More than `MAX_LINES` GPUs: the first are drawn and a
    note says how to choose (`plot_gpu_heatmap` suits many GPUs).

    Parameters
    ----------
    smi_log : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_nvidia_smi`.
    metric : str, optional
        A role (default ``"utilization"``; ``"memory"``, ``"power"``, ``"temperature"``,
        ``"clock"``) found by meaning and unit, or a metric name of the log.
    gpus : sequence of int, optional
        GPU indices to draw (default: all, up to `MAX_LINES`).
    probe : RunLog, optional
        A batch-size probe of the session: the OOM peak is labelled with its batch size.
    events : bool or "auto", default: "auto"
        Mark memory events (`memory_events`); "auto": on the memory chart only.
    columns : mapping of role to metric, optional
    color, label : optional
        Colour and legend label of the line when one GPU is drawn.
    palette : optional
        GPU colours (`chartkit.palettes.resolve_palette`); default: the next colours of the
        theme's cycle on *ax*.
    lang : {"en", "ko"}, default: "en"
    label_kws : dict, optional
        Text properties of the event labels (`chartkit.annotate.label_points`).
    note : bool, default: True
        State the column taken (a note inside the Axes); facts such as hidden labels are
        always stated.
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    frame, _ = frame_of(smi_log)
    choice = smi_role(smi_log, metric or "utilization", columns=columns)
    wide = _wide(frame, choice.column)
    t0 = float(wide.index[0]) if len(wide) else 0.0
    secs = wide.index.to_numpy(dtype=float) - t0
    present = [int(g) for g in wide.columns]
    chosen = present if gpus is None else [g for g in present if g in set(gpus)]
    notes = [choice.note(lang)] if note and choice.role in ROLES else []
    if len(chosen) > MAX_LINES:
        notes.append(tr("gpu.note.gpus_limit", lang, shown=MAX_LINES, total=len(chosen)))
        chosen = chosen[:MAX_LINES]
    ax = get_ax(ax)
    names = [tr("gpu.label", lang, gpu=g) for g in chosen]
    one = len(chosen) == 1
    colors = (
        {names[0]: color}
        if one and color is not None
        else next_colors(ax, levels=names, palette=palette)
    )
    for g, name in zip(chosen, names, strict=True):
        y = choice.convert(wide[g].to_numpy(dtype=float))
        c = colors[name]
        lab = label if (one and label is not None) else name
        ax.plot(secs, y, **{"color": c, "label": lab, "linewidth": 1.2, **kwargs})
    ax.set_xlabel(tr("gpu.xlabel.seconds", lang))
    ax.set_ylabel(escape_data(_axis_label(choice)))
    if choice.role == "utilization":
        ax.set_ylim(-2, 102)
    elif choice.role in ("memory", "power", "clock"):
        ax.set_ylim(bottom=0)
    if _events_wanted(events, choice):
        ev = memory_events(frame, columns=columns)
        ev = ev[ev["gpu"].isin(chosen)]
        xs = (ev["peak_time"].to_numpy() - t0, ev["drop_time"].to_numpy() - t0)
        ys = (ev["peak_mib"].to_numpy(float), ev["after_mib"].to_numpy(float))
        notes += _mark_events(ax, ev, xs, ys, probe, lang, label_kws)
    if len(chosen) > 1:
        # outside the Axes: inside, it would cover lines or the note
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    add_note(
        ax,
        [escape_data(n) for n in notes],
        points=[(ln.get_xdata(), ln.get_ydata()) for ln in ax.get_lines()],
    )
    return ax


def _memory_metrics(names: list[str], frame: pd.DataFrame, columns) -> list[RoleChoice]:
    cols = check_columns(columns)
    values = {
        str(k): g.to_numpy(float) for k, g in frame.groupby("metric", observed=True)["value"]
    }
    if "memory" in cols:
        return [resolve(names, "memory", columns=cols, values=values)]
    found = candidates(names, "memory", values=values)
    if not found:
        resolve(names, "memory", values=values, what="the log")  # raises, listing the columns
    # the same quantity logged by several hooks (Lightning): keep one of each leaf
    seen: dict[str, RoleChoice] = {}
    for c in found:
        leaf = c.column.rsplit("/", 1)[-1]
        if leaf not in seen and c.score > -1:
            seen[leaf] = c
    return sorted(seen.values(), key=lambda c: c.column)


def plot_gpu_memory(
    log,
    metrics: Sequence[str] | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    max_legend: int = MAX_LEGEND,
    color=None,
    label: str | None = None,
    palette=None,
    lang: str = "en",
    legend_kws: dict[str, Any] | None = None,
    ax=None,
    **kwargs: Any,
):
    """GPU memory per step from logged allocated/reserved values (or DeviceStatsMonitor).

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    metrics : str or list of str, optional
        Memory metrics to draw; by default every column the resolver takes for memory
        (`chartkit.metrics.roles`: names with mem/memory/allocated/reserved/rss or a byte
        unit; allocation counts and cumulative totals left out), one per name when several
        hooks log the same one. Values are converted to MiB (bytes / 2**20, GB x 1024).
        Names given here that are not memory levels (DeviceStatsMonitor's
        ``active.all.allocated`` is a count) are left out and named in a note.
    columns : mapping of role to column, optional
        ``{"memory": ...}`` draws that one column, whatever its name (the override).
    max_legend : int, default: `MAX_LEGEND`
        Legend entries at most; the series left out of the legend are named in a note.
    color, label : optional
        Colour and legend label when one series is drawn.
    palette : optional
        Series colours (`chartkit.palettes.resolve_palette`); default: the next colours of
        the theme's cycle on *ax* (`chartkit.palettes.resolve.next_colors`).
    lang : {"en", "ko"}, default: "en"
    legend_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.legend`.
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ColumnNotFoundError
        No memory column is recognised (the columns are listed) or a given one is not there.
    """
    check_lang(lang)
    frame, _ = frame_of(log)
    names = sorted(frame["metric"].astype(str).unique())
    left_out: list[str] = []
    if metrics is not None and not check_columns(columns).get("memory"):
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        for m in metrics:
            if m not in names:
                raise unknown_column(m, names, "metric")
        groups = frame.groupby("metric", observed=True)["value"]
        values = {str(k): g.to_numpy(float) for k, g in groups if str(k) in metrics}
        found = {c.column: c for c in candidates(metrics, "memory", values=values)}
        chosen = [found[m] for m in metrics if m in found]
        left_out = [m for m in metrics if m not in found]
        if not chosen:  # nothing to draw: say what was asked and how to force one
            resolve(metrics, "memory", values=values, what="metrics=")
    else:
        chosen = _memory_metrics(names, frame, columns)
    ax = get_ax(ax)
    series = []
    for c in chosen:
        rows = frame[frame["metric"] == c.column]
        for rank, g in rows.groupby("rank", observed=True, dropna=False):
            lab = c.column if pd.isna(rank) else f"{c.column}, rank {rank}"
            series.append((c, lab, g.sort_values("step")))
    labels = [lab for _, lab, _ in series]
    if len(series) == 1 and color is not None:
        colors = [color]
    else:
        colors = list(next_colors(ax, len(series), palette=palette)) if series else []
    lines = []
    for (c, lab, g), col in zip(series, colors, strict=True):
        if len(series) == 1 and label is not None:
            lab = label
        (line,) = ax.plot(
            g["step"].to_numpy(),
            c.convert(g["value"].to_numpy(dtype=float)),
            **{"color": col, "label": escape_data(lab), **kwargs},
        )
        lines.append(line)
    ax.set_xlabel(tr("word.step", lang))
    ax.set_ylabel(tr("gpu.ylabel.memory", lang))
    ax.set_ylim(bottom=0)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    notes = [c.note(lang) for c in chosen[:3]]
    if left_out:
        notes.append(tr("gpu.note.not_memory", lang, names=", ".join(left_out[:4])))
    if len(labels) > 1:
        shown = lines[:max_legend]
        style = {"fontsize": "small", "loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
        ax.legend(handles=shown, **{**style, **(legend_kws or {})})
        if len(labels) > max_legend:
            rest = labels[max_legend:]
            more = ", ".join(rest[:2]) + (f", … (+{len(rest) - 2})" if len(rest) > 2 else "")
            notes.append(
                tr("gpu.note.legend_limit", lang, shown=max_legend, total=len(labels), rest=more)
            )
    add_note(
        ax,
        [escape_data(n) for n in notes],
        points=[(ln.get_xdata(), ln.get_ydata()) for ln in lines[:20]],
    )
    return ax
