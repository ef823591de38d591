"""Which charts fit a log, and what a report leaves out (``chartkit plot-logs``).

`plan` turns one read log into `Chart` objects (each a drawing function and a title from
the message catalogue) and notes: every metric it does not chart with the reason, every limit
applied ("4 of 12 curves charted; pass --metric NAME for the rest") and every chart it does
not draw with the reason (no ASHA/HyperBand evidence for rungs, no batch size for samples/s).
Options for the plots (``lang=``, ``columns=``, ``batch_size=``) are passed only to plot
functions whose signature takes them.

This module imports no pyplot (the plots are imported when a chart is drawn).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chartkit._i18n import tr
from chartkit.annotate._markup import escape_data

__all__ = ["Chart", "Options", "call_plot", "plan"]

#: Default number of metric curves per log (``--max-curves``).
MAX_CURVES = 4

_COUNTERS = re.compile(
    r"^(epoch|world_size|rank|local_rank|step|global_step|training_iteration|"
    r"iterations_since_restore|timesteps_total|episodes_total|time_total_s|time_this_iter_s|"
    r"time_since_restore|wall_time|timestamp|gpu|index|pid|batch_idx|iteration)$",
    re.I,
)
_THROUGHPUT = re.compile(r"samples?_?per_?s(ec)?|samples/s|throughput", re.I)
_SCHEDULE = re.compile(r"(^|[/_.-])(lr|learning_rate|momentum)([/_.-]|$)|^lr-", re.I)


@dataclass
class Options:
    """Options for the plots of one log: language, column roles, batch size, metric choice."""

    lang: str = "en"
    columns: dict[str, str] = field(default_factory=dict)
    batch_size: float | None = None
    metrics: list[str] = field(default_factory=list)
    max_curves: int = MAX_CURVES

    def describe(self) -> str:
        """``columns memory=x, batch_size 256`` (empty when nothing is set)."""
        parts = [f"{k}={v}" for k, v in sorted(self.columns.items())]
        if self.batch_size is not None:
            parts.append(f"batch_size={self.batch_size:g}")
        return ", ".join(parts)


@dataclass
class Chart:
    """One chart of a report: its name (file stem), title and drawing function."""

    name: str
    title: str
    draw: Callable[[Any], Any]
    file: str = ""
    ok: bool = True
    error: str = ""
    findings: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    #: True when *draw* makes its own figure (called with None, returns its Axes array).
    figure_level: bool = False

    @property
    def plain_title(self) -> str:
        """The title as drawn (rich-text escapes removed), for the HTML page."""
        from chartkit.annotate._markup import plain_text

        try:
            return plain_text(self.title).replace("\\$", "$")
        except ValueError:
            return self.title


def call_plot(func: Callable, *args: Any, options: Options | None = None, **kwargs: Any) -> Any:
    """Call a plot function with the options its signature takes.

    ``lang=``, ``columns=`` and ``batch_size=`` are passed only when *func* accepts them
    (plots gain them over time); a role of ``columns`` that *func* takes as its own keyword
    (``plot_batch_probe(memory=...)``) is passed that way when ``columns=`` is not taken.
    """
    params = inspect.signature(func).parameters
    if options is not None:
        if "lang" in params:
            kwargs.setdefault("lang", options.lang)
        if options.columns:
            if "columns" in params:
                kwargs.setdefault("columns", dict(options.columns))
            else:
                for role, column in options.columns.items():
                    if role in params and role not in kwargs:
                        kwargs[role] = column
        if options.batch_size is not None and "batch_size" in params:
            kwargs.setdefault("batch_size", options.batch_size)
    return func(*args, **kwargs)


def _title(key: str, lang: str, **fields: Any) -> str:
    # data names are escaped for the title stack's rich-text parser and for mathtext
    return tr(key, lang, **{k: escape_data(v, markup=True) for k, v in fields.items()})


def _sort_metrics(log) -> tuple[list[str], dict[str, list[str]]]:
    """Curve candidates (loss first) and the names left out, by reason."""
    import numpy as np

    m = log.metrics
    out: list[str] = []
    left: dict[str, list[str]] = {"counters": [], "flat": [], "config": []}
    values = dict(tuple(m.groupby("metric", observed=True)["value"]))
    for name in log.metric_names:
        if name.startswith(("config/", "hparams/")):
            left["config"].append(name)
            continue
        if _COUNTERS.match(name.rsplit("/", 1)[-1]):
            left["counters"].append(name)
            continue
        v = values[name].to_numpy(dtype=float) if name in values else np.array([])
        v = v[np.isfinite(v)]
        if v.size < 2 or np.ptp(v) == 0:
            left["flat"].append(name)
            continue
        out.append(name)
    out.sort(key=lambda n: (0 if "loss" in n.lower() else 1, n))
    return out, left


def _names(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def plan(log, options: Options) -> tuple[list[Chart], list[str]]:
    """The charts that fit *log* and the notes on what was left out.

    Returns
    -------
    charts : list of Chart
    notes : list of str
        One sentence each, in ``options.lang``.
    """
    src = log.info.source
    if src == "trace":
        return _plan_trace(log, options)
    if src in ("ray", "optuna"):  # an Optuna study is a tuning log too (read_optuna)
        return _plan_ray(log, options)
    if src == "nvidia_smi":
        return _plan_smi(log, options)
    if src == "batch_probe":
        from chartkit.metrics import plots

        lang = options.lang
        draw = lambda ax: call_plot(plots.plot_batch_probe, log, options=options, ax=ax)  # noqa: E731
        return [Chart("probe", _title("report.title.probe", lang), draw)], []
    return _plan_steps(log, options)


def _notes_for_left(left: dict[str, list[str]], lang: str) -> list[str]:
    notes = []
    for key in ("counters", "flat", "config"):
        if left[key]:
            notes.append(tr(f"report.note.{key}", lang, names=_names(left[key])))
    return notes


def _plan_steps(log, options: Options) -> tuple[list[Chart], list[str]]:
    from chartkit.metrics import plots

    lang = options.lang
    candidates, left = _sort_metrics(log)
    notes = _notes_for_left(left, lang)
    ranks = log.metrics["rank"].dropna().nunique()
    # memory levels by meaning and unit (the roles resolver), not by a name pattern: counts
    # such as DeviceStatsMonitor's active.all.allocated stay curves
    from chartkit.metrics.roles import candidates as role_candidates

    memory = [c.column for c in role_candidates(candidates, "memory")]
    # per-rank rates get the throughput chart; a rankless log draws them as curves
    throughput = [n for n in candidates if _THROUGHPUT.search(n)] if ranks else []
    curves = [n for n in candidates if n not in memory and n not in throughput]
    if options.metrics:
        absent = [n for n in options.metrics if n not in log.metric_names]
        if absent:
            notes.append(tr("report.note.absent", lang, names=", ".join(absent)))
        chosen = [n for n in options.metrics if n in log.metric_names]
    else:
        chosen = curves[: options.max_curves]
        if len(curves) > len(chosen):
            rest = [n for n in curves if n not in chosen]
            notes.append(
                tr(
                    "report.note.curve_limit",
                    lang,
                    shown=len(chosen),
                    total=len(curves),
                    rest=_names(rest),
                )
            )
    charts: list[Chart] = []
    if hasattr(plots, "run_overview") and not options.metrics:  # page one: the run at a glance
        from chartkit.metrics.plots.overview import overview_panels

        if len(overview_panels(list(log.metric_names), columns=options.columns)) >= 2:
            charts.append(
                Chart(
                    "overview",
                    _title("report.title.overview", lang),
                    lambda _: call_plot(plots.run_overview, log, options=options, title=" "),
                    figure_level=True,
                )
            )
    for metric in chosen:
        smooth = _smooth_kws(plots.plot_curves, log, metric)

        def draw(ax, m=metric, s=smooth):
            return call_plot(plots.plot_curves, log, m, options=options, ax=ax, **s)

        charts.append(
            Chart(f"curves_{metric}", _title("report.title.curves", lang, metric=metric), draw)
        )
    loss = next((n for n in candidates if "loss" in n.lower()), None)
    if loss is not None and ranks >= 2:
        draw = lambda ax: call_plot(plots.plot_rank_spread, log, loss, options=options, ax=ax)  # noqa: E731
        charts.append(
            Chart("rank_spread", _title("report.title.rank_spread", lang, metric=loss), draw)
        )
    has_rate = any(_THROUGHPUT.search(n) for n in log.metric_names)
    has_time = bool(log.metrics["wall_time"].notna().any())
    if ranks and (has_rate or (options.batch_size is not None and has_time)):
        draw = lambda ax: call_plot(plots.plot_throughput, log, options=options, ax=ax)  # noqa: E731
        charts.append(Chart("throughput", _title("report.title.throughput", lang), draw))
    elif not has_rate and has_time and src_has_steps(log):
        notes.append(tr("report.note.no_throughput", lang))
    if memory:

        def draw_mem(ax):
            return call_plot(plots.plot_gpu_memory, log, metrics=memory, options=options, ax=ax)

        charts.append(Chart("gpu_memory", _title("report.title.gpu_memory", lang), draw_mem))
    return charts, notes


def _smooth_kws(func: Callable, log, metric: str) -> dict[str, Any]:
    """No ``smooth=`` when the plot smooths by kind itself (``smooth="auto"``); else EMA 0.9
    for long noisy series, never for schedules (lr, momentum) or counters."""
    param = inspect.signature(func).parameters.get("smooth")
    if param is not None and param.default == "auto":
        return {}
    n_points = int((log.metrics["metric"] == metric).sum())
    return {"smooth": 0.9 if n_points > 200 and not _SCHEDULE.search(metric) else None}


def src_has_steps(log) -> bool:
    """True for a per-step training log (more than one step)."""
    return log.metrics["step"].nunique() > 1


_SMI_DRAWN = re.compile(r"utilization\.gpu|memory\.used|power\.draw|temperature\.gpu|clocks", re.I)


def _plan_smi(log, options: Options) -> tuple[list[Chart], list[str]]:
    """nvidia-smi: the GPU overview (line charts per GPU, heatmaps for many GPUs)."""
    from chartkit.metrics import plots

    lang = options.lang
    if hasattr(plots, "gpu_overview"):
        chart = Chart(
            "gpu_overview",
            _title("report.title.gpu_overview", lang),
            lambda _: call_plot(plots.gpu_overview, log, options=options),
            figure_level=True,
        )
        rest = [n for n in log.metric_names if not _SMI_DRAWN.search(n)]
        notes = [tr("report.note.smi_rest", lang, names=_names(rest))] if rest else []
        return [chart], notes
    charts = [
        Chart(
            "gpu_utilization",
            _title("report.title.gpu_utilization", lang),
            lambda ax: call_plot(
                plots.plot_gpu_heatmap, log, "utilization", options=options, ax=ax
            ),
        ),
        Chart(
            "gpu_memory_map",
            _title("report.title.gpu_memory_map", lang),
            lambda ax: call_plot(plots.plot_gpu_heatmap, log, "memory", options=options, ax=ax),
        ),
    ]
    return charts, []


def _plan_ray(log, options: Options) -> tuple[list[Chart], list[str]]:
    from chartkit.metrics import plots

    lang = options.lang
    candidates, left = _sort_metrics(log)
    notes = _notes_for_left(left, lang)
    names = set(log.metric_names)
    metric = options.metrics[0] if options.metrics and options.metrics[0] in names else None
    if metric is None:
        metric = "loss" if "loss" in names else (candidates[0] if candidates else None)
    if metric is None:
        return [], notes
    others = [n for n in candidates if n != metric]
    if others:
        notes.append(
            tr(
                "report.note.curve_limit",
                lang,
                shown=1,
                total=len(candidates),
                rest=_names(others),
            )
        )
    params = [c for c in log.params.columns if c not in ("run", "trial", "segment", "start_step")]
    varying = [c for c in params if log.params[c].astype(str).nunique() > 1]
    color_by = "lr" if "lr" in varying else (varying[0] if varying else None)
    charts = [
        Chart(
            "trials",
            _title("report.title.trials", lang, metric=metric),
            lambda ax: call_plot(
                plots.plot_trials, log, metric, color_by=color_by, options=options, ax=ax
            ),
        )
    ]
    ok, reason = _rung_evidence(log)
    if ok:
        charts.append(
            Chart(
                "rungs",
                _title("report.title.rungs", lang, metric=metric),
                lambda ax: call_plot(plots.plot_rungs, log, metric, options=options, ax=ax),
            )
        )
    else:
        notes.append(tr("report.note.no_rungs", lang, reason=reason))
    sched = log.info.extra.get("scheduler") or {}
    if sched.get("kind") == "pbt" and hasattr(plots, "plot_lineage"):
        param = color_by or "lr"
        charts.append(
            Chart(
                "lineage",
                _title("report.title.lineage", lang, param=param),
                lambda ax: call_plot(plots.plot_lineage, log, param, options=options, ax=ax),
            )
        )
    if varying:
        charts += [
            Chart(
                "parallel",
                _title("report.title.parallel", lang, metric=metric),
                lambda ax: call_plot(plots.plot_parallel, log, metric, options=options, ax=ax),
            ),
            Chart(
                "importance",
                _title("report.title.importance", lang, metric=metric),
                lambda ax: call_plot(plots.plot_importance, log, metric, options=options, ax=ax),
            ),
        ]
    else:
        notes.append(tr("report.note.no_params", lang))
    return charts, notes


def _rung_evidence(log) -> tuple[bool, str]:
    """``(True, evidence)`` when the run's files show ASHA/HyperBand rungs."""
    try:
        from chartkit.metrics.schedulers import rung_evidence
    except ImportError:  # pragma: no cover - schedulers module missing
        sched = log.info.extra.get("scheduler") or {}
        return bool(sched.get("milestones")), "no scheduler facts in the run's files"
    return rung_evidence(log)


def _plan_trace(trace, options: Options) -> tuple[list[Chart], list[str]]:
    """torch.profiler traces: step breakdown, timeline, and the straggler with 2+ ranks."""
    from chartkit.metrics import plots

    lang = options.lang
    charts = [
        Chart(
            "step_breakdown",
            _title("report.title.step_breakdown", lang),
            lambda ax: call_plot(plots.plot_step_breakdown, trace, options=options, ax=ax),
        ),
        Chart(
            "timeline",
            _title("report.title.timeline", lang),
            lambda ax: call_plot(plots.plot_timeline, trace, options=options, ax=ax),
        ),
    ]
    notes = []
    if len(trace.ranks) >= 2:
        charts.append(
            Chart(
                "straggler",
                _title("report.title.straggler", lang),
                lambda ax: call_plot(plots.plot_straggler, trace, options=options, ax=ax),
            )
        )
    else:
        notes.append(tr("report.note.no_straggler", lang))
    return charts, notes
