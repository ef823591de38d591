"""Builders (sequential, diverging, categorical) and the generator."""

from __future__ import annotations

import numpy as np
import pytest
from colorspacious import cspace_convert
from matplotlib.colors import ListedColormap, to_rgb

from chartkit.palettes import categorical, check_cmap, check_palette, diverging, generate
from chartkit.palettes import sequential as make_sequential
from chartkit.palettes.builders import sequential_rgb


def _jab(cmap: ListedColormap) -> np.ndarray:
    return cspace_convert(np.array([to_rgb(c) for c in cmap.colors]), "sRGB1", "CAM02-UCS")


@pytest.mark.parametrize("hue_or_color", ["#0072b2", "#d55e00", 140.0])
def test_sequential_lightness_is_monotone_and_evenly_stepped(hue_or_color):
    cmap = make_sequential(hue_or_color, 64, lightness=(95, 25), name="s")
    assert isinstance(cmap, ListedColormap)
    assert cmap.N == 64
    j = _jab(cmap)[:, 0]
    steps = np.diff(j)
    assert (steps < 0).all()
    # Evenly stepped up to 8-bit quantisation of the stored colours ...
    np.testing.assert_allclose(steps, (25 - 95) / 63, atol=0.5)
    # ... and exactly before quantisation.
    exact = cspace_convert(
        sequential_rgb(hue_or_color, 64, lightness=(95, 25)), "sRGB1", "CAM02-UCS"
    )
    np.testing.assert_allclose(np.diff(exact[:, 0]), (25 - 95) / 63, atol=1e-4)
    assert j[0] == pytest.approx(95, abs=0.5)
    assert j[-1] == pytest.approx(25, abs=0.5)
    assert check_cmap(cmap).verdict == "pass"


def _relative_to_grey(jab: np.ndarray) -> np.ndarray:
    """a'b' measured from the sRGB grey of the same J' (CAM02-UCS greys are not at 0, 0)."""
    g = np.linspace(0, 1, 512)
    grey = cspace_convert(np.stack([g, g, g], axis=1), "sRGB1", "CAM02-UCS")
    a = np.interp(jab[:, 0], grey[:, 0], grey[:, 1])
    b = np.interp(jab[:, 0], grey[:, 0], grey[:, 2])
    return np.stack([jab[:, 1] - a, jab[:, 2] - b], axis=1)


def test_sequential_keeps_the_hue():
    jab = _jab(make_sequential("#009e73", 32))
    ref = _relative_to_grey(cspace_convert(np.array([to_rgb("#009e73")]), "sRGB1", "CAM02-UCS"))
    ab = _relative_to_grey(jab)
    chroma = np.hypot(ab[:, 0], ab[:, 1])
    hue = np.arctan2(ab[:, 1], ab[:, 0])[chroma > 8]
    np.testing.assert_allclose(hue, np.arctan2(ref[0, 1], ref[0, 0]), atol=0.03)


def test_diverging_is_mirror_symmetric_with_neutral_centre():
    cmap = diverging("#0072b2", "#d55e00", 65, name="d")
    jab = _jab(cmap)
    j = jab[:, 0]
    np.testing.assert_allclose(j, j[::-1], atol=0.4)
    # The centre is a true grey (R = G = B).
    r, g, b = to_rgb(cmap.colors[32])
    assert r == g == b
    assert j[32] == pytest.approx(95, abs=0.5)
    assert (np.diff(j[:33]) > 0).all()
    assert (np.diff(j[32:]) < 0).all()
    rep = check_cmap(cmap)
    assert (rep.kind, rep.verdict) == ("diverging", "pass")
    # Hues: low end bluish, high end orange (CAM02-UCS a'/b' signs).
    assert jab[0, 2] < 0 < jab[-1, 1]


def test_builder_errors():
    with pytest.raises(
        ValueError,
        match=r"'#777777' is not a valid value for hue_or_color; "
        r"expected a colour with a hue",
    ):
        make_sequential("#777777")
    with pytest.raises(
        ValueError,
        match=r"'notacolor' is not a valid value for hue_or_color "
        r"\(entry 0\)",
    ):
        make_sequential("notacolor")
    with pytest.raises(ValueError, match=r"1 is not a valid value for n"):
        diverging("#0072b2", "#d55e00", 1)
    with pytest.raises(ValueError, match=r"\(50, 50\) is not a valid value for lightness"):
        make_sequential("#0072b2", lightness=(50, 50))


def test_generate_meets_the_target_and_is_deterministic():
    colors = generate(10)
    assert len(colors) == 10
    assert len(set(colors)) == 10
    rep = check_palette(colors)
    assert min(rep.min_delta_e_normal, rep.min_delta_e_cvd) >= 16
    assert generate(10) == colors
    assert generate(10, seed=1) != colors


def test_generate_respects_lightness_bounds():
    colors = generate(6, min_lightness=40, max_lightness=70)
    j = cspace_convert(np.array([to_rgb(c) for c in colors]), "sRGB1", "CAM02-UCS")[:, 0]
    # Grid colours are exact; hex rounding moves J' by well under 0.5.
    assert (j > 39.5).all()
    assert (j < 70.5).all()


@pytest.mark.parametrize("n", [4, 6, 8])
def test_generate_grayscale_true_is_always_feasible(n):
    colors = generate(n, grayscale=True)
    j = np.sort(cspace_convert(np.array([to_rgb(c) for c in colors]), "sRGB1", "CAM02-UCS")[:, 0])
    floor = min(10.0, 0.8 * 60 / (n - 1))
    assert np.diff(j).min() >= floor - 0.5


def test_generate_grayscale_floor():
    colors = generate(6, grayscale=8.0)
    j = np.sort(cspace_convert(np.array([to_rgb(c) for c in colors]), "sRGB1", "CAM02-UCS")[:, 0])
    assert np.diff(j).min() >= 8.0 - 0.5
    free = np.sort(
        cspace_convert(np.array([to_rgb(c) for c in generate(6)]), "sRGB1", "CAM02-UCS")[:, 0]
    )
    assert np.diff(free).min() < 8.0  # the floor changed something


def test_generate_extend_keeps_the_given_colours():
    base = ["#0072b2", "#e69f00", "#009e73"]
    colors = generate(7, extend=base)
    assert colors[:3] == base
    rep = check_palette(colors)
    assert rep.min_delta_e_cvd > 9


def test_categorical_is_a_listed_colormap():
    cmap = categorical(5)
    assert isinstance(cmap, ListedColormap)
    assert list(cmap.colors) == generate(5)
    assert cmap.name == "categorical5"


def test_generate_errors():
    with pytest.raises(ValueError, match=r"0 is not a valid value for n; expected a positive"):
        generate(0)
    with pytest.raises(
        ValueError,
        match=r"2 is not a valid value for n; expected more than the "
        r"3 colours given in extend",
    ):
        generate(2, extend=["#000000", "#ffffff", "#ff0000"])
    with pytest.raises(
        ValueError,
        match=r"'#12345' is not a valid value for extend "
        r"\(entry 0\)",
    ):
        generate(4, extend=["#12345"])
    with pytest.raises(ValueError, match=r"\(80, 20\) is not a valid value for \(min_lightness"):
        generate(4, min_lightness=80, max_lightness=20)
    with pytest.raises(
        ValueError,
        match=r"40\.0 is not a valid value for grayscale; expected a floor below 15 for 5 "
        r"colours between J' 25 and 85",
    ):
        generate(5, grayscale=40.0)
    # Greys every ~13 J' from 23 to 90: no room 8 away from all of them.
    greys = ["#333333", "#555555", "#777777", "#999999", "#bbbbbb", "#dddddd"]
    with pytest.raises(
        ValueError,
        match=r"8\.0 is not a valid value for grayscale; expected a floor that leaves a "
        r"candidate for colour 7 of 7",
    ):
        generate(7, grayscale=8.0, extend=greys)
    with pytest.raises(ValueError, match=r"-1.0 is not a valid value for grayscale"):
        generate(5, grayscale=-1.0)


def test_generate_stays_the_function_after_its_module_is_imported():
    """The module is not named like the function, so importing it cannot shadow it."""
    import importlib

    import chartkit.palettes as pal

    importlib.import_module("chartkit.palettes.generator")
    assert callable(pal.generate)
    assert pal.generate.__module__ == "chartkit.palettes.generator"
