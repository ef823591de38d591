"""Colormap builders in CAM02-UCS: sequential, diverging and generated categorical maps.

Lightness J' is laid out first (monotone, evenly stepped; mirror-symmetric for diverging
maps), hue is held fixed per side, and chroma follows a smooth profile that is reduced, point
by point and by bisection, until the colour fits in the sRGB gamut. Hue and chroma are
measured from the sRGB grey of the same J' (CAM02-UCS puts R = G = B slightly off
a' = b' = 0), so a chroma of 0 is a true grey: the centre of a diverging map is neutral.
Reducing chroma at fixed J' and hue keeps the lightness profile exact, which is what
`check_cmap` judges.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from chartkit._validate import invalid_value_message
from chartkit.palettes._color import srgb_to_linear, to_hex_list, to_rgb_array

__all__ = ["categorical", "diverging", "sequential"]

_BISECT_STEPS = 24


@functools.lru_cache(maxsize=1)
def _grey_table() -> tuple[np.ndarray, np.ndarray]:
    """J' and (a', b') of sRGB greys: CAM02-UCS's a' = b' = 0 is not exactly R = G = B."""
    from chartkit.palettes.cvd import to_ucs

    grey = srgb_to_linear(np.linspace(0.0, 1.0, 1025))
    jab = to_ucs(np.repeat(grey[:, None], 3, axis=1))
    return jab[:, 0], jab[:, 1:]


def _grey_ab(j: np.ndarray) -> np.ndarray:
    """a'b' of the sRGB grey of lightness *j*: the neutral axis that chroma is measured from."""
    gj, gab = _grey_table()
    return np.stack([np.interp(j, gj, gab[:, 0]), np.interp(j, gj, gab[:, 1])], axis=-1)


def _ucs_of(color: Any, name: str) -> np.ndarray:
    from chartkit.palettes.cvd import to_ucs

    return to_ucs(srgb_to_linear(to_rgb_array([color], name=name)))[0]


def _to_srgb(jab: np.ndarray) -> np.ndarray:
    from colorspacious import cspace_convert

    return cspace_convert(jab, "CAM02-UCS", "sRGB1")


def _fit_gamut(j: np.ndarray, hue: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Largest chroma <= *chroma* (per point) whose colour lies in sRGB; returns sRGB1."""
    lo = np.zeros_like(chroma)
    hi = chroma.astype(float).copy()

    grey = _grey_ab(j)

    def rgb_at(c: np.ndarray) -> np.ndarray:
        a = grey[:, 0] + c * np.cos(hue)
        b = grey[:, 1] + c * np.sin(hue)
        return _to_srgb(np.stack([j, a, b], axis=-1))

    ok = ((rgb := rgb_at(hi)) >= -1e-9).all(-1) & (rgb <= 1 + 1e-9).all(-1)
    lo[ok] = hi[ok]
    for _ in range(_BISECT_STEPS):
        mid = np.where(ok, hi, 0.5 * (lo + hi))
        rgb = rgb_at(mid)
        inside = (rgb >= -1e-9).all(-1) & (rgb <= 1 + 1e-9).all(-1)
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    return np.clip(rgb_at(lo), 0.0, 1.0)


def _check_n(n: Any) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise ValueError(invalid_value_message(n, "n", expected="an integer >= 2"))
    return int(n)


def _check_lightness(lightness: Any) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in lightness)
    except (TypeError, ValueError):
        a = b = float("nan")
    if not (0 <= a <= 100 and 0 <= b <= 100 and a != b):
        raise ValueError(
            invalid_value_message(
                lightness, "lightness", expected="two different J' values in 0-100"
            )
        )
    return a, b


def _listed(rgb: np.ndarray, name: str):
    from matplotlib.colors import ListedColormap

    return ListedColormap(to_hex_list(rgb), name=name)


def _hue_and_chroma(hue_or_color: Any, chroma: float | None) -> tuple[float, float]:
    if isinstance(hue_or_color, (int, float, np.integer, np.floating)) and not isinstance(
        hue_or_color, bool
    ):
        hue = np.deg2rad(float(hue_or_color))
        return hue, 35.0 if chroma is None else float(chroma)
    jab = _ucs_of(hue_or_color, "hue_or_color")
    jab[1:] -= _grey_ab(jab[:1])[0]
    c = float(np.hypot(jab[1], jab[2]))
    if c < 1.0:
        raise ValueError(
            invalid_value_message(
                hue_or_color, "hue_or_color", expected="a colour with a hue (not grey)"
            )
        )
    return float(np.arctan2(jab[2], jab[1])), c if chroma is None else float(chroma)


def sequential_rgb(
    hue_or_color: Any,
    n: int = 256,
    *,
    lightness: tuple[float, float] = (96.0, 22.0),
    chroma: float | None = None,
) -> np.ndarray:
    """The ``(n, 3)`` sRGB samples of `sequential` (see there)."""
    n = _check_n(n)
    j0, j1 = _check_lightness(lightness)
    hue, peak = _hue_and_chroma(hue_or_color, chroma)
    t = np.linspace(0.0, 1.0, n)
    j = j0 + (j1 - j0) * t
    # Chroma rises from the light end and eases off towards the dark end.
    c = peak * np.sin(np.pi * (0.04 + 0.84 * t)) ** 0.6
    return _fit_gamut(j, np.full(n, hue), c)


def sequential(
    hue_or_color: Any,
    n: int = 256,
    *,
    lightness: tuple[float, float] = (96.0, 22.0),
    chroma: float | None = None,
    name: str = "sequential",
):
    """A single-hue sequential colormap with evenly stepped lightness.

    Parameters
    ----------
    hue_or_color : float or colour
        CAM02-UCS hue angle in degrees, or a colour whose hue (and chroma) is used.
    n : int, default: 256
        Number of colours.
    lightness : (float, float), default: (96, 22)
        J' of the first and last colour; J' steps evenly between them (light to dark by
        default, for light backgrounds; reverse the pair or use ``.reversed()`` for dark).
    chroma : float, optional
        Peak chroma M'; default: the colour's own, or 35 for a hue angle. It is lowered where
        the colour would leave the sRGB gamut.
    name : str, default: "sequential"

    Returns
    -------
    matplotlib.colors.ListedColormap

    Raises
    ------
    ValueError
        For an invalid or grey colour, ``n < 2`` or a bad *lightness*.

    See Also
    --------
    diverging : two hues around a neutral centre.
    chartkit.palettes.check_cmap : verifies the lightness profile.
    """
    return _listed(sequential_rgb(hue_or_color, n, lightness=lightness, chroma=chroma), name=name)


def diverging_rgb(
    color_low: Any,
    color_high: Any,
    n: int = 256,
    *,
    lightness: tuple[float, float] = (38.0, 95.0),
    chroma: float | None = None,
) -> np.ndarray:
    """The ``(n, 3)`` sRGB samples of `diverging` (see there)."""
    n = _check_n(n)
    j_end, j_mid = _check_lightness(lightness)
    h_lo, c_lo = _hue_and_chroma(color_low, chroma)
    h_hi, c_hi = _hue_and_chroma(color_high, chroma)
    t = np.linspace(-1.0, 1.0, n)
    a = np.abs(t)
    j = j_mid + (j_end - j_mid) * a
    hue = np.where(t < 0, h_lo, h_hi)
    c = np.where(t < 0, c_lo, c_hi) * np.sin(0.5 * np.pi * a) ** 0.8
    return _fit_gamut(j, hue, c)


def diverging(
    color_low: Any,
    color_high: Any,
    n: int = 256,
    *,
    lightness: tuple[float, float] = (38.0, 95.0),
    chroma: float | None = None,
    name: str = "diverging",
):
    """A diverging colormap: two hues around a neutral centre, mirror-symmetric lightness.

    Parameters
    ----------
    color_low, color_high : colour or float
        Colours (or CAM02-UCS hue angles in degrees) of the low and high ends.
    n : int, default: 256
    lightness : (float, float), default: (38, 95)
        J' at both ends and at the neutral (grey, a' = b' = 0) centre. J' steps evenly from
        each end to the centre and is identical at mirrored positions.
    chroma : float, optional
        Peak chroma M' at the ends; default: each colour's own (35 for hue angles), lowered
        where needed to stay in the sRGB gamut.
    name : str, default: "diverging"

    Returns
    -------
    matplotlib.colors.ListedColormap

    Raises
    ------
    ValueError
        For an invalid or grey colour, ``n < 2`` or a bad *lightness*.

    See Also
    --------
    sequential : one hue, light to dark.
    chartkit.palettes.check_cmap : verifies symmetry and the neutral centre.
    """
    return _listed(
        diverging_rgb(color_low, color_high, n, lightness=lightness, chroma=chroma), name=name
    )


def categorical(n: int, *, name: str | None = None, **kwargs: Any):
    """A qualitative `ListedColormap` of *n* colours from `chartkit.palettes.generate`.

    Parameters
    ----------
    n : int
    name : str, optional
        Default ``"categorical<n>"``.
    **kwargs
        Passed to `chartkit.palettes.generate`.

    Returns
    -------
    matplotlib.colors.ListedColormap
    """
    from matplotlib.colors import ListedColormap

    from chartkit.palettes.generator import generate

    return ListedColormap(generate(n, **kwargs), name=name or f"categorical{n}")
