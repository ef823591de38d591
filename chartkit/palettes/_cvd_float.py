"""The float-image path of `chartkit.palettes.simulate_cvd` (clipped output).

Float images are simulated chunk by chunk: 8-bit-quantised chunks (``plt.imread`` of a PNG,
``buffer_rgba() / 255``) through the uint8 tables of `chartkit.palettes.cvd`, any other
chunk decoded, simulated and encoded in float32 in place (within 0.01/255 of colorspacious),
on two threads (numpy releases the GIL in these loops).
"""

from __future__ import annotations

import numpy as np

from chartkit.palettes.cvd import _machado, _simulate_linear, _simulate_uint8

__all__ = ["simulate_float_image"]

_FLOAT_CHUNK = 1 << 15  # pixels per chunk: the float32 temporaries stay cache-resident


def _decode32(flat: np.ndarray) -> None:
    """sRGB -> linear in place on float32 values in [0, 1] (IEC 61966-2-1)."""
    low_at = np.flatnonzero(flat <= np.float32(0.04045))
    low = flat[low_at] * np.float32(1 / 12.92)
    flat += np.float32(0.055)
    flat *= np.float32(1 / 1.055)
    np.power(flat, np.float32(2.4), out=flat)
    flat[low_at] = low


def _encode32(flat: np.ndarray) -> None:
    """Linear -> sRGB in place on float32 values in [0, 1]."""
    low_at = np.flatnonzero(flat <= np.float32(0.0031308))
    low = flat[low_at] * np.float32(12.92)
    np.power(flat, np.float32(1 / 2.4), out=flat)
    flat *= np.float32(1.055)
    flat -= np.float32(0.055)
    flat[low_at] = low


def simulate_float_image(
    arr: np.ndarray, kind: str, severity: float, model: str
) -> np.ndarray:
    """Clipped simulation of a float RGB(A) image in [0, 1], chunk by chunk.

    A chunk whose values are all multiples of 1/255 (``plt.imread`` of a PNG,
    ``buffer_rgba() / 255``) goes through the uint8 tables and comes out in 8-bit levels, as
    the uint8 path (within 1/255 of colorspacious); any other chunk is decoded, simulated and
    encoded in float32 (within 0.01/255, tested). The result has the input's float dtype.
    """
    src = arr.reshape(-1, arr.shape[-1])
    out = np.empty(src.shape, dtype=arr.dtype if arr.dtype.kind == "f" else float)
    if src.shape[-1] == 4:
        out[:, 3] = src[:, 3]
    m = _machado(kind, severity).T.astype(np.float32) if model == "machado" else None

    def run(a: int) -> None:
        b = min(a + _FLOAT_CHUNK, src.shape[0])
        view = src[a:b, :3]
        probe = view[:64] * 255  # cheap first look: continuous values fail at once
        if np.array_equal(np.rint(probe), probe):
            scaled = view * np.float32(255)
            levels = np.rint(scaled)
            if np.array_equal(levels, scaled):
                sim = _simulate_uint8(levels.astype(np.uint8), kind, severity, model)
                np.multiply(sim, 1 / 255, out=out[a:b, :3], casting="unsafe")
                return
        x = np.array(view, dtype=np.float32)  # a copy: the input is never changed
        _decode32(x.reshape(-1))
        if m is not None:
            y = x @ m
        else:
            y = _simulate_linear(x, kind, severity, model).astype(np.float32)
        np.clip(y, 0, 1, out=y)
        _encode32(y.reshape(-1))
        out[a:b, :3] = y

    starts = range(0, src.shape[0], _FLOAT_CHUNK)
    if len(starts) < 4:
        for a in starts:
            run(a)
    else:  # numpy releases the GIL in these loops: two threads share the chunks
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, starts))
    return out.reshape(arr.shape)
