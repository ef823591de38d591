"""All GPU metrics of an nvidia-smi log on one figure: small multiples, events marked once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from chartkit._i18n import check_lang, tr
from chartkit.errors import ColumnNotFoundError, DataWarning, warn_external
from chartkit.metrics.frames import frame_of
from chartkit.metrics.plots.gpu import (
    GPU_ROLES,
    heatmap_height,
    plot_gpu_heatmap,
    plot_gpu_lines,
    smi_role,
)

__all__ = ["gpu_overview"]


def gpu_overview(
    smi_log,
    metrics: Sequence[str] = GPU_ROLES,
    *,
    probe=None,
    columns: Mapping[str, str] | None = None,
    max_columns: int = 4,
    lang: str = "en",
    fig=None,
    figsize: tuple[float, float] | None = None,
) -> np.ndarray:
    """Utilisation, memory, power, temperature and clocks of every GPU, one row per metric.

    One GPU: one column of line charts. Up to *max_columns* GPUs: one column per GPU
    (small multiples sharing each row's y axis). More GPUs: one heatmap per metric, each
    row of GPUs `heatmap_height` tall. Memory events (`memory_events`) are marked on the
    memory row only. Metrics the log does not have are left out with one `DataWarning`
    naming them.

    Parameters
    ----------
    smi_log : RunLog or pandas.DataFrame
        From `chartkit.metrics.read_nvidia_smi`.
    metrics : sequence of str, default: `GPU_ROLES`
        Roles or metric names, one row each.
    probe : RunLog, optional
        A batch-size probe of the session (labels the OOM peak).
    columns : mapping of role to metric, optional
    max_columns : int, default: 4
        Most GPUs drawn as columns of line charts; beyond, heatmaps.
    lang : {"en", "ko"}, default: "en"
    fig : matplotlib.figure.Figure, optional
        Draw into this (empty) figure; default: a new one with constrained layout.
    figsize : (float, float), optional
        Size of the new figure; default: from the number of rows and GPUs.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        Shape (rows, columns).
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    frame, _ = frame_of(smi_log)
    gpus = sorted(int(g) for g in frame["rank"].dropna().unique())
    rows, asked, missing = [], [], []
    for m in metrics:
        try:
            rows.append(smi_role(smi_log, m, columns=columns))
            asked.append(m)
        except ColumnNotFoundError:
            missing.append(m)
    if not rows:
        smi_role(smi_log, metrics[0] if metrics else "utilization", columns=columns)
    heat = len(gpus) > max_columns
    ncols = 1 if heat or len(gpus) <= 1 else len(gpus)
    if figsize is None:
        h = sum(heatmap_height(len(gpus), extra=0.5) for _ in rows) if heat else 1.9 * len(rows)
        figsize = (min(3.4 * ncols + 1.2, 15.0) if ncols > 1 else 7.0, h + 0.6)
    if fig is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
    axs = np.atleast_2d(fig.subplots(len(rows), ncols, sharex=True, squeeze=False))
    for i, (choice, m) in enumerate(zip(rows, asked, strict=True)):
        is_mem = choice.role == "memory"
        for j in range(ncols):
            ax = axs[i, j]
            if j and not heat:
                ax.sharey(axs[i, 0])
            if heat:
                _heat(smi_log, m, probe, is_mem, columns, lang, ax)
            else:
                one = [gpus[j]] if ncols > 1 else None
                plot_gpu_lines(
                    smi_log,
                    m,
                    gpus=one,
                    probe=probe,
                    events=is_mem,
                    columns=columns,
                    note=j == 0,
                    lang=lang,
                    ax=ax,
                )
                if ncols > 1 and i == 0:
                    ax.set_title(tr("gpu.label", lang, gpu=gpus[j]), fontsize="medium")
                if j:
                    ax.set_ylabel("")
            if i < len(rows) - 1:
                ax.set_xlabel("")
    if missing:
        warn_external(
            f"gpu_overview: {len(missing)} metric(s) not in the log, left out: "
            f"{', '.join(map(repr, missing))}",
            DataWarning,
        )
    return axs


def _heat(smi_log, metric: str, probe, events: bool, columns, lang: str, ax) -> Any:
    return plot_gpu_heatmap(
        smi_log, metric, probe=probe, events=events, columns=columns, lang=lang, ax=ax
    )
