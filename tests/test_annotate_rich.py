"""Rich-text markup: parsing, errors with positions, series colours, layout and images."""

from __future__ import annotations

import itertools
from unittest import mock

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest

from chartkit.annotate import RichText, contrast_ratio, parse_markup, rich_text, series_colors
from chartkit.annotate._markup import plain_text
from chartkit.style import rc_params


def test_plain_string_is_one_segment():
    (seg,) = parse_markup("loss < 0.1 and a > b")
    assert seg.text == "loss < 0.1 and a > b"
    assert seg.props == {}
    assert seg.series is None


def test_tags_nest_and_close():
    segs = parse_markup("a <b>bold <i>both</i></b> <{color=#d55e00, size=14}>big</> z")
    assert [s.text for s in segs] == ["a ", "bold ", "both", " ", "big", " z"]
    assert segs[1].props == {"weight": "bold"}
    assert segs[2].props == {"weight": "bold", "style": "italic"}
    assert segs[4].props == {"color": "#d55e00", "size": 14.0}


def test_big_small_scale_and_series():
    segs = parse_markup("<big><small>x</small></big><loss>")
    assert segs[0].props["size_scale"] == pytest.approx(1.0)
    assert segs[1].text == "loss"
    assert segs[1].series == "loss"
    assert parse_markup("<{series=loss}>training</>")[0].series == "loss"


def test_escapes():
    assert plain_text(r"\<b\> and \\") == "<b> and \\"


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("<b>bold", r"tag <b> is never closed at position 0"),
        ("x </b>", r"closing tag '</b>' matches no open tag at position 2"),
        ("<b>x</i>", r"closing tag '</i>' does not match <b> opened at position 0 at position 4"),
        ("a<b", r"unterminated '<' .* at position 1"),
        ("<{colr=red}>x</>", r"'colr' is not a valid value for a markup style key.*'color'"),
        ("<{color}>x</>", r"style item 'color' is not key=value"),
        ("<{alpha=x}>y</>", r"alpha must be a number, not 'x' at position 0"),
        ("ok <>", r"empty tag '<>' at position 3"),
    ],
)
def test_markup_errors_name_the_position(markup, message):
    with pytest.raises(ValueError, match=message):
        parse_markup(markup)


def test_error_shows_a_caret():
    with pytest.raises(ValueError, match="does not match") as info:
        parse_markup("<b>x</i>")
    lines = str(info.value).splitlines()
    assert lines[-2] == "  <b>x</i>"
    assert lines[-1] == "      ^"


def test_not_a_string():
    with pytest.raises(TypeError, match="markup must be a str, not int"):
        parse_markup(3)


def _two_series():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([0, 1], [1, 0], label="loss", color="#0072b2")
    ax.plot([0, 1], [0.5, 0.2], label="val_loss", color="#e69f00")
    ax.bar([0.5], [0.3], label="bars", color="#009e73")
    ax.plot([0, 1], [0, 0], label="_hidden")
    return fig, ax


def test_series_colors():
    fig, ax = _two_series()
    colors = series_colors(ax)
    assert colors["loss"] == "#0072b2"
    assert colors["val_loss"] == "#e69f00"
    assert mcolors.to_hex(colors["bars"]) == "#009e73"
    assert "_hidden" not in colors
    assert series_colors(fig)["loss"] == "#0072b2"


def test_names_take_series_colours():
    _fig, ax = _two_series()
    rt = rich_text(ax, 0.1, 0.9, "<loss> falls below <val_loss>", transform=ax.transAxes)
    runs = rt.get_children()
    assert [t.get_text() for t in runs] == ["loss", " falls below ", "val_loss"]
    assert runs[0].get_color() == "#0072b2"  # 5.1:1 on white: kept
    # Okabe-Ito orange (2.25:1 on white) is darkened to 4.5:1 like label_lines does.
    assert runs[2].get_color() != "#e69f00"
    assert contrast_ratio(runs[2].get_color(), "white") >= 4.5
    assert runs[1].get_color() == plt.rcParams["text.color"]


def test_colors_mapping_wins_and_unknown_series():
    _fig, ax = _two_series()
    rt = rich_text(ax, 0, 0, "<loss> <seaborn line>", colors={"seaborn line": "#cc79a7"})
    assert rt.get_children()[2].get_color() == "#cc79a7"
    with pytest.raises(
        ValueError,
        match=r"unknown markup tag '<lost>': not a tag .* labelled series are 'bars', "
        r"'loss', 'val_loss' at position 4",
    ):
        rich_text(ax, 0, 0, "the <lost> run")
    _fig2, ax2 = plt.subplots()
    with pytest.raises(ValueError, match=r"no labelled series was found \(plot first"):
        rich_text(ax2, 0, 0, "<loss>")


def test_bad_color_value():
    _fig, ax = plt.subplots()
    with pytest.raises(
        ValueError, match=r"'notacolor' is not a valid value for color in markup at position 2"
    ):
        rich_text(ax, 0, 0, "a <{color=notacolor}>x</>")


def test_markup_overrides_base_aliases():
    rt = RichText(
        0, 0, "a <b>b</b> <{size=20, c=red}>c</>", fontweight="light", fontsize=9, c="blue"
    )
    a, b, _, c = rt.get_children()
    assert (a.get_fontweight(), a.get_fontsize(), a.get_color()) == ("light", 9, "blue")
    assert b.get_fontweight() == "bold"
    assert (c.get_fontsize(), c.get_color()) == (20, "red")


def test_refuses_alignment_kwargs():
    with pytest.raises(
        TypeError, match=r"^RichText sets 'horizontalalignment' itself \(on its runs\)"
    ):
        RichText(0, 0, "x", horizontalalignment="center")
    with pytest.raises(ValueError, match=r"'middle' is not a valid value for va"):
        RichText(0, 0, "x", va="middle")


def test_runs_share_a_baseline_and_do_not_overlap():
    fig, ax = _two_series()
    rt = rich_text(ax, 0.05, 0.5, "a <{size=20}>BIG</> <small>small</small> <b>bold</b>")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    runs = rt.get_children()
    ys = {round(t.get_position()[1], 6) for t in runs}
    assert len(ys) == 1
    boxes = [t.get_window_extent(r) for t in runs]
    for a, b in itertools.pairwise(boxes):
        assert a.x1 <= b.x0 + 0.5
    assert runs[1].get_fontsize() == 20
    assert runs[3].get_fontsize() == pytest.approx(plt.rcParams["font.size"] * 0.8)


def test_newline_and_wrapping():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    rt = rich_text(ax, 0, 0, "one <b>two</b>\nthree", transform=ax.transAxes)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    two_lines = rt.get_window_extent(r)
    wrapped = rich_text(
        ax, 0, 0.5, "many words " * 8 + "<b>end</b>", transform=ax.transAxes, max_width=100
    )
    fig.canvas.draw()
    bb = wrapped.get_window_extent(r)
    assert bb.width <= r.points_to_pixels(100) + 0.5
    assert bb.height > 3 * two_lines.height / 2
    assert {t.get_text().strip() for t in wrapped.get_children()} >= {"end"}


def test_extent_recomputed_after_limits_change():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.set_xlim(0, 1)
    rt = rich_text(ax, 0.5, 0.5, "<b>x</b> y")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    x_before = rt.get_window_extent(r).x0
    ax.set_xlim(0, 2)
    fig.canvas.draw()
    assert rt.get_window_extent(r).x0 < x_before - 50


def test_adding_rich_text_never_draws():
    fig, ax = _two_series()
    with mock.patch.object(type(fig.canvas), "draw") as draw:
        for k in range(5):
            rich_text(ax, 0, k, "<loss> falls below <val_loss>")
    draw.assert_not_called()


def test_alpha_applies_to_runs():
    fig, ax = _two_series()
    rt = rich_text(ax, 0, 0, "<loss> x")
    rt.set_alpha(0.3)
    fig.canvas.draw()
    assert all(t.get_alpha() == 0.3 for t in rt.get_children())


@pytest.mark.mpl_image_compare(style=rc_params("default", korean_font="bundled"))
def test_rich_text_image():
    rng = np.random.default_rng(2)
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    steps = np.arange(80)
    ax.plot(steps, np.exp(-steps / 25) + rng.normal(0, 0.02, 80), label="loss")
    ax.plot(steps, np.exp(-steps / 35) + 0.04, label="val_loss")
    ax.set_title("")
    rich_text(
        ax,
        0.97,
        0.95,
        "<loss> falls below <val_loss>\n<b>굵게</b>, <i>italic</i>, "
        "<{color=#d55e00, size=14}>크게 big</> and <small>small</small>",
        transform=ax.transAxes,
        ha="right",
        va="top",
    )
    return fig
