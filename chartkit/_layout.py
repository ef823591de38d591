"""The one interface between chartkit's draw-time layouts and the texts they make room for.

Two parts, used by `chartkit.facets` (facet pages, mosaics) and `chartkit.annotate.titles`
(title stacks); neither side reads the other's private attributes.

`DrawTimeLayout`
    An invisible figure artist with the lowest zorder: `~matplotlib.figure.Figure.draw`
    draws it before any Axes or text, so its `layout` measures and moves things with the
    renderer (and dpi) of that very draw. Unlike a `~matplotlib.layout_engine.LayoutEngine`
    it does not make ``savefig`` run a second, draw-disabled ``Figure.draw`` first: one
    save is one draw. `draw_time_layout` finds the one a figure has; `attach` adds one.
    A figure with one lays itself out: no layout engine is installed on it.

`HeaderHost`
    A builder that reserves a band above its panels on each page and places the header
    artists handed to ``add_header(artist, page=k)`` at every draw (the facet grid). A
    header artist provides ``get_window_extent(renderer)``, ``get_ha()`` and
    ``set_position((x, y))`` in figure fractions with its top at *y*.

pyplot is never imported.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

from matplotlib.artist import Artist

__all__ = ["DrawTimeLayout", "HeaderHost", "attach", "draw_time_layout"]


class DrawTimeLayout(Artist):
    """Base class of figure layouts run at the start of each draw (see the module doc).

    Subclasses implement `layout`; this class draws nothing itself, takes no room in
    constrained or tight layout, and is skipped by the audit (it is no text).
    """

    def __init__(self) -> None:
        super().__init__()
        self.set_zorder(-math.inf)
        self.set_in_layout(False)

    def layout(self, fig: Any, renderer: Any) -> None:
        """Measure with *renderer* and place the artists of *fig* (the root figure)."""
        raise NotImplementedError

    def draw(self, renderer: Any) -> None:
        self.layout(self.get_figure(root=True), renderer)
        self.stale = False


def draw_time_layout(fig: Any) -> DrawTimeLayout | None:
    """The `DrawTimeLayout` attached to *fig*'s root figure, or None."""
    root = fig.get_figure(root=True)
    return next((a for a in root.artists if isinstance(a, DrawTimeLayout)), None)


def attach(fig: Any, layout: DrawTimeLayout) -> DrawTimeLayout:
    """Add *layout* to *fig*'s root figure (which must not have one yet); return it."""
    root = fig.get_figure(root=True)
    current = draw_time_layout(root)
    if current is not None:
        from chartkit._validate import invalid_value_message

        raise ValueError(
            invalid_value_message(
                fig, "fig",
                expected="a figure with no draw-time layout; it is already laid out by "
                f"{type(current).__name__}",
            )
        )
    root.add_artist(layout)
    return layout


@runtime_checkable
class HeaderHost(Protocol):
    """A multi-page builder that reserves and places header bands (see the module doc)."""

    pages: Any

    def add_header(self, artist: Any, *, page: int = 0) -> Any:
        """Reserve room above the panels of *page* for *artist*; place it at every draw."""
        ...
