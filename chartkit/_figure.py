"""Where plotting functions get their Axes: a figure is made only when ``ax is None``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chartkit._validate import check_exclusive

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["get_ax"]


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return *ax*, or a new Axes on a new pyplot figure when *ax* is None.

    pyplot is imported only when a figure has to be made, so functions that receive an Axes
    never touch pyplot's global state.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    figsize : (float, float), optional
        Size in inches of the new figure; only meaningful when *ax* is None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When both *ax* and *figsize* are given.
    """
    check_exclusive(ax=ax, figsize=figsize)
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
