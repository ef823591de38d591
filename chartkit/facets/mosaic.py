"""`mosaic`: hand-made layouts over `~matplotlib.figure.Figure.subplot_mosaic`.

Spanning panels come from the mosaic itself (``"AAB;CDB"`` or a list of lists); chartkit
adds per-panel abc tags, one shared legend (on a side, or in a panel of its own), a header
band for titles (the title-stack hook, `MosaicGrid.add_header`) and the same one-pass layout
as `chartkit.facets.facet`: margins and gaps measured from text extents inside the one draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chartkit._validate import (
    check_in_list,
    check_nonempty,
    check_positive,
    check_refused,
    invalid_value_message,
)
from chartkit.facets._measure import PageLayout, new_figure

__all__ = ["MosaicGrid", "abc_labels", "mosaic"]


def abc_labels(n: int, style: str = "a") -> list[str]:
    """Tags for *n* panels (``"a"``, ``"(a)"``, ``"A."``, ``"1"``, ``"i"``, ``"(가)"``, ``"ㄱ."``).

    The one panel-tag labeller, `chartkit.annotate.tags.panel_tags` (shared with
    `chartkit.annotate.abc`), with the argument named ``abc`` in messages.
    """
    from chartkit.annotate.tags import panel_tags

    return panel_tags(n, style, name="abc")


class MosaicGrid:
    """A mosaic figure with measured margins (see `mosaic`).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes_dict : dict
        Mosaic name -> Axes, in reading order.
    tags : dict
        Mosaic name -> abc tag `~matplotlib.text.Text` (empty without tags).
    legend : matplotlib.legend.Legend or None
    """

    def __init__(self, figure: Any, axes_dict: dict, layout: PageLayout, legend_area: Any):
        self.figure = figure
        self.axes_dict = axes_dict
        self.layout = layout
        self.tags: dict[Any, Any] = {}
        self.legend = None
        self._legend_area = legend_area

    @property
    def axes(self) -> list[Any]:
        """The panels in reading order (the legend area excluded)."""
        return list(self.axes_dict.values())

    def __getitem__(self, name: Any) -> Any:
        return self.axes_dict[name]

    def add_legend(self, *, side: str = "right", **legend_kws: Any) -> MosaicGrid:
        """One legend for the whole figure, each label once (first handle wins).

        Parameters
        ----------
        side : {"right", "bottom", "top"}, default: "right"
            Outside the panels on that side; ignored when `mosaic` was given a legend panel
            (``legend="L"``): the legend then fills that panel.
        **legend_kws
            Passed to `matplotlib.figure.Figure.legend` (or `matplotlib.axes.Axes.legend`
            of the legend panel).

        Returns
        -------
        MosaicGrid
            self.
        """
        check_in_list(("right", "bottom", "top"), side=side)
        found: dict[str, Any] = {}
        for ax in self.axes_dict.values():
            handles, labels = ax.get_legend_handles_labels()
            for h, lab in zip(handles, labels, strict=True):
                found.setdefault(lab, h)
        if not found:
            return self
        if self.legend is not None:
            self.legend.remove()
        if self._legend_area is not None:
            self.legend = self._legend_area.legend(
                list(found.values()), list(found), **{"loc": "center", **legend_kws}
            )
            return self
        check_refused(
            legend_kws,
            ("loc", "bbox_to_anchor"),
            func="the mosaic layout",
            reason=f"legend side {side!r}",
            hint="choose the side with side= instead",
        )
        ncols = legend_kws.pop("ncols", 1 if side == "right" else min(len(found), 6))
        self.legend = self.figure.legend(
            list(found.values()), list(found), ncols=ncols, **{"borderaxespad": 0, **legend_kws}
        )
        self.layout.legend = self.legend
        self.layout.legend_side = side
        return self

    def set_title(self, title: str, *, subtitle: str | None = None, **text_kws: Any):
        """Title (and subtitle) above the panels; *text_kws* go to `Figure.text`.

        Returns
        -------
        MosaicGrid
            self.
        """
        import matplotlib as mpl

        for old in self.layout.header:
            old.remove()
        self.layout.header = []
        kws = {
            "fontsize": mpl.rcParams["axes.titlesize"],
            "fontweight": mpl.rcParams["axes.titleweight"],
            **text_kws,
        }
        head = self.figure.text(0, 1, title, ha="left", va="top", **kws)
        head._chartkit_full = title
        self.add_header(head)
        if subtitle:
            sub = self.figure.text(0, 1, subtitle, ha="left", va="top", color="0.35")
            sub._chartkit_full = subtitle
            self.add_header(sub)
        return self

    def add_header(self, artist: Any) -> MosaicGrid:
        """Reserve a band above the panels for *artist* (the title-stack hook).

        Same contract as `chartkit.facets.FacetGrid.add_header`.

        Returns
        -------
        MosaicGrid
            self.
        """
        self.layout.header.append(artist)
        return self

    def savefig(self, fname: Any, **savefig_kws: Any) -> None:
        """`matplotlib.figure.Figure.savefig` of the mosaic."""
        self.figure.savefig(fname, **savefig_kws)


def mosaic(
    layout: str | list[list[Any]],
    *,
    figsize: tuple[float, float] | None = None,
    abc: bool | str = True,
    legend: str | None = None,
    sharex: bool = False,
    sharey: bool = False,
    width_ratios: list[float] | None = None,
    height_ratios: list[float] | None = None,
    empty_sentinel: Any = ".",
    title: str | None = None,
    abc_kws: Mapping[str, Any] | None = None,
    **subplot_kw: Any,
) -> MosaicGrid:
    """A figure of named panels laid out by a mosaic, with measured margins.

    Parameters
    ----------
    layout : str or list of lists
        As `matplotlib.figure.Figure.subplot_mosaic`: ``"AAB;CDB"`` or ``[["A", "A", "B"],
        ["C", "D", "B"]]``; a name repeated over a rectangle spans it; *empty_sentinel*
        leaves a cell empty. Nested mosaics are not supported.
    figsize : (float, float), optional
        Figure size in inches (default ``rcParams["figure.figsize"]``).
    abc : bool or str, default: True
        Tag each panel (reading order) above its top-left corner: True for ``a, b, c``, or a
        template (``"(a)"``, ``"A"``, ``"1."``; see `abc_labels`); False for none.
    legend : {"right", "bottom", "top"} or a panel name, optional
        Where `MosaicGrid.add_legend` puts the shared legend; a panel name turns that panel
        into the legend area (no axis, no tag).
    sharex, sharey : bool, default: False
        Share the axis between all panels.
    width_ratios, height_ratios : list of float, optional
        Relative column widths / row heights.
    empty_sentinel : object, default: "."
    title : str, optional
        Figure title (see `MosaicGrid.set_title`).
    abc_kws : dict, optional
        Passed to `matplotlib.figure.Figure.text` for the tags (default bold, title size).
    **subplot_kw
        Passed to `matplotlib.figure.Figure.subplot_mosaic` as ``per_subplot_kw`` defaults
        (``subplot_kw``) for every panel, e.g. ``projection="polar"``.

    Returns
    -------
    MosaicGrid

    Raises
    ------
    ValueError
        For a nested layout, an unknown legend side or panel, or a bad *abc* template.

    See Also
    --------
    chartkit.facets.facet : panels from the levels of a tidy frame.
    """
    import matplotlib as mpl

    check_nonempty(
        layout,
        name="layout",
        expected="a mosaic with at least one panel, such as 'AB;CC' or [['A', 'B']]",
    )
    check_positive(figsize=None if figsize is None else tuple(figsize))
    if isinstance(layout, list) and any(
        isinstance(cell, list) and any(isinstance(x, list) for x in cell)
        for row in layout
        for cell in (row if isinstance(row, list) else [row])
    ):
        raise ValueError("nested mosaics are not supported by chartkit.facets.mosaic.")
    page = PageLayout(gridspec=None, axes=[], pad=mpl.rcParams["font.size"] * 0.5 / 72)
    fig = new_figure(page, figsize)
    axd = fig.subplot_mosaic(
        layout,
        sharex=sharex,
        sharey=sharey,
        width_ratios=width_ratios,
        height_ratios=height_ratios,
        empty_sentinel=empty_sentinel,
        subplot_kw=subplot_kw or None,
    )
    legend_area = None
    if legend is not None and legend not in ("right", "bottom", "top"):
        if legend not in axd:
            raise ValueError(
                invalid_value_message(legend, "legend", ["right", "bottom", "top", *map(str, axd)])
            )
        legend_area = axd.pop(legend)
        legend_area.set_axis_off()
    # Reading order: by top row, then left column.
    names = sorted(
        axd,
        key=lambda k: (
            axd[k].get_subplotspec().rowspan.start,
            axd[k].get_subplotspec().colspan.start,
        ),
    )
    axd = {k: axd[k] for k in names}
    any_ax = next(iter(axd.values()))
    page.gridspec = any_ax.get_subplotspec().get_gridspec()
    page.axes = [*axd.values()] + ([legend_area] if legend_area is not None else [])
    grid = MosaicGrid(fig, axd, page, legend_area)
    if legend in ("right", "bottom", "top"):
        page.legend_side = legend
    if abc:
        style = "a" if abc is True else abc
        kws = {
            "fontsize": mpl.rcParams["axes.titlesize"],
            "fontweight": "bold",
            **(abc_kws or {}),
        }
        for name, tag in zip(names, abc_labels(len(names), style), strict=True):
            text = fig.text(0, 0, tag, ha="left", va="bottom", **kws)
            page.tags[axd[name]] = text
            grid.tags[name] = text
    if title is not None:
        grid.set_title(title)
    return grid
