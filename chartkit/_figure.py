"""Where plotting functions get their Axes: the one rule of the plot contract.

``ax=None`` means pyplot's current Axes (``plt.gca()``, made if there is none), as seaborn
does, so ``plt.figure(); plot_x(...)`` and ``plt.subplot(1, 2, 2); plot_x(...)`` draw where
the user expects; ``figsize=`` (only without *ax*) asks for a new figure of that size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chartkit._validate import check_exclusive

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["get_ax"]


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return *ax*; when *ax* is None, pyplot's current Axes (or a new figure of *figsize*).

    pyplot is imported only when no Axes is given, so functions that receive an Axes never
    touch pyplot's global state and make no figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    figsize : (float, float), optional
        Make a new figure of this size in inches (only without *ax*); default: draw on the
        current Axes, as seaborn does.

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

    if figsize is None:
        return plt.gca()
    from chartkit._validate import check_positive

    check_positive(figsize=tuple(figsize))
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
