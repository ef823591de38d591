"""Decorating a facet grid: Axes properties, spanning labels, title, headers, legend, saving.

`_DecorMixin` holds the public decorating methods of `chartkit.facets.grid.FacetGrid`;
the layout places what they add in the one draw of a save (`chartkit.facets._measure`).
"""

from __future__ import annotations

from typing import Any

from chartkit._validate import check_in_list, check_refused, invalid_value_message

__all__: list[str] = []

_LEGEND_SIDES = ("right", "bottom", "top", "panel")


class _DecorMixin:
    """Decorating methods for `FacetGrid` (they return the grid for chaining)."""

    def set(self, **kwargs: Any) -> Any:
        """Set Axes properties on every panel of every page (``yscale="log"``, ``xlim=``).

        *kwargs* go to `matplotlib.axes.Axes.set`.

        Returns
        -------
        FacetGrid
            self.
        """
        for ax in self.axes_dict.values():
            ax.set(**kwargs)
        return self

    def set_axis_labels(self, x_var: str | None = None, y_var: str | None = None) -> Any:
        """Set the spanning x and y labels (one per figure, centred on the panels).

        Returns
        -------
        FacetGrid
            self.
        """
        self._xlabel, self._ylabel = x_var, y_var
        for page in self.pages:
            if page.layout is None:
                ax = page.axes[0, 0]
                ax.set_xlabel(x_var or "")
                ax.set_ylabel(y_var or "")
                continue
            for text, value in ((page.layout.xlabel, x_var), (page.layout.ylabel, y_var)):
                text.set_text(value or "")
                text._chartkit_full = value or ""
        return self

    def set_title(self, title: str, *, subtitle: str | None = None, **text_kws: Any) -> Any:
        """Title (and subtitle) above the panels, aligned with the panel area.

        With several pages, each title ends with `` (page i/n)``. *text_kws* go to
        `matplotlib.figure.Figure.text` for the title.

        Returns
        -------
        FacetGrid
            self.
        """
        import matplotlib as mpl

        n = len(self.pages)
        for i, page in enumerate(self.pages):
            full = title if n == 1 else f"{title} (page {i + 1}/{n})"
            if page.layout is None:
                page.figure.suptitle(full, **text_kws)
                continue
            for old in page.layout.header:
                old.remove()
            page.layout.header = []
            kws = {
                "fontsize": mpl.rcParams["axes.titlesize"],
                "fontweight": mpl.rcParams["axes.titleweight"],
                **text_kws,
            }
            head = page.figure.text(0, 1, full, ha="left", va="top", **kws)
            head._chartkit_full = full
            self.add_header(head, page=i)
            if subtitle:
                sub = page.figure.text(0, 1, subtitle, ha="left", va="top", color="0.35")
                sub._chartkit_full = subtitle
                self.add_header(sub, page=i)
        return self

    def add_header(self, artist: Any, *, page: int = 0) -> Any:
        """Reserve room above the panels for *artist* and place it at every draw.

        This is the hook for title stacks: *artist* needs ``get_window_extent(renderer)``,
        ``get_ha()`` and ``set_position((x, y))`` in figure fractions with its top at *y*
        (a `~matplotlib.text.Text` with ``va="top"``). Headers stack top-down in the order
        added; the band's height is their measured height.

        Returns
        -------
        FacetGrid
            self.
        """
        layout = self.pages[page].layout
        if layout is None:
            raise ValueError(
                invalid_value_message(
                    "ax=", "add_header", expected="a grid whose figure facet() made (not ax=)"
                )
            )
        layout.header.append(artist)
        return self

    def add_legend(self, *, side: str | None = None, **legend_kws: Any) -> Any:
        """One legend per figure outside the panels, or per-panel legends (``"panel"``).

        The figure legend lists every hue level in order, with the same handles on every
        page; per-panel legends list only the levels present in that panel.

        Parameters
        ----------
        side : {"right", "bottom", "top", "panel"}, optional
            Defaults to the ``legend=`` given to `facet`.
        **legend_kws
            Passed to `matplotlib.figure.Figure.legend` (or `matplotlib.axes.Axes.legend`
            per panel), over the ``legend_kws`` given to `facet`. ``loc`` and
            ``bbox_to_anchor`` of a figure legend are set by the layout and refused.

        Returns
        -------
        FacetGrid
            self.
        """
        side = side or self._legend_side or "right"
        check_in_list(_LEGEND_SIDES, legend=side)
        kws = {**self._legend_kws, **legend_kws}
        if side == "panel":
            for ax in self.axes_dict.values():
                if ax.get_legend_handles_labels()[0]:
                    ax.legend(**{"loc": "best", **kws})
            return self
        check_refused(
            kws,
            ("loc", "bbox_to_anchor"),
            func="the facet layout",
            reason=f"legend side {side!r}",
            hint="choose the side with side= or legend= instead",
        )
        handles, labels = self._legend_entries()
        if not handles:
            return self
        title = kws.pop("title", None if self.hue is None else str(self.hue))
        ncols = kws.pop("ncols", 1 if side == "right" else min(len(handles), 6))
        for page in self.pages:
            if page.layout is None:
                page.axes[0, 0].legend(handles, labels, title=title, **kws)
                continue
            if page.layout.legend is not None:
                page.layout.legend.remove()
            leg = page.figure.legend(
                handles, labels, title=title, ncols=ncols, **{"borderaxespad": 0, **kws}
            )
            page.layout.legend = leg
            page.layout.legend_side = side
        self._legend_side = side
        return self

    def _legend_entries(self) -> tuple[list[Any], list[str]]:
        found: dict[str, Any] = {}
        for ax in self.axes_dict.values():
            for artist in (*ax.lines, *ax.collections, *ax.patches):
                label = artist.get_label()
                if label and not label.startswith("_") and label not in found:
                    found[label] = artist
            if self.hue_levels and len(found) >= len(self.hue_levels):
                break
        order = [str(v) for v in self.hue_levels]
        labels = [lab for lab in order if lab in found] + [
            lab for lab in found if lab not in order
        ]
        return [found[lab] for lab in labels], labels

    def savefig(self, fname: str, **savefig_kws: Any) -> list[str]:
        """Save every page: ``fname`` alone, or ``stem-1.ext``, ``stem-2.ext``, ... for pages.

        *savefig_kws* go to `matplotlib.figure.Figure.savefig`.

        Returns
        -------
        list of str
            The paths written.
        """
        import os

        if len(self.pages) == 1:
            self.figure.savefig(fname, **savefig_kws)
            return [os.fspath(fname)]
        stem, ext = os.path.splitext(os.fspath(fname))
        paths = []
        for i, page in enumerate(self.pages, start=1):
            path = f"{stem}-{i}{ext}"
            page.figure.savefig(path, **savefig_kws)
            paths.append(path)
        return paths
