"""WCAG contrast maths, black/white text choice, bar and heatmap value labels."""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chartkit.annotate import (
    bar_labels,
    contrast_ratio,
    heatmap_labels,
    relative_luminance,
    text_color_for,
)
from chartkit.annotate.contrast import MIN_CONTRAST
from chartkit.errors import ColorWarning, DataWarning
from chartkit.style import rc_params


def test_reference_values():
    # WCAG 2.x: black on white is 21:1; #777777 on white is the classic 4.48:1 near-miss.
    assert contrast_ratio("black", "white") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "white") == pytest.approx(4.478, abs=1e-3)
    assert relative_luminance("white") == pytest.approx(1.0)
    assert relative_luminance("#808080") == pytest.approx(0.2158605, abs=1e-6)
    assert contrast_ratio("#0072b2", "#0072b2") == pytest.approx(1.0)


def test_text_color_for_examples():
    assert text_color_for("#0072B2") == "#ffffff"
    assert text_color_for("#F0E442") == "#000000"
    assert text_color_for(["#F0E442", "black"]) == ["#000000", "#ffffff"]
    assert text_color_for((0.1, 0.2, 0.3)) == "#ffffff"
    assert text_color_for(np.array([[0.1, 0.2, 0.3, 1.0]])) == ["#ffffff"]


def test_transparent_background_over_base():
    # Half-transparent black over white is mid grey; over black it is black.
    assert text_color_for((0, 0, 0, 0.2)) == "#000000"
    assert text_color_for((0, 0, 0, 0.2), base="black") == "#ffffff"


@settings(max_examples=300, deadline=None)
@given(st.tuples(*[st.floats(0, 1)] * 3))
def test_choice_always_reaches_aa(rgb):
    chosen = text_color_for(rgb)
    assert contrast_ratio(chosen, rgb) >= MIN_CONTRAST
    other = "#000000" if chosen == "#ffffff" else "#ffffff"
    assert contrast_ratio(chosen, rgb) >= contrast_ratio(other, rgb)


def test_custom_pair_that_fails_warns_once():
    with pytest.warns(ColorWarning, match=r"^2 of 3 backgrounds reach less than 4.5:1") as rec:
        out = text_color_for(["#777777", "#888888", "white"], dark="#333333", light="#dddddd")
    assert len(rec) == 1
    assert out == ["#dddddd", "#333333", "#333333"]


def test_bad_colours_named():
    with pytest.raises(ValueError, match=r"'notacolor' is not a valid value for color; expected"):
        text_color_for("notacolor")
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for color \(entry 1\)"):
        text_color_for(["red", "nope"])
    with pytest.raises(ValueError, match=r"'x' is not a valid value for dark"):
        text_color_for("red", dark="x")


def _bars(ax, values, colors, horizontal=False):
    names = [f"c{k}" for k in range(len(values))]
    if horizontal:
        return ax.barh(names, values, color=colors)
    return ax.bar(names, values, color=colors)


@pytest.mark.parametrize("horizontal", [False, True])
def test_bar_labels_inside_and_outside(horizontal):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    bars = _bars(ax, [10, 0.2, 6, -8], ["#0072b2", "#f0e442", "#f0e442", "#000000"], horizontal)
    labels = bar_labels(bars, "{:.1f}")
    fig.canvas.draw()
    assert [t.get_text() for t in labels] == ["10.0", "0.2", "6.0", "\u22128.0"]
    inside = [t.placed_inside for t in labels]
    assert inside == [True, False, True, True]  # the 0.2 bar is too short for its label
    assert [t.get_color() for t in labels] == ["#ffffff", "#000000", "#000000", "#ffffff"]
    r = fig.canvas.get_renderer()
    for t, bar in zip(labels, bars, strict=True):
        tb, bb = t.get_window_extent(r), bar.get_window_extent(r)
        within = tb.x0 >= bb.x0 - 0.5 and tb.x1 <= bb.x1 + 0.5
        within &= tb.y0 >= bb.y0 - 0.5 and tb.y1 <= bb.y1 + 0.5
        assert within == t.placed_inside


def test_bar_labels_outside_on_dark_axes():
    fig, ax = plt.subplots()
    ax.set_facecolor("#222222")
    labels = bar_labels(ax.bar(["a"], [1.0], color="#56b4e9"), inside=False)
    fig.canvas.draw()
    assert labels[0].get_color() == "#ffffff"
    assert not labels[0].placed_inside


def test_bar_labels_options_and_errors():
    fig, ax = plt.subplots()
    bars = ax.bar(["a", "b"], [1.0, np.nan])
    with pytest.warns(DataWarning, match=r"^1 of 2 bars have a non-finite value"):
        assert [t.get_text() for t in bar_labels(bars, "%.2f")] == ["1.00"]
    with pytest.warns(DataWarning):
        assert [t.get_text() for t in bar_labels(bars, lambda v: f"<{v}>")] == ["<1.0>"]
    assert [t.get_text() for t in bar_labels(bars, labels=["x", "y"])] == ["x", "y"]
    forced = bar_labels(bars, labels=["x", "y"], color="red")
    fig.canvas.draw()
    assert forced[0].get_color() == "red"
    with pytest.raises(
        ValueError, match=r"^labels must have one entry per bar; got 1 labels for 2 bars\.$"
    ):
        bar_labels(bars, labels=["x"])
    with pytest.raises(
        TypeError,
        match=r"^bar_labels sets 'xytext' itself \(inside/outside placement\); use padding=",
    ):
        bar_labels(bars, xytext=(0, 3))
    with pytest.raises(TypeError, match=r"'fmt' must be an instance of str, not int"):
        bar_labels(bars, 3)
    assert bar_labels([]) == []


@pytest.mark.parametrize("kind", ["imshow", "pcolormesh"])
def test_heatmap_labels_contrast(kind):
    _fig, ax = plt.subplots()
    data = np.arange(12, dtype=float).reshape(3, 4)
    data[1, 1] = np.nan
    m = ax.imshow(data, cmap="viridis") if kind == "imshow" else ax.pcolormesh(data)
    texts = heatmap_labels(m, "{:.0f}", fontsize=8)
    assert len(texts) == 11
    by_text = {t.get_text(): t for t in texts}
    rgba = m.to_rgba(data)
    for (i, j), v in np.ndenumerate(data):
        if np.isfinite(v):
            t = by_text[f"{v:.0f}"]
            assert contrast_ratio(t.get_color(), rgba[i, j]) >= MIN_CONTRAST
            assert t.get_fontsize() == 8
    # The label sits on its own cell.
    t = by_text["0"]
    if kind == "imshow":
        assert t.get_position() == pytest.approx((0, 0))
    else:
        assert t.get_position() == pytest.approx((0.5, 0.5))
    assert mcolors.same_color(by_text["0"].get_color(), "white")
    assert mcolors.same_color(by_text["11"].get_color(), "black")


def test_heatmap_labels_errors():
    _fig, ax = plt.subplots()
    im = ax.imshow(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"^heatmap_labels sets 'color' itself \(per-cell"):
        heatmap_labels(im, color="k")
    with pytest.raises(
        ValueError, match=r"^data has shape \(3,\); expected \(2, 2\), the shape of the heatmap\.$"
    ):
        heatmap_labels(im, data=np.zeros(3))


def test_bar_labels_bad_colour_is_named_with_its_position():
    _fig, ax = plt.subplots()
    bars = ax.bar([0, 1, 2], [1, 2, 3])
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for color; expected a matplotlib"
    ):
        bar_labels(bars, color="notacolor")
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for color \(entry 2\); expected"
    ):
        bar_labels(bars, color=["k", "r", "notacolor"])
    with pytest.raises(
        ValueError, match=r"^color must have one entry per bar; got 2 colours for 3 bars\.$"
    ):
        bar_labels(bars, color=["k", "r"])
    texts = bar_labels(bars, color=["k", "r", "b"])
    ax.figure.canvas.draw()
    assert [t.get_color() for t in texts] == ["k", "r", "b"]


@pytest.mark.mpl_image_compare(style=rc_params("default", korean_font="bundled"))
def test_contrast_labels_image():
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7, 3), dpi=100)
    okabe = ["#0072B2", "#E69F00", "#009E73", "#F0E442", "#000000", "#56B4E9"]
    bars = a1.bar(["가", "나", "다", "라", "마", "바"], [8, 6, 5, 0.4, 7, -3], color=okabe)
    bar_labels(bars, "{:.1f}")
    a1.set_title("막대 값 (bar values)")
    rng = np.random.default_rng(0)
    im = a2.imshow(rng.random((4, 5)), cmap="magma")
    heatmap_labels(im, "{:.2f}", fontsize=8)
    a2.set_title("heatmap")
    a2.grid(False)
    return fig
