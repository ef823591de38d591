"""Training curves: every series of a metric, smoothed, decimated without losing extremes."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._validate import check_in_list, check_refused
from chartkit.errors import DataWarning
from chartkit.metrics.downsample import downsample_indices
from chartkit.metrics.plots._data import (
    cycle_colors,
    frame_of,
    iter_series,
    metric_rows,
    text_color,
)
from chartkit.metrics.smooth import ema

__all__ = ["explosion_limits", "plot_curves"]

_EXPLOSION_FACTOR = 50.0


def explosion_limits(values: np.ndarray) -> tuple[float, float] | None:
    """Y limits that keep a finite explosion from flattening the curves, or None.

    The bulk of the data is the 1st-99th percentile range; a value more than 50 bulk-widths
    outside it (a loss of 2.8e28 just before NaN, say) counts as an explosion. The limits are
    the bulk plus 10 % on each side, widened to every value within 5 bulk-widths.
    """
    v = values[np.isfinite(values)]
    if v.size < 10:
        return None
    # The bulk's percentiles from an evenly strided sample of at most ~500k values (the
    # extremes below still use every value): exact enough for limits, 10x cheaper on 8M.
    sample = v[:: max(v.size // 500_000, 1)]
    lo, hi = np.percentile(sample, [1, 99])
    width = max(hi - lo, 1e-12 * max(abs(lo), abs(hi), 1.0))
    if v.max() <= hi + _EXPLOSION_FACTOR * width and v.min() >= lo - _EXPLOSION_FACTOR * width:
        return None
    near = v[(v >= lo - 5 * width) & (v <= hi + 5 * width)]
    lo2, hi2 = float(near.min()), float(near.max())
    pad = 0.05 * (hi2 - lo2 or width)
    return lo2 - pad, hi2 + pad


def _columns(ax) -> int:
    import matplotlib as mpl

    fig = ax.figure
    save_dpi = mpl.rcParams["savefig.dpi"]
    ratio = 1.0 if save_dpi == "figure" else max(float(save_dpi) / fig.dpi, 1.0)
    return max(int(ax.bbox.width * ratio), 50)


def plot_curves(
    log,
    metric: str,
    *,
    by: Literal["rank", "trial", "run"] | None = None,
    smooth: float | None = None,
    smooth_how: Literal["points", "steps"] = "points",
    yscale: Literal["auto", "linear", "clip", "symlog", "log"] = "auto",
    downsample: bool = True,
    legend: bool = True,
    ax=None,
    raw_kws: dict[str, Any] | None = None,
    marker_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Plot every series of *metric*, optionally smoothed, with divergences marked.

    Parameters
    ----------
    log : RunLog or pandas.DataFrame
        What a `chartkit.metrics` reader returned (or its ``.metrics`` frame).
    metric : str
        Metric to draw (``"loss"``, ``"train/loss"``, ...).
    by : {"rank", "trial", "run"}, optional
        What names the series in the legend; by default every key that varies.
    smooth : float, optional
        EMA weight in [0, 1) (TensorBoard's slider). The raw series stays faint behind.
        The average restarts at non-finite values and at resume points and never crosses
        series.
    smooth_how : {"points", "steps"}, default: "points"
        ``"points"`` is TensorBoard's smoothing; ``"steps"`` weighs by step distance, so it
        does not change with the logging interval. See `chartkit.metrics.smooth.ema`.
    yscale : {"auto", "linear", "clip", "symlog", "log"}, default: "auto"
        ``"clip"`` limits the y axis to the bulk of the data and marks the values beyond it
        (the largest is annotated); ``"auto"`` clips only when a finite explosion would
        flatten the curves (see `explosion_limits`), else stays linear.
    downsample : bool, default: True
        Draw only the first/last/min/max point of each pixel column (plus every first
        non-finite point), which looks the same as drawing all points.
    legend : bool, default: True
        Add a legend when there are 2 to 12 series.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    raw_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the faint raw lines.
    marker_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the first-non-finite markers.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the main (smoothed or raw) lines.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the log (the message lists the metrics, close matches first).
    """
    check_in_list(["points", "steps"], smooth_how=smooth_how)
    check_in_list(["auto", "linear", "clip", "symlog", "log"], yscale=yscale)
    check_refused(
        kwargs,
        ("color", "c", "label"),
        func="plot_curves",
        reason="one colour and label per series",
        hint="style the lines after drawing via ax.get_lines()",
    )
    frame, info = frame_of(log)
    rows = metric_rows(frame, metric)
    ax = get_ax(ax)
    colors = cycle_colors()
    series = list(iter_series(rows, info, by=by))
    n_cols = _columns(ax)
    all_values = rows["value"].to_numpy(dtype=float)
    empty = [s.label for s in series if not np.isfinite(s.value).any()]
    if empty:
        warnings.warn(
            f"{len(empty)} of {len(series)} series of {metric!r} have no finite values "
            f"(first: {empty[0]!r}); drawn as empty.",
            DataWarning,
            stacklevel=2,
        )
    limits = None
    if yscale in ("auto", "clip"):
        limits = explosion_limits(all_values)
        if limits is None and yscale == "clip":
            finite = all_values[np.isfinite(all_values)]
            if finite.size:
                limits = (float(finite.min()), float(finite.max()))
    raw_style = {"alpha": 0.25, "linewidth": 0.8, "zorder": 1.5, **(raw_kws or {})}
    mark_style = {
        "marker": "X",
        "markersize": 7,
        "linestyle": "none",
        "zorder": 3,
        **(marker_kws or {}),
    }
    notes = []
    for k, s in enumerate(series):
        color = colors[k % len(colors)]
        keep = (
            downsample_indices(s.step, s.value, n_cols) if downsample else np.arange(s.step.size)
        )
        x = s.step[keep]
        if smooth is not None:
            sm = ema(s.value, smooth, steps=s.step, segments=s.segment, how=smooth_how)
            ax.plot(x, s.value[keep], color=color, **raw_style)
            ax.plot(x, sm[keep], color=color, label=s.label, **kwargs)
        else:
            ax.plot(x, s.value[keep], color=color, label=s.label, **kwargs)
        bad = np.flatnonzero(~np.isfinite(s.value))
        if bad.size:
            i = bad[0]
            before = s.value[:i][np.isfinite(s.value[:i])]
            y_at = before[-1] if before.size else np.nan
            notes.append((s, i, y_at, color))
    if limits is not None:
        lo, hi = limits
        ax.set_ylim(lo, hi)
        _mark_clipped(ax, series, lo, hi, colors)
    elif yscale == "symlog":
        finite = np.abs(all_values[np.isfinite(all_values)])
        linthresh = float(np.percentile(finite, 99)) if finite.size else 1.0
        ax.set_yscale("symlog", linthresh=linthresh or 1.0)
    elif yscale == "log":
        ax.set_yscale("log")
    for j, (s, i, y_at, color) in enumerate(notes):
        value = s.value[i]
        kind = "NaN" if np.isnan(value) else ("+inf" if value > 0 else "\u2212inf")
        if np.isnan(y_at):
            y_at = ax.get_ylim()[0]
        if limits is not None:
            y_at = float(np.clip(y_at, *limits))
        ax.plot([s.step[i]], [y_at], color=color, **mark_style)
        y0, y1 = ax.get_ylim()
        upper = (y_at - y0) > 0.6 * (y1 - y0)
        ax.annotate(
            f"{s.label}: {kind} from step {int(s.step[i])}",
            (s.step[i], y_at),
            xytext=(-6, -(10 + 11 * j) if upper else 8 + 11 * j),
            textcoords="offset points",
            ha="right",
            va="top" if upper else "bottom",
            fontsize="small",
            # The series colour, darkened just enough to read as text (WCAG 4.5:1).
            color=text_color(ax, color),
            arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.6},
        )
    if series and not np.isfinite(all_values).any():
        ax.text(
            0.5,
            0.5,
            "no finite values",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    if legend and 2 <= len(series) <= 12:
        title = None
        if smooth is not None:
            title = f"EMA {smooth:g}" + (" (per step)" if smooth_how == "steps" else "")
        ax.legend(title=title)
    return ax


def _mark_clipped(ax, series, lo: float, hi: float, colors) -> None:
    """Triangles at the axis edge where values leave the limits; the extreme is annotated."""
    worst = None
    # (which values, edge, marker, pick the extreme, is it worse than the current worst)
    sides = (
        (lambda v: v > hi, hi, "^", np.argmax, "top", lambda a, b: a > b),
        (lambda v: v < lo, lo, "v", np.argmin, "bottom", lambda a, b: abs(a) > abs(b)),
    )
    for k, s in enumerate(series):
        v = s.value
        color = colors[k % len(colors)]
        for outside, edge, marker, pick, where, worse in sides:
            out = np.flatnonzero(np.isfinite(v) & outside(v))
            if not out.size:
                continue
            ax.plot(
                s.step[out],
                np.full(out.size, edge),
                linestyle="none",
                marker=marker,
                color=color,
                clip_on=False,
                zorder=3,
                markersize=5,
            )
            j = out[pick(v[out])]
            if worst is None or worse(v[j], worst[0]):
                worst = (v[j], s.step[j], edge, where)
    if worst is not None:
        value, step, y, va = worst
        ax.annotate(
            f"{value:.3g} at step {int(step)} (off scale)",
            (step, y),
            xytext=(6, -12 if va == "top" else 12),
            textcoords="offset points",
            ha="left",
            va="top" if va == "top" else "bottom",
            fontsize="small",
            color="0.25",
        )
