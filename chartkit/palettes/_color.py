"""Colour parsing and sRGB transfer functions (numpy only, no colorspacious, no pyplot).

Every public palette function turns its colour argument into an ``(n, 3)`` float array of
sRGB values in [0, 1] through `to_rgb_array`, so a bad colour is reported the same way
everywhere: the value, its position, and what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib import colors as mcolors

from chartkit._validate import check_nonempty, invalid_value_message

__all__ = ["linear_to_srgb", "srgb_to_linear", "to_hex_list", "to_rgb_array"]

_EXPECTED = "a matplotlib colour: a name, '#rrggbb' hex or an RGB(A) tuple with values in 0-1"


def _bad(value: Any, name: str, entry: int | None) -> ValueError:
    return ValueError(invalid_value_message(value, name, entry=entry, expected=_EXPECTED))


def to_rgb_array(colors: Any, *, name: str = "colors") -> np.ndarray:
    """Return *colors* as an ``(n, 3)`` float64 array of sRGB values in [0, 1].

    Parameters
    ----------
    colors : sequence of colours or array-like of shape (n, 3) or (n, 4)
        Hex strings, matplotlib colour names, RGB(A) tuples, or a float array in [0, 1].
        Alpha is dropped.
    name : str, default: "colors"
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray of shape (n, 3)

    Raises
    ------
    ValueError
        For an empty input, or naming the first invalid colour and its position
        (``'#12345' is not a valid value for colors (entry 2); expected ...``).
    """
    if isinstance(colors, str):
        colors = [colors]
    if isinstance(colors, np.ndarray) and colors.dtype.kind in "fiu":
        arr = np.asarray(colors, dtype=float)
        if arr.ndim == 1 and arr.shape[0] in (3, 4):
            arr = arr[None]
        if arr.ndim != 2 or arr.shape[1] not in (3, 4):
            raise ValueError(
                invalid_value_message(
                    f"array of shape {colors.shape}",
                    name,
                    expected="an array of shape (n, 3) or (n, 4)",
                )
            )
        if arr.shape[0] == 0:
            check_nonempty(arr, name=name, expected="at least one colour")
        bad = ~(np.isfinite(arr) & (arr >= 0) & (arr <= 1)).all(axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad(tuple(float(v) for v in arr[i]), name, i)
        return np.ascontiguousarray(arr[:, :3])
    if not isinstance(colors, Iterable):
        raise _bad(colors, name, None)
    items = list(colors)
    if not items:
        check_nonempty(items, name=name, expected="at least one colour")
    if all(type(c) is str and len(c) == 7 and c[0] == "#" for c in items):
        try:  # all '#rrggbb': parse in one go
            raw = bytes.fromhex("".join(c[1:] for c in items))
        except ValueError:
            pass
        else:
            if len(raw) == 3 * len(items):
                return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3) / 255.0
    out = np.empty((len(items), 3))
    for i, item in enumerate(items):
        if isinstance(item, str) and len(item) == 7 and item[0] == "#":
            try:  # fast path for '#rrggbb', the common case
                out[i] = tuple(bytes.fromhex(item[1:]))
                out[i] /= 255.0
                continue
            except ValueError:
                pass
        try:
            rgba = mcolors.to_rgba(item)
        except (ValueError, TypeError):
            raise _bad(item, name, i) from None
        if not all(np.isfinite(rgba)):
            raise _bad(item, name, i)
        out[i] = rgba[:3]
    return out


def to_hex_list(rgb: np.ndarray) -> list[str]:
    """Return ``#rrggbb`` strings for an ``(n, 3)`` array in [0, 1] (clipped first)."""
    q = np.rint(np.clip(np.asarray(rgb, dtype=float), 0, 1) * 255).astype(int).tolist()
    return ["#%02x%02x%02x" % tuple(c) for c in q]  # noqa: UP031 - fastest for this


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] to linear light (IEC 61966-2-1)."""
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    """Encode linear light to sRGB, unclipped (negative values follow the linear segment).

    This is colorspacious' extension of the sRGB curve, so unclipped simulated colours
    agree with the reference.
    """
    lin = np.asarray(lin, dtype=float)
    high = 1.055 * np.abs(lin) ** (1 / 2.4) - 0.055
    return np.where(lin <= 0.0031308, 12.92 * lin, high)
