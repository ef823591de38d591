"""Density charts: every point of a metric counted per pixel, for point counts past lines.

At 10^8 points (1,024 ranks x 100,000 steps, every trial of a sweep) lines and markers
overdraw each other until the chart shows the drawing order, not the data. `plot_density`
counts the points that fall in each pixel of the Axes with datashader (on a pandas frame or
lazily on a Dask frame, where only the small count grid comes back) and draws the counts as
an image on a matplotlib Axes, so chartkit's styling, colourbar, axis labels and notes stay
around it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import (
    check_in_list,
    check_isinstance,
    check_positive,
    check_refused,
    invalid_value_message,
)
from chartkit.errors import DataWarning, warn_external
from chartkit.metrics.plots._data import empty_axes
from chartkit.metrics.plots._density_data import (
    aggregate,
    column_median,
    is_dask,
    metric_stats,
    series_stats,
)
from chartkit.metrics.plots._scale import add_note, escape, exponent_in_label

__all__ = ["plot_density"]

_DEFAULT_CMAP = "blues"
_MEDIAN_COLOR = "okabe_ito"  # its first colour, orange: apart from every blue of the map


def _frame(data):
    """The long frame (pandas or Dask) and the LogInfo of a RunLog, LazyLog or frame."""
    import pandas as pd

    frame = getattr(data, "metrics", data)  # RunLog, and the Dask engine's LazyLog
    if isinstance(frame, pd.DataFrame) or is_dask(frame):
        info = getattr(data, "info", None)
        if info is None and isinstance(frame, pd.DataFrame):
            info = frame.attrs.get("chartkit")
        return frame, info
    raise TypeError(
        "'data' must be an instance of RunLog, LazyLog, pandas.DataFrame or "
        f"dask.dataframe.DataFrame, not {type(data).__name__}"
    )


def _count_text(n: int) -> str:
    """``12,345`` below a million, ``1.0e8`` from there (``1.0e+08`` is noise)."""
    if n < 1_000_000:
        return f"{n:,}"
    mant, exp = f"{n:.1e}".split("e")
    return f"{mant}e{int(exp)}"


def _cmap(cmap):
    """The sequential colormap, zero counts (masked) transparent."""
    from matplotlib.colors import Colormap, LinearSegmentedColormap, ListedColormap

    from chartkit.palettes.resolve import resolve_palette

    if cmap is None:
        # The lightest fifth of the map is left out, so one point on white still shows.
        colors = resolve_palette(_DEFAULT_CMAP, 320, name="cmap")[64:]
        base = ListedColormap(colors, name=f"chartkit.{_DEFAULT_CMAP}_density")
    elif isinstance(cmap, Colormap):
        base = cmap
    else:
        # A map name gives its 256 samples, a list (or a categorical name) its colours,
        # interpolated in order: never cycled.
        colors = resolve_palette(cmap, name="cmap")
        name = cmap if isinstance(cmap, str) else "chartkit.density_user"
        base = LinearSegmentedColormap.from_list(name, colors, N=256)
    return base.with_extremes(bad=(0, 0, 0, 0))


def _norm(how: str, counts: np.ndarray, vmin, vmax):
    from matplotlib.colors import BoundaryNorm, LogNorm, Normalize

    top = int(counts.max()) if counts.size else 0
    if how == "log":
        lo = 1.0 if vmin is None else float(vmin)
        hi = float(vmax) if vmax is not None else max(float(top), lo * 2)
        return LogNorm(vmin=lo, vmax=hi), None
    if how == "linear":
        lo = 0.0 if vmin is None else float(vmin)
        hi = float(vmax) if vmax is not None else max(float(top), lo + 1)
        return Normalize(vmin=lo, vmax=hi), None
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None:
            raise ValueError(
                invalid_value_message(
                    value, name,
                    expected="None with how='eq_hist' (its bins come from the counts)",
                )
            )
    nonzero = counts[counts > 0]
    if nonzero.size == 0:
        nonzero = np.array([1])
    q = np.quantile(nonzero, np.linspace(0, 1, 65), method="lower").astype(np.int64)
    bounds = np.unique(np.r_[q, nonzero.max() + 1]) - 0.5
    if bounds.size < 2:
        bounds = np.array([0.5, 1.5])
    ticks = np.unique(q)
    ticks = ticks[np.linspace(0, ticks.size - 1, min(ticks.size, 6)).round().astype(int)]
    return BoundaryNorm(bounds, ncolors=256), ticks


def _pixels(ax, pixels, *, raw: bool = False) -> tuple:
    """The grid: *pixels*, else the Axes' size in pixels after the figure's layout, less 2 %.

    The layout engine (constrained, tight) runs first, so the colourbar and the labels have
    taken their room; the size is taken at the smaller of the figure's and savefig's dpi,
    and 2 % (at least 3 pixels) smaller, so neither the screen nor a saved file nor a
    layout a few pixels off shows fewer pixels than were counted: nearest-neighbour
    resampling would drop a row of counts when shrinking, and only repeats one when growing.
    """
    import matplotlib as mpl

    if pixels is not None:
        check_positive(pixels=tuple(pixels))
        w, h = (round(v) for v in pixels)
        return max(w, 1), max(h, 1)
    fig = ax.figure
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    save_dpi = mpl.rcParams["savefig.dpi"]
    ratio = 1.0 if save_dpi == "figure" else min(float(save_dpi) / fig.dpi, 1.0)
    box = ax.get_position().transformed(fig.transFigure)  # display pixels at the figure's dpi
    if raw:
        return box.width * ratio, box.height * ratio
    return tuple(
        max(int(n - max(3, n // 50)), 1) for n in (box.width * ratio, box.height * ratio)
    )


def plot_density(
    data,
    metric: str | None = None,
    *,
    x: Literal["step", "wall_time"] = "step",
    by: Literal["rank", "trial", "run"] | None = None,
    how: Literal["log", "linear", "eq_hist"] = "log",
    cmap: Any = None,
    vmin: float | None = None,
    vmax: float | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    pixels: tuple[int, int] | None = None,
    lines: bool = False,
    median: bool = False,
    colorbar: bool = True,
    lang: Literal["en", "ko"] = "en",
    ax=None,
    colorbar_kws: dict[str, Any] | None = None,
    median_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Count every point of *metric* per pixel of the Axes and draw the counts as an image.

    Every point of every series (all ranks, trials and runs x steps) is counted once, in the
    pixel it falls in; nothing is sampled or averaged. Use it where lines stop being readable:
    from some thousands of series or about 10^7 points (`plot_curves` and `plot_rank_spread`
    stay the better chart below that). By default a scatter density: no point is joined to
    another; ``lines=True`` joins each series' own points, never two series. The counting
    runs on datashader (``pip install "chartkit[scale]"``); a Dask frame is counted where
    its partitions are, and only the count grid and a per-series table come back.

    Parameters
    ----------
    data : RunLog, LazyLog, pandas.DataFrame or dask.dataframe.DataFrame
        A reader's result or its long ``.metrics`` frame (pandas or Dask, with the canonical
        columns of `chartkit.metrics.schema.COLUMNS`).
    metric : str, optional
        Metric to draw; may be omitted when the data holds one.
    x : {"step", "wall_time"}, default: "step"
        The x axis: the step, or seconds (minutes, hours) since the first record of the
        metric; points without a wall time are left out and counted in the note.
    by : {"rank", "trial", "run"}, optional
        What the note counts (``1,024 ranks``); default: the series (run x rank x trial).
    how : {"log", "linear", "eq_hist"}, default: "log"
        How counts map to colours: a log norm (one point to the densest pixel on one
        scale), a linear norm from 0, or equal-count bins of the non-zero counts
        (histogram equalisation, stated in the note). Pixels without points are transparent.
    cmap : str, list of colours or Colormap, optional
        Any palette `chartkit.palettes.resolve_palette` reads; default: chartkit's ``blues``
        without its lightest fifth (a single point stays visible on white).
    vmin, vmax : float, optional
        Count limits of the norm (default: 1 (0 when linear) and the largest count); not
        with ``how="eq_hist"``.
    xlim, ylim : (float, float), optional
        Data ranges of the grid; default: the ranges of the finite points (computed in the
        same pass as the counts of the note). Points outside are left out and counted in
        the note (use *ylim* when a diverging series would squeeze the others into a row).
    pixels : (int, int), optional
        Grid size ``(width, height)``; default: the Axes' size in pixels after the figure's
        layout (at the smaller of the figure's and savefig's dpi), less 2 %, so the image is
        never shrunk on screen (which would drop rows of counts). A layout that changes a
        lot later (a long title, a resized figure) resamples the image by nearest neighbour:
        call `plot_density` last, or pass *pixels*.
    lines : bool, default: False
        Draw each series as a line in step order (datashader's ``line`` glyph) and count,
        per pixel, the line segments passing through it: for series with fewer steps than
        the Axes has pixel columns, where points would leave gaps. Series are never joined
        to each other, and break at NaN; on a Dask frame a series split over two
        partitions loses the one segment across the split (the Dask engine's cache and
        per-rank partitions never split one).
    median : bool, default: False
        Draw the median of the points in each pixel column (read off the counts, so exact
        to one pixel row), with a legend entry.
    colorbar : bool, default: True
        Add a colourbar labelled "points per pixel".
    lang : {"en", "ko"}, default: "en"
        Language of the words the chart writes (data names stay as they are).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes (`matplotlib.pyplot.gca`).
    colorbar_kws : dict, optional
        Passed to `~matplotlib.figure.Figure.colorbar`.
    median_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.plot` for the median line.
    **kwargs
        Passed to `~matplotlib.axes.Axes.imshow` (``extent``, ``origin``, ``norm`` and
        ``color`` are set here and refused, with the option to use instead).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* is not in the data, or is omitted while the data holds several.
    ImportError
        Without datashader, naming the ``chartkit[scale]`` extra.

    See Also
    --------
    plot_curves, plot_rank_spread

    Examples
    --------
    >>> log = chartkit.metrics.read("runs/", engine="dask")   # doctest: +SKIP
    >>> plot_density(log, "loss", ylim=(0, 4))                # doctest: +SKIP
    """
    _check(x, how, by, lines, median, colorbar, lang, vmin, vmax, kwargs)
    xlim, ylim = _limits(xlim, "xlim"), _limits(ylim, "ylim")
    frame, _info = _frame(data)
    ax = get_ax(ax)
    metric, st = metric_stats(series_stats(frame, x), metric)
    if metric is None:
        return empty_axes(ax, "plot_density", lang)
    x_range, y_range = xlim or st.x_range, ylim or st.y_range
    notes = _facts(st, by, lang)
    t0 = st.x_range[0] if (x == "wall_time" and st.x_range is not None) else 0.0
    drawable = x_range is not None and y_range is not None
    if not drawable:
        warn_external(
            f"plot_density: none of the {st.points} points of {metric!r} has a finite value "
            f"and {x}; drew an empty Axes.",
            DataWarning,
        )
        x_range, y_range = x_range or (0.0, 1.0), y_range or (0.0, 1.0)
        if st.nonfinite == st.points:
            notes.append(tr("curves.note.no_finite", lang))
    div, x_label = _x_axis(x, x_range, t0, lang)
    extent = ((x_range[0] - t0) / div, (x_range[1] - t0) / div, *y_range)
    # The image and its colourbar first, so the grid is sized after they took their room.
    label = tr("density.colorbar.lines" if lines else "density.colorbar", lang)
    image, bar = _image(ax, extent, cmap, colorbar, colorbar_kws, label, kwargs)
    exponent_in_label(ax, x_label, axis="x")
    exponent_in_label(ax, escape(metric))
    if drawable:
        counts = _grid_counts(ax, image, bar, pixels, (how, vmin, vmax), frame, metric,
                              x=x, x_range=x_range, y_range=y_range, lines=lines)
    else:
        counts = np.zeros((1, 1), dtype=np.uint32)
    inside = int(counts.sum(dtype=np.int64))
    outside = st.points - st.nonfinite - st.no_x - inside
    if outside > 0 and not lines:  # lines are clipped at the edge, not left out
        notes.append(tr("density.note.outside", lang, count=_count_text(outside)))
    _fill(image, bar, counts, how, vmin, vmax)
    if how == "eq_hist":
        notes.append(tr("density.note.eq_hist", lang))
    if median and inside:
        _median(ax, counts, extent, lang, median_kws)
    add_note(ax, notes, points=[_occupied(counts, extent)])
    return ax


def _check(x, how, by, lines, median, colorbar, lang, vmin, vmax, kwargs) -> None:
    """Refuse bad options before any pass over the data."""
    check_in_list(["step", "wall_time"], x=x)
    check_in_list(["log", "linear", "eq_hist"], how=how)
    if by is not None:
        check_in_list(["rank", "trial", "run"], by=by)
    check_isinstance(bool, lines=lines, median=median, colorbar=colorbar)
    if lines and median:
        raise ValueError(
            invalid_value_message(
                median, "median", expected="False with lines=True (the median is read off "
                "point counts, not line passes)",
            )
        )
    check_lang(lang)
    check_positive(vmin=vmin, vmax=vmax)
    if how == "eq_hist":
        _norm(how, np.zeros((1, 1)), vmin, vmax)  # refuses vmin/vmax
    check_refused(
        kwargs,
        {
            "extent": "the data ranges: use xlim=/ylim=",
            "origin": "counts are drawn from the bottom",
            "norm": "use how=, vmin=, vmax=",
            "color": "counts are coloured by the colormap: use cmap=",
            "c": "counts are coloured by the colormap: use cmap=",
        },
        func="plot_density",
    )


def _grid_counts(ax, image, bar, pixels, norm_args, frame, metric, **where) -> np.ndarray:
    """Count on the grid of the Axes; again if the colourbar's real labels shrank it."""
    size = _pixels(ax, pixels)
    counts = aggregate(frame, metric, shape=size, **where)
    if pixels is not None:
        return counts
    _fill(image, bar, counts, *norm_args)
    box = _pixels(ax, None, raw=True)
    if box[0] < size[0] or box[1] < size[1]:
        # The colourbar's labels for the real counts took more room than the margin:
        # count again on the final grid (cheap for pandas; one more pass over Dask).
        counts = aggregate(frame, metric, shape=_pixels(ax, None), **where)
    return counts


def _limits(value, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
        ok = np.isfinite(lo) and np.isfinite(hi) and hi > lo
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            invalid_value_message(value, name, expected="(low, high), finite, low < high")
        )
    return lo, hi


def _facts(st, by: str | None, lang: str) -> list[str]:
    noun = tr(f"density.noun.{by or 'series'}", lang)
    notes = [
        tr(
            "density.note.points",
            lang,
            points=_count_text(st.points),
            count=f"{st.count(by):,}",
            noun=noun,
        )
    ]
    if st.nonfinite:
        kinds = [
            f"{k} {_count_text(n)}"
            for k, n in (("NaN", st.nan), ("+inf", st.posinf), ("\u2212inf", st.neginf))
            if n
        ]
        notes.append(
            tr(
                "density.note.nonfinite",
                lang,
                count=_count_text(st.nonfinite),
                kinds=", ".join(kinds),
            )
        )
    if st.no_x:
        notes.append(tr("density.note.no_x", lang, count=_count_text(st.no_x)))
    return notes


def _x_axis(x: str, x_range, t0: float, lang: str) -> tuple[float, str]:
    if x == "step":
        return 1.0, tr("word.step", lang)
    span = x_range[1] - t0
    div, unit = (1.0, "s") if span < 600 else ((60.0, "min") if span < 36_000 else (3600.0, "h"))
    return div, tr("curves.xlabel.relative", lang, unit=tr(f"curves.unit.{unit}", lang))


def _image(ax, extent, cmap, colorbar, colorbar_kws, label: str, kwargs):
    """The (still empty) image on *ax* and its colourbar (or None)."""
    from matplotlib.colors import LogNorm

    # Above the grid lines (zorder 0.5 or 1.5 by the theme), below lines and spines.
    style = {"interpolation": "nearest", "aspect": "auto", "zorder": 1.6, **kwargs}
    placeholder = np.ma.masked_all((1, 1))
    image = ax.imshow(
        placeholder, cmap=_cmap(cmap), norm=LogNorm(1, 10), extent=extent, origin="lower",
        **style,
    )
    bar = None
    if colorbar:
        opts = {"label": label, "pad": 0.02, **(colorbar_kws or {})}
        bar = ax.figure.colorbar(image, ax=ax, **opts)
    return image, bar


def _fill(image, bar, counts, how, vmin, vmax) -> None:
    """Put the counts in the image (zero counts masked: transparent) and set the norm."""
    norm, ticks = _norm(how, counts, vmin, vmax)
    image.set_data(np.ma.masked_equal(counts, 0))
    image.set_norm(norm)
    if bar is not None and ticks is not None:
        bar.set_ticks(ticks.astype(float), labels=[f"{int(t):,}" for t in ticks])


def _median(ax, counts, extent, lang: str, median_kws) -> None:
    from chartkit.palettes.resolve import resolve_palette

    cols, ys = column_median(counts, (extent[2], extent[3]))
    x0, x1 = extent[0], extent[1]
    xs = x0 + (cols + 0.5) * (x1 - x0) / counts.shape[1]
    style = {
        "color": resolve_palette(_MEDIAN_COLOR, 1)[0],
        "linewidth": 1.2,
        "label": tr("density.median", lang),
        **(median_kws or {}),
    }
    ax.plot(xs, ys, **style)
    ax.legend(loc="best", fontsize="small")


def _occupied(counts, extent) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the pixels that hold points: the note goes where the fewest are."""
    rows, cols = np.nonzero(counts)
    h, w = counts.shape
    x0, x1, y0, y1 = extent
    return x0 + (cols + 0.5) * (x1 - x0) / w, y0 + (rows + 0.5) * (y1 - y0) / h
