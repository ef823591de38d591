"""Palettes and colour-vision checks (issue 3), each side by side with its anchor in one run.

Targets (ratio = chartkit time / anchor time, so smaller is faster):

* CVD simulation of a 1000x1000 image: >= 3.5x faster than colorspacious and than
  daltonlens (ratio <= 0.286), for a uint8 image, for the float32 image ``plt.imread``
  gives for a PNG (the float case users hit) and for a float64 image of continuous values.
* CVD + CAM02-UCS of a rendered chart: >= 10x faster than colorspacious (ratio <= 0.1).
* ``check_palette`` on 10 colours: >= 3x faster than one colorspacious call per vision
  (normal + three deficiencies at severity 100) plus the same ΔE maths (ratio <= 0.333).
* ``generate(10)``: at most 1/5 of glasbey's colorblind-safe time (ratio <= 0.2), cold cache
  (the candidate grid is rebuilt every repetition), glasbey warmed up once so its numba
  compilation is not counted; and a worst-case ΔE >= 16 over normal + the three
  deficiencies (shown as a ratio to 16, target >= 1), both with the simulated colours
  unclipped (the model's prediction) and clipped to sRGB (what a CVD preview shows);
  `generate` maximises the worse of the two.

Repetitions are interleaved (chartkit, anchor, chartkit, ...) so machine load hits both
alike; medians are compared. Anchors come from the ``bench`` extra
(``pip install "chartkit[bench]"``).
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report, time_call


def _interleave(fns: dict, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            times[k] += time_call(fn, repeat=1)
    return {k: median(v) for k, v in times.items()}


def _test_image() -> np.ndarray:
    """A 1000x1000 uint8 image: gradients plus noise (no large flat areas to exploit)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:1000, 0:1000]
    base = np.stack([xx / 4, yy / 4, (xx + yy) / 8], -1) % 256
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def bench_cvd_image(repeat: int = 7) -> list[Row]:
    """One image in the three forms users hold, each anchor called as its docs say.

    * uint8 (a PNG read with PIL or ``buffer_rgba()``): colorspacious on ``img / 255``,
      daltonlens on the uint8 array (its documented input).
    * float32 from ``plt.imread`` of a PNG (values are multiples of 1/255) - the float case
      users hit: colorspacious on the float image; daltonlens needs uint8 (a float image
      is accepted silently and gives a wrong answer), so its call includes the conversion
      to uint8 and back, as a correct user must write it.
    * float64 with continuous values (a computed image): the same anchors.
    """
    from colorspacious import cspace_convert
    from daltonlens import simulate

    from chartkit.palettes import simulate_cvd

    img = _test_image()
    f32 = (img / np.float32(255)).astype(np.float32)  # what plt.imread gives for a PNG
    f64 = np.clip(img / 255.0 + np.random.default_rng(1).normal(0, 1e-3, img.shape), 0, 1)
    space = {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100}
    machado = simulate.Simulator_Machado2009()
    deutan = simulate.Deficiency.DEUTAN

    def cs_of(x):
        return lambda: np.clip(cspace_convert(x, space, "sRGB1"), 0, 1)

    def dl_float(x):
        def run():
            u8 = np.rint(x * 255).astype(np.uint8)
            return machado.simulate_cvd(u8, deutan, severity=1.0) / 255.0

        return run

    cases = {"uint8": img, "float32 (plt.imread)": f32, "float64 continuous": f64}
    t = ("<=", round(1 / 3.5, 3))
    rows: list[Row] = []
    for name, x in cases.items():
        fns = {
            "ck": lambda x=x: simulate_cvd(x, "deuteranomaly", 100),
            "cs": cs_of(x / 255.0 if x.dtype == np.uint8 else x),
            "dl": (lambda: machado.simulate_cvd(img, deutan, severity=1.0))
            if x.dtype == np.uint8
            else dl_float(x),
        }
        for fn in fns.values():
            fn()  # warm caches (LUTs, matrices)
        med = _interleave(fns, repeat)
        what = f"CVD 1000x1000 {name}"
        rows.append(Row(what, med["ck"], "colorspacious", med["cs"], target=t))
        rows.append(Row(what, med["ck"], "daltonlens", med["dl"], target=t))
    return rows


def _rendered_chart() -> np.ndarray:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    import chartkit

    rng = np.random.default_rng(0)
    with chartkit.theme("default"):
        fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
        x = np.arange(400)
        for k in range(6):
            y = np.exp(-x / (60 + 40 * k)) + rng.normal(0, 0.02, x.size).cumsum() * 0.05
            ax.plot(x, y, label=f"run {k}")
        ax.fill_between(x, 0, 0.2, alpha=0.2)
        ax.legend()
        ax.set_title("training loss")
        fig.canvas.draw()
        img = np.asarray(fig.canvas.buffer_rgba()).copy()
        plt.close(fig)
    return img


def bench_rendered_chart(repeat: int = 7) -> list[Row]:
    from colorspacious import cspace_convert

    from chartkit.palettes import image_ucs

    img = _rendered_chart()
    space = {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100}
    visions = [("deuteranomaly", 100.0)]

    def ck():
        image_ucs(img, visions)

    def cs():
        cspace_convert(img[..., :3] / 255.0, space, "CAM02-UCS")

    ck()
    med = _interleave({"ck": ck, "cs": cs}, repeat)
    h, w = img.shape[:2]
    return [
        Row(
            f"CVD + CAM02-UCS, rendered chart {w}x{h}",
            med["ck"],
            "colorspacious",
            med["cs"],
            target=("<=", 0.1),
        )
    ]


def bench_check_palette(repeat: int = 15, inner: int = 50) -> list[Row]:
    from colorspacious import cspace_convert

    from chartkit.palettes import check_palette, palette
    from chartkit.palettes._color import to_rgb_array

    colors = palette("petroff10")
    rgb = to_rgb_array(colors)
    spaces = ["sRGB1"] + [
        {"name": "sRGB1+CVD", "cvd_type": k, "severity": 100}
        for k in ("protanomaly", "deuteranomaly", "tritanomaly")
    ]

    def ck():
        for _ in range(inner):
            check_palette(colors)

    def cs():
        for _ in range(inner):
            for space in spaces:
                jab = cspace_convert(rgb, space, "CAM02-UCS")
                d = np.sqrt(((jab[:, None] - jab[None]) ** 2).sum(-1))
                d[np.diag_indices(len(rgb))] = np.inf
                d.min()

    ck(), cs()
    med = _interleave({"ck": ck, "cs": cs}, repeat)
    return [
        Row(
            "check_palette, 10 colours (4 visions)",
            med["ck"] / inner,
            "colorspacious x4",
            med["cs"] / inner,
            target=("<=", round(1 / 3, 3)),
        )
    ]


def bench_generate(repeat: int = 3) -> list[Row]:
    import glasbey

    from chartkit.palettes import check_palette, generate
    from chartkit.palettes.generator import _candidates

    out = {}

    def ck():
        _candidates.cache_clear()
        out["ck"] = generate(10)

    def gb():
        out["gb"] = glasbey.create_palette(10, colorblind_safe=True)

    glasbey.create_palette(4, colorblind_safe=True)  # numba compilation, not counted
    med = _interleave({"ck": ck, "gb": gb}, repeat)

    def worst(p, clipped=False):
        rep = check_palette(p)
        cvd = rep.min_delta_e_cvd_clipped if clipped else rep.min_delta_e_cvd
        return min(rep.min_delta_e_normal, cvd)

    rows = [
        Row(
            "generate(10) vs glasbey colorblind_safe",
            med["ck"],
            "glasbey",
            med["gb"],
            target=("<=", 0.2),
        )
    ]
    for clipped in (False, True):
        sim = "clipped (preview)" if clipped else "unclipped (model)"
        rows.append(
            Row(
                f"worst ΔE, 4 visions, {sim}: chartkit vs 16",
                worst(out["ck"], clipped),
                "target",
                16.0,
                unit="ΔE",
                target=(">=", 1.0),
            )
        )
        rows.append(
            Row(
                f"worst ΔE, 4 visions, {sim}: glasbey vs 16",
                worst(out["gb"], clipped),
                "target",
                16.0,
                unit="ΔE",
            )
        )
    return rows


def main() -> bool:
    ok = True
    ok &= report("CVD simulation, 1000x1000 image (median of 7)", bench_cvd_image())
    ok &= report("CVD + CAM02-UCS of a rendered chart (median of 7)", bench_rendered_chart())
    ok &= report("check_palette vs per-vision colorspacious (median of 15)", bench_check_palette())
    ok &= report("palette generator vs glasbey (median of 3)", bench_generate())
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
