"""One page per run: loss (train and validation), learning rate, throughput and memory.

`run_overview` builds a `chartkit.facets` grid (one panel per quantity, one shared step
axis) and draws each panel with `plot_curves`; a title stack on top gives the run's config
and what its `LogInfo` recorded (cut lines, resumes, non-finite values). The quantities are
found by meaning and unit (`chartkit.metrics.roles`); panels with nothing to show are left
out and named in the header.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from chartkit._i18n import check_lang, tr
from chartkit.metrics.smooth import name_tokens

__all__ = ["overview_panels", "run_overview"]

PANELS = ("loss", "lr", "throughput", "memory")


def overview_panels(
    names: list[str], *, columns: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Which metrics go on which panel of the overview (pure).

    ``loss``: every metric named like a loss (``loss``, ``train_loss``, ``val_loss``,
    ``eval/loss``...), training and validation together, at most four; ``lr``,
    ``throughput`` and ``memory``: the best column for that role
    (`chartkit.metrics.roles.candidates`), or the one *columns* names.
    """
    from chartkit.metrics.roles import candidates, check_columns

    columns = check_columns(columns)
    out: dict[str, list[str]] = {}
    losses = [n for n in names if "loss" in name_tokens(n) or n.lower().endswith("loss")]
    if "loss" in columns:
        losses = [columns["loss"]]
    if losses:
        def val_last(n: str) -> tuple[bool, str]:
            return ("val" in n.lower() or "eval" in n.lower(), n)

        out["loss"] = sorted(losses, key=val_last)[:4]
    taken = set(out.get("loss", []))
    for role in ("lr", "throughput", "memory"):
        if role in columns:
            out[role] = [columns[role]]
            continue
        found = [c.column for c in candidates([n for n in names if n not in taken], role)]
        if found:
            out[role] = [found[0]]
            taken.add(found[0])
    return out


def _facts(log, lang: str) -> list[str]:
    info = getattr(log, "info", None)
    if info is None:
        return []
    facts = []
    cut = info.count("truncated")
    if cut:
        facts.append(tr("overview.cut", lang, n=cut))
    resumes = info.count("deduplicated")
    if resumes:
        facts.append(tr("overview.resumed", lang, n=resumes))
    nonfinite = getattr(info, "nonfinite", None)
    if nonfinite is not None and len(nonfinite):
        first = nonfinite.iloc[0]
        facts.append(tr("overview.nonfinite", lang, metric=str(first.get("metric", "")),
                        step=first.get("step", "?")))
    return facts


def _config(log) -> str:
    params = getattr(log, "params", None)
    if params is None or not len(params):
        return ""
    row = params.iloc[0]
    skip = {"source", "run", "rank", "trial", "segment", "start_step"}
    parts = [f"{k}={row[k]}" for k in params.columns if k not in skip and pd.notna(row[k])]
    return ", ".join(parts[:8]) + (" …" if len(parts) > 8 else "")


def _draw_panel(data: pd.DataFrame, ax=None, *, lang: str, smooth: Any, **_: Any):
    from chartkit.metrics.plots import plot_curves

    metrics = list(data["metric"].astype(str).unique())
    for metric in metrics:
        rows = data[data["metric"].astype(str) == metric]
        plot_curves(rows, metric, ax=ax, smooth=smooth, lang=lang, label=metric)
    if len(metrics) > 1:
        ax.set_ylabel("")  # several metrics: the legend names them
    return ax


def run_overview(
    log,
    *,
    columns: Mapping[str, str] | None = None,
    smooth: Any = "auto",
    lang: str = "en",
    title: str | None = None,
    height: float = 2.3,
    aspect: float = 1.7,
):
    """A one-page overview of one run on a `chartkit.facets` grid.

    Parameters
    ----------
    log : RunLog
        One run (all ranks; they are averaged per step, as the header says).
    columns : mapping of role to metric, optional
        Choose a panel's metric by hand (``{"memory": "max_mem_allocated"}``); roles are
        ``"loss"``, ``"lr"``, ``"throughput"``, ``"memory"``.
    smooth : float, "auto" or None, default: "auto"
        Passed to `plot_curves` (``"auto"``: noisy metrics smoothed, schedules and memory
        never).
    lang : {"en", "ko"}, default: "en"
    title : str, optional
        Title of the page (default: the run's name).
    height, aspect : float
        Size of each panel (inches, width / height).

    Returns
    -------
    chartkit.facets.FacetGrid

    Raises
    ------
    ValueError
        The log has none of the four quantities (the message lists its metrics).
    """
    from chartkit.annotate import titles
    from chartkit.facets import facet

    lang = check_lang(lang)
    frame = getattr(log, "metrics", log)
    names = sorted(map(str, frame["metric"].unique()))
    panels = overview_panels(names, columns=columns)
    if not panels:
        from chartkit._validate import invalid_value_message

        raise ValueError(
            invalid_value_message(
                names[:20], "log metrics",
                expected="a loss, a learning rate, a throughput or a memory metric "
                "(name them with columns={...})",
            )
        )
    labels = {p: tr(f"overview.panel.{p}", lang) for p in PANELS}
    from chartkit.metrics.schema import concat_frames, make_frame

    parts = []
    run_names = frame["run"].dropna().astype(str).unique() if "run" in frame else []
    for panel, metrics in panels.items():
        rows = frame[frame["metric"].astype(str).isin(metrics)]
        mean = rows.groupby(["metric", "step"], observed=True)[["value", "wall_time"]].mean()
        mean = mean.reset_index()
        part = make_frame(
            "overview", run=run_names[0] if len(run_names) else None,
            step=mean["step"].to_numpy(), wall_time=mean["wall_time"].to_numpy(),
            metric=mean["metric"].astype(str).to_numpy(), value=mean["value"].to_numpy(),
        )
        parts.append(part.assign(panel=labels[panel]))
    tidy = concat_frames(parts) if len(parts) > 1 else parts[0]
    if "panel" not in tidy:
        tidy["panel"] = pd.concat([p["panel"] for p in parts], ignore_index=True)
    order = [labels[p] for p in PANELS if p in panels]
    grid = facet(
        tidy, col="panel", wrap=2, order={"panel": order},
        share={"x": "all", "y": "none"}, height=height, aspect=aspect, labeller="{value}",
        legend=None,
    )
    grid.map_dataframe(_draw_panel, lang=lang, smooth=smooth)
    ranks = frame["rank"].nunique(dropna=True) if "rank" in frame else 0
    missing = [labels[p] for p in PANELS if p not in panels]
    sub = [s for s in (_config(log), *_facts(log, lang)) if s]
    if ranks > 1:
        sub.append(tr("overview.ranks_mean", lang, n=int(ranks)))
    if missing:
        sub.append(tr("overview.missing", lang, panels=", ".join(missing)))
    head = title or (str(run_names[0]) if len(run_names) else tr("overview.title", lang))
    titles(grid.figure, head, subtitle=" · ".join(sub) or None)
    return grid
