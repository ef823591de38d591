"""GPU views: utilisation/memory heatmap from nvidia-smi, memory per step, batch-size probe."""

from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit.metrics.plots._data import cycle_colors, frame_of, text_color
from chartkit.metrics.schema import unknown_column

__all__ = [
    "memory_events",
    "plot_batch_probe",
    "plot_gpu_heatmap",
    "plot_gpu_memory",
    "probe_summary",
]

_HEATMAP_METRIC = {"utilization": "utilization.gpu", "memory": "memory.used"}
_SEQUENTIAL = ("chartkit.blues", "chartkit.sequential", "viridis")


def _sequential_cmap():
    from matplotlib import colormaps

    for name in _SEQUENTIAL:
        if name in colormaps:
            return colormaps[name]
    return colormaps["viridis"]


def memory_events(smi_log, *, min_drop: float = 0.5) -> pd.DataFrame:
    """Large falls of ``memory.used`` in an nvidia-smi log, and the peak before each.

    A fall of at least *min_drop* of the peak between two samples is what
    ``torch.cuda.empty_cache()`` (or the end of a process) looks like from outside; the
    sample before it is the peak, which is where an out-of-memory error happens in a
    batch-size search. nvidia-smi records no events itself: these are inferred.

    Returns
    -------
    pandas.DataFrame
        ``gpu, peak_time, peak_mib, drop_time, after_mib`` (times in seconds since the epoch).
    """
    frame, _ = frame_of(smi_log)
    rows = frame[frame["metric"] == "memory.used"]
    out = []
    for gpu, g in rows.groupby("rank", observed=True):
        g = g.sort_values("wall_time")
        v = g["value"].to_numpy(dtype=float)
        t = g["wall_time"].to_numpy(dtype=float)
        for i in np.flatnonzero(np.diff(v) < 0) + 1:
            if v[i - 1] > 0 and (v[i - 1] - v[i]) >= min_drop * v[i - 1]:
                out.append(
                    {
                        "gpu": int(gpu),
                        "peak_time": t[i - 1],
                        "peak_mib": v[i - 1],
                        "drop_time": t[i],
                        "after_mib": v[i],
                    }
                )
    return pd.DataFrame(out, columns=["gpu", "peak_time", "peak_mib", "drop_time", "after_mib"])


def plot_gpu_heatmap(
    smi_log,
    value: Literal["utilization", "memory"] | str = "utilization",
    *,
    probe=None,
    events: bool = True,
    ax=None,
    cbar_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """GPU index x time heatmap of utilisation or memory from an nvidia-smi log.

    Parameters
    ----------
    smi_log : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_nvidia_smi`.
    value : {"utilization", "memory"} or str, default: "utilization"
        ``utilization.gpu`` [%], ``memory.used`` [MiB], or any metric of the log.
    probe : RunLog, optional
        A batch-size probe of the same session: the inferred out-of-memory peak is labelled
        with its first failing batch size.
    events : bool, default: True
        Mark the large memory falls (``empty_cache``/process end) found by `memory_events`.
    ax : matplotlib.axes.Axes, optional
    cbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    **kwargs
        Passed to `~matplotlib.axes.Axes.pcolormesh`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame, info = frame_of(smi_log)
    metric = _HEATMAP_METRIC.get(value, value)
    names = sorted(frame["metric"].astype(str).unique())
    if metric not in names:
        raise unknown_column(value, [*_HEATMAP_METRIC, *names], "value")
    rows = frame[frame["metric"] == metric].dropna(subset=["wall_time"])
    wide = rows.pivot_table(
        index="wall_time", columns="rank", values="value", aggfunc="last", observed=True
    ).sort_index()
    t0 = float(wide.index[0]) if len(wide) else 0.0
    secs = wide.index.to_numpy(dtype=float) - t0
    gpus = [int(g) for g in wide.columns]
    edges_t = np.r_[secs, secs[-1] + (np.median(np.diff(secs)) if len(secs) > 1 else 1.0)]
    edges_g = np.arange(len(gpus) + 1) - 0.5
    ax = get_ax(ax)
    units = (getattr(info, "extra", {}) or {}).get("units", {}) if info is not None else {}
    unit = units.get(metric, "%" if metric.startswith("utilization") else "")
    style = {"cmap": _sequential_cmap(), "shading": "flat", **kwargs}
    if metric.startswith("utilization") and "vmin" not in kwargs and "norm" not in kwargs:
        style.update(vmin=0, vmax=100)
    mesh = ax.pcolormesh(edges_t, edges_g, wide.to_numpy(dtype=float).T, **style)
    label = f"{metric} [{unit}]" if unit else metric
    ax.figure.colorbar(mesh, ax=ax, **{"label": label, "pad": 0.02, **(cbar_kws or {})})
    ax.set_yticks(range(len(gpus)), [f"GPU {g}" for g in gpus])
    ax.set_xlabel("seconds since the first sample")
    ax.set_ylim(edges_g[-1], edges_g[0])
    if events:
        ev = memory_events(frame)
        first_oom = None
        if probe is not None:
            p = probe.params if hasattr(probe, "params") else None
            if (
                p is not None
                and "first_oom_batch_size" in p
                and p["first_oom_batch_size"].notna().any()
            ):
                first_oom = int(p["first_oom_batch_size"].dropna().iloc[0])
        oom_row = int(ev["peak_mib"].to_numpy().argmax()) if len(ev) else -1
        for k, e in enumerate(ev.itertuples(index=False)):
            y = gpus.index(int(e.gpu))
            xp, xd = e.peak_time - t0, e.drop_time - t0
            text = f"freed {e.peak_mib - e.after_mib:,.0f} MiB"
            if k == oom_row:
                text = f"peak {e.peak_mib:,.0f} MiB, then {text}"
                if first_oom is not None:
                    text = f"OOM at batch {first_oom} (probe): {text}"
            ax.axvline(xd, color="0.1", linewidth=0.8, linestyle="--")
            ax.annotate(
                text,
                (xd, y - 0.5),
                xytext=(-4, -4 - 11 * k),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize="x-small",
                color="0.1",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )
            ax.plot([xp], [y], marker="v", color="0.1", markersize=5)
    return ax


def _bytes_to_mib(name: str, values: np.ndarray) -> tuple[np.ndarray, str]:
    low = name.lower()
    if low.endswith(("_mb", "_mib", "[mib]", "mb")):
        return values, "MiB"
    if low.endswith(("_gb", "_gib")):
        return values * 1024, "MiB"
    finite = values[np.isfinite(values)]
    if finite.size and np.nanmedian(finite) > 1e6:  # bytes (torch.cuda.max_memory_allocated)
        return values / 2**20, "MiB"
    return values, ""


def plot_gpu_memory(
    log,
    *,
    metrics: list[str] | None = None,
    ax=None,
    **kwargs: Any,
):
    """GPU memory per step from logged allocated/reserved values (or DeviceStatsMonitor).

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
    metrics : list of str, optional
        Memory metrics to draw; by default every metric whose name mentions memory and
        ``alloc`` or ``reserv`` (``max_mem_allocated``, ``memory_stats/...allocated...``).
        Values in bytes are shown in MiB.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame, _ = frame_of(log)
    names = sorted(frame["metric"].astype(str).unique())
    if metrics is None:
        pat = re.compile(r"(mem|memory).*(alloc|reserv)|(alloc|reserv).*(mem|bytes)", re.I)
        metrics = [n for n in names if pat.search(n)]
        if not metrics:
            raise ValueError(
                "no memory metric found (looked for names with 'mem' and 'alloc'/'reserv'); "
                f"pass metrics=[...] from: {', '.join(names)}."
            )
    for m in metrics:
        if m not in names:
            raise unknown_column(m, names, "metric")
    ax = get_ax(ax)
    unit = ""
    for m in metrics:
        rows = frame[frame["metric"] == m]
        for rank, g in rows.groupby("rank", observed=True, dropna=False):
            g = g.sort_values("step")
            y, unit = _bytes_to_mib(m, g["value"].to_numpy(dtype=float))
            lab = m if pd.isna(rank) else f"{m}, rank {rank}"
            ax.plot(g["step"].to_numpy(), y, label=lab, **kwargs)
    ax.set_xlabel("step")
    ax.set_ylabel(f"GPU memory [{unit}]" if unit else "GPU memory")
    ax.set_ylim(bottom=0)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    if len(ax.get_lines()) > 1:
        ax.legend()
    return ax


def probe_summary(probe) -> dict[str, Any]:
    """Largest batch size that fitted and the first that failed, with the error line."""
    frame, _ = frame_of(probe)
    rows = frame[frame["metric"] == "oom"]
    if rows.empty:
        raise ValueError(
            "not a batch-size probe: the log has no 'oom' metric "
            "(read it with chartkit.metrics.read_batch_probe)."
        )
    ok = rows.loc[rows["value"] == 0, "step"]
    bad = rows.loc[rows["value"] == 1, "step"]
    err = None
    params = getattr(probe, "params", None)
    if params is not None and "oom_error" in params and params["oom_error"].notna().any():
        err = str(params["oom_error"].dropna().iloc[0])
    limit = None
    if err:
        m = re.search(r"([\d.]+) GiB allowed", err)
        limit = float(m.group(1)) * 1024 if m else None
    return {
        "max_ok": int(ok.max()) if len(ok) else None,
        "first_oom": int(bad.min()) if len(bad) else None,
        "error": err,
        "limit_mib": limit,
    }


def plot_batch_probe(
    probe,
    *,
    memory: str | None = None,
    ax=None,
    **kwargs: Any,
):
    """Peak memory and step time against batch size, with the out-of-memory boundary.

    Parameters
    ----------
    probe : RunLog
        From `chartkit.metrics.read_batch_probe` (GPU: ``max_allocated_mb``/
        ``max_reserved_mb``; CPU stand-in: ``peak_rss_mb``).
    memory : str, optional
        Memory metric on the left axis; the first present of ``max_reserved_mb``,
        ``max_allocated_mb``, ``peak_rss_mb`` by default.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the memory line.

    Returns
    -------
    matplotlib.axes.Axes
        The memory axes; the step-time axes is its twin (``ax.child_axes`` is not used:
        find it with ``ax.get_shared_x_axes()``).
    """
    frame, _ = frame_of(probe)
    summary = probe_summary(probe)
    names = sorted(frame["metric"].astype(str).unique())
    if memory is None:
        memory = next(
            (m for m in ("max_reserved_mb", "max_allocated_mb", "peak_rss_mb") if m in names), None
        )
        if memory is None:
            raise ValueError(
                f"no memory column found in the probe; pass memory= from: {', '.join(names)}."
            )
    elif memory not in names:
        raise unknown_column(memory, names, "memory")
    ax = get_ax(ax)
    colors = cycle_colors()
    mem = frame[frame["metric"] == memory].sort_values("step")
    x = mem["step"].to_numpy(dtype=float)
    y = mem["value"].to_numpy(dtype=float)
    failed = np.isin(x, frame.loc[(frame["metric"] == "oom") & (frame["value"] == 1), "step"])
    ax.plot(
        x[~failed],
        y[~failed],
        **{"marker": "o", "color": colors[0], "label": f"{memory} [MiB]", **kwargs},
    )
    if failed.any():
        ax.plot(
            x[failed],
            y[failed],
            linestyle="none",
            marker="X",
            markersize=8,
            color="#D55E00",
            label="failed (out of memory)",
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(x, [str(int(v)) for v in x])
    ax.minorticks_off()
    ax.set_xlabel("batch size")
    ax.set_ylabel(f"peak memory ({memory}) [MiB]", color=colors[0])
    if "step_time_ms" in names:
        tw = ax.twinx()
        st = frame[frame["metric"] == "step_time_ms"].sort_values("step")
        tw.plot(
            st["step"].to_numpy(dtype=float),
            st["value"].to_numpy(dtype=float),
            marker="s",
            color=colors[1 % len(colors)],
            linestyle="--",
            label="step time [ms]",
        )
        # The line's colour, darkened just enough to read as text (WCAG 4.5:1).
        label_color = text_color(ax, colors[1 % len(colors)])
        tw.set_ylabel("step time [ms]", color=label_color)
        tw.spines["right"].set_visible(True)
        tw.grid(False)
    if summary["limit_mib"] is not None:
        ax.axhline(summary["limit_mib"], color="0.3", linestyle=":", linewidth=1)
        ax.annotate(
            f"allowed {summary['limit_mib']:,.0f} MiB",
            (x[0], summary["limit_mib"]),
            xytext=(0, 3),
            textcoords="offset points",
            fontsize="small",
            color="0.3",
        )
    if summary["first_oom"] is not None:
        lo = summary["max_ok"] if summary["max_ok"] is not None else x[0]
        ax.axvspan(
            np.sqrt(lo * summary["first_oom"]),
            x.max() * 1.5,
            color="#D55E00",
            alpha=0.12,
            linewidth=0,
        )
        ax.set_xlim(x.min() / 1.4, x.max() * 1.4)
        ax.text(
            0.02,
            0.86,
            f"out of memory from batch {summary['first_oom']} (shaded)\n"
            f"largest batch that fitted: {summary['max_ok']}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize="small",
            color="#A33F00",
        )
    ax.set_ylim(bottom=0)
    return ax
