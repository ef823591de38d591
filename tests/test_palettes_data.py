"""Shipped data cannot drift: metadata recomputed, maps rebuilt; registry and palette()."""

from __future__ import annotations

import warnings

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.colors import ListedColormap, to_rgb

import chartkit
from chartkit.errors import ChartkitWarning, ColorWarning
from chartkit.palettes import _data, check_cmap, check_palette, list_palettes, palette
from chartkit.palettes.builders import diverging_rgb, sequential_rgb
from chartkit.palettes.generator import generate


@pytest.mark.parametrize("name", list(_data.PALETTES))
def test_palette_metadata_is_measured(name):
    entry = _data.PALETTES[name]
    rep = check_palette(entry["colors"])
    assert round(rep.min_delta_e_normal, 1) == entry["min_delta_e_normal"]
    assert round(rep.min_delta_e_cvd, 1) == entry["min_delta_e_cvd"]
    assert round(rep.min_delta_e_cvd_clipped, 1) == entry["min_delta_e_cvd_clipped"]
    assert rep.worst_vision == entry["worst_vision"]
    assert rep.verdict == entry["verdict"]


def test_reference_numbers_from_the_issue():
    cvd = {k: v["min_delta_e_cvd"] for k, v in _data.PALETTES.items()}
    assert cvd["okabe_ito"] == 11.0
    assert cvd["colorblind"] == 5.8
    assert cvd["petroff10"] == pytest.approx(16.1, abs=0.15)
    assert cvd["tab10"] < 5


def test_chartkit10_is_the_generator_output():
    assert _data.PALETTES["chartkit10"]["colors"] == generate(10)


@pytest.mark.parametrize("name", list(_data.MAPS))
def test_maps_are_rebuilt_by_the_builders(name):
    entry = _data.MAPS[name]
    build = sequential_rgb if entry["kind"] == "sequential" else diverging_rgb
    rebuilt = build(*entry["builder_args"])
    stored = np.array([to_rgb(c) for c in entry["colors"]])
    # Stored as 8-bit hex: equal up to rounding.
    assert np.abs(rebuilt - stored).max() <= 0.5 / 255 + 1e-9
    rep = check_cmap(ListedColormap(entry["colors"]))
    assert (rep.kind, rep.verdict) == (entry["kind"], entry["verdict"])


def test_every_map_and_palette_is_registered():
    for name in list_palettes():
        for full in (f"chartkit.{name}", f"chartkit.{name}_r"):
            assert full in mpl.colormaps, full
        cm = mpl.colormaps[f"chartkit.{name}"]
        assert [c.lower() for c in cm.colors] == palette(name)
        assert list(mpl.colormaps[f"chartkit.{name}_r"].colors) == palette(name)[::-1]
    for name in _data.PALETTES:
        seq = mpl.color_sequences[f"chartkit.{name}"]
        assert [mpl.colors.to_hex(c) for c in seq] == palette(name)


def test_register_is_idempotent_and_never_forces(monkeypatch):
    registered = []
    real = mpl.colormaps.register

    def spy(cmap, *, name=None, force=False):
        registered.append((cmap.name, force))
        return real(cmap, name=name, force=force)

    monkeypatch.setattr(mpl.colormaps, "register", spy)
    chartkit.palettes.register()
    assert registered == []  # everything is there already: nothing re-registered
    # A name taken by someone else is left alone, without force.
    mpl.colormaps.unregister("chartkit.blues_r")
    other = ListedColormap(["#000000", "#ffffff"], name="chartkit.blues_r")
    real(other)
    try:
        chartkit.palettes.register()
        assert mpl.colormaps["chartkit.blues_r"].colors == other.colors
        assert registered == []
    finally:
        mpl.colormaps.unregister("chartkit.blues_r")
        chartkit.palettes.register()
    assert registered == [("chartkit.blues_r", False)]
    assert mpl.colormaps["chartkit.blues_r"].colors[0] == _data.MAPS["blues"]["colors"][-1]


def test_palette_entry_point():
    assert palette("okabe_ito")[:2] == ["#e69f00", "#56b4e9"]
    assert palette("chartkit.petroff6", 3) == palette("petroff6")[:3]
    assert palette("okabe_ito_r")[0] == "#000000"
    blues = palette("blues", 5)
    assert blues[0] == _data.MAPS["blues"]["colors"][0]
    assert blues[-1] == _data.MAPS["blues"]["colors"][-1]
    cmap = palette("tab10", as_cmap=True)
    assert isinstance(cmap, ListedColormap)
    assert cmap.N == 10
    assert palette("blue_orange", as_cmap=True).N == 256


def test_short_palette_warns_once_then_cycles():
    with pytest.warns(
        ColorWarning,
        match=r"palette 'tol_high_contrast' has 3 colours but n=5 "
        r"were requested; cycling it",
    ) as record:
        colors = palette("tol_high_contrast", 5)
    assert len(record) == 1
    assert issubclass(record[0].category, ChartkitWarning)
    assert colors == palette("tol_high_contrast") + palette("tol_high_contrast")[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        palette("tol_high_contrast", 3)


def test_palette_errors():
    with pytest.raises(
        ValueError,
        match=r"8 is not a valid value for n; expected at most the 6 colours of palette "
        r"'petroff6'; pass strict=False",
    ):
        palette("petroff6", 8, strict=True)
    with pytest.raises(
        ValueError,
        match=r"'okabe' is not a valid value for name.*Did you "
        r"mean 'okabe_ito'",
    ):
        palette("okabe")
    with pytest.raises(ValueError, match=r"0 is not a valid value for n; expected a positive"):
        palette("tab10", 0)
    with pytest.raises(ValueError, match=r"-2 is not a valid value for n"):
        palette("blues", -2)


def test_seaborn_takes_the_plain_list():
    sns = pytest.importorskip("seaborn")
    with sns.axes_style():  # noqa: SIM117 - restore rcParams afterwards
        with mpl.rc_context():
            sns.set_palette(palette("okabe_ito"))
            cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
            assert [mpl.colors.to_hex(c) for c in cycle] == palette("okabe_ito")


def test_lookup_argument_errors():
    with pytest.raises(
        ValueError,
        match=r"3 is not a valid value for name; expected a palette "
        r"name",
    ):
        palette(3)
    with pytest.raises(
        ValueError,
        match=r"'qualitative' is not a valid value for kind; "
        r"supported values are 'categorical', 'sequential', 'diverging'",
    ):
        list_palettes("qualitative")
    assert list_palettes("diverging") == ["blue_orange", "purple_green"]
