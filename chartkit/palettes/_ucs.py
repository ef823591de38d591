"""Fast CAM02-UCS J'a'b' of linear sRGB, with colorspacious' viewing conditions.

colorspacious computes every CIECAM02 correlate (including hue quadrature H, by a search) at
a fixed cost of ~175 µs per call, which dominates a palette check of ten colours. This
module computes only what J'a'b' needs (J, M, h: CIECAM02 steps 1-8 and 10, then Luo et al.
2006) with the constants read from colorspacious' own objects (``CIECAM02Space.sRGB``,
``CAM02UCS``), the matrices folded into one. tests/test_palettes_cvd.py checks it against
``colorspacious.cspace_convert(..., "sRGB1-linear", "CAM02-UCS")`` to 1e-9.

Where CIECAM02's achromatic signal A is negative (far outside the gamut: e.g. Brettel's
protan simulation of some deep blues), colorspacious raises ``NegativeAError``; here A is
taken as 0 (J' = 0, a black), so a palette check never fails on a dependency's error.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np

__all__ = ["linear_to_ucs"]


@functools.lru_cache(maxsize=1)
def _constants() -> SimpleNamespace:
    from colorspacious.basics import sRGB1_to_XYZ100_matrix
    from colorspacious.ciecam02 import M_CAT02, CIECAM02Space, M_HPE_M_CAT02_inv
    from colorspacious.luoetal2006 import CAM02UCS

    vc = CIECAM02Space.sRGB
    # linear sRGB -> XYZ100 -> CAT02 -> degree of adaptation -> Hunt-Pointer-Estevez.
    m = M_HPE_M_CAT02_inv @ np.diag(vc.D_RGB) @ M_CAT02 @ (100.0 * sRGB1_to_XYZ100_matrix)
    # Opponent axes a, b and achromatic / chroma denominators as one matrix on RGB'_a.
    opp = np.array(
        [
            [1.0, -12.0 / 11, 1.0 / 11],
            [1.0 / 9, 1.0 / 9, -2.0 / 9],
            [2.0, 1.0, 1.0 / 20],
            [1.0, 1.0, 21.0 / 20],
        ]
    )
    return SimpleNamespace(
        m_t=np.ascontiguousarray(m.T),
        opp_t=np.ascontiguousarray(opp.T),
        fl100=vc.F_L / 100.0,
        n_bb=vc.N_bb,
        a_w=vc.A_w,
        cz=vc.c * vc.z,
        e_k=(12500.0 / 13) * vc.N_c * vc.N_cb,
        c_k=(1.64 - 0.29**vc.n) ** 0.73 * vc.F_L**0.25,
        kl=CAM02UCS.KL,
        c1=CAM02UCS.c1,
        c2=CAM02UCS.c2,
    )


def linear_to_ucs(lin: np.ndarray) -> np.ndarray:
    """CAM02-UCS J'a'b' of linear sRGB values of shape (..., 3)."""
    k = _constants()
    lin = np.asarray(lin, dtype=float)
    rgb_p = lin @ k.m_t
    mag = np.abs(rgb_p)
    t = (k.fl100 * mag) ** 0.42
    rgb_a = np.copysign(400.0 * t / (t + 27.13), rgb_p) + 0.1
    o = rgb_a @ k.opp_t
    a, b = o[..., 0], o[..., 1]
    big_a = np.maximum((o[..., 2] - 0.305) * k.n_bb, 0.0)
    j = 100.0 * (big_a / k.a_w) ** k.cz
    h = np.arctan2(b, a)
    e = k.e_k * (np.cos(h + 2.0) + 3.8)
    tc = e * np.hypot(a, b) / o[..., 3]
    m = tc**0.9 * np.sqrt(j / 100.0) * k.c_k
    jp = (1 + 100 * k.c1) * j / (1 + k.c1 * j) / k.kl
    mp = np.log1p(k.c2 * m) / k.c2
    out = np.empty(lin.shape)
    out[..., 0] = jp
    out[..., 1] = mp * np.cos(h)
    out[..., 2] = mp * np.sin(h)
    return out
