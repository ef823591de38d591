"""CVD simulation: fast paths against colorspacious (the reference), Brettel, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from colorspacious import cspace_convert

from chartkit.palettes import image_ucs, simulate_cvd, visions_ucs
from chartkit.palettes.cvd import CVD_KINDS, normalize_visions


def _reference(rgb01: np.ndarray, kind: str, severity: float) -> np.ndarray:
    space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": severity}
    return cspace_convert(rgb01, space, "sRGB1")


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)


@pytest.mark.parametrize("kind", CVD_KINDS)
@pytest.mark.parametrize("severity", [100, 50, 37.5, 0])
def test_uint8_fast_path_within_one_level_of_colorspacious(image, kind, severity):
    fast = simulate_cvd(image, kind, severity)
    assert fast.dtype == np.uint8
    assert fast.shape == image.shape
    ref = np.clip(_reference(image / 255.0, kind, severity), 0, 1) * 255
    assert np.abs(fast.astype(float) - ref).max() <= 1.0


def test_uint8_keeps_alpha(image):
    alpha = np.full((*image.shape[:2], 1), 77, dtype=np.uint8)
    rgba = np.concatenate([image, alpha], axis=-1)
    out = simulate_cvd(rgba, "protanomaly")
    assert out.shape == rgba.shape
    assert (out[..., 3] == 77).all()
    np.testing.assert_array_equal(out[..., :3], simulate_cvd(image, "protanomaly"))


@pytest.mark.parametrize("kind", CVD_KINDS)
def test_colour_list_matches_colorspacious_unclipped(kind):
    colors = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", (0.1, 0.2, 0.9)]
    rgb = np.array([[0.902, 0.624, 0.0], [0.337, 0.706, 0.914]])
    out = simulate_cvd(colors, kind, 80, clip=False)
    from matplotlib.colors import to_rgb

    ref = _reference(np.array([to_rgb(c) for c in colors]), kind, 80)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    assert out.shape == (5, 3)
    np.testing.assert_allclose(
        simulate_cvd(rgb, kind, clip=False), _reference(rgb, kind, 100), atol=1e-12
    )


def test_clip_only_for_display():
    # Pure green under full protanomaly leaves the gamut; metrics keep it, display clips it.
    raw = simulate_cvd(["#00ff00"], "tritanomaly", clip=False)
    shown = simulate_cvd(["#00ff00"], "tritanomaly")
    assert (raw < 0).any() or (raw > 1).any()
    np.testing.assert_array_equal(shown, np.clip(raw, 0, 1))


def test_float_image_and_aliases():
    rng = np.random.default_rng(0)
    img = rng.random((5, 6, 4))
    out = simulate_cvd(img, "deutan")
    assert out.shape == img.shape
    np.testing.assert_array_equal(out[..., 3], img[..., 3])
    ref = np.clip(_reference(img[..., :3], "deuteranomaly", 100), 0, 1)
    # the float-image fast path computes in float32: within 0.01/255 of colorspacious
    np.testing.assert_allclose(out[..., :3], ref, atol=0.01 / 255)
    # unclipped output is computed in float64, exactly as the reference
    raw = simulate_cvd(img, "deutan", clip=False)
    np.testing.assert_allclose(raw[..., :3], _reference(img[..., :3], "deuteranomaly", 100))


@pytest.mark.parametrize("kind", ["deuteranomaly", "protanomaly", "tritanomaly"])
@pytest.mark.parametrize("model", ["machado", "brettel"])
def test_float_image_fast_path_within_a_hundredth_of_a_level(kind, model):
    """Several chunks, float32 and float64, a quantised and a continuous half."""
    rng = np.random.default_rng(1)
    cont = rng.random((300, 250, 3))
    quant = np.rint(rng.random((300, 250, 3)) * 255) / 255
    img = np.concatenate([cont, quant], axis=0)  # 150,000 pixels: 5 chunks, both kinds
    exact = np.clip(simulate_cvd(img, kind, 70, model=model, clip=False), 0, 1)
    for dtype in (np.float64, np.float32):
        out = simulate_cvd(img.astype(dtype), kind, 70, model=model)
        assert out.dtype == dtype
        assert out.shape == img.shape
        err = np.abs(out - exact)
        assert err[:300].max() <= 0.01 / 255  # continuous values: float32 maths
        assert err[300:].max() <= 1 / 255  # 8-bit levels in, 8-bit levels out
    # quantised pixels go through the uint8 tables: the same levels as the uint8 path
    u8 = np.rint(quant * 255).astype(np.uint8)
    via_float = simulate_cvd(quant.astype(np.float32), kind, 70, model=model)
    np.testing.assert_array_equal(
        np.rint(via_float * 255).astype(np.uint8), simulate_cvd(u8, kind, 70, model=model)
    )


def test_float_image_input_is_not_changed():
    img = np.random.default_rng(2).random((40, 40, 4)).astype(np.float32)
    before = img.copy()
    simulate_cvd(img)
    np.testing.assert_array_equal(img, before)


def test_severity_zero_is_identity():
    colors = ["#123456", "#abcdef"]
    from matplotlib.colors import to_rgb

    expect = np.array([to_rgb(c) for c in colors])
    for model in ("machado", "brettel"):
        np.testing.assert_allclose(simulate_cvd(colors, "tritan", 0, model=model), expect)


def test_brettel_matches_daltonlens():
    simulate = pytest.importorskip("daltonlens.simulate")
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    sim = simulate.Simulator_Brettel1997()
    pairs = [
        ("protanomaly", simulate.Deficiency.PROTAN),
        ("deuteranomaly", simulate.Deficiency.DEUTAN),
        ("tritanomaly", simulate.Deficiency.TRITAN),
    ]
    for kind, deficiency in pairs:
        theirs = sim.simulate_cvd(img, deficiency, severity=1.0).astype(int)
        ours = simulate_cvd(img, kind, 100, model="brettel").astype(int)
        assert np.abs(theirs - ours).max() <= 1, kind


def test_brettel_and_machado_differ_for_tritan():
    colors = ["#4477aa", "#66ccee"]
    a = simulate_cvd(colors, "tritanomaly", model="machado")
    b = simulate_cvd(colors, "tritanomaly", model="brettel")
    assert np.abs(a - b).max() > 0.05


def test_visions_ucs_is_one_stack_equal_to_separate_calls():
    colors = ["#0072b2", "#d55e00", "#cc79a7"]
    visions = normalize_visions(severities=(100, 60))
    stacked = visions_ucs(colors, visions)
    assert stacked.shape == (7, 3, 3)
    from matplotlib.colors import to_rgb

    rgb = np.array([to_rgb(c) for c in colors])
    np.testing.assert_allclose(stacked[0], cspace_convert(rgb, "sRGB1", "CAM02-UCS"))
    for v, (kind, sev) in enumerate(visions[1:], start=1):
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": sev}
        np.testing.assert_allclose(stacked[v], cspace_convert(rgb, space, "CAM02-UCS"))


def test_image_ucs_unique_colours_map_back_to_pixels():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [0, 1], color="#d55e00", lw=3)
    ax.bar([0.3], [0.5], color="#0072b2")
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())
    res = image_ucs(img)
    rgb = img[..., :3].reshape(-1, 3)
    np.testing.assert_array_equal(res.rgb[res.inverse], rgb)
    assert res.counts.sum() == rgb.shape[0]
    assert res.labels == [
        "normal",
        "protanomaly-100",
        "deuteranomaly-100",
        "tritanomaly-100",
    ]
    space = {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100}
    ref = cspace_convert(res.rgb / 255.0, space, "CAM02-UCS")
    np.testing.assert_allclose(res.jab[2], ref, atol=1e-9)


# ------------------------------------------------------------------------ bad input
def test_unknown_kind_suggests():
    with pytest.raises(
        ValueError,
        match=r"'deuteranopa' is not a valid value for kind.*"
        r"Did you mean 'deuteranopia'",
    ):
        simulate_cvd(["#000000"], "deuteranopa")


@pytest.mark.parametrize("severity", [-1, 100.5, float("nan"), "50", True])
def test_bad_severity_before_colorspacious(severity):
    with pytest.raises(
        ValueError,
        match=r"is not a valid value for severity; expected a "
        r"number from 0 to 100",
    ):
        simulate_cvd(["#000000"], "protanomaly", severity)


def test_unknown_model():
    with pytest.raises(
        ValueError,
        match=r"'vienot' is not a valid value for model; "
        r"supported values are 'machado', 'brettel'",
    ):
        simulate_cvd(["#000000"], model="vienot")


@pytest.mark.parametrize(
    ("colors", "pattern"),
    [
        (
            ["#000000", "notacolor"],
            (
                r"'notacolor' is not a valid value for colors_or_image "
                r"\(entry 1\)"
            ),
        ),
        (["#12345"], r"'#12345' is not a valid value for colors_or_image \(entry 0\)"),
        (
            [(0, 0, 0), (1.2, 0, 0)],
            (
                r"\(1.2, 0, 0\) is not a valid value for colors_or_image "
                r"\(entry 1\)"
            ),
        ),
        (
            [(float("nan"), 0, 0)],
            (
                r"\(nan, 0, 0\) is not a valid value for colors_or_image "
                r"\(entry 0\)"
            ),
        ),
        (
            np.array([[0.1, 0.2, 0.3], [0.0, np.nan, 0.0]]),
            r"\(0.0, nan, 0.0\) is not a valid value for colors_or_image \(entry 1\)",
        ),
        ([], r"colors_or_image is empty"),
    ],
)
def test_invalid_colours_named_with_position(colors, pattern):
    with pytest.raises(ValueError, match=pattern):
        simulate_cvd(colors)


def test_bad_float_image_names_pixel():
    img = np.zeros((4, 4, 3))
    img[2, 1, 0] = 2.0
    with pytest.raises(ValueError, match=r"first bad pixel at \(2, 1\)"):
        simulate_cvd(img)


def test_bad_uint8_shape():
    with pytest.raises(ValueError, match=r"expected a uint8 image of shape \(H, W, 3\)"):
        simulate_cvd(np.zeros((4, 4, 2), dtype=np.uint8))


def test_image_ucs_needs_uint8():
    with pytest.raises(
        ValueError,
        match=r"float64 array of shape \(2, 2, 3\)' is not a valid "
        r"value for image",
    ):
        image_ucs(np.zeros((2, 2, 3)))


def test_fast_ucs_matches_colorspacious_in_and_out_of_gamut():
    from colorspacious.basics import sRGB1_linear_to_XYZ100
    from colorspacious.ciecam02 import CIECAM02Space

    from chartkit.palettes._color import srgb_to_linear
    from chartkit.palettes.cvd import _simulate_linear, to_ucs

    rng = np.random.default_rng(7)
    lin = srgb_to_linear(rng.random((2000, 3)))
    cases = [lin] + [
        _simulate_linear(lin, kind, 100, model)
        for kind in CVD_KINDS
        for model in ("machado", "brettel")
    ]
    n_negative_a = 0
    for case in cases:
        cam = CIECAM02Space.sRGB.XYZ100_to_CIECAM02(
            sRGB1_linear_to_XYZ100(case), on_negative_A="nan"
        )
        ok = np.isfinite(cam.J)
        ref = cspace_convert(case[ok], "sRGB1-linear", "CAM02-UCS")
        ours = to_ucs(case)
        np.testing.assert_allclose(ours[ok], ref, rtol=0, atol=1e-9)
        # Where colorspacious would raise NegativeAError, J' is 0 and nothing is NaN.
        assert (ours[~ok, 0] == 0).all()
        assert np.isfinite(ours).all()
        n_negative_a += int((~ok).sum())
    assert min(c.min() for c in cases) < -0.1  # out-of-gamut values were exercised
    assert n_negative_a > 0  # and so was the negative-A guard (Brettel protan, deep blues)


def test_bad_array_shapes():
    with pytest.raises(
        ValueError,
        match=r"'array of shape \(4, 2\)' is not a valid value for "
        r"colors; expected an array of shape \(n, 3\) or \(n, 4\)",
    ):
        visions_ucs(np.zeros((4, 2)))
    with pytest.raises(
        ValueError,
        match=r"'array of shape \(2, 2, 5\)' is not a valid value "
        r"for colors_or_image; expected a last axis of length 3 or 4",
    ):
        simulate_cvd(np.zeros((2, 2, 5)))
    with pytest.raises(
        ValueError,
        match=r"5 is not a valid value for colors_or_image; "
        r"expected a matplotlib colour",
    ):
        simulate_cvd(5)


def test_uint8_fast_path_across_chunks():
    from chartkit.palettes import cvd

    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (300, 301, 3), dtype=np.uint8)  # 90,300 px: 2 chunks
    assert img.shape[0] * img.shape[1] > cvd._CHUNK
    fast = simulate_cvd(img, "protanomaly", 70)
    ref = np.clip(_reference(img / 255.0, "protanomaly", 70), 0, 1) * 255
    assert np.abs(fast.astype(float) - ref).max() <= 1.0


def test_uint8_views_and_rgba_layouts_agree(image):
    rgba = np.concatenate([image, np.full((*image.shape[:2], 1), 9, np.uint8)], axis=-1)
    view = rgba[::2, 1::3]  # not C-contiguous
    out = simulate_cvd(view, "tritanomaly", 40)
    assert out.shape == view.shape
    expect = simulate_cvd(np.ascontiguousarray(view[..., :3]), "tritanomaly", 40)
    np.testing.assert_array_equal(out[..., :3], expect)
    assert (out[..., 3] == 9).all()
