"""One panel-tag labeller for abc() and mosaic(abc=) (issue 12.4)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest

from chartkit.annotate import abc
from chartkit.annotate.tags import panel_tags
from chartkit.facets import mosaic

MARKERS = {
    "a": ["a", "b", "c", "d"],
    "A": ["A", "B", "C", "D"],
    "1": ["1", "2", "3", "4"],
    "i": ["i", "ii", "iii", "iv"],
    "가": ["가", "나", "다", "라"],
    "ㄱ": ["ㄱ", "ㄴ", "ㄷ", "ㄹ"],
}
BRACKETS = ["{}", "({})", "{}.", "{})", "[{}]"]


@pytest.mark.parametrize("marker", list(MARKERS))
@pytest.mark.parametrize("bracket", BRACKETS)
def test_every_marker_in_every_bracket_for_abc_and_mosaic(marker, bracket):
    style = bracket.format(marker)
    expected = [bracket.format(core) for core in MARKERS[marker]]
    assert panel_tags(4, style) == expected
    _fig, axes = plt.subplots(2, 2)
    assert abc(axes, style) == expected
    m = mosaic("AB;CD", abc=style)
    assert [m.tags[k].get_text() for k in "ABCD"] == expected


def test_roman_and_letters_continue():
    assert panel_tags(3, "i", start=7) == ["viii", "ix", "x"]
    assert panel_tags(2, "(I)", start=13) == ["(XIV)", "(XV)"]
    assert panel_tags(3, "a", start=25) == ["z", "aa", "ab"]


def test_bad_styles_raise_naming_the_value():
    for bad in ("x", "ab", "(a1)", ""):
        with pytest.raises(
            ValueError, match="^" + re.escape(f"{bad!r} is not a valid value for style; ")
        ):
            panel_tags(2, bad)
    with pytest.raises(ValueError, match=r"^'q' is not a valid value for abc; expected a count"):
        mosaic("AB", abc="q")
    with pytest.raises(
        ValueError,
        match=r"^'ㄱ' is not a valid value for style; expected a style with a tag for each of "
        r"15 panels: 'ㄱ' has 14 \(ㄱ-ㅎ\); use 'a', '1' or 'i' for more\.$",
    ):
        panel_tags(15, "ㄱ")
