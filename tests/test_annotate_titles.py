"""Title stacks and panel tags: no overlaps, space reserved by the layout, tags in order."""

from __future__ import annotations

import itertools
from unittest import mock

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import chartkit
from chartkit.annotate import TitleStack, abc, contrast_ratio, titles
from chartkit.errors import LayoutWarning
from chartkit.style import rc_params

LONG = (
    "<loss> falls below <val_loss> after warm-up — a deliberately long title that cannot "
    "fit on one line of a small panel"
)
KOREAN = "학습률 비교: 검증 손실이 학습 손실보다 낮아지는 구간"


def drawn_text_boxes(fig):
    """(text, renderer extent) of every Text actually drawn by one full draw."""
    seen = []
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            seen.append((self.get_text(), self.get_window_extent(renderer)))

    with mock.patch.object(Text, "draw", draw):
        fig.canvas.draw()
    return seen


def overlapping_pairs(fig):
    boxes = drawn_text_boxes(fig)
    return [
        (a, b)
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
        if ba.x0 < bb.x1 and bb.x0 < ba.x1 and ba.y0 < bb.y1 and bb.y0 < ba.y1
    ], len(boxes)


def _grid(layout="constrained", legend_outside=True, figsize=(8, 6)):
    rng = np.random.default_rng(1)
    fig, axes = plt.subplots(2, 2, figsize=figsize, dpi=100, layout=layout)
    for k, ax in enumerate(axes.flat):
        steps = np.arange(100)
        ax.plot(steps, np.exp(-steps / 30) + rng.normal(0, 0.02, 100), label="loss")
        ax.plot(steps, np.exp(-steps / 40) + 0.05 * k, label="val_loss")
        ax.set_xlabel("스텝 (step)")
        ax.set_ylabel("손실")
    if legend_outside:
        axes[0, 1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="범례 legend")
    return fig, axes


def _stack_everything(fig, axes):
    for ax in axes.flat:
        titles(
            ax,
            title=LONG,
            subtitle=KOREAN,
            caption="캡션: shaded band is the min–max over three seeds of the same run",
            source="Source: synthetic data",
        )
    abc(axes, "(a)")
    titles(
        fig,
        title="그림 제목 — " + LONG,
        subtitle="부제목 " + KOREAN,
        caption="Figure caption: " + KOREAN,
        source="출처: chartkit gallery",
    )


@pytest.mark.parametrize(
    ("layout", "figsize"),
    # A plain figure keeps its margins (only moves what must move), so the long wrapped
    # texts of this test need a taller figure there than under constrained layout.
    [("constrained", (8, 6)), ("none", (9, 10))],
)
def test_no_text_overlaps_long_korean_legend_outside(layout, figsize):
    with chartkit.theme("default", korean_font="bundled"):
        fig, axes = _grid(layout=layout, figsize=figsize)
        _stack_everything(fig, axes)
        pairs, n = overlapping_pairs(fig)
    assert n > 60  # the stacks, ticks and legend were all drawn
    assert pairs == []


def test_overlap_checker_can_fail():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.text(0.5, 0.5, "overlap")
    ax.text(0.5, 0.5, "overlap too")
    pairs, _ = overlapping_pairs(fig)
    assert pairs == [("overlap", "overlap too")]


def test_every_text_inside_the_figure():
    with chartkit.theme("default", korean_font="bundled"):
        fig, axes = _grid()
        _stack_everything(fig, axes)
        boxes = drawn_text_boxes(fig)
        bbox = fig.bbox
    for text, bb in boxes:
        assert bb.x0 >= bbox.x0 - 1, text
        assert bb.x1 <= bbox.x1 + 1, text
        assert bb.y0 >= bbox.y0 - 1, text
        assert bb.y1 <= bbox.y1 + 1, text


def _extent(stack, slot, renderer):
    return stack.items[slot].get_window_extent(renderer)


def test_axes_stack_order_and_reserved_space():
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100, layout="constrained")
    ax.plot([0, 1], [0, 1], label="loss")
    ax.set_xlabel("step")
    ax.set_title("axes title")
    stack = titles(ax, title="Title", subtitle="Subtitle", caption="Caption", source="Source")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    t, s = _extent(stack, "title", r), _extent(stack, "subtitle", r)
    c, src = _extent(stack, "caption", r), _extent(stack, "source", r)
    assert t.y0 > s.y1 > s.y0 > ax.title.get_window_extent(r).y1
    assert ax.xaxis.label.get_window_extent(r).y0 > c.y1 > c.y0 > src.y1
    assert t.y1 <= fig.bbox.y1
    assert src.y0 >= fig.bbox.y0
    # constrained layout made the axes smaller than without a stack
    fig2, ax2 = plt.subplots(figsize=(5, 4), dpi=100, layout="constrained")
    ax2.plot([0, 1], [0, 1])
    ax2.set_xlabel("step")
    ax2.set_title("axes title")
    fig2.canvas.draw()
    assert ax.bbox.height < ax2.bbox.height - 40


def test_positions_follow_figure_size():
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100, layout="constrained")
    stack = titles(ax, title="Title", caption="Caption")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    y_small = _extent(stack, "title", r).y0
    fig.set_size_inches(5, 8)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    title = _extent(stack, "title", r)
    assert title.y0 > y_small + 300  # recomputed at draw time, not stale
    assert title.y0 > ax.bbox.y1


def test_align_plot_vs_panel():
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100, layout="constrained")
    ax.plot([0, 1], [0, 1000])
    ax.set_ylabel("a y label")
    panel = titles(ax, title="Panel aligned")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    x_panel = _extent(panel, "title", r).x0
    assert x_panel == pytest.approx(ax.yaxis.label.get_window_extent(r).x0, abs=1)
    titles(ax, align="plot")
    fig.canvas.draw()
    assert _extent(panel, "title", r).x0 == pytest.approx(ax.bbox.x0, abs=1)


def test_long_title_wraps_within_panel():
    fig, ax = plt.subplots(figsize=(3, 3), dpi=100, layout="constrained")
    ax.plot([0, 1], [0, 1], label="loss")
    ax.plot([0, 1], [1, 0], label="val_loss")
    stack = titles(ax, title=LONG, align="plot")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    bb = _extent(stack, "title", r)
    assert bb.x1 <= ax.bbox.x1 + 1
    assert bb.height > 3 * 12  # several lines


def test_calling_again_updates_and_removes_slots():
    _fig, ax = plt.subplots()
    stack = titles(ax, title="one", subtitle="sub")
    assert titles(ax, title="two") is stack
    assert stack.items["title"].text == "two"
    assert stack.items["subtitle"].text == "sub"
    titles(ax, subtitle="")
    assert "subtitle" not in stack.items
    with pytest.raises(ValueError, match="never closed"):
        titles(ax, title="three", caption="<b>three")
    assert stack.items["title"].text == "two"  # bad markup changes nothing
    assert "caption" not in stack.items


def test_figure_stack_holds_the_suptitle_slot():
    fig, ax = plt.subplots(layout="constrained")
    fig.suptitle("existing suptitle")
    top = titles(fig, subtitle="and a subtitle")
    assert isinstance(fig._suptitle, TitleStack)
    assert top is fig._suptitle
    assert top.items["title"].text == "existing suptitle"
    fig.suptitle("changed")  # matplotlib's own call keeps working
    assert top.items["title"].text == "changed"
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert _extent(top, "subtitle", r).y0 > ax.get_tightbbox(r).y1


def test_existing_supxlabel_becomes_caption():
    fig, _ax = plt.subplots(layout="constrained")
    fig.supxlabel("shared x label")
    titles(fig, source="Source: x")
    bottom = fig._supxlabel
    assert isinstance(bottom, TitleStack)
    assert bottom.items["caption"].text == "shared x label"
    assert bottom.items["source"].text == "Source: x"
    pairs, _ = overlapping_pairs(fig)
    assert pairs == []


def test_figure_stack_on_plain_figure_moves_subplots():
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.set_title("axes title")
    titles(fig, title="Figure title", subtitle="subtitle", caption="caption", source="src")
    pairs, _ = overlapping_pairs(fig)
    assert pairs == []
    assert fig.subplotpars.top < 0.88
    assert fig.subplotpars.bottom > 0.11


def test_plain_figure_too_small_warns_once():
    fig, axes = plt.subplots(2, 2, figsize=(3, 2.5), dpi=100, layout="none")
    for ax in axes.flat:
        titles(ax, title="a long title " * 6, caption="and a long caption " * 6)
    with pytest.warns(LayoutWarning, match=r"need more room than this figure has") as rec:
        fig.canvas.draw()
    assert len(rec) == 1


def test_figure_stack_with_tight_layout():
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100, layout="tight")
    ax.set_title("axes title")
    ax.set_xlabel("x label")
    titles(fig, title="Figure title", caption="caption")
    pairs, _ = overlapping_pairs(fig)
    assert pairs == []


def test_figure_legend_outside():
    fig, axes = plt.subplots(1, 2, figsize=(7, 3), dpi=100, layout="constrained")
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="loss")
        ax.plot([0, 1], [1, 0], label="val_loss")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper")
    titles(fig, title="Title " * 12, caption="Caption " * 12)
    pairs, _ = overlapping_pairs(fig)
    assert pairs == []


def test_subfigure_stacks():
    with chartkit.theme("default", korean_font="bundled"):
        fig = plt.figure(figsize=(8, 4), dpi=100, layout="constrained")
        left, right = fig.subfigures(1, 2)
        for sf, name in ((left, "왼쪽"), (right, "오른쪽")):
            ax = sf.subplots()
            ax.plot([0, 1], [0, 1])
            titles(sf, title=f"{name} subfigure title that is long enough to wrap twice")
        pairs, _ = overlapping_pairs(fig)
    assert pairs == []


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("a", ["a", "b", "c", "d"]),
        ("(a)", ["(a)", "(b)", "(c)", "(d)"]),
        ("A.", ["A.", "B.", "C.", "D."]),
        ("가", ["가", "나", "다", "라"]),
        ("(가)", ["(가)", "(나)", "(다)", "(라)"]),
    ],
)
def test_abc_styles(style, expected):
    _fig, axes = plt.subplots(2, 2)
    assert abc(axes, style) == expected
    assert [ax._chartkit_title_stack.items["tag"].text for ax in axes.flat] == expected


def test_abc_beyond_z_and_start():
    fig, axes = plt.subplots(1, 3)
    assert abc(list(axes), "a", start=25) == ["z", "aa", "ab"]
    assert abc(fig, "A.") == ["A.", "B.", "C."]


def test_abc_tag_left_of_first_title_line():
    fig, ax = plt.subplots(figsize=(3, 3), dpi=100, layout="constrained")
    stack = titles(ax, title=LONG.replace("<loss>", "loss").replace("<val_loss>", "val"))
    abc([ax], "(a)")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    tag, title = _extent(stack, "tag", r), _extent(stack, "title", r)
    assert tag.x1 < title.x0
    assert tag.y1 == pytest.approx(title.y1, abs=2)


def test_abc_errors():
    _fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"^'x\)' is not a valid value for style"):
        abc(axes, "x)")
    many = [ax for _ in range(8) for ax in axes]  # 16 panels
    with pytest.raises(ValueError, match=r"for each of 16 panels: '가' has 14 \(가-하\)"):
        abc(many, "가")


def test_titles_errors():
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"'left' is not a valid value for align"):
        titles(ax, title="x", align="left")
    with pytest.raises(TypeError, match=r"'titel_kws' is not a valid value.*'title_kws'"):
        titles(ax, title="x", titel_kws={})
    with pytest.raises(TypeError, match=r"'title' must be an instance of str, not int"):
        titles(ax, title=3)
    with pytest.raises(
        TypeError, match=r"must be a matplotlib Axes, Figure, SubFigure or a FacetGrid, not str"
    ):
        titles("not a figure", title="x")
    with pytest.raises(ValueError, match=r"unknown markup tag '<lost>'.*at position 0"):
        titles(ax, title="<lost> and found")


def test_slot_styles():
    _fig, ax = plt.subplots()
    stack = titles(ax, title="T", caption="C", title_kws={"color": "#d55e00", "fontsize": 20})
    run = stack.items["title"].get_children()[0]
    assert run.get_color() == "#d55e00"
    assert run.get_fontsize() == 20
    assert stack.items["caption"].get_children()[0].get_fontsize() < 10
    # markup sizes and weights win over the slot's fontsize/fontweight
    titles(ax, title="<{size=7, weight=normal}>small</> <b>bold</b>")
    small, _, bold = stack.items["title"].get_children()
    assert (small.get_fontsize(), small.get_fontweight()) == (7, "normal")
    assert bold.get_fontweight() == "bold"


@pytest.mark.parametrize(("fg", "bg"), [("black", "white"), ("#eeeeee", "#202020")])
def test_secondary_texts_keep_contrast(fg, bg):
    with plt.rc_context({"text.color": fg, "figure.facecolor": bg}):
        _fig, ax = plt.subplots()
        stack = titles(ax, title="t", subtitle="s", caption="c", source="src")
    for slot in ("subtitle", "caption", "source"):
        color = stack.items[slot].get_children()[0].get_color()
        assert contrast_ratio(color, bg) >= 4.5, slot
        assert contrast_ratio(color, bg) < contrast_ratio(fg, bg)


def test_legend_best_and_stack_measure_each_other_once():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100, layout="constrained")
    ax.plot([0, 1], [0, 1], label="loss")
    ax.legend(loc="best")  # measures every Text of the Axes, the stack included
    stack = titles(ax, title="Title", caption="Caption")
    fig.canvas.draw()  # no RecursionError
    r = fig.canvas.get_renderer()
    assert stack.get_window_extent(r).height > 20
    assert overlapping_pairs(fig)[0] == []


def test_no_draw_when_adding():
    fig, ax = plt.subplots()
    ax.plot([0, 1], label="loss")
    with mock.patch.object(type(fig.canvas), "draw") as draw:
        titles(ax, title="<loss> title", caption="c")
        titles(fig, title="figure title")
        abc([ax])
    draw.assert_not_called()


def _titles_figure():
    rng = np.random.default_rng(3)
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.6), dpi=100)
    steps = np.arange(60)
    for ax in axes:
        ax.plot(steps, np.exp(-steps / 20) + rng.normal(0, 0.02, 60), label="loss")
        ax.plot(steps, np.exp(-steps / 25) + 0.05, label="val_loss")
        ax.set_xlabel("에폭 (epoch)")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    titles(axes[0], title="<loss> falls below <val_loss>", subtitle="학습률 0.1")
    titles(axes[1], title="검증 손실", subtitle="Korean subtitle", caption="캡션 caption")
    abc(axes, "(가)")
    titles(fig, title="그림 제목: training curves", caption="출처: synthetic", align="plot")
    return fig


@pytest.mark.mpl_image_compare(style=rc_params("default", korean_font="bundled"))
def test_titles_image():
    return _titles_figure()


def _facet_grid():
    pd = pytest.importorskip("pandas")
    from chartkit.facets import facet

    rng = np.random.default_rng(4)
    n = 40
    runs = ["기준 모델", "데이터 증강", "정규화 강화", "둘 다 적용"]
    df = pd.DataFrame(
        {
            "step": np.tile(np.arange(n), 2 * len(runs)),
            "loss": rng.random(2 * n * len(runs)),
            "run": np.repeat(runs, 2 * n),
            "split": np.tile(np.repeat(["학습", "검증"], n), len(runs)),
        }
    )
    grid = facet(df, col="run", wrap=2, hue="split", figsize=(7, 5))
    grid.map("plot", "step", "loss")
    return grid


def test_facet_grid_header_korean_strips_legend_outside():
    with chartkit.theme("default", korean_font="bundled"):
        grid = _facet_grid()
        header = titles(
            grid,
            title="패싯 제목: <학습> 손실이 <검증> 손실보다 먼저 줄어드는 구간이 보이는 긴 제목 "
            "— a long facet-grid title that wraps",
            subtitle=KOREAN,
        )
        abc(grid.axes, "(a)")
        fig = grid.pages[0].figure
        pairs, n = overlapping_pairs(fig)
        boxes = drawn_text_boxes(fig)
        header_box = header.get_window_extent(fig.canvas.get_renderer())
    assert pairs == []
    assert n > 30
    strips = [bb for text, bb in boxes if text.startswith("run = ")]
    assert len(strips) == 4
    assert all(bb.y1 <= header_box.y0 for bb in strips)
    assert header_box.height > 40  # title wrapped onto two lines, plus the subtitle


def test_facet_grid_refuses_caption():
    with chartkit.theme("default", korean_font="bundled"):
        grid = _facet_grid()
        with pytest.raises(ValueError, match=r"a facet grid reserves room for headers only"):
            titles(grid, caption="below")


@pytest.mark.parametrize("layout", [None, "constrained", "tight"])
@pytest.mark.parametrize("grid", [(1, 1), (2, 2)])
def test_stack_clears_the_offset_text(layout, grid):
    # Data up to 3e7: the y axis writes "1e7" above its top; the subtitle stays above it,
    # as a plain set_title does (issue 11).
    from chartkit.audit import check_figure

    fig, axs = plt.subplots(*grid, figsize=(5, 3.75), layout=layout, squeeze=False)
    for ax in axs.flat:
        ax.plot(np.arange(10), np.linspace(0, 3e7, 10))
        titles(ax, title="Loss", subtitle="a subtitle long enough to reach the axis")
    report = check_figure(fig)
    assert report.ok, str(report)
    for ax in axs.flat:
        offset = ax.yaxis.offsetText.get_window_extent()
        assert ax.yaxis.offsetText.get_text() == "1e7"
        stack = ax._chartkit_title_stack.get_window_extent()
        assert stack.y0 >= offset.y1
    plt.close(fig)


def _count_draws(fig):
    count = [0]
    original = fig.draw

    def draw(renderer):
        count[0] += 1
        return original(renderer)

    fig.draw = draw
    return count


@pytest.mark.parametrize(("layout", "draws"), [("none", 1), ("constrained", 2), ("tight", 2)])
def test_a_save_draws_as_often_as_with_set_title(layout, draws):
    # No layout engine: titles() must not install one (savefig would then draw twice).
    # With an engine, matplotlib's savefig draws twice for set_title too.
    import io

    fig, axes = plt.subplots(2, 2, figsize=(6, 5), dpi=100, layout=layout)
    for ax in axes.flat:
        ax.plot([0, 1], [0, 2e7])
        titles(ax, title="Loss", subtitle="a subtitle", caption="caption")
    titles(fig, title="Figure title", source="source")
    if layout == "none":
        assert fig.get_layout_engine() is None
    count = _count_draws(fig)
    fig.savefig(io.BytesIO(), format="png")
    assert count[0] == draws
    assert overlapping_pairs(fig)[0] == []


def test_layout_protocol_between_title_stacks_and_facet_pages():
    from chartkit._layout import DrawTimeLayout, HeaderHost, attach, draw_time_layout
    from chartkit.annotate._title_layout import StackLayout

    fig, ax = plt.subplots(layout="none")
    assert draw_time_layout(fig) is None
    titles(ax, title="t")
    titles(fig, title="f")
    layout = draw_time_layout(fig)
    assert isinstance(layout, StackLayout)
    assert [a for a in fig.artists if isinstance(a, DrawTimeLayout)] == [layout]
    with pytest.raises(ValueError, match="already laid out by StackLayout"):
        attach(fig, StackLayout(fig.subplotpars))

    grid = _facet_grid()
    assert isinstance(grid, HeaderHost)
    page = grid.pages[0].figure
    own = draw_time_layout(page)
    assert own is not None
    assert not isinstance(own, StackLayout)
    titles(grid.axes.flat[0], title="panel title")  # the page lays itself out: nothing added
    assert draw_time_layout(page) is own
    assert page.get_layout_engine() is None
    stack = titles(grid, title="grid title")
    assert stack.hosted
    assert not isinstance(fig, HeaderHost)


def test_stack_layout_yields_to_an_engine_set_later():
    fig, ax = plt.subplots(figsize=(5, 2.5), layout="none")
    titles(ax, title="Title", subtitle="subtitle on its own line")
    fig.canvas.draw()
    moved = fig.subplotpars.top
    assert moved < 0.88
    fig.set_layout_engine("constrained")
    fig.canvas.draw()
    assert fig.subplotpars.top == moved  # constrained places the Axes; params untouched
    assert overlapping_pairs(fig)[0] == []
