"""Run comparison: one line per group with a bootstrap band across seeds.

`plot_compare` draws what `chartkit.metrics.compare.aggregate_runs` computes: the IQM (or
median) of the seeds of each group at every step, with a stratified-bootstrap confidence
band, each group named at the end of its line with its number of seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit.metrics.compare import Stat, aggregate_runs

__all__ = ["plot_compare"]


def plot_compare(
    data: Any,
    metric: str | None = None,
    *,
    by: str | Callable | Mapping | None = "run",
    seed: str | Callable | Mapping | None = None,
    stat: Stat = "iqm",
    ci: float = 0.95,
    n_boot: int = 2000,
    random_state: int = 0,
    smooth: float | None = None,
    max_points: int = 1000,
    x: str = "step",
    batch_size: float | None = None,
    palette: Any = None,
    labels: bool = True,
    ax=None,
    lang: str = "en",
    band_kws: dict[str, Any] | None = None,
    **line_kws: Any,
):
    """Compare groups of runs: seeds aggregated per step with an honest interval band.

    Parameters
    ----------
    data : RunLog, Session or long metrics frame
        Several runs (e.g. ``chartkit.metrics.read("runs/")`` on a folder of runs).
    metric : str, optional
        The metric; may be omitted when *data* holds only one.
    by, seed : str, callable or mapping
        What makes a group and what tells seeds apart (see
        `chartkit.metrics.compare.aggregate_runs`): a config key, a metric logged as a
        constant, a regular expression with one group on run names, a function or a
        mapping. Without *seed*, every run of a group is one of its seeds; with
        ``by="run"`` every run is its own group (said in the note).
    stat : {"iqm", "median", "mean"}, default: "iqm"
        The line: the interquartile mean of the seeds (default, rliable's recommendation),
        their median or their mean.
    ci : float, default: 0.95
        Confidence of the band (stratified bootstrap over seeds, seeded, reproducible).
    n_boot : int, default: 2000
    random_state : int, default: 0
    smooth : float, optional
        TensorBoard's EMA weight applied to each run before aggregation (stated in the
        note); None: raw values.
    x : {"step", "relative_time", "samples"}, default: "step"
        The axis the runs are aligned on (see `chartkit.metrics.compare.aggregate_runs`).
    batch_size : float, optional
        Samples per step for ``x="samples"`` (else a logged ``batch_size``; never inferred).
    max_points : int, default: 1000
        Grid steps the line and band are evaluated at (plot resolution; see
        `chartkit.metrics.compare.aggregate_runs`).
    palette : palette, optional
        Group colours (`chartkit.palettes.resolve_palette`); default: the theme's cycle.
    labels : bool, default: True
        Name each group at the end of its line (``"0.03 (n=4)"``) instead of a legend.
    ax : matplotlib.axes.Axes, optional
        Default: the current Axes.
    lang : {"en", "ko"}, default: "en"
    band_kws : dict, optional
        Passed to `matplotlib.axes.Axes.fill_between` for the bands.
    **line_kws
        Passed to `matplotlib.axes.Axes.plot` for the lines.

    Returns
    -------
    matplotlib.axes.Axes

    Warns
    -----
    chartkit.errors.DataWarning
        A group with fewer than 3 seeds (its band understates the uncertainty).

    See Also
    --------
    chartkit.metrics.compare.compare_table : final and best values with CIs and P(A > B).
    """
    from chartkit.metrics.plots.tuning import fact_note
    from chartkit.palettes import resolve_palette

    lang = check_lang(lang)
    metric = _one_metric(data, metric)
    res = aggregate_runs(
        data,
        metric,
        by=by,
        seed=seed,
        stat=stat,
        ci=ci,
        n_boot=n_boot,
        random_state=random_state,
        smooth=smooth,
        max_points=max_points,
        x=x,
        batch_size=batch_size,
    )
    ax = get_ax(ax)
    groups = list(res.groups)
    colors = resolve_palette(palette, levels=groups)
    lines = []
    names = []
    for g in groups:
        d = res.groups[g]
        color = colors[g]
        (line,) = ax.plot(res.grid, d["center"], color=color, **{"lw": 1.8, **line_kws})
        ax.fill_between(
            res.grid,
            d["low"],
            d["high"],
            **{"color": color, "alpha": 0.18, "lw": 0, **(band_kws or {})},
        )
        name = tr("compare.group_label", lang, group=_fmt(g), n=d["n"])
        line.set_label(name)
        lines.append(line)
        names.append(name)
    xlabels = {
        "step": "word.step",
        "relative_time": "compare.xlabel.relative_time",
        "samples": "compare.xlabel.samples",
    }
    ax.set_xlabel(tr(xlabels[x], lang))
    ax.set_ylabel(metric)
    facts = [
        tr(
            f"compare.stat.{stat}",
            lang,
            ci=round(res.ci * 100),
            n_boot=res.n_boot,
        ),
        *[tr(key, lang, **fields) for key, fields in res.notes],
    ]
    if labels and len(lines) > 1:
        from chartkit.annotate import label_lines

        label_lines(lines, names, ax=ax)
    elif len(lines) > 1:
        ax.legend()
    fact_note(ax, "\n".join(facts), avoid=() if labels else ("upper right",))
    return ax


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _one_metric(data: Any, metric: str | None) -> str:
    if metric is not None:
        return metric
    frame = getattr(data, "metrics", data)
    names = sorted(map(str, frame["metric"].unique()))
    if len(names) == 1:
        return names[0]
    from chartkit._validate import invalid_value_message

    raise ValueError(invalid_value_message(None, "metric", names[:30]))
