"""Spike-preserving decimation of long series for drawing.

For each pixel column the first, last, minimum and maximum point are kept (the M4 scheme,
computed by ``tsdownsample``), after selecting the visible x range; non-finite points are
kept too (the first per column, and always the series' first non-finite point), so no
extreme and no divergence marker can vanish the way TensorBoard's 1000-point reservoir
makes them vanish. No pyplot here.
"""

from __future__ import annotations

import numpy as np

from chartkit._optional import import_optional
from chartkit._validate import invalid_value_message

__all__ = ["downsample_indices"]


def downsample_indices(x, y, n_columns: int, *, xlim=None) -> np.ndarray:
    """Indices of the points to draw so that the picture is the same as drawing all.

    Parameters
    ----------
    x : array-like
        Sorted (non-decreasing) x values, e.g. steps.
    y : array-like of float
        Values; may hold NaN and inf.
    n_columns : int
        Pixel columns the series spans (e.g. the Axes width in pixels).
    xlim : (float, float), optional
        Visible x range; points outside it are dropped except the nearest one on each side,
        so the line still runs to the edge.

    Returns
    -------
    numpy.ndarray of int
        Sorted, unique indices into *x*/*y*.
    """
    xs = np.asarray(x)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(
            invalid_value_message(
                f"x of shape {xs.shape} and y of shape {ys.shape}", "x, y",
                expected="1-D arrays of equal length",
            )
        )
    if int(n_columns) < 1:
        raise ValueError(invalid_value_message(n_columns, "n_columns", expected=">= 1"))
    n = xs.size
    lo, hi = 0, n
    if xlim is not None and n:
        lo = max(int(np.searchsorted(xs, xlim[0], side="left")) - 1, 0)
        hi = min(int(np.searchsorted(xs, xlim[1], side="right")) + 1, n)
    if hi - lo <= 4 * int(n_columns):
        return np.arange(lo, hi)
    xv, yv = xs[lo:hi], ys[lo:hi]
    finite = np.isfinite(yv)
    keep = [np.array([0, xv.size - 1])]
    fidx = np.flatnonzero(finite)
    if fidx.size:
        tsd = import_optional("tsdownsample", "drawing long series", "metrics")
        if fidx.size > 4 * int(n_columns):
            # Pad the finite points with copies at the ends of the range so tsdownsample's
            # x-bins are the pixel columns of the whole visible range.
            pos = np.concatenate(([fidx[0]], fidx, [fidx[-1]]))
            xf = np.concatenate(([xv[0]], xv[fidx], [xv[-1]])).astype(np.float64)
            yf = np.ascontiguousarray(yv[pos])
            sel = tsd.M4Downsampler().downsample(xf, yf, n_out=4 * int(n_columns))
            keep.append(pos[np.asarray(sel, dtype=np.int64)])
        else:
            keep.append(fidx)
    bad = np.flatnonzero(~finite)
    if bad.size:
        x0, x1 = float(xv[0]), float(xv[-1])
        span = (x1 - x0) or 1.0
        cols = np.minimum(((xv[bad] - x0) / span * n_columns).astype(np.int64), n_columns - 1)
        _, first = np.unique(cols, return_index=True)
        keep.append(bad[first])
        keep.append(bad[:1])
        # The last finite point before each run of non-finite values: where the line stops.
        starts = bad[np.r_[True, np.diff(bad) > 1]]
        keep.append(starts[starts > 0] - 1)
    return np.unique(np.concatenate(keep)) + lo
