"""`facet` and `FacetGrid`: small multiples from a tidy frame on a GridSpec.

The panel assignment comes from `chartkit.facets.layout.plan` (pure pandas). This module
makes the figures, shares axes per grid row/column (so ``share="row"`` works with ``wrap``),
writes strip labels, spanning axis labels, one legend or one colourbar, and hands the
measuring and placing to `chartkit.facets._measure.LayoutArtist`, which runs inside the one
`Figure.draw` of a save.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._validate import (
    check_at_most,
    check_exclusive,
    check_in_list,
    check_positive,
    invalid_value_message,
)
from chartkit.facets._build import _BuildMixin
from chartkit.facets._decorate import _LEGEND_SIDES, _DecorMixin
from chartkit.facets._mapping import _caller, _resolve_palette, categorical_colors
from chartkit.facets.layout import FacetPlan, Panel, plan

__all__ = ["FacetGrid", "FacetPage", "categorical_colors", "facet"]

#: Most panels `facet` draws on one figure; more must be paginated with ``max_per_page``.
MAX_PANELS_PER_PAGE = 400

_HIGHLIGHT_DEFAULTS = {"color": "0.82", "zorder": 0.5, "label": "_nolegend_", "linewidth": 1.0}


class FacetPage:
    """One figure of a facet grid.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of Axes
        ``(nrows, ncols)``; cells without a panel hold None.
    axes_dict : dict
        Facet key -> Axes, for the panels on this page.
    """

    def __init__(self, figure: Any, axes: np.ndarray, axes_dict: dict, layout: Any) -> None:
        self.figure = figure
        self.axes = axes
        self.axes_dict = axes_dict
        self.layout = layout

    def __repr__(self) -> str:
        return (
            f"<FacetPage {self.axes.shape[0]}x{self.axes.shape[1]}, {len(self.axes_dict)} panels>"
        )


class FacetGrid(_BuildMixin, _DecorMixin):
    """Small multiples of a tidy frame: one panel per facet level (see `facet`).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The (first page's) figure.
    axes : numpy.ndarray of Axes
        ``(nrows, ncols)`` panels of the first page; None where no panel sits.
    axes_dict : dict
        Facet key -> Axes over every page. The key is the level for one facet variable,
        ``(row_level, col_level)`` for two.
    pages : list of FacetPage
        One per figure (one unless ``max_per_page`` paginates).
    plan : chartkit.facets.layout.FacetPlan
        The pure layout: panels, their rows of data, grid shape.
    hue_levels : list
        Categorical hue levels in legend order (empty for continuous or no hue).
    """

    def __init__(
        self,
        plan_: FacetPlan,
        *,
        hue: Hashable | None,
        hue_kind: str,
        hue_order: Sequence[Any] | None,
        palette: Any,
        cmap: Any,
        hue_norm: Any,
        figsize: tuple[float, float] | None,
        height: float,
        aspect: float,
        labeller: str | Callable[[Any, Any], str],
        legend: str | None,
        colorbar: str,
        highlight: bool,
        highlight_kws: Mapping[str, Any] | None,
        space: str,
        ax: Any,
        strip_kws: Mapping[str, Any] | None,
        legend_kws: Mapping[str, Any] | None,
        subplot_kws: Mapping[str, Any] | None,
    ) -> None:
        import matplotlib as mpl

        self.plan = plan_
        self.data = plan_.data
        self.hue = hue
        self._legend_side = legend
        self._legend_kws = dict(legend_kws or {})
        self._colorbar_mode = colorbar
        self._highlight = highlight
        self._highlight_kws = {**_HIGHLIGHT_DEFAULTS, **(highlight_kws or {})}
        self._space = space
        self._labeller = labeller
        self._strip_kws = dict(strip_kws or {})
        self._pad = mpl.rcParams["font.size"] * 0.5 / 72
        self._xlabel: str | None = None
        self._ylabel: str | None = None
        self._title: str | None = None
        self._colorbars: list[Any] = []

        # Hue: categorical levels with fixed colours, or a continuous norm and colormap.
        self.hue_levels: list[Any] = []
        self._hue_colors: dict[Any, Any] = {}
        self._hue_codes: np.ndarray | None = None
        self.norm = self.cmap = None
        if hue is not None:
            values = self.data[hue]
            if hue_kind == "auto":
                numeric = pd.api.types.is_numeric_dtype(values.dtype)
                hue_kind = (
                    "continuous"
                    if numeric and not pd.api.types.is_bool_dtype(values.dtype)
                    else "categorical"
                )
            self.hue_kind = hue_kind
            if hue_kind == "categorical":
                from chartkit.facets.layout import levels

                self.hue_levels = levels(values, hue_order)
                self._hue_colors = _resolve_palette(palette, self.hue_levels)
                codes = pd.Categorical(values, categories=self.hue_levels).codes
                self._hue_codes = np.asarray(codes)
            else:
                from matplotlib import colormaps
                from matplotlib.colors import Normalize

                numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
                if hue_norm is None:
                    finite = numbers[np.isfinite(numbers)]
                    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
                    hue_norm = Normalize(lo, hi)
                elif isinstance(hue_norm, tuple):
                    hue_norm = Normalize(*hue_norm)
                self.norm = hue_norm
                self.cmap = colormaps[cmap or mpl.rcParams["image.cmap"]]
                self._hue_numbers = numbers
        else:
            self.hue_kind = None

        self.pages: list[FacetPage] = []
        self.axes_dict: dict[Any, Any] = {}
        if ax is not None:
            self._build_on_ax(ax)
        else:
            for page in range(plan_.npages):
                self.pages.append(self._build_page(page, figsize, height, aspect, subplot_kws))
        for page in self.pages:
            self.axes_dict.update(page.axes_dict)
        if self.hue_kind == "continuous" and colorbar != "none":
            self._add_colorbars()

    # -- public API ------------------------------------------------------------------------

    @property
    def figure(self) -> Any:
        return self.pages[0].figure

    @property
    def figures(self) -> list[Any]:
        """Every page's figure."""
        return [p.figure for p in self.pages]

    @property
    def axes(self) -> np.ndarray:
        return self.pages[0].axes

    @property
    def colorbars(self) -> list[Any]:
        """The colourbars of a continuous hue (one per page, or one per panel)."""
        return list(self._colorbars)

    def __repr__(self) -> str:
        return (
            f"<FacetGrid {len(self.plan.panels)} panels on {len(self.pages)} page(s) of "
            f"{self.plan.nrows}x{self.plan.ncols}>"
        )

    def facet_data(self) -> Iterator[tuple[Any, pd.DataFrame]]:
        """Yield ``(key, subset)`` for every panel, in display order."""
        for p in self.plan.panels:
            yield p.key, self.data.iloc[p.index]

    def _panels(self) -> Iterator[tuple[Panel, Any]]:
        for p in self.plan.panels:
            yield p, self.axes_dict[p.key]

    def _hue_groups(self, index: np.ndarray) -> Iterator[tuple[Any, np.ndarray, dict]]:
        """(level, rows, style kws) per hue group of one panel's rows."""
        if index.size == 0:  # an empty panel (drop=False) gets no call
            return
        if self.hue is None:
            yield None, index, {}
            return
        if self.hue_kind == "categorical":
            codes = self._hue_codes[index]
            for i, level in enumerate(self.hue_levels):
                rows = index[codes == i]
                if rows.size:
                    yield level, rows, {"color": self._hue_colors[level], "label": str(level)}
            return
        numbers = self._hue_numbers[index]
        uniq = np.unique(numbers[np.isfinite(numbers)])
        if uniq.size <= 32:  # lines: one call per value, coloured by it
            for value in uniq:
                rows = index[numbers == value]
                yield value, rows, {"color": self.cmap(self.norm(value))}
        else:  # points: one call, coloured per point
            yield None, index, {"c": numbers, "cmap": self.cmap, "norm": self.norm}

    def map(self, func: Callable[..., Any] | str, *cols: Hashable, **kwargs: Any) -> FacetGrid:
        """Call *func* on every panel with the panel's values of *cols*.

        Parameters
        ----------
        func : callable or str
            An Axes method name (``"plot"``, ``"scatter"``), a pyplot function (run as the
            panel's Axes method), a function taking ``ax=``, or any function drawing on the
            current Axes (the panel is made current). With a hue, called once per level with
            ``color=`` and ``label=``.
        *cols : column names
            Columns whose values (numpy arrays) are passed positionally.
        **kwargs
            Passed to *func*.

        Returns
        -------
        FacetGrid
            self, for chaining.
        """
        from chartkit.facets.layout import check_columns

        check_columns(self.data, **{f"map column {i + 1}": c for i, c in enumerate(cols)})
        arrays = [self.data[c].to_numpy() for c in cols]
        call = _caller(func)
        if self._highlight:
            self._draw_context(call, arrays, kwargs)
        for p, ax in self._panels():
            for _, rows, style in self._hue_groups(p.index):
                call(ax, *[a[rows] for a in arrays], **{**style, **kwargs})
        self._after_map(cols)
        return self

    def map_dataframe(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> FacetGrid:
        """Call ``func(*args, data=subset, **kwargs)`` on every panel (seaborn-style).

        With a hue, called once per level with ``color=`` and ``label=`` and that level's
        rows. *func* gets ``ax=`` when it accepts it, else the panel is the current Axes.

        Returns
        -------
        FacetGrid
            self, for chaining.
        """
        call = _caller(func)
        for p, ax in self._panels():
            for _, rows, style in self._hue_groups(p.index):
                style = {k: v for k, v in style.items() if k not in ("c", "cmap", "norm")}
                call(ax, *args, data=self.data.iloc[rows], **{**style, **kwargs})
        self._after_map([a for a in args if isinstance(a, str) and a in self.data.columns])
        return self

    def _draw_context(self, call: Callable[..., Any], arrays: list[np.ndarray], kwargs) -> None:
        """Highlight-in-context: every series of the grid in light grey behind each panel."""
        series = []
        for p in self.plan.panels:
            for _, rows, _style in self._hue_groups(p.index):
                series.append(rows)
        kws = {**kwargs, **self._highlight_kws}
        kws.pop("c", None)
        joined = None
        if call.__name__ == "plot" and len(arrays) == 2:
            try:
                parts = [[np.asarray(a[rows], dtype=float) for a in arrays] for rows in series]
                gap = np.array([np.nan])
                joined = [
                    np.concatenate([x for part in parts for x in (part[k], gap)]) for k in range(2)
                ]
            except (TypeError, ValueError):
                joined = None
        for _, ax in self._panels():
            if joined is not None:
                call(ax, *joined, **kws)
            else:
                for rows in series:
                    call(ax, *[a[rows] for a in arrays], **kws)

    def _after_map(self, cols: Sequence[Hashable]) -> None:
        if self._xlabel is None and len(cols) >= 1:
            self.set_axis_labels(str(cols[0]), str(cols[1]) if len(cols) >= 2 else None)
        if len(self.pages) > 1:
            self._sync_pages()
        if self._legend_side is not None and self.hue_kind == "categorical":
            self.add_legend()

    def _sync_pages(self) -> None:
        """Identical limits on every page for axes shared by all panels."""
        for axis, mode in (("x", self.plan.share_x), ("y", self.plan.share_y)):
            if mode != "all":
                continue
            leaders = [next(iter(p.axes_dict.values())) for p in self.pages]
            for ax in leaders:
                getattr(ax, f"set_autoscale{axis}_on")(True)
                ax.autoscale_view(scalex=axis == "x", scaley=axis == "y")
            lims = np.array([getattr(ax, f"get_{axis}lim")() for ax in leaders])
            lo, hi = lims.min(axis=0)[0], lims.max(axis=0)[1]
            for ax in leaders:
                getattr(ax, f"set_{axis}lim")(lo, hi)


def facet(
    data: pd.DataFrame,
    *,
    col: Hashable | None = None,
    row: Hashable | None = None,
    wrap: int | None = None,
    hue: Hashable | None = None,
    order: Mapping[Hashable, Sequence[Any]] | Sequence[Any] | None = None,
    share: Literal["all", "row", "col", "none"] | Mapping[str, Any] = "all",
    space: Literal["fixed", "free"] = "fixed",
    drop: bool = True,
    figsize: tuple[float, float] | None = None,
    height: float = 2.0,
    aspect: float = 1.4,
    max_per_page: int | None = None,
    labeller: str | Callable[[Any, Any], str] = "{name} = {value}",
    hue_kind: Literal["auto", "categorical", "continuous"] = "auto",
    palette: Any = None,
    cmap: str | None = None,
    hue_norm: Any = None,
    legend: Literal["right", "bottom", "top", "panel"] | None = "right",
    colorbar: Literal["shared", "each", "none"] = "shared",
    highlight: bool = False,
    title: str | None = None,
    ax: Any = None,
    highlight_kws: Mapping[str, Any] | None = None,
    strip_kws: Mapping[str, Any] | None = None,
    legend_kws: Mapping[str, Any] | None = None,
    subplot_kws: Mapping[str, Any] | None = None,
) -> FacetGrid:
    """Small multiples of a tidy frame: one panel per level of *col* and/or *row*.

    Build the grid, then draw with `FacetGrid.map` or `FacetGrid.map_dataframe`. Margins
    for strips, tick labels, axis labels, the title and the legend are measured in the one
    draw of a save (no `tight_layout`, no extra draw).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data: one observation per row.
    col, row : column name, optional
        Facet variables. Panels follow the categorical order, sorted numbers, or order of
        appearance; see *order*.
    wrap : int, optional
        With *col* only: panels per row before wrapping to the next row.
    hue : column name, optional
        Colour variable. Categorical (strings, categoricals, booleans): the same colour for
        a level in every panel and every page. Numeric: continuous, with a shared colourbar.
    order : mapping or sequence, optional
        ``{column: levels}`` for *col*, *row* and *hue*; a sequence for a single facet
        variable.
    share : {"all", "row", "col", "none"} or dict, default: "all"
        Which panels share axes: all, those in the same grid row or column (also when
        wrapped), or none; ``{"x": ..., "y": ...}`` for each axis. Tick labels are drawn on
        the outer panels only where the neighbour shares the axis.
    space : {"fixed", "free"}, default: "fixed"
        "free": column widths (row heights) follow each column's x range (row's y range)
        when that axis is not shared by all panels.
    drop : bool, default: True
        Leave out levels (and row x col cells) without data.
    figsize : (float, float), optional
        Figure size in inches; by default from *height* and *aspect* per panel.
    height, aspect : float, default: 2.0, 1.4
        Panel height in inches and width/height, used when *figsize* is None.
    max_per_page : int, optional
        Paginate: at most this many panels per figure; every page has the same grid, legend
        and title (see `FacetGrid.pages`, `FacetGrid.savefig`).
    labeller : str or callable, default: "{name} = {value}"
        Strip text: a template with ``{name}`` and ``{value}``, or ``f(name, value)``.
        Strips longer than their panel are broken at spaces, then cut with an ellipsis.
    hue_kind : {"auto", "categorical", "continuous"}, default: "auto"
    palette : str, list, dict or Colormap, optional
        Categorical colours through `chartkit.palettes.resolve_palette`: a chartkit
        palette name first (``"okabe_ito"`` is chartkit's), then matplotlib's colour
        sequences and colormaps, a list, or a dict keyed by hue level; by default the
        theme's colour cycle. More levels than colours cycles with one ColorWarning.
    cmap : str, optional
        Colormap of a continuous hue (default ``rcParams["image.cmap"]``).
    hue_norm : (float, float) or Normalize, optional
        Range of a continuous hue.
    legend : {"right", "bottom", "top", "panel"} or None, default: "right"
        One figure legend outside the panels on that side, per-panel legends listing only
        the levels present, or none. Added after each `FacetGrid.map`.
    colorbar : {"shared", "each", "none"}, default: "shared"
        A continuous hue's colourbar: one for the figure, one per panel, or none.
    highlight : bool, default: False
        Highlight-in-context: each panel also shows every series of the grid in light grey
        behind its own series in colour.
    title : str, optional
        Figure title above the panels (see `FacetGrid.set_title`).
    ax : matplotlib.axes.Axes, optional
        Draw a single panel on this Axes (its figure's layout is left alone).
    highlight_kws : dict, optional
        Style of the grey context series (default colour "0.82", linewidth 1).
    strip_kws : dict, optional
        Passed to `matplotlib.axes.Axes.text` for strip labels.
    legend_kws : dict, optional
        Passed to `matplotlib.figure.Figure.legend`.
    subplot_kws : dict, optional
        Passed to `matplotlib.figure.Figure.add_subplot` for every panel.

    Returns
    -------
    FacetGrid

    Raises
    ------
    KeyError
        For a column not in *data* (naming it, listing the columns, with close matches).
    ValueError
        For 0 panels, a *wrap* that is not a positive integer or given with *row*, *ax*
        with more than one panel, a *figsize*, *height* or *aspect* that is not positive
        and finite, more than `MAX_PANELS_PER_PAGE` (400) panels on one figure (said
        before anything is built: paginate with *max_per_page*), or a bad option value.

    Warns
    -----
    chartkit.errors.DataWarning
        Once, counting rows dropped for a missing facet value.
    chartkit.errors.ColorWarning
        When there are more hue levels than palette colours (the palette is cycled).

    See Also
    --------
    chartkit.facets.mosaic : hand-made layouts with spanning panels.

    Examples
    --------
    >>> g = facet(df, col="trial", wrap=4, hue="split")
    >>> g.map("plot", "step", "loss").set_title("학습 손실")
    >>> g.savefig("trials.png")
    """
    check_positive(figsize=None if figsize is None else tuple(figsize))
    check_positive(height=height, aspect=aspect, allow_none=False)
    check_in_list(("fixed", "free"), space=space)
    check_in_list(("auto", "categorical", "continuous"), hue_kind=hue_kind)
    check_in_list((*_LEGEND_SIDES, None), legend=legend)
    check_in_list(("shared", "each", "none"), colorbar=colorbar)
    if highlight_kws is not None and not highlight:
        raise ValueError(
            invalid_value_message(
                highlight, "highlight", expected="True when highlight_kws= is given"
            )
        )
    hue_order = None
    if isinstance(order, Mapping) and hue is not None:
        hue_order = order.get(hue)
        order = {k: v for k, v in order.items() if k != hue}
    plan_ = plan(
        data,
        col=col,
        row=row,
        wrap=wrap,
        order=order,
        share=share,
        drop=drop,
        max_per_page=max_per_page,
        extra_columns={"hue": hue},
    )
    if ax is not None:
        check_at_most(
            len(plan_.panels),
            1,
            name="panels on the one Axes given as ax=",
            hint="leave ax=None to get a figure, or facet fewer levels",
        )
        check_exclusive(ax=ax, figsize=figsize)
        check_exclusive(ax=ax, max_per_page=max_per_page)
    per_page = len(plan_.panels) if ax is not None else len(plan_.page_panels(0))
    check_at_most(
        per_page,
        MAX_PANELS_PER_PAGE,
        name="panels on one figure",
        hint=f"pass max_per_page={MAX_PANELS_PER_PAGE} (or fewer) to paginate into "
        f"{-(-len(plan_.panels) // MAX_PANELS_PER_PAGE)} figures, or facet fewer levels "
        f"(drawing {per_page} panels on one figure takes minutes and cannot be read)",
    )
    grid = FacetGrid(
        plan_,
        hue=hue,
        hue_kind=hue_kind,
        hue_order=hue_order,
        palette=palette,
        cmap=cmap,
        hue_norm=hue_norm,
        figsize=figsize,
        height=height,
        aspect=aspect,
        labeller=labeller,
        legend=legend,
        colorbar=colorbar,
        highlight=highlight,
        highlight_kws=highlight_kws,
        space=space,
        ax=ax,
        strip_kws=strip_kws,
        legend_kws=legend_kws,
        subplot_kws=subplot_kws,
    )
    if title is not None:
        grid.set_title(title)
    return grid
