"""Facet builders: small multiples from tidy data, and GridSpec mosaics.

``chartkit.facets.facet(df, col="trial", wrap=4, hue="split").map("plot", "step", "loss")``
builds a grid whose margins are measured in the one draw of a save. `layout` holds the pure
pandas maths (which panel gets which rows, grid shape, shared groups, pages); `grid` builds
the figures; `mosaic` makes hand-made layouts with spanning panels and abc tags.

Importing this subpackage imports pandas (not pyplot); ``import chartkit`` imports neither.
"""

from __future__ import annotations

from chartkit.facets.grid import FacetGrid, FacetPage, categorical_colors, facet
from chartkit.facets.layout import FacetPlan, Panel, plan
from chartkit.facets.mosaic import MosaicGrid, mosaic

__all__ = [
    "FacetGrid",
    "FacetPage",
    "FacetPlan",
    "MosaicGrid",
    "Panel",
    "categorical_colors",
    "facet",
    "mosaic",
    "plan",
]
