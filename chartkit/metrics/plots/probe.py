"""Batch-size probe chart: peak memory and step time against batch size, the OOM boundary."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_exclusive
from chartkit.annotate import escape_data
from chartkit.errors import ColumnNotFoundError
from chartkit.metrics.frames import frame_of
from chartkit.metrics.plots._data import text_color
from chartkit.metrics.plots._scale import add_note
from chartkit.metrics.roles import RoleChoice, resolve
from chartkit.palettes.resolve import next_colors

__all__ = ["plot_batch_probe", "probe_roles", "probe_summary"]

#: Colour of failures (Okabe-Ito vermilion) and of their text (darkened, 4.5:1 on white).
FAIL_COLOR = "#D55E00"


def probe_summary(probe) -> dict[str, Any]:
    """Largest batch size that fitted and the first that failed, with the error line.

    Rows whose status was not recognised (``oom`` NaN) count as neither.

    Returns
    -------
    dict
        ``max_ok``, ``first_oom``, ``error`` (first line of the first failure),
        ``limit_mib`` (the "X GiB allowed" of a CUDA error, else None), ``unknown`` (count of
        rows with an unknown status).
    """
    frame, _ = frame_of(probe)
    rows = frame[frame["metric"] == "oom"]
    if rows.empty:
        raise ColumnNotFoundError(
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
    unknown = 0
    if params is not None and "unknown_status_rows" in params:
        unknown = int(params["unknown_status_rows"].fillna(0).sum())
    return {
        "max_ok": int(ok.max()) if len(ok) else None,
        "first_oom": int(bad.min()) if len(bad) else None,
        "error": err,
        "limit_mib": limit,
        "unknown": unknown,
    }


def probe_roles(
    probe, *, columns: Mapping[str, str] | None = None
) -> tuple[RoleChoice, RoleChoice | None]:
    """The memory column (required) and step-time column (optional) of a probe log.

    Raises
    ------
    ColumnNotFoundError
        No memory column is recognised (all columns listed, with ``columns={"memory": ...}``).
    AmbiguousRoleError
        Several memory columns fit equally well.
    """
    frame, _ = frame_of(probe)
    names = [n for n in sorted(frame["metric"].astype(str).unique()) if n != "oom"]
    values = {
        str(k): g.to_numpy(dtype=float)
        for k, g in frame.groupby("metric", observed=True)["value"]
        if str(k) != "oom"
    }
    mem = resolve(names, "memory", columns=columns, values=values, what="the probe")
    rest = [n for n in names if n != mem.column]
    try:
        step = resolve(rest, "step_time", columns=columns, values=values, what="the probe")
    except ColumnNotFoundError:
        if columns and "step_time" in columns:
            raise
        step = None
    return mem, step


def plot_batch_probe(
    probe,
    metric: str | None = None,
    *,
    memory: str | None = None,
    columns: Mapping[str, str] | None = None,
    color=None,
    label: str | None = None,
    lang: str = "en",
    twin_kws: dict[str, Any] | None = None,
    ax=None,
    **kwargs: Any,
):
    """Peak memory and step time against batch size, with the out-of-memory boundary.

    The memory and step-time columns are found by meaning and unit
    (`chartkit.metrics.roles`: ``max_reserved_mb``, ``peak_allocated_mib``,
    ``max_mem_allocated`` in bytes, ``Memory [MiB]``...; ``step_time_ms``, ``sec_per_iter``...),
    converted to MiB and ms, and named in a note inside the Axes.

    Parameters
    ----------
    probe : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_batch_probe`.
    metric : str, optional
        The memory column; by default found by the resolver. Same as ``memory=`` and
        ``columns={"memory": ...}``.
    memory : str, optional
        Alias of *metric*.
    columns : mapping of role to column, optional
        ``{"memory": ..., "step_time": ...}`` (the CLI's ``--column``).
    color : color, optional
        Colour of the memory line (default: the first of the colour cycle).
    label : str, optional
        Legend label of the memory line (default: the column's name).
    lang : {"en", "ko"}, default: "en"
    twin_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the step-time line on the twin Axes.
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the memory line.

    Returns
    -------
    matplotlib.axes.Axes
        The memory Axes; the step-time Axes is its twin (``ax.get_shared_x_axes()``).

    Raises
    ------
    ColumnNotFoundError
        Not a probe log, or no memory column recognised (columns listed).
    """
    check_lang(lang)
    check_exclusive(metric=metric, memory=memory)
    cols = dict(columns or {})
    if metric or memory:
        cols["memory"] = metric or memory
    frame, _ = frame_of(probe)
    summary = probe_summary(probe)
    mem, step = probe_roles(probe, columns=cols)
    ax = get_ax(ax)
    colors = list(next_colors(ax, 2))  # memory, step time: the next colours of this Axes
    line_color = colors[0] if color is None else color
    rows = frame[frame["metric"] == mem.column].sort_values("step")
    x = rows["step"].to_numpy(dtype=float)
    y = mem.convert(rows["value"].to_numpy(dtype=float))
    oom = frame[frame["metric"] == "oom"]
    failed = np.isin(x, oom.loc[oom["value"] == 1, "step"])
    known = np.isin(x, oom.loc[oom["value"].notna(), "step"])
    ok = known & ~failed
    label = escape_data(mem.column) if label is None else label
    ax.plot(x[ok], y[ok], **{"marker": "o", "color": line_color, "label": label, **kwargs})
    if failed.any():
        ax.plot(
            x[failed],
            y[failed],
            linestyle="none",
            marker="X",
            markersize=8,
            color=FAIL_COLOR,
            label=tr("probe.legend.failed", lang),
        )
    all_x = np.unique(frame.loc[frame["metric"] != "oom", "step"].to_numpy(dtype=float))
    all_x = all_x[all_x > 0]
    ax.set_xscale("log", base=2)
    ax.set_xticks(all_x, [str(int(v)) for v in all_x])
    ax.minorticks_off()
    ax.set_xlabel(tr("probe.xlabel", lang))
    ax.set_ylabel(tr("probe.ylabel.memory", lang), color=text_color(ax, line_color))
    if step is not None:
        _draw_step_time(ax, frame, step, colors, lang, twin_kws)
    _draw_limits(ax, summary, all_x)
    notes = [mem.note(lang)] + ([step.note(lang)] if step is not None else [])
    notes += _facts(summary, all_x, lang)
    add_note(ax, [escape_data(n) for n in notes], points=[(x, y)])
    ax.set_ylim(bottom=0)
    ax.figure.sca(ax)  # twinx made the twin current: the memory Axes stays the current one
    return ax


def _draw_step_time(ax, frame, step: RoleChoice, colors, lang, twin_kws) -> None:
    tw = ax.twinx()
    color = colors[1]
    st = frame[frame["metric"] == step.column].sort_values("step")
    tw.plot(
        st["step"].to_numpy(dtype=float),
        step.convert(st["value"].to_numpy(dtype=float)),
        **{"marker": "s", "color": color, "linestyle": "--", **(twin_kws or {})},
    )
    # The line's colour, darkened just enough to read as text (WCAG 4.5:1).
    tw.set_ylabel(tr("probe.ylabel.step_time", lang), color=text_color(ax, color))
    tw.spines["right"].set_visible(True)
    tw.grid(False)
    tw.set_ylim(bottom=0)


def _draw_limits(ax, summary: dict[str, Any], x: np.ndarray) -> None:
    if summary["limit_mib"] is not None:
        ax.axhline(summary["limit_mib"], color="0.3", linestyle=":", linewidth=1)
    if summary["first_oom"] is not None and len(x):
        lo = summary["max_ok"] if summary["max_ok"] is not None else x[0]
        ax.axvspan(
            np.sqrt(lo * summary["first_oom"]),
            x.max() * 1.5,
            color=FAIL_COLOR,
            alpha=0.12,
            linewidth=0,
        )
    if len(x):
        ax.set_xlim(x.min() / 1.4, x.max() * 1.4)


def _facts(summary: dict[str, Any], x: np.ndarray, lang: str) -> list[str]:
    out = []
    if summary["first_oom"] is not None:
        out.append(tr("probe.note.oom", lang, bs=summary["first_oom"]))
    elif len(x):
        out.append(tr("probe.note.no_oom", lang, bs=int(x.max())))
    if summary["max_ok"] is not None:
        out.append(tr("probe.note.max_ok", lang, bs=summary["max_ok"]))
    else:
        out.append(tr("probe.note.none_fitted", lang))
    if summary["limit_mib"] is not None:
        out.append(tr("probe.allowed", lang, mib=f"{summary['limit_mib']:,.0f}"))
    if summary["unknown"]:
        out.append(tr("probe.note.unknown", lang, n=summary["unknown"]))
    return out
