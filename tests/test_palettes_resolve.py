"""The one palette resolver and the per-Axes next-colour rule (issue 12.3)."""

from __future__ import annotations

import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import ListedColormap, to_rgba

import chartkit
from chartkit.errors import ColorWarning
from chartkit.palettes import next_colors, palette, resolve_palette


def test_chartkit_names_come_first():
    # matplotlib ships an 'okabe_ito' colour sequence that starts with black.
    assert resolve_palette("okabe_ito")[0] == "#e69f00"
    assert resolve_palette("okabe_ito", 3) == palette("okabe_ito")[:3]
    assert resolve_palette("chartkit.okabe_ito_r", 1) == [palette("okabe_ito")[-1]]


def test_matplotlib_sequences_and_maps():
    assert [to_rgba(c) for c in resolve_palette("tab10", 2)] == [to_rgba("C0"), to_rgba("C1")]
    dark = resolve_palette("Dark2", levels=["a", "b"])
    assert list(dark) == ["a", "b"]
    vir = resolve_palette("viridis", 3)
    assert to_rgba(vir[0]) == pytest.approx(mpl.colormaps["viridis"](0.0))
    assert to_rgba(vir[-1]) == pytest.approx(mpl.colormaps["viridis"](1.0))
    assert len(resolve_palette(ListedColormap(["k", "r"]), 4)) == 4


def test_none_is_the_theme_cycle():
    with chartkit.theme("default"):
        cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        assert resolve_palette(None, 2) == cycle[:2]


def test_list_and_dict():
    assert resolve_palette(["k", "r"], levels=["x", "y"]) == {"x": "k", "y": "r"}
    assert resolve_palette({"y": "r", "x": "k"}, levels=["x", "y"]) == {"x": "k", "y": "r"}


def test_bad_entries_are_named_with_their_position():
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for palette \(entry 3\); expected"
    ):
        resolve_palette(["k", "r", "g", "notacolor"])
    with pytest.raises(ValueError, match=r"^'nope' is not a valid value for palette\['b'\]"):
        resolve_palette({"a": "k", "b": "nope"}, levels=["a", "b"])


def test_dict_missing_keys_lists_all_of_them():
    with pytest.raises(
        ValueError,
        match=r"^palette has no entry for 2 of 3 levels: 'b', 'c'; give one for every "
        r"level \(the dict has keys 'a'\)\.$",
    ):
        resolve_palette({"a": "k"}, levels=["a", "b", "c"])
    with pytest.raises(
        ValueError,
        match=r"^\{'a': 'k'\} is not a valid value for palette; expected a name or a list",
    ):
        resolve_palette({"a": "k"})


def test_unknown_name_suggests_close_matches():
    with pytest.raises(
        ValueError,
        match=r"^'okabe' is not a valid value for palette;.*"
        r"Did you mean 'okabe_ito' or 'okabe_ito_r'\?$",
    ):
        resolve_palette("okabe")
    with pytest.raises(ValueError, match=r"^palette is empty"):
        resolve_palette([])
    with pytest.raises(ValueError, match=r"^-1 is not a valid value for n"):
        resolve_palette("okabe_ito", -1)


def test_more_levels_than_colours_warns_and_says_what_it_did():
    with pytest.warns(
        ColorWarning,
        match=r"^'okabe_ito' has 8 colours for 10 levels; cycling it, so levels 9-10 repeat "
        r"the colours of levels 1-2\.",
    ) as rec:
        out = resolve_palette("okabe_ito", levels=range(10))
    assert out[8] == out[0]
    assert rec[0].filename == __file__  # points at the user's line


def test_no_warning_when_enough_colours():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_palette("okabe_ito", 8)
        resolve_palette("viridis", 300)


def test_next_colors_per_axes():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    cycle = resolve_palette(None)
    assert next_colors(ax1) == [cycle[0]]
    assert next_colors(ax1, 2) == cycle[1:3]
    assert next_colors(ax2) == [cycle[0]]  # each Axes has its own count
    assert next_colors(ax1, levels=["a", "b"]) == {"a": cycle[3], "b": cycle[4]}
    # a level already drawn on the Axes keeps its colour; a new one takes the next colour
    assert next_colors(ax1, levels=["b", "c"]) == {"b": cycle[4], "c": cycle[5]}
    plt.close(fig)


def test_next_colors_counts_plain_lines_already_drawn():
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    assert next_colors(ax, palette="okabe_ito") == [palette("okabe_ito")[1]]
    plt.close(fig)
