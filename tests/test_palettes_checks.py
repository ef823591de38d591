"""check_palette / check_cmap: verdicts, evidence, thresholds and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from chartkit.palettes import check_cmap, check_palette, palette
from chartkit.palettes.checks import strict_threshold


def test_known_palettes_verdicts():
    tab10 = check_palette("tab10")
    assert tab10.verdict == "fail"
    assert tab10.min_delta_e_cvd < 5
    assert check_palette("colorblind").verdict == "warn"
    oi = check_palette("okabe_ito")
    assert oi.verdict == "pass"
    assert oi.min_delta_e_cvd == pytest.approx(11.0, abs=0.05)
    assert check_palette("petroff10", strict=True).verdict == "pass"
    # Okabe-Ito passes the default thresholds but not Petroff's 18 for 8 colours.
    assert check_palette("okabe_ito", strict=True).verdict == "warn"


def test_report_fields_and_matrices_match_colorspacious():
    colors = ["#0072b2", "#d55e00", "#009e73", "#cc79a7"]
    rep = check_palette(colors)
    assert rep.labels == ["normal", "protanomaly-100", "deuteranomaly-100", "tritanomaly-100"]
    assert set(rep.delta_e) == set(rep.labels)
    for label in rep.labels[1:]:
        kind = label.split("-")[0]
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        for i in range(4):
            for j in range(i + 1, 4):
                ref = deltaE(colors_rgb(colors[i]), colors_rgb(colors[j]), input_space=space)
                assert rep.delta_e[label][i, j] == pytest.approx(ref, rel=1e-9)
    assert np.isinf(np.diag(rep.delta_e["normal"])).all()
    worst = min(rep.min_per_vision().items(), key=lambda kv: kv[1][0])
    assert rep.worst_vision == worst[0]
    assert rep.worst_pair == worst[1][1]
    assert rep.min_delta_e_cvd == pytest.approx(
        min(v[0] for k, v in rep.min_per_vision().items() if k != "normal")
    )


def colors_rgb(hex_color: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(hex_color))


def test_report_str_is_a_table():
    text = str(check_palette("tab10"))
    assert text.startswith("palette check: FAIL")
    assert "protanomaly-100" in text
    assert "worst: protanomaly-100, colours 0 and 4: ΔE 2.4" in text
    assert "CVD model: machado" in text


def test_severities_and_model_recorded():
    rep = check_palette("tol_bright", severities=(50, 100), model="brettel")
    assert "tritanomaly-50" in rep.labels
    assert rep.model == "brettel"
    # Brettel's tritan disagrees strongly with Machado's for Tol bright.
    machado = check_palette("tol_bright")
    assert rep.min_delta_e_cvd < machado.min_delta_e_cvd - 3


def test_thresholds_decide_the_verdict():
    # Two colours, far apart for every vision: pass; the same pair nearly equal: fail.
    assert check_palette(["#000000", "#ffffff"]).verdict == "pass"
    assert check_palette(["#808080", "#818181"]).verdict == "fail"
    # Red/green pair: fine for normal vision, close under deutan/protan -> not a pass.
    rep = check_palette(["#d62728", "#2ca02c"])
    assert rep.min_delta_e_normal > 15
    assert rep.verdict in ("warn", "fail")
    assert rep.worst_vision in ("protanomaly-100", "deuteranomaly-100")


def test_strict_thresholds():
    assert [strict_threshold(n) for n in (3, 6, 7, 8, 10, 12)] == [20, 20, 18, 18, 16, 16]


def test_single_colour():
    rep = check_palette(["#0072b2"])
    assert rep.verdict == "pass"
    assert rep.worst_vision == "normal"


def test_check_palette_errors():
    with pytest.raises(
        ValueError,
        match=r"'notacolor' is not a valid value for colors "
        r"\(entry 1\)",
    ):
        check_palette(["#000000", "notacolor"])
    with pytest.raises(
        ValueError,
        match=r"'okabe_itto' is not a valid value for name.*"
        r"Did you mean 'okabe_ito'",
    ):
        check_palette("okabe_itto")
    with pytest.raises(ValueError, match=r"colors is empty"):
        check_palette([])
    with pytest.raises(ValueError, match=r"101 is not a valid value for severity"):
        check_palette("tab10", severities=(50, 101))
    with pytest.raises(ValueError, match=r"severities is empty"):
        check_palette("tab10", severities=())
    with pytest.raises(ValueError, match=r"'achromatopsia' is not a valid value for kind"):
        check_palette("tab10", kinds=["achromatopsia"])


@pytest.mark.parametrize("name", ["jet", "turbo", "rainbow", "nipy_spectral"])
def test_rainbow_maps_fail(name):
    rep = check_cmap(name)
    assert rep.verdict == "fail"
    assert rep.reversal > 1.0
    assert "reverses" in rep.reason


@pytest.mark.parametrize("name", ["viridis", "cividis", "magma", "Blues", "gray"])
def test_monotone_maps_pass(name):
    rep = check_cmap(name)
    assert (rep.kind, rep.verdict) == ("sequential", "pass")
    assert rep.reversal <= 1.0


@pytest.mark.parametrize("name", ["coolwarm", "RdBu", "BrBG", "Spectral"])
def test_diverging_maps(name):
    rep = check_cmap(name)
    assert rep.kind == "diverging"
    assert rep.symmetry is not None
    assert rep.verdict in ("pass", "warn")


def test_asymmetric_diverging_warns():
    rep = check_cmap("seismic")
    assert (rep.kind, rep.verdict) == ("diverging", "warn")
    assert rep.symmetry > 5


@pytest.mark.parametrize("name", ["twilight", "hsv"])
def test_cyclic(name):
    assert check_cmap(name).kind == "cyclic"


def test_cmap_report_str_and_lightness():
    rep = check_cmap("viridis", n=32)
    assert rep.lightness.shape == (32,)
    from matplotlib import colormaps

    ref = cspace_convert(colormaps["viridis"](np.linspace(0, 1, 32))[:, :3], "sRGB1", "CAM02-UCS")
    np.testing.assert_allclose(rep.lightness, ref[:, 0])
    assert str(rep).startswith("colormap check: viridis: PASS (sequential)")


def test_check_cmap_errors():
    with pytest.raises(
        ValueError,
        match=r"'virdis' is not a valid value for cmap.*"
        r"Did you mean 'viridis'",
    ):
        check_cmap("virdis")
    with pytest.raises(ValueError, match=r"4 is not a valid value for n; expected an integer"):
        check_cmap("viridis", n=4)
    with pytest.raises(ValueError, match=r"is not a valid value for cmap; expected a Colormap"):
        check_cmap(palette("okabe_ito"))


def test_check_cmap_refuses_an_empty_colormap():
    from matplotlib.colors import ListedColormap

    msg = r"ListedColormap 'empty' with no colours\" is not a valid value for cmap"
    with pytest.raises(ValueError, match=msg):
        check_cmap(ListedColormap([], name="empty"))


def test_check_cmap_fails_a_one_colour_map_instead_of_calling_it_cyclic():
    from matplotlib.colors import ListedColormap

    rep = check_cmap(ListedColormap(["#0072b2"], name="flat"))
    assert rep.verdict == "fail"
    assert rep.kind == "other"
    assert "barely changes" in rep.reason
    assert check_cmap("twilight").kind == "cyclic"  # a real cyclic map still is
