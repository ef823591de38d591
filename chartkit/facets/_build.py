"""Building a facet page: figure, shared panels, strips, free-space ratios, colourbars.

`_BuildMixin` holds the part of `chartkit.facets.grid.FacetGrid` that makes the figures
(the grid's ``__init__`` calls it); the measuring and placing run later in the one draw of
a save, in `chartkit.facets._measure`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from chartkit.facets._mapping import _tame
from chartkit.facets._measure import PageLayout, new_figure
from chartkit.facets.layout import Panel, share_groups, strip_text

__all__: list[str] = []


class _BuildMixin:
    """Figure building for `FacetGrid` (see there for the attributes used)."""

    def _figure_size(self, height: float, aspect: float) -> tuple[float, float]:
        import matplotlib as mpl

        plan_ = self.plan
        fs = mpl.rcParams["font.size"] / 72
        pw, ph = height * aspect, height
        wgap = 0.15 if plan_.share_y == "all" else 5 * fs
        hgap = 2.2 * fs + (2 * fs if plan_.col is not None and plan_.row is None else 0)
        width = plan_.ncols * pw + (plan_.ncols - 1) * wgap + 6 * fs
        top = 2 * fs + (1.8 * fs if plan_.col is not None else 0)
        height_ = plan_.nrows * ph + (plan_.nrows - 1) * hgap + 5 * fs + top
        if self.hue is not None and self._legend_side in ("right", None):
            width += 1.4 if self.hue_kind == "categorical" else 0.9
        if self._legend_side in ("bottom", "top") and self.hue_kind == "categorical":
            height_ += 0.5
        if plan_.row is not None:
            width += 2 * fs
        return (round(width, 2), round(height_, 2))

    def _build_page(
        self,
        page: int,
        figsize: tuple[float, float] | None,
        height: float,
        aspect: float,
        subplot_kws: Mapping[str, Any] | None,
    ) -> Any:

        plan_ = self.plan
        panels = plan_.page_panels(page)
        if figsize is None:
            figsize = self._figure_size(height, aspect)
        layout = PageLayout(gridspec=None, axes=[], pad=self._pad)
        fig = new_figure(layout, figsize)
        gs = fig.add_gridspec(plan_.nrows, plan_.ncols)
        layout.gridspec = gs
        axes = np.full((plan_.nrows, plan_.ncols), None, dtype=object)
        axes_dict = {}
        gx = share_groups(panels, plan_.share_x)
        gy = share_groups(panels, plan_.share_y)
        leaders_x: dict[int, Any] = {}
        leaders_y: dict[int, Any] = {}
        kws = dict(subplot_kws or {})
        for panel, kx, ky in zip(panels, gx, gy, strict=True):
            ax = fig.add_subplot(
                gs[panel.row, panel.col],
                sharex=leaders_x.get(kx),
                sharey=leaders_y.get(ky),
                **kws,
            )
            leaders_x.setdefault(kx, ax)
            leaders_y.setdefault(ky, ax)
            axes[panel.row, panel.col] = ax
            axes_dict[panel.key] = ax
            layout.axes.append(ax)

        # Outer-only tick labels: hidden where the neighbour below (left) shares the axis.
        cell = {(p.row, p.col): (p, kx, ky) for p, kx, ky in zip(panels, gx, gy, strict=True)}
        for (r, c), (_p, kx, ky) in cell.items():
            below = cell.get((r + 1, c))
            left = cell.get((r, c - 1))
            ax = axes[r, c]
            if below is not None and below[1] == kx:
                ax.xaxis.set_tick_params(labelbottom=False)
            if left is not None and left[2] == ky:
                ax.yaxis.set_tick_params(labelleft=False)

        self._add_strips(fig, layout, panels, axes)
        import matplotlib as mpl

        label_kws = {
            "fontsize": mpl.rcParams["axes.labelsize"],
            "color": mpl.rcParams["axes.labelcolor"],
        }
        layout.xlabel = fig.text(0.5, 0, "", ha="center", va="bottom", **label_kws)
        layout.ylabel = fig.text(0, 0.5, "", ha="left", va="center", rotation=90, **label_kws)
        if self._space == "free":
            layout.ratios = self._free_ratios(axes)
        from chartkit.facets.grid import FacetPage

        return FacetPage(fig, axes, axes_dict, layout)

    def _build_on_ax(self, ax: Any) -> None:
        panel = self.plan.panels[0]
        axes = np.full((1, 1), ax, dtype=object)
        from chartkit.facets.grid import FacetPage

        page = FacetPage(ax.figure, axes, {panel.key: ax}, None)
        if self.plan.col is not None or self.plan.row is not None:
            name = self.plan.col if self.plan.col is not None else self.plan.row
            value = panel.col_value if self.plan.col is not None else panel.row_value
            ax.set_title(strip_text(self._labeller, name, value))
        self.pages.append(page)

    def _add_strips(self, fig: Any, layout: PageLayout, panels: list[Panel], axes) -> None:
        """Column strips as the panels' axes titles, row strips as figure texts.

        Column strips are the axes titles (``ax.get_title(loc)``, like seaborn), so anything
        that stacks above an axes title (chartkit.annotate title stacks) stacks above them.
        """
        import matplotlib as mpl

        plan_ = self.plan
        kws = {
            "fontsize": mpl.rcParams["axes.labelsize"],
            "color": mpl.rcParams["axes.labelcolor"],
            "fontweight": "bold",
            **self._strip_kws,
        }
        loc = mpl.rcParams["axes.titlelocation"]
        pad_pt = self._pad * 72 / 2
        both = plan_.row is not None and plan_.col is not None
        if plan_.col is not None:
            # Every panel gets its strip; in a row x col grid only the top panel of a column.
            chosen = panels
            if both:
                tops: dict[int, Panel] = {}
                for p in panels:
                    if p.col not in tops or p.row < tops[p.col].row:
                        tops[p.col] = p
                chosen = list(tops.values())
            for p in chosen:
                ax = axes[p.row, p.col]
                full = strip_text(self._labeller, plan_.col, p.col_value)
                # y=1 fixes the title's height: matplotlib would otherwise re-measure every
                # y tick label of every panel at draw time to dodge top ticks (12 s of a
                # 100-panel draw); the one-pass layout has already made room.
                text = ax.set_title(full, loc=loc, pad=pad_pt, y=1.0, **kws)
                layout.top_strips[ax] = (text, full)
        if plan_.row is not None:
            first: dict[int, Panel] = {}
            for p in panels:
                first.setdefault(p.row, p)
            for r, p in first.items():
                full = strip_text(self._labeller, plan_.row, p.row_value)
                text = fig.text(0, 0, full, ha="left", va="center", rotation=270, **kws)
                layout.right_strips[r] = (text, full)

    def _free_ratios(self, axes: np.ndarray) -> Callable[[], tuple[list[float] | None, ...]]:
        plan_ = self.plan

        def ratios() -> tuple[list[float] | None, list[float] | None]:
            wr = hr = None
            if plan_.share_x != "all":
                wr = []
                for c in range(axes.shape[1]):
                    spans = [abs(np.diff(a.get_xlim())[0]) for a in axes[:, c] if a is not None]
                    wr.append(max(spans) if spans else 1.0)
            if plan_.share_y != "all":
                hr = []
                for r in range(axes.shape[0]):
                    spans = [abs(np.diff(a.get_ylim())[0]) for a in axes[r, :] if a is not None]
                    hr.append(max(spans) if spans else 1.0)
            # A readable minimum: about 7 ems of the tick-label size per column or row.
            import matplotlib as mpl

            fig = next(a for a in axes.flat if a is not None).figure
            w_in, h_in = fig.get_size_inches()
            em = (
                mpl.font_manager.FontProperties(
                    size=mpl.rcParams["xtick.labelsize"]
                ).get_size_in_points()
                / 72
            )
            room_w = max(w_in * 0.8, 1e-6)
            room_h = max(h_in * 0.75, 1e-6)
            return _tame(wr, 7 * em / room_w), _tame(hr, 5 * em / room_h)

        return ratios

    def _add_colorbars(self) -> None:
        from matplotlib.cm import ScalarMappable

        for page in self.pages:
            fig = page.figure
            mappable = ScalarMappable(norm=self.norm, cmap=self.cmap)
            if page.layout is None or self._colorbar_mode == "each":
                for ax in page.axes_dict.values():
                    cax = ax.inset_axes([1.04, 0.0, 0.05, 1.0])
                    cb = fig.colorbar(mappable, cax=cax)
                    self._colorbars.append(cb)
                continue
            cax = fig.add_axes([0.9, 0.1, 0.02, 0.8])
            cb = fig.colorbar(mappable, cax=cax)
            cb.set_label(str(self.hue))
            page.layout.cax = cax
            self._colorbars.append(cb)
