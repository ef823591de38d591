"""PBT lineage: each trial's segments as bars coloured by a config key, with exploit arrows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_refused
from chartkit.annotate._markup import escape_data
from chartkit.metrics.plots.param_colors import ParamColors
from chartkit.metrics.plots.rungs import OUTCOME_STYLE
from chartkit.metrics.plots.tuning import reserve_rows, show_facts
from chartkit.metrics.schema import natural_key
from chartkit.metrics.tuning_tables import (
    check_param,
    check_params_available,
    last_steps,
    lineage_segments,
    param_kinds,
    trials_info,
)
from chartkit.palettes import resolve_palette

__all__ = ["plot_lineage"]


def plot_lineage(
    data,
    param: str = "lr",
    *,
    cmap=None,
    palette=None,
    colorbar: bool = True,
    exploits: bool = True,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    text_kws: dict[str, Any] | None = None,
    colorbar_kws: dict[str, Any] | None = None,
    exploit_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Draw each trial's lineage segments (PBT) as bars coloured by one config key.

    With Ray's PBT exploit log in the run's folder (``pbt_global.txt``, see
    `chartkit.metrics.schedulers.exploit_table`) an arrow goes from the trial that was
    copied, at the iteration of the copied checkpoint, to the trial that copied it: who
    copied whom, and when.

    One row per trial; a bar per lineage segment from the iteration where it started to
    where the next one took over (the trial's last iteration for the last one), coloured
    and labelled by the segment's value of *param*. A segment starts where Ray's
    ``training_iteration`` went back (PBT restored another trial's checkpoint) or the
    config changed. A segment whose steps a later one overwrote entirely (it restarted at
    the same or an earlier iteration) is drawn as a tick at its start. ERROR trials are
    marked at their end.

    Parameters
    ----------
    data : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    param : str, default: "lr"
        Config key that colours and labels the segments.
    palette : str, list or None, optional
        Colours of a categorical key (`chartkit.palettes.resolve_palette`: chartkit's names
        first, then matplotlib's, or a list); default: the theme's colour cycle.
    cmap : str or Colormap, optional
        Colormap for a continuous *param*; default: `continuous_cmap`.
    colorbar : bool, default: True
        Add a colourbar (continuous) or a legend (categorical).
    exploits : bool, default: True
        Draw the exploit arrows when the log has PBT's exploit log.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts note then becomes its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
    text_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.text` for the values written in the bars.
    exploit_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.annotate` (its ``arrowprops``) for the exploits.
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    **kwargs
        Passed to `~matplotlib.axes.Axes.barh` for each trial's segments.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *param* is not a config key (close matches listed).
    ValueError
        For a bare metrics frame (no configs).

    See Also
    --------
    plot_trials : the curves, with the same segments coloured (``lineage=True``).
    chartkit.metrics.plots.tuning.lineage_segments : the table drawn here.
    """
    log = data
    import matplotlib as mpl

    check_lang(lang)
    check_refused(
        kwargs,
        ("color", "left", "width", "label"),
        func="plot_lineage",
        reason="per segment",
        hint="style the bars after drawing via ax.patches",
    )
    params = check_params_available(log, "plot_lineage")
    check_param(param, params, "param")
    segs = lineage_segments(log)
    kind = param_kinds(segs, [param])[param]
    colors = ParamColors(segs, param, kind, cmap, resolve_palette(palette))
    last_step = last_steps(log)
    status = {}
    info = trials_info(log)
    if info is not None:
        status = {str(t): str(s) for t, s in zip(info["trial"], info["status"], strict=True)}
    ax = get_ax(ax)
    trials = sorted(segs["trial"].astype(str).unique(), key=natural_key)
    bar_style = {"height": 0.7, "edgecolor": "white", "linewidth": 1.0, **kwargs}
    tstyle = {"fontsize": "x-small", "ha": "center", "va": "center", "clip_on": True}
    tstyle.update(text_kws or {})
    n_changes = n_replaced = 0
    for row, trial in enumerate(trials):
        y = len(trials) - 1 - row
        g = segs[segs["trial"].astype(str) == trial]
        end_of_trial = last_step.get(trial)
        n_changes += len(g) - 1
        lefts, widths, cs, values = [], [], [], []
        for start, end, value in zip(g["start_step"], g["end_step"], g[param], strict=True):
            if pd.isna(start):
                continue
            stop = end if not pd.isna(end) else (end_of_trial or start) + 1
            c = colors.color_of(value)
            if stop <= start:  # overwritten by a later segment
                n_replaced += 1
                ax.plot([start - 0.5] * 2, [y - 0.45, y + 0.45], color=c, linewidth=2.5, zorder=3)
                continue
            lefts.append(start - 0.5)
            widths.append(stop - start)
            cs.append(c)
            values.append(value)
        if widths:
            ax.barh([y] * len(widths), widths, left=lefts, color=cs, **bar_style)
            for left, width, value, c in zip(lefts, widths, values, cs, strict=True):
                if width >= 2:
                    ax.text(
                        left + width / 2,
                        y,
                        _short(value),
                        color=_ink(c),
                        **tstyle,
                    )
        if status.get(trial, "").upper() == "ERROR" and end_of_trial is not None:
            ax.plot(
                [end_of_trial + 0.5],
                [y],
                marker="X",
                markersize=9,
                color=OUTCOME_STYLE["error"]["color"],
                markeredgecolor="white",
                linestyle="none",
                zorder=4,
            )
    ax.set_yticks(range(len(trials))[::-1], [escape_data(t) for t in trials])
    ax.set_ylim(-0.6, len(trials) - 0.4)
    ax.set_xlabel(tr("tuning.iteration", lang))
    ax.grid(False, axis="y")
    parts = [
        tr("tuning.lineage.changes", lang, n=n_changes)
        if n_changes
        else tr("tuning.lineage.none", lang)
    ]
    if exploits:
        n_arrows = _draw_exploits(ax, log, trials, exploit_kws)
        if n_arrows:
            parts.append(tr("tuning.lineage.exploits", lang, n=n_arrows))
    if n_replaced:
        parts.append(tr("tuning.lineage.replaced", lang, n=n_replaced))
    if any(s.upper() == "ERROR" for s in status.values()):
        parts.append(tr("tuning.mark.error", lang))
    if title is None:  # room under the last row for the note, so it covers no bar
        reserve_rows(ax, "\n".join(parts), len(trials))
    show_facts(ax, "\n".join(parts), title, loc="lower right")
    if colorbar and colors.norm is not None:
        sm = mpl.cm.ScalarMappable(norm=colors.norm, cmap=colors.cmap)
        cb = ax.figure.colorbar(sm, ax=ax, **{"pad": 0.02, **(colorbar_kws or {})})
        name = escape_data(param)
        cb.set_label(tr("tuning.log_scale", lang, name=name) if kind == "log" else name)
    elif colorbar and kind == "categorical":
        from matplotlib.patches import Patch

        handles = [Patch(color=colors.color_of(c)) for c in colors.cats]
        ax.legend(
            handles,
            [escape_data(c) for c in colors.cats],
            title=escape_data(param),
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    return ax


def _draw_exploits(ax, log, trials: list[str], exploit_kws) -> int:
    """Arrows from the copied trial's row to the copying trial's row; returns their count."""
    from chartkit.metrics.schedulers import NotApplicable, exploit_table

    try:
        table = exploit_table(log)
    except NotApplicable:
        return 0
    row_of = {t: len(trials) - 1 - i for i, t in enumerate(trials)}
    props = {
        "arrowstyle": "-|>",
        "color": "0.15",
        "linewidth": 1.0,
        "shrinkA": 2,
        "shrinkB": 2,
        "mutation_scale": 9,
        **(exploit_kws or {}),
    }
    n = 0
    for trial, source, at in zip(
        table["trial"], table["source"], table["source_step"], strict=True
    ):
        if trial not in row_of or source not in row_of or pd.isna(at):
            continue
        x = float(at) + 0.5  # the boundary after the copied checkpoint's iteration
        ax.annotate(
            "",
            (x, row_of[trial]),
            xytext=(x, row_of[source]),
            arrowprops={**props, "connectionstyle": "arc3,rad=0.25"},
            zorder=6,
        )
        n += 1
    return n


def _short(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3g}".replace("-", "\u2212")
    return str(value)


def _ink(color) -> str:
    """Black or white text, whichever contrasts more with *color* (WCAG luminance)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ [0.2126, 0.7152, 0.0722])
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"
