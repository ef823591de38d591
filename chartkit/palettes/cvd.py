"""Colour-vision-deficiency simulation and stacked CAM02-UCS conversion.

Two models:

* ``"machado"``: Machado, Oliveira & Fernandes (2009), one 3x3 matrix in linear sRGB per
  deficiency and severity (0-100). The matrices are colorspacious'; colorspacious'
  ``"sRGB1+CVD"`` space is the reference every fast path here is tested against.
* ``"brettel"``: Brettel, Viénot & Mollon (1997), two half-plane projections in LMS
  (Smith & Pokorny 1975 cone fundamentals, sRGB primaries, white as the neutral axis,
  anchors 475/575 nm for protan and deutan, 485/660 nm for tritan). Machado's tritan model is
  weak; Brettel is the usual reference for tritanopia. Severity below 100 blends linearly
  with normal vision in linear RGB.

Simulated colours can fall outside the sRGB gamut. `simulate_cvd` clips them to [0, 1] for
display (``clip=True``), but every metric in chartkit (`visions_ucs`, `image_ucs`,
`chartkit.palettes.check_palette`) uses the **unclipped** values: clipping would change ΔE
verdicts by several units.

Only numpy is imported at module level; colorspacious is imported on first use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.palettes._color import linear_to_srgb, srgb_to_linear, to_rgb_array

__all__ = [
    "CVD_KINDS",
    "ImageColors",
    "image_ucs",
    "normalize_visions",
    "simulate_cvd",
    "to_ucs",
    "vision_label",
    "visions_ucs",
]

CVD_KINDS = ("protanomaly", "deuteranomaly", "tritanomaly")
MODELS = ("machado", "brettel")
_ALIASES = {
    "protan": "protanomaly",
    "protanopia": "protanomaly",
    "deutan": "deuteranomaly",
    "deuteranopia": "deuteranomaly",
    "tritan": "tritanomaly",
    "tritanopia": "tritanomaly",
}

Model = Literal["machado", "brettel"]


# ----------------------------------------------------------------------------- validation
def _check_kind(kind: Any) -> str:
    if isinstance(kind, str) and kind.lower() in _ALIASES:
        return _ALIASES[kind.lower()]
    check_in_list((*CVD_KINDS, *_ALIASES), kind=kind)
    return kind


def _check_severity(severity: Any) -> float:
    ok = isinstance(severity, (int, float, np.integer, np.floating)) and not isinstance(
        severity, bool
    )
    if not ok or not np.isfinite(severity) or not 0 <= severity <= 100:
        raise ValueError(
            invalid_value_message(severity, "severity", expected="a number from 0 to 100")
        )
    return float(severity)


def _check_model(model: Any) -> str:
    check_in_list(MODELS, model=model)
    return model


def vision_label(kind: str | None, severity: float = 100) -> str:
    """``"normal"`` or ``"<kind>-<severity>"``, e.g. ``"deuteranomaly-100"``."""
    if kind is None:
        return "normal"
    return f"{kind}-{severity:g}"


def normalize_visions(
    kinds: Any = CVD_KINDS, severities: Any = (100,), *, normal: bool = True
) -> list[tuple[str | None, float]]:
    """Validate and expand kinds x severities into ``(kind, severity)`` pairs.

    ``(None, 0)`` stands for normal vision and comes first when *normal* is true.
    """
    if type(kinds) is tuple and type(severities) is tuple:
        try:
            return list(_normalize_cached(kinds, severities, normal))
        except TypeError:  # unhashable entries: validate below
            pass
    return _normalize(kinds, severities, normal)


@functools.lru_cache(maxsize=64)
def _normalize_cached(kinds: tuple, severities: tuple, normal: bool) -> tuple:
    return tuple(_normalize(kinds, severities, normal))


def _normalize(kinds: Any, severities: Any, normal: bool) -> list[tuple[str | None, float]]:
    if isinstance(kinds, str):
        kinds = [kinds]
    if isinstance(severities, (int, float)):
        severities = [severities]
    sev = [_check_severity(s) for s in severities]
    if not sev:
        raise ValueError("severities is empty; expected at least one number from 0 to 100.")
    out: list[tuple[str | None, float]] = [(None, 0.0)] if normal else []
    for k in kinds:
        kk = _check_kind(k)
        out += [(kk, s) for s in sev]
    return out


# ------------------------------------------------------------------------------ matrices
@functools.lru_cache(maxsize=256)
def _machado(kind: str, severity: float) -> np.ndarray:
    from colorspacious.cvd import machado_et_al_2009_matrix

    return np.asarray(machado_et_al_2009_matrix(kind, severity), dtype=float)


# Smith & Pokorny (1975) cone fundamentals from CIE XYZ, as used by Viénot et al. (1999).
_LMS_FROM_XYZ = np.array(
    [[0.15514, 0.54312, -0.03286], [-0.15514, 0.45684, 0.03286], [0.0, 0.0, 0.01608]]
)
# IEC 61966-2-1 (sRGB, D65) linear RGB to XYZ.
_XYZ_FROM_RGB = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
# CIE 1931 2° colour-matching values of the spectral anchors (X, Y, Z).
_ANCHORS_XYZ = {
    475: np.array([0.1421, 0.1126, 1.0419]),
    575: np.array([0.8425, 0.9154, 0.0018]),
    485: np.array([0.05795, 0.1693, 0.6162]),
    660: np.array([0.1649, 0.0610, 0.0000]),
}
_MISSING_CONE = {"protanomaly": 0, "deuteranomaly": 1, "tritanomaly": 2}


@functools.lru_cache(maxsize=8)
def _brettel(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two linear-RGB projection matrices and the separating-plane normal (in linear RGB)."""
    lms_from_rgb = _LMS_FROM_XYZ @ _XYZ_FROM_RGB
    rgb_from_lms = np.linalg.inv(lms_from_rgb)
    neutral = lms_from_rgb @ np.ones(3)
    k = _MISSING_CONE[kind]
    wings = (475, 575) if k < 2 else (485, 660)
    axis = np.eye(3)[k]
    sep = np.cross(neutral, axis)
    mats = []
    for wl in wings:
        anchor = _LMS_FROM_XYZ @ _ANCHORS_XYZ[wl]
        normal = np.cross(neutral, anchor)
        # Move along the missing cone's axis until the colour lies on the half-plane:
        # x' = x - axis * (normal . x) / normal[k].
        proj = np.eye(3) - np.outer(axis, normal) / normal[k]
        mats.append((rgb_from_lms @ proj @ lms_from_rgb, float(np.dot(sep, anchor))))
    # The first matrix serves the side of the separating plane where its anchor lies.
    (m1, s1), (m2, _) = mats
    if s1 < 0:
        m1, m2 = m2, m1
    sep_rgb = lms_from_rgb.T @ sep
    return m1, m2, sep_rgb


@functools.lru_cache(maxsize=64)
def _stacked_machado(visions: tuple) -> np.ndarray:
    """Transposed Machado matrices (V, 3, 3) of *visions*, identity for normal vision."""
    return np.stack([np.eye(3) if k is None else _machado(k, s).T for k, s in visions])


def simulate_visions(lin: np.ndarray, visions: Any, model: str) -> np.ndarray:
    """Linear RGB (n, 3) under every vision: (V, n, 3), unclipped; one matmul for Machado."""
    if model == "machado":
        return np.matmul(lin, _stacked_machado(tuple(visions)))
    return np.stack([lin if k is None else _simulate_linear(lin, k, s, model) for k, s in visions])


def _simulate_linear(lin: np.ndarray, kind: str, severity: float, model: str) -> np.ndarray:
    """Simulate on linear RGB values (..., 3); unclipped."""
    if model == "machado":
        return lin @ _machado(kind, severity).T
    m1, m2, sep = _brettel(kind)
    side = (lin @ sep) >= 0
    out = np.where(side[..., None], lin @ m1.T, lin @ m2.T)
    if severity < 100:
        t = severity / 100.0
        out = (1 - t) * lin + t * out
    return out


# --------------------------------------------------------------------------- uint8 path
_LUT_LIN = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)
_ENC_STEPS = 1 << 14
_LUT_ENC = np.rint(linear_to_srgb(np.arange(_ENC_STEPS + 1) / _ENC_STEPS) * 255).astype(np.uint8)


def _simulate_uint8(img: np.ndarray, kind: str, severity: float, model: str) -> np.ndarray:
    """Fast path for uint8 RGB(A): decode by table, one 3x3 matrix, encode by table."""
    flat = np.ascontiguousarray(img.reshape(-1, img.shape[-1]))
    if model != "machado":
        lin = np.take(_LUT_LIN, flat[:, :3])
        sim = _simulate_linear(lin, kind, severity, model).astype(np.float32)
        sim *= _ENC_STEPS
        sim += 0.5
        np.clip(sim, 0, _ENC_STEPS, out=sim)
        out = np.take(_LUT_ENC, sim.astype(np.int32))
    else:
        out = _machado_uint8(flat, *_machado_tables(kind, severity))
    if img.shape[-1] == 4:
        out = np.concatenate([out, flat[:, 3:]], axis=1)
    return out.reshape(img.shape)


_CHUNK = 1 << 16
_FIXED = 4  # fractional bits of the fixed-point sums (1/16 of an encode-table step)


@functools.lru_cache(maxsize=8)
def _machado_tables(kind: str, severity: float) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Integer tables that fold decoding, the Machado matrix and encoding together.

    For output channel c, ``rg[c][R + 256 G] + b[c][B]`` is the simulated linear value in
    fixed point (``_FIXED`` fractional bits of an encode-table step), already offset so it
    is never negative and rounded; shifted right it indexes ``enc[c]``, an encode table that
    also covers the out-of-gamut range (clipped values), so no clipping pass is needed.
    """
    m = _machado(kind, severity)
    scale = _ENC_STEPS * (1 << _FIXED)
    lin = _LUT_LIN.astype(float) * scale
    low = np.minimum(m, 0).sum(axis=1) * _ENC_STEPS
    high = np.maximum(m, 0).sum(axis=1) * _ENC_STEPS
    offset = (np.ceil(-low) + 2).astype(int)
    rg = np.empty((3, 1 << 16), np.int32)
    b = np.empty((3, 256), np.int32)
    enc = []
    for c in range(3):
        table = m[c, 0] * lin[None, :] + m[c, 1] * lin[:, None]  # [G, R]
        table += offset[c] * (1 << _FIXED) + (1 << (_FIXED - 1))
        rg[c] = np.rint(table).reshape(-1)
        b[c] = np.rint(m[c, 2] * lin)
        steps = np.arange(int(np.ceil(high[c])) + offset[c] + 4) - offset[c]
        level = linear_to_srgb(np.clip(steps / _ENC_STEPS, 0.0, 1.0))
        enc.append(np.rint(level * 255).astype(np.uint8))
    return rg, b, tuple(enc)


def _machado_uint8(flat: np.ndarray, rg: np.ndarray, b: np.ndarray, enc: tuple) -> np.ndarray:
    """Apply `_machado_tables` to C-contiguous (n, 3|4) uint8 pixels, chunk by chunk.

    Red and green are read together as one little-endian uint16 (``R + 256 G``), so each
    output channel costs two look-ups, one addition and one shift; chunks keep the
    temporaries small and cache-resident whatever the image size.
    """
    n = flat.shape[0]
    pairs = np.ndarray((n,), dtype="<u2", buffer=flat, strides=(flat.strides[0],))
    blue = flat[:, 2]
    out = np.empty((n, 3), dtype=np.uint8)
    size = max(1, min(_CHUNK, n))
    acc = np.empty(size, np.int32)
    tmp = np.empty(size, np.int32)
    enc_out = np.empty(size, np.uint8)
    for start in range(0, n, size):
        stop = min(start + size, n)
        k = stop - start
        p, bb = pairs[start:stop], blue[start:stop]
        a, t, o = acc[:k], tmp[:k], enc_out[:k]
        for c in range(3):
            np.take(rg[c], p, out=a)
            np.take(b[c], bb, out=t)
            a += t
            a >>= _FIXED
            np.take(enc[c], a, out=o)
            out[start:stop, c] = o
    return out


# ------------------------------------------------------------------------------- public
def _bad_float_image(arr: np.ndarray) -> ValueError:
    """The error for a float image with a value outside [0, 1] (or NaN), naming the pixel."""
    ok = np.isfinite(arr) & (arr >= 0) & (arr <= 1)
    pos = np.unravel_index(int(np.argmin(ok)), arr.shape)[:-1]
    value = tuple(float(v) for v in arr[pos])
    return ValueError(
        invalid_value_message(
            value,
            "colors_or_image",
            expected=f"RGB(A) floats in 0-1 (first bad pixel at {tuple(map(int, pos))})",
        )
    )


def _check_float_image(arr: np.ndarray) -> np.ndarray:
    """*arr* unchanged when every value is in [0, 1]; two reductions, no copy.

    NaN propagates through ``min``/``max``, so it fails the comparison too; the slow search
    for the first bad pixel runs only when the check fails.
    """
    if arr.dtype.kind != "f":
        arr = arr.astype(float)
    if arr.size and not (arr.min() >= 0 and arr.max() <= 1):
        raise _bad_float_image(arr)
    return arr


def simulate_cvd(
    colors_or_image: Any,
    kind: str = "deuteranomaly",
    severity: float = 100,
    *,
    model: Model = "machado",
    clip: bool = True,
) -> np.ndarray:
    """Simulate how colours look to a viewer with a colour-vision deficiency.

    Parameters
    ----------
    colors_or_image : sequence of colours, float array or uint8 image
        A list of matplotlib colours (hex, names, RGB(A) tuples); a float array of shape
        (..., 3) or (..., 4) with values in [0, 1]; or a uint8 RGB(A) image of shape
        (H, W, 3) or (H, W, 4). Alpha is passed through unchanged.
    kind : {"deuteranomaly", "protanomaly", "tritanomaly"}, default: "deuteranomaly"
        Deficiency; "deutan"/"deuteranopia", "protan"/"protanopia" and
        "tritan"/"tritanopia" are accepted aliases.
    severity : float, default: 100
        0 (normal vision) to 100 (dichromacy).
    model : {"machado", "brettel"}, default: "machado"
        Machado et al. (2009) or Brettel et al. (1997); see the module docstring.
    clip : bool, default: True
        Clip the result to [0, 1] for display. Metrics in chartkit always use unclipped
        values; pass ``clip=False`` to see them (floats only; uint8 output is always
        clipped).

    Returns
    -------
    numpy.ndarray
        uint8 of the input's shape for a uint8 image (a lookup-table fast path: within
        1/255 of colorspacious); for a float image (an array with other than two axes), the
        input's shape and float dtype (a chunked float32 fast path when *clip* is true:
        8-bit-quantised chunks, as from ``plt.imread``, go through the uint8 tables and stay
        in 8-bit levels, within 1/255; others are computed in float32, within 0.01/255 of
        colorspacious; ``clip=False`` computes in float64); float64 of shape (n, 3)
        for a colour list or an (n, 3) array, computed in float64.

    Raises
    ------
    ValueError
        For an unknown *kind* or *model*, a *severity* outside 0-100, or an invalid
        colour (naming it and its position), before any conversion runs.

    See Also
    --------
    image_ucs : simulation + CAM02-UCS of a rendered figure's distinct colours.
    chartkit.palettes.check_palette : ΔE verdicts built on this simulation.
    """
    kind = _check_kind(kind)
    severity = _check_severity(severity)
    model = _check_model(model)
    if isinstance(colors_or_image, np.ndarray) and colors_or_image.dtype == np.uint8:
        img = colors_or_image
        if img.ndim < 2 or img.shape[-1] not in (3, 4):
            raise ValueError(
                invalid_value_message(
                    f"uint8 array of shape {img.shape}",
                    "colors_or_image",
                    expected="a uint8 image of shape (H, W, 3) or (H, W, 4)",
                )
            )
        return _simulate_uint8(img, kind, severity, model)
    if (
        isinstance(colors_or_image, np.ndarray)
        and colors_or_image.dtype.kind in "fiu"
        and colors_or_image.ndim != 2
    ):
        if colors_or_image.shape[-1] not in (3, 4):
            raise ValueError(
                invalid_value_message(
                    f"array of shape {colors_or_image.shape}",
                    "colors_or_image",
                    expected="a last axis of length 3 or 4",
                )
            )
        arr = _check_float_image(colors_or_image)
        if clip:
            from chartkit.palettes._cvd_float import simulate_float_image

            return simulate_float_image(arr, kind, severity, model)
        arr = np.asarray(arr, dtype=float)
        rgb = arr[..., :3]
    else:
        arr = None
        rgb = to_rgb_array(colors_or_image, name="colors_or_image")
        if isinstance(colors_or_image, np.ndarray):
            arr = np.asarray(colors_or_image, dtype=float)
    sim = linear_to_srgb(_simulate_linear(srgb_to_linear(rgb), kind, severity, model))
    if clip:
        sim = np.clip(sim, 0.0, 1.0)
    if arr is not None and arr.shape[-1] == 4:
        sim = np.concatenate([sim, arr[..., 3:]], axis=-1)
    return sim


def to_ucs(linear_rgb: np.ndarray) -> np.ndarray:
    """CAM02-UCS J'a'b' of linear sRGB values (..., 3), in one vectorised conversion.

    Uses `chartkit.palettes._ucs.linear_to_ucs`: colorspacious' constants and formulas for
    J, M, h only, about 5x cheaper per call than ``cspace_convert`` on small arrays and equal
    to it within 1e-9 (tested).
    """
    from chartkit.palettes._ucs import linear_to_ucs

    return linear_to_ucs(linear_rgb)


def visions_ucs(
    colors: Any,
    visions: list[tuple[str | None, float]] | None = None,
    *,
    model: Model = "machado",
) -> np.ndarray:
    """J'a'b' of *colors* under several visions, stacked into ONE CAM02-UCS conversion.

    Parameters
    ----------
    colors : sequence of colours or (n, 3) array
    visions : list of (kind or None, severity), default: normal + the three kinds at 100
        See `normalize_visions`; ``None`` is normal vision.
    model : {"machado", "brettel"}, default: "machado"

    Returns
    -------
    numpy.ndarray of shape (len(visions), n, 3)
        Unclipped simulated colours converted to CAM02-UCS (CIECAM02 defaults of
        colorspacious: sRGB viewing conditions, average surround).
    """
    rgb = to_rgb_array(colors)
    model = _check_model(model)
    if visions is None:
        visions = normalize_visions()
    lin = srgb_to_linear(rgb)
    stack = np.stack(
        [lin if k is None else _simulate_linear(lin, k, s, model) for k, s in visions]
    )
    return to_ucs(stack)


@dataclass(frozen=True)
class ImageColors:
    """The distinct colours of an image and their CAM02-UCS coordinates per vision.

    Attributes
    ----------
    rgb : numpy.ndarray, shape (k, 3), uint8
        Distinct RGB colours (alpha ignored).
    counts : numpy.ndarray, shape (k,)
        Pixels of each colour.
    inverse : numpy.ndarray, shape (H*W,)
        Index into *rgb* of every pixel (row-major), to map results back to pixels.
    visions : list of (kind or None, severity)
    labels : list of str
        ``"normal"``, ``"deuteranomaly-100"``, ...
    jab : numpy.ndarray, shape (len(visions), k, 3)
        Unclipped J'a'b' of every distinct colour under every vision.
    """

    rgb: np.ndarray
    counts: np.ndarray
    inverse: np.ndarray
    visions: list
    labels: list
    jab: np.ndarray


def image_ucs(
    image: np.ndarray,
    visions: list[tuple[str | None, float]] | None = None,
    *,
    model: Model = "machado",
) -> ImageColors:
    """CVD simulation + CAM02-UCS of a rendered figure, on its distinct colours only.

    A rendered chart has few distinct colours (flat fills plus anti-aliasing ramps), so the
    colour maths runs on those and *inverse* maps them back to pixels.

    Parameters
    ----------
    image : uint8 array of shape (H, W, 3) or (H, W, 4)
        E.g. ``np.asarray(fig.canvas.buffer_rgba())``.
    visions : list of (kind or None, severity), default: normal + the three kinds at 100
    model : {"machado", "brettel"}, default: "machado"

    Returns
    -------
    ImageColors
    """
    model = _check_model(model)
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[-1] not in (3, 4):
        raise ValueError(
            invalid_value_message(
                f"{img.dtype} array of shape {img.shape}",
                "image",
                expected="a uint8 image of shape (H, W, 3) or (H, W, 4)",
            )
        )
    if visions is None:
        visions = normalize_visions()
    rgb = img[..., :3].reshape(-1, 3)
    key = (rgb[:, 0].astype(np.uint32) << 16) | (rgb[:, 1].astype(np.uint32) << 8) | rgb[:, 2]
    # Rendered charts are mostly runs of one colour along a row: deduplicate runs first
    # (linear time), then sort only the run colours.
    n_pix = key.size
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    present, run_inverse = np.unique(key[starts], return_inverse=True)
    lengths = np.diff(np.append(starts, n_pix))
    inverse = np.repeat(run_inverse.astype(np.int32), lengths)
    counts = np.bincount(run_inverse, weights=lengths, minlength=present.size).astype(np.int64)
    urgb = np.stack([(present >> 16) & 255, (present >> 8) & 255, present & 255], axis=1)
    lin = srgb_to_linear(urgb / 255.0)
    stack = np.stack(
        [lin if k is None else _simulate_linear(lin, k, s, model) for k, s in visions]
    )
    return ImageColors(
        rgb=urgb.astype(np.uint8),
        counts=counts,
        inverse=inverse,
        visions=list(visions),
        labels=[vision_label(k, s) for k, s in visions],
        jab=to_ucs(stack),
    )
