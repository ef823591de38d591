"""check_figure accuracy: bad charts with one planted defect each, and their good twins.

Each bad chart must report exactly its planted kind, each good twin nothing at all.
"""

from __future__ import annotations

import json

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import chartkit
from chartkit.audit import KINDS, AuditReport, check_figure
from chartkit.testing import assert_accessible

OKABE_BLUE, OKABE_ORANGE = "#0072B2", "#E69F00"
TAB_RED, TAB_GREEN = "#d62728", "#2ca02c"
TAB_PINK, TAB_CYAN = "#e377c2", "#17becf"


def _fig():
    return plt.figure(figsize=(6, 4), dpi=100, layout="constrained")


def _two_lines(c1, c2, *, markers=(None, None), styles=("-", "-"), legend=True):
    fig = _fig()
    ax = fig.add_subplot()
    x = np.linspace(0, 10, 50)
    ax.plot(x, np.sin(x), color=c1, marker=markers[0], linestyle=styles[0], label="train")
    ax.plot(x, np.cos(x), color=c2, marker=markers[1], linestyle=styles[1], label="val")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _heatmap(cmap):
    fig = _fig()
    ax = fig.add_subplot()
    im = ax.imshow(np.random.default_rng(0).random((8, 8)), cmap=cmap)
    fig.colorbar(im, ax=ax)
    return fig


def _bar_label(color):
    fig = _fig()
    ax = fig.add_subplot()
    ax.bar(["a", "b"], [3, 2], color="#808080")
    ax.text(0, 1.5, "3.0", ha="center", va="center", color=color)
    return fig


def _hangul(korean):
    rc = chartkit.rc_params("default", korean_font="bundled") if korean else {}
    with mpl.rc_context(rc):
        fig = _fig()
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_title("손실 (loss)")
    return fig


def _annotations(dy):
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 2, 1])
    ax.annotate("peak at step 1", (1, 2), xytext=(1, 1.2), ha="center")
    ax.annotate("best loss so far", (1, 2), xytext=(1, 1.2 - dy), ha="center")
    return fig


def _ticks(size):
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 2, 1])
    ax.tick_params(labelsize=size)
    return fig


def _legend(outside):
    fig = _fig()
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 50)
    for k, c in enumerate([OKABE_BLUE, OKABE_ORANGE, "#009E73"]):
        ax.plot(x, x + k * 0.1, color=c, label=f"rank {k}")
    if outside:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        ax.legend(loc="center")
    return fig


CASES = {
    # kind: (bad chart, good twin)
    "cvd-confusable": (
        lambda: _two_lines(TAB_RED, TAB_GREEN),
        lambda: _two_lines(OKABE_BLUE, OKABE_ORANGE),
    ),
    "cvd-confusable (tab10 pink/cyan)": (
        lambda: _two_lines(TAB_PINK, TAB_CYAN),
        lambda: _two_lines(TAB_PINK, TAB_CYAN, markers=("o", "s")),
    ),
    "cmap-lightness": (lambda: _heatmap("jet"), lambda: _heatmap("viridis")),
    "low-contrast-text": (lambda: _bar_label("#666666"), lambda: _bar_label("black")),
    "missing-glyph": (lambda: _hangul(False), lambda: _hangul(True)),
    "text-overlap": (lambda: _annotations(0.05), lambda: _annotations(0.4)),
    "small-text": (lambda: _ticks(5), lambda: _ticks(8)),
    "legend-overlap": (lambda: _legend(False), lambda: _legend(True)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_chart_reports_exactly_its_defect(case):
    kind = case.split(" ")[0]
    report = check_figure(CASES[case][0]())
    assert not report.ok
    assert report.kinds == [kind], str(report)
    assert json.loads(json.dumps(report.to_dict()))["kinds"] == [kind]


@pytest.mark.parametrize("case", list(CASES))
def test_good_twin_reports_nothing(case):
    report = check_figure(CASES[case][1]())
    assert report.ok, str(report)


def test_every_kind_has_a_planted_case():
    assert {c.split(" ")[0] for c in CASES} == set(KINDS)


def test_confusable_names_the_pair_vision_and_delta_e():
    report = check_figure(_two_lines(TAB_PINK, TAB_CYAN))
    (f,) = report.findings
    assert f.values["vision"] == "deuteranomaly-100"
    assert f.values["colors"] == [TAB_PINK, TAB_CYAN]
    assert f.values["labels"] == ["train", "val"]
    assert f.values["delta_e"] == pytest.approx(4.29, abs=0.01)
    assert "'train' (#e377c2) and 'val' (#17becf)" in f.message
    assert f.where == "axes 0"


@pytest.mark.parametrize(
    "channel",
    [
        {"markers": ("o", "s")},
        {"styles": ("-", "--")},
    ],
    ids=["marker", "linestyle"],
)
def test_pairs_differing_by_another_channel_are_not_flagged(channel):
    assert check_figure(_two_lines(TAB_RED, TAB_GREEN, **channel)).ok


def test_direct_labels_count_as_another_channel():
    fig = _two_lines(TAB_RED, TAB_GREEN, legend=False)
    ax = fig.axes[0]
    ax.text(10.2, np.sin(10), "train", color=TAB_RED, va="center", clip_on=False)
    ax.text(10.2, np.cos(10), "val", color=TAB_GREEN, va="center", clip_on=False)
    assert check_figure(fig, rules="cvd-confusable").ok


def test_confusable_bars_and_severity():
    fig = _fig()
    ax = fig.add_subplot()
    ax.bar([0, 1], [1, 2], color=[TAB_RED, TAB_GREEN])
    assert check_figure(fig).kinds == ["cvd-confusable"]
    assert check_figure(fig, severity=30).ok  # mild deuteranomaly keeps them apart


def test_white_labels_on_a_light_heatmap_cell():
    fig = _fig()
    ax = fig.add_subplot()
    ax.imshow([[0.0, 1.0]], cmap="viridis")
    ax.text(0, 0, "dark cell", color="white", ha="center")
    ax.text(1, 0, "light cell", color="white", ha="center")
    (f,) = check_figure(fig, rules="low-contrast-text").findings
    assert "'light cell'" in f.message
    assert f.values["background"] == "#fde725"


def test_large_text_needs_only_3_to_1():
    fig = _fig()
    fig.text(0.1, 0.5, "big", color="#8a8a8a", fontsize=20)  # 3.4:1 on white
    fig.text(0.6, 0.5, "small", color="#8a8a8a", fontsize=10)
    (f,) = check_figure(fig).findings
    assert f.kind == "low-contrast-text"
    assert "'small'" in f.message
    assert f.values["minimum"] == 4.5


def test_text_leaving_the_figure():
    fig = _fig()
    fig.text(0.9, 0.5, "a long caption that runs off the edge")
    (f,) = check_figure(fig).findings
    assert f.kind == "text-overlap"
    assert "past the edge of the figure" in f.message


def test_audit_changes_nothing_drawn():
    fig = _legend(False)
    fig.canvas.draw()
    before = np.asarray(fig.canvas.buffer_rgba()).copy()
    check_figure(fig)
    fig.canvas.draw()
    assert np.array_equal(before, np.asarray(fig.canvas.buffer_rgba()))


def test_report_str_and_dict():
    report = check_figure(_ticks(5))
    text = str(report)
    assert text.startswith("audit of Figure(600x400): 1 finding (small-text)")
    assert "small-text [axes 0]:" in text
    assert "at 5 pt, below 6 pt" in text
    d = json.loads(json.dumps(report.to_dict()))
    assert d["ok"] is False
    assert d["kinds"] == ["small-text"]
    assert d["findings"][0]["values"]["size_pt"] == 5
    assert report.findings[0].artist is not None


def test_rules_select_kinds():
    report = check_figure(_ticks(5), rules=["cvd-confusable", "text-overlap"])
    assert report.ok
    assert report.rules == ("cvd-confusable", "text-overlap")


def test_min_size_option():
    assert check_figure(_ticks(8), min_size=9).kinds == ["small-text"]


# -- bad input --------------------------------------------------------------------------
def test_not_a_figure():
    with pytest.raises(
        TypeError, match=r"^'fig' must be an instance of matplotlib.figure.Figure, not str$"
    ):
        check_figure("chart.png")
    _, ax = plt.subplots()
    with pytest.raises(TypeError, match=r"not matplotlib.axes._axes.Axes$"):
        check_figure(ax)


def test_empty_figure_is_ok_with_a_note():
    report = check_figure(plt.figure())
    assert report.ok
    assert report.notes == ["the figure is empty (no Axes, no text): nothing to check"]
    assert "note: the figure is empty" in str(report)


def test_unknown_rule_lists_the_rules():
    with pytest.raises(
        ValueError,
        match=r"^'contrast' is not a valid value for rules; supported values are "
        r"'cvd-confusable', 'cmap-lightness', 'low-contrast-text', 'missing-glyph', "
        r"'text-overlap', 'small-text', 'legend-overlap'",
    ):
        check_figure(_ticks(8), rules="contrast")


def test_bad_severity():
    with pytest.raises(ValueError, match=r"^120 is not a valid value for severity"):
        check_figure(_ticks(8), severity=120)


# -- pytest helper ----------------------------------------------------------------------
def test_assert_accessible_raises_with_the_report():
    with pytest.raises(AssertionError, match=r"(?s)not accessible.*small-text \[axes 0\]"):
        assert_accessible(_ticks(5))


def test_assert_accessible_ignore():
    report = assert_accessible(_ticks(5), ignore="small-text")
    assert isinstance(report, AuditReport)
    assert report.ok
    assert_accessible(_ticks(5), ignore=["small-text", "text-overlap"])


def test_assert_accessible_unknown_ignore():
    with pytest.raises(ValueError, match=r"^'small' is not a valid value for ignore.*small-text"):
        assert_accessible(_ticks(5), ignore="small")


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_recipe_accessible_image():
    """The README recipe: the pixel comparison and the accessibility assertion together."""
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100, layout="constrained")
    steps = np.arange(200)
    rng = np.random.default_rng(3)
    for k, c in enumerate(chartkit.palettes.palette("okabe_ito")[:3]):
        ax.plot(
            steps,
            np.exp(-steps / (60 + 25 * k)) + rng.normal(0, 0.01, 200),
            color=c,
            label=f"rank {k}",
        )
    ax.set(title="학습 손실 (training loss)", xlabel="step", ylabel="loss")
    ax.legend(loc="upper right")
    assert_accessible(fig)
    return fig


def test_legend_over_reference_lines_only_is_fine():
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 0.2], color=OKABE_BLUE, label="loss")
    for x in (0.2, 0.5, 0.8):
        ax.axvline(x, color="0.5", linestyle="--")
    ax.axhline(0.9, color="0.5")
    ax.legend(loc="upper center")
    assert check_figure(fig).ok


def test_a_halo_is_the_background_of_its_text():
    from matplotlib import patheffects

    fig = _fig()
    ax = fig.add_subplot()
    ax.imshow([[0.0, 1.0]], cmap="gray")
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    ax.text(0, 0, "haloed", color="black", ha="center", path_effects=halo)
    ax.text(0.2, 0.3, "bare", color="black", ha="center")  # black on the black cell
    (f,) = check_figure(fig, rules="low-contrast-text").findings
    assert "'bare'" in f.message


def test_transparent_text_is_not_read():
    fig = _fig()
    fig.text(0.5, 0.5, "placeholder", alpha=0.0)
    fig.text(0.5, 0.5, "shown")
    assert check_figure(fig).ok


def _rotated_ticks(n, width):
    fig = plt.figure(figsize=(width, 4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.bar([f"category number {i}" for i in range(n)], np.arange(1, n + 1))
    ax.tick_params(axis="x", rotation=45)
    for t in ax.get_xticklabels():
        t.set_ha("right")
    return fig


def test_rotated_labels_whose_boxes_meet_are_not_an_overlap():
    # 45-degree labels: their axis-aligned boxes intersect by ~70 %, the glyphs do not.
    assert check_figure(_rotated_ticks(15, 6)).ok


def test_rotated_labels_that_do_overlap():
    fig = _fig()
    fig.text(0.3, 0.5, "first rotated caption", rotation=30)
    fig.text(0.32, 0.5, "second rotated caption", rotation=30)
    report = check_figure(fig)
    assert report.kinds == ["text-overlap"]
    assert "'first rotated caption' and 'second rotated caption'" in report.findings[0].message


# -- axis texts: offset texts and tick labels (issue 11.9) ------------------------------
def _offset_under_text(on_top):
    """A y-axis offset text '1e7' with a figure text on it (or clear above it)."""
    fig = plt.figure(figsize=(5, 3.75), dpi=100)
    ax = fig.add_subplot()
    ax.plot(np.arange(10), np.linspace(0, 3e7, 10))
    fig.draw_without_rendering()
    bb = ax.yaxis.offsetText.get_window_extent()
    x, y = fig.transFigure.inverted().transform((bb.x0, bb.y0 if on_top else bb.y1 + 8))
    fig.text(x, y, "subtitle: ResNet-50, 3 seeds", va="bottom")
    return fig


def _tick_labels(n):
    fig = plt.figure(figsize=(4, 3), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(n), range(n))
    ax.set_xticks(range(n), [f"lr={10.0**-k:g}" for k in range(n)])
    return fig


def _tick_label_under_note(collide):
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.xaxis.tick_top()
    y = 1.02 if collide else 1.12
    ax.text(0.5, y, "a note above the top ticks", transform=ax.transAxes, ha="center")
    return fig


AXIS_CASES = {
    "offset text under a subtitle": (
        lambda: _offset_under_text(True),
        lambda: _offset_under_text(False),
    ),
    "tick labels colliding": (lambda: _tick_labels(12), lambda: _tick_labels(4)),
    "top tick labels under a note": (
        lambda: _tick_label_under_note(True),
        lambda: _tick_label_under_note(False),
    ),
}


@pytest.mark.parametrize("case", list(AXIS_CASES))
def test_axis_text_collisions_are_found(case):
    bad, good = AXIS_CASES[case]
    report = check_figure(bad())
    assert report.kinds == ["text-overlap"], str(report)
    assert check_figure(good()).ok, str(check_figure(good()))


def test_offset_text_is_named_in_the_finding():
    (f,) = check_figure(_offset_under_text(True)).findings
    assert f.message.startswith("y-axis offset text '1e7' and 'subtitle: ResNet-50, 3 seeds'")


def test_colliding_tick_labels_make_one_finding_with_counts():
    (f,) = check_figure(_tick_labels(12)).findings
    assert "x tick labels collide with each other" in f.message
    assert f.values["count"] >= 3
    assert f.values["pairs"] >= 2
    assert f.where == "axes 0"


def test_tick_labels_outside_the_view_are_not_measured():
    # matplotlib keeps Text objects (visible) for ticks outside the view limits; they are
    # not drawn, so a text where they would be is no collision.
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 5], [0, 1])
    ax.set_xticks(range(12), [f"tick {i}" for i in range(12)])
    ax.set_xlim(0, 5)
    label = ax.get_xticklabels()[9]
    assert label.get_visible()
    ax.text(9 / 5, -0.03, "a note right of the Axes", transform=ax.transAxes, va="top")
    report = check_figure(fig, rules="text-overlap")
    assert "a note right of the Axes" in str(report)  # it leaves the figure, nothing else
    assert "tick 9" not in str(report)
    assert [f.message.split(" extends")[0] for f in report.findings] == [
        "text 'a note right of the Axes'"
    ]


def test_an_annotation_arrow_crossing_a_text_is_no_text_overlap():
    fig = _fig()
    ax = fig.add_subplot()
    ax.plot([0, 10], [0, 10])
    ax.annotate("peak", xy=(1, 1), xytext=(9, 9), arrowprops={"arrowstyle": "->"})
    ax.text(5, 5.3, "crossed by the arrow", ha="center", va="center")
    ann = ax.texts[0]
    fig.draw_without_rendering()
    crossed = ax.texts[1].get_window_extent()
    assert ann.get_window_extent().overlaps(crossed)  # its extent includes the arrow
    assert not Text.get_window_extent(ann).overlaps(crossed)
    assert check_figure(fig, rules="text-overlap").ok
    ax.text(9, 9.1, "on the annotation text")
    assert check_figure(fig, rules="text-overlap").kinds == ["text-overlap"]


def test_a_clipped_text_is_measured_where_it_is_drawn():
    fig = plt.figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_xlim(0, 1)
    ax.text(3, 0.5, "clipped away", clip_on=True)  # fully outside the Axes: not drawn
    assert check_figure(fig, rules="text-overlap").ok
    ax.text(3, 0.5, "not clipped")
    assert check_figure(fig, rules="text-overlap").kinds == ["text-overlap"]


# -- colour accuracy (issue 11, Also) ----------------------------------------------------
def test_plain_red_green_is_caught():
    # "red" vs "green": ΔE 9.02 under protanopia, just above the palette check's 9.
    report = check_figure(_two_lines("red", "green"), rules="cvd-confusable")
    (f,) = report.findings
    assert f.values["vision"] == "protanomaly-100"
    assert f.values["delta_e"] == pytest.approx(9.02, abs=0.01)
    assert f.values["threshold"] == 10
    assert check_figure(_two_lines("red", "green", markers=("o", "s"))).ok


def _seaborn_scatter(style):
    sns = pytest.importorskip("seaborn")
    rng = np.random.default_rng(0)
    n = 40
    data = {
        "x": rng.random(n),
        "y": rng.random(n),
        "split": ["train"] * (n // 2) + ["val"] * (n // 2),
        "seed": ["s0", "s1"] * (n // 2),
    }
    fig = _fig()
    ax = fig.add_subplot()
    sns.scatterplot(
        data, x="x", y="y", hue="split", style=style, palette=[TAB_RED, TAB_GREEN], ax=ax
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def test_scatter_shapes_are_read_per_colour():
    # style= on the hue variable: one shape per colour, so the shapes tell them apart.
    assert check_figure(_seaborn_scatter("split"), rules="cvd-confusable").ok
    # style= on another variable: both colours use both shapes; colour alone separates.
    for style in ("seed", None):
        report = check_figure(_seaborn_scatter(style), rules="cvd-confusable")
        assert report.kinds == ["cvd-confusable"], (style, str(report))


def test_report_html_is_a_compact_escaped_table():
    report = check_figure(_annotations(0.05))
    html = report._repr_html_()
    assert html.count("<tr><td><code>text-overlap</code></td>") == len(report.findings) == 1
    assert "<b>audit of Figure(600x400): 1 finding (text-overlap)</b>" in html
    assert "'peak at step 1' and 'best loss so far'" in html
    good = check_figure(_annotations(0.4))._repr_html_()
    assert "<table>" not in good
    assert "OK (no findings)" in good
    raw = AuditReport([chartkit.audit.Finding("small-text", "<b>x</b> & y", where="a<1>")])
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in raw._repr_html_()
    assert "<b>x</b>" not in raw._repr_html_()
    assert "<td>a&lt;1&gt;</td>" in raw._repr_html_()


def test_assert_accessible_hides_its_frames(tmp_path):
    import subprocess
    import sys

    test = tmp_path / "test_user_chart.py"
    test.write_text(
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "from chartkit.testing import assert_accessible\n\n"
        "def test_chart():\n"
        "    fig, ax = plt.subplots()\n"
        "    ax.plot([0, 1], color='#d62728', label='train')\n"
        "    ax.plot([1, 0], color='#2ca02c', label='val')\n"
        "    assert_accessible(fig, rules='cvd-confusable')\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-o",
            "addopts=",
            str(test),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "assert_accessible(fig, rules='cvd-confusable')" in out  # the user's line
    assert "the figure is not accessible" in out  # and the report
    assert "cvd-confusable [axes 0]" in out
    assert "Assert that `chartkit.audit.check_figure` finds nothing" not in out
    assert "report = check_figure(fig, **kwargs).without(ignored)" not in out
