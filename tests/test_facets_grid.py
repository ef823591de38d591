"""FacetGrid: API, sharing, legends, colourbars, pagination, highlight, one draw, no overlap."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import chartkit
from chartkit.errors import DataWarning
from chartkit.facets import FacetGrid, categorical_colors, facet, mosaic

HUES = ("train", "val", "test")


def tidy(n, *, points=50, hues=HUES, seed=0, prefix="trial "):
    rng = np.random.default_rng(seed)
    k = len(hues)
    return pd.DataFrame(
        {
            "step": np.tile(np.arange(points), n * k),
            "loss": rng.normal(size=n * k * points).cumsum(),
            "trial": np.repeat([f"{prefix}{i}" for i in range(n)], k * points),
            "split": np.tile(np.repeat(list(hues), points), n),
        }
    )


# -- API shape ------------------------------------------------------------------------------


def test_grid_exposes_figure_axes_and_dict():
    g = facet(tidy(5), col="trial", wrap=3)
    assert isinstance(g, FacetGrid)
    assert isinstance(g.figure, Figure)
    assert g.axes.shape == (2, 3)
    assert g.axes[1, 2] is None
    assert list(g.axes_dict) == [f"trial {i}" for i in range(5)]
    assert g.axes_dict["trial 4"] is g.axes[1, 1]
    assert g.pages[0].figure is g.figure
    assert len(g.pages) == 1


def test_map_returns_self_and_draws_each_subset():
    df = tidy(3)
    g = facet(df, col="trial")
    assert g.map("plot", "step", "loss") is g
    for key, ax in g.axes_dict.items():
        (line,) = ax.lines
        np.testing.assert_array_equal(line.get_ydata(), df.loc[df.trial == key, "loss"])
    assert g.map_dataframe(lambda data, ax, **kw: ax.plot(data.step, data.loss * 2)) is g
    assert all(len(ax.lines) == 2 for ax in g.axes_dict.values())


def test_map_accepts_pyplot_functions_and_current_axes_functions():
    g = facet(tidy(2), col="trial")
    g.map(plt.scatter, "step", "loss")
    g.map(lambda x, y, **kw: plt.gca().plot(x, y, **kw), "step", "loss")
    for ax in g.axes_dict.values():
        assert len(ax.collections) == 1
        assert len(ax.lines) == 1


def test_map_unknown_column_and_bad_method():
    g = facet(tidy(2), col="trial")
    with pytest.raises(KeyError, match=r"column 'los' \(given as map column 2=\).*'loss'"):
        g.map("plot", "step", "los")
    with pytest.raises(ValueError, match=r"^'plott' is not a valid value for func; expected"):
        g.map("plott", "step", "loss")


def test_spanning_axis_labels_and_outer_tick_labels():
    g = facet(tidy(5), col="trial", wrap=3).map("plot", "step", "loss")
    layout = g.pages[0].layout
    assert layout.xlabel.get_text() == "step"
    assert layout.ylabel.get_text() == "loss"
    assert all(ax.get_xlabel() == "" for ax in g.axes_dict.values())
    vis = {
        k: (
            ax.xaxis._major_tick_kw.get("label1On", True),
            ax.yaxis._major_tick_kw.get("label1On", True),
        )
        for k, ax in g.axes_dict.items()
    }
    # trial 2 sits above an empty cell: it keeps its x tick labels.
    assert vis["trial 0"] == (False, True)
    assert vis["trial 1"] == (False, False)
    assert vis["trial 2"] == (True, False)
    assert vis["trial 3"] == (True, True)
    assert vis["trial 4"] == (True, False)


def test_share_row_works_with_wrap():
    g = facet(tidy(5), col="trial", wrap=2, share="row")
    a = g.axes
    shared = a[0, 0].get_shared_y_axes()
    assert shared.joined(a[0, 0], a[0, 1])
    assert not shared.joined(a[0, 0], a[1, 0])
    assert a[1, 0].get_shared_y_axes().joined(a[1, 0], a[1, 1])
    # Rows do not share, so every row keeps its y tick labels on its first panel only.
    assert a[1, 0].yaxis._major_tick_kw.get("label1On", True)
    assert not a[1, 1].yaxis._major_tick_kw.get("label1On", True)


def test_share_none_keeps_every_tick_label():
    g = facet(tidy(4), col="trial", wrap=2, share="none")
    for ax in g.axes_dict.values():
        assert ax.xaxis._major_tick_kw.get("label1On", True)
        assert ax.yaxis._major_tick_kw.get("label1On", True)
        assert len(ax.get_shared_x_axes().get_siblings(ax)) == 1


def test_strips_with_template_callable_and_korean():
    g = facet(tidy(2), col="trial", labeller=lambda name, v: f"실험 {v[-1]}번")
    texts = [ax.get_title(mpl.rcParams["axes.titlelocation"]) for ax in g.axes_dict.values()]
    assert texts == ["실험 0번", "실험 1번"]
    g = facet(tidy(2).assign(lr=0.1), row="lr", col="trial", labeller="{name}: {value}")
    assert [t.get_text() for t, _ in g.pages[0].layout.right_strips.values()] == ["lr: 0.1"]
    assert [ax.get_title(mpl.rcParams["axes.titlelocation"]) for ax in g.axes_dict.values()] == [
        "trial: trial 0",
        "trial: trial 1",
    ]


# -- hue, legends, colourbars -------------------------------------------------------------------


def test_categorical_hue_same_colour_everywhere_and_one_legend():
    df = tidy(4)
    df = df[~((df.trial == "trial 1") & (df.split == "train"))]
    g = facet(df, col="trial", wrap=2, hue="split").map("plot", "step", "loss")
    colors = dict(zip(HUES, categorical_colors(3), strict=True))
    for ax in g.axes_dict.values():
        for line in ax.lines:
            assert to_rgba(line.get_color()) == to_rgba(colors[line.get_label()])
    assert len(g.figure.legends) == 1
    leg = g.figure.legends[0]
    assert [t.get_text() for t in leg.get_texts()] == list(HUES)
    assert leg.get_title().get_text() == "split"


def test_palette_follows_the_active_theme():
    with chartkit.theme("default"):
        expected = mpl.rcParams["axes.prop_cycle"].by_key()["color"][:3]
        g = facet(tidy(1), col="trial", hue="split").map("plot", "step", "loss")
    assert [to_rgba(line.get_color()) for line in g.axes[0, 0].lines] == [
        to_rgba(c) for c in expected
    ]


def test_per_panel_legends_list_only_present_levels():
    df = tidy(2)
    df = df[~((df.trial == "trial 1") & (df.split == "val"))]
    g = facet(df, col="trial", hue="split", legend="panel").map("plot", "step", "loss")
    assert not g.figure.legends
    got = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in g.axes_dict.values()]
    assert got == [["train", "val", "test"], ["train", "test"]]


def test_legend_refuses_layout_keywords():
    g = facet(tidy(2), col="trial", hue="split").map("plot", "step", "loss")
    with pytest.raises(TypeError, match=r"^the facet layout sets 'loc' itself \(legend side"):
        g.add_legend(loc="upper left")
    with pytest.raises(ValueError, match=r"^'left' is not a valid value for legend"):
        g.add_legend(side="left")


def test_continuous_hue_one_shared_colourbar_or_one_per_facet():
    df = tidy(3).assign(lr=lambda d: d.trial.str[-1].astype(float) / 10)
    g = facet(df, col="split", hue="lr").map("plot", "step", "loss")
    assert len(g.colorbars) == 1
    assert g.colorbars[0].mappable.norm.vmin == 0.0
    assert g.colorbars[0].mappable.norm.vmax == pytest.approx(0.2)
    lines = g.axes_dict["train"].lines
    assert to_rgba(lines[-1].get_color()) == to_rgba(mpl.colormaps["viridis"](1.0))
    each = facet(df, col="split", hue="lr", colorbar="each").map("plot", "step", "loss")
    assert len(each.colorbars) == 3


def test_continuous_hue_with_many_values_colours_points():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "x": rng.random(200),
            "y": rng.random(200),
            "c": rng.random(200),
            "g": np.repeat(["a", "b"], 100),
        }
    )
    g = facet(df, col="g", hue="c").map("scatter", "x", "y")
    coll = g.axes_dict["b"].collections[0]
    np.testing.assert_allclose(coll.get_array(), df.c[100:])


# -- pagination, highlight, space ----------------------------------------------------------


def test_pagination_identical_pages_each_complete():
    g = facet(tidy(7), col="trial", wrap=2, max_per_page=4, hue="split", title="학습 손실")
    g.map("plot", "step", "loss")
    assert len(g.pages) == 2
    sizes = {tuple(p.figure.get_size_inches()) for p in g.pages}
    assert len(sizes) == 1
    assert all(p.axes.shape == (2, 2) for p in g.pages)
    assert [len(p.axes_dict) for p in g.pages] == [4, 3]
    for i, p in enumerate(g.pages, start=1):
        assert len(p.figure.legends) == 1
        assert p.layout.header[0].get_text() == f"학습 손실 (page {i}/2)"
    # Shared-by-all axes keep the same limits on every page.
    assert g.pages[0].axes[0, 0].get_ylim() == g.pages[1].axes[0, 0].get_ylim()
    assert len(g.axes_dict) == 7


def test_savefig_writes_every_page(tmp_path):
    g = facet(tidy(5), col="trial", wrap=2, max_per_page=2).map("plot", "step", "loss")
    paths = g.savefig(tmp_path / "trials.png", dpi=40)
    assert [p.rsplit("/", 1)[-1] for p in paths] == [
        "trials-1.png",
        "trials-2.png",
        "trials-3.png",
    ]
    assert all((tmp_path / f"trials-{i}.png").stat().st_size > 1000 for i in (1, 2, 3))


def test_highlight_draws_every_series_grey_behind():
    g = facet(tidy(3), col="trial", highlight=True).map("plot", "step", "loss")
    for ax in g.axes_dict.values():
        grey, own = ax.lines
        assert grey.get_zorder() < own.get_zorder()
        assert to_rgba(grey.get_color()) == to_rgba("0.82")
        # All three trials (NaN-separated), own one included, sit behind.
        assert np.isnan(grey.get_ydata()).sum() == 3
        assert len(grey.get_ydata()) == 3 * 150 + 3
        assert grey.get_label() == "_nolegend_"


def test_highlight_with_a_generic_function_loops_over_series():
    g = facet(tidy(2), col="trial", highlight=True)
    g.map(lambda x, y, **kw: plt.gca().scatter(x, y, **kw), "step", "loss")
    assert all(len(ax.collections) == 3 for ax in g.axes_dict.values())


def test_free_space_follows_each_column_range():
    df = pd.DataFrame({"x": [0, 1, 0, 3], "y": [0, 1, 0, 1], "c": ["a", "a", "b", "b"]})
    g = facet(df, col="c", share={"x": "none", "y": "all"}, space="free").map("plot", "x", "y")
    g.figure.canvas.draw()
    wa = g.axes_dict["a"].get_position().width
    wb = g.axes_dict["b"].get_position().width
    assert wb / wa == pytest.approx(3, rel=0.02)


def test_single_panel_on_a_given_axes():
    fig, ax = plt.subplots()
    g = facet(tidy(1), col="trial", hue="split", ax=ax).map("plot", "step", "loss")
    assert g.axes[0, 0] is ax
    assert g.figure is fig
    assert ax.get_title() == "trial = trial 0"
    assert ax.get_legend() is not None


# -- bad input --------------------------------------------------------------------------------


def test_ax_with_several_panels_is_refused():
    _, ax = plt.subplots()
    with pytest.raises(
        ValueError, match=r"^3 panels on the one Axes given as ax= is more than the limit of 1; "
    ):
        facet(tidy(3), col="trial", ax=ax)


def test_bad_options_name_the_value():
    with pytest.raises(ValueError, match=r"^'loose' is not a valid value for space"):
        facet(tidy(2), col="trial", space="loose")
    with pytest.raises(ValueError, match=r"^'side' is not a valid value for legend"):
        facet(tidy(2), col="trial", legend="side")
    with pytest.raises(ValueError, match=r"^'both' is not a valid value for colorbar"):
        facet(tidy(2), col="trial", colorbar="both")
    with pytest.raises(
        ValueError, match=r"^False is not a valid value for highlight; expected True when highl"
    ):
        facet(tidy(2), col="trial", highlight_kws={"color": "k"})
    with pytest.raises(ValueError, match=r"^palette has no entry for 1 of 3 levels: 'test'; "):
        facet(tidy(1), col="trial", hue="split", palette={"train": "k", "val": "r"})


def test_unknown_hue_column():
    with pytest.raises(KeyError, match=r"^column 'splt' \(given as hue=\).*Did you mean 'split'"):
        facet(tidy(2), col="trial", hue="splt")


def test_nan_facet_keys_one_warning():
    df = tidy(2)
    df.loc[:9, "trial"] = np.nan
    with pytest.warns(DataWarning, match=r"^dropped 10 of 300 rows") as rec:
        g = facet(df, col="trial")
    assert len(rec) == 1
    assert rec[0].filename == __file__  # the user's line, not chartkit/facets/layout.py
    assert len(g.axes_dict) == 2


# -- one draw per save ------------------------------------------------------------------------


@pytest.fixture
def draw_counter(monkeypatch):
    counts = {"draw": 0, "tight_layout": 0}
    orig_draw, orig_tight = Figure.draw, Figure.tight_layout

    def draw(self, renderer):
        counts["draw"] += 1
        return orig_draw(self, renderer)

    def tight_layout(self, *args, **kwargs):
        counts["tight_layout"] += 1
        return orig_tight(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "draw", draw)
    monkeypatch.setattr(Figure, "tight_layout", tight_layout)
    return counts


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_a_save_is_one_draw_and_no_tight_layout(draw_counter, fmt):
    with chartkit.theme("default", korean_font="bundled"):  # constrained layout in rcParams
        g = facet(tidy(6), col="trial", wrap=3, hue="split", title="제목")
        g.map("plot", "step", "loss")
        g.figure.savefig(io.BytesIO(), format=fmt)
        assert draw_counter == {"draw": 1, "tight_layout": 0}
        assert g.pages[0].layout.measured_runs == 1  # laid out inside that one draw
        # savefig restores "no engine" without picking up the theme's constrained layout,
        # so the next save is one draw again.
        assert g.figure.get_layout_engine() is None
        g.figure.savefig(io.BytesIO(), format=fmt)
    assert draw_counter == {"draw": 2, "tight_layout": 0}


def test_mosaic_save_is_one_draw(draw_counter):
    m = mosaic("AB;CC", legend="right", title="T")
    for ax in m.axes:
        ax.plot([0, 1], label="x")
    m.add_legend()
    m.savefig(io.BytesIO(), format="png")
    assert draw_counter == {"draw": 1, "tight_layout": 0}


def test_draw_counter_can_fail(draw_counter):
    # The instrument sees the extra draw a layout engine causes, and tight_layout calls.
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([0, 1])
    fig.savefig(io.BytesIO(), format="png")
    plain, _ = plt.subplots(layout="none")
    plain.tight_layout()
    assert draw_counter["draw"] == 2
    assert draw_counter["tight_layout"] == 1


# -- no overlapping text ----------------------------------------------------------------------


def text_boxes(fig):
    """Window extents of every drawn text (tick labels, strips, labels, titles, legend)."""
    renderer = fig.canvas.get_renderer()
    boxes, names = [], []

    def add(bb, name):
        if bb is not None and bb.width > 0 and bb.height > 0:
            boxes.append(bb.extents)
            names.append(name)

    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis._update_ticks()
            b1, b2 = axis._get_ticklabel_bboxes(ticks, renderer)
            for bb, tick in zip(b1, [t for t in ticks if t.label1.get_visible()], strict=False):
                add(bb, f"tick {tick.label1.get_text()}")
            for bb in b2:
                add(bb, "tick2")
            for t in (axis.label, axis.offsetText):
                if t.get_visible() and t.get_text():
                    add(t.get_window_extent(renderer), t.get_text())
        for t in (ax.title, ax._left_title, ax._right_title, *ax.texts):
            if t.get_visible() and t.get_text():
                add(t.get_window_extent(renderer), t.get_text())
    for t in fig.texts:
        if t.get_visible() and t.get_text():
            add(t.get_window_extent(renderer), t.get_text())
    for leg in fig.legends:
        add(leg.get_window_extent(renderer), "legend")
    return np.array(boxes), names


def overlaps(boxes, tol=0.5):
    x0, y0, x1, y1 = (boxes[:, i][:, None] for i in range(4))
    hit = (
        (x0 < boxes[:, 2][None, :] - tol)
        & (boxes[:, 0][None, :] < x1 - tol)
        & (y0 < boxes[:, 3][None, :] - tol)
        & (boxes[:, 1][None, :] < y1 - tol)
    )
    np.fill_diagonal(hit, False)
    return np.argwhere(np.triu(hit))


def test_overlap_checker_can_fail():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, "one")
    ax.text(0.5, 0.5, "two")
    fig.canvas.draw()
    boxes, names = text_boxes(fig)
    assert [(names[i], names[j]) for i, j in overlaps(boxes)] == [("one", "two")]


LONG_HUES = ("training split (augmented)", "validation split", "held-out test split")


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 12, 36, 100])
def test_no_text_overlaps_and_legend_clear_of_axes(n):
    # Low dpi keeps the 100-panel draw quick; extents scale with it.
    rc = chartkit.rc_params("default", korean_font="bundled", **{"figure.dpi": 50})
    with mpl.rc_context(rc):
        df = tidy(n, points=20, hues=LONG_HUES, prefix="하이퍼파라미터 탐색 실험 ")
        g = facet(
            df,
            col="trial",
            wrap=None if n <= 4 else int(np.ceil(np.sqrt(n))),
            hue="split",
            labeller=lambda name, v: f"{v} — 학습률 워밍업 코사인 스케줄 (learning rate)",
            title="아주 긴 제목: 학습 손실 곡선 비교 (long title for every trial)",
        )
        g.map("plot", "step", "loss")
        g.set_axis_labels("학습 스텝 (optimizer step)", "검증 손실 (loss)")
        g.figure.canvas.draw()
        boxes, names = text_boxes(g.figure)
        bad = [(names[i], names[j]) for i, j in overlaps(boxes)]
        assert bad == []
        renderer = g.figure.canvas.get_renderer()
        leg = g.figure.legends[0].get_window_extent(renderer)
        for ax in g.figure.axes:
            assert not leg.overlaps(ax.get_window_extent(renderer))
        # Everything inside the figure.
        w, h = g.figure.canvas.get_width_height()
        assert boxes[:, 0].min() >= -0.5
        assert boxes[:, 1].min() >= -0.5
        assert boxes[:, 2].max() <= w + 0.5
        assert boxes[:, 3].max() <= h + 0.5


def test_no_overlap_row_by_col_with_colourbar_and_share_none():
    with mpl.rc_context(chartkit.rc_params("default", korean_font="bundled")):
        df = tidy(3, points=20).assign(lr=lambda d: d.trial.str[-1].astype(float) * 1e-4)
        g = facet(df, row="split", col="trial", hue="lr", share="none", title="행 × 열")
        g.map("plot", "step", "loss")
        g.figure.canvas.draw()
        boxes, names = text_boxes(g.figure)
        assert [(names[i], names[j]) for i, j in overlaps(boxes)] == []
        renderer = g.figure.canvas.get_renderer()
        cax = g.colorbars[0].ax.get_window_extent(renderer)
        for ax in g.axes_dict.values():
            assert not cax.overlaps(ax.get_window_extent(renderer))


def test_panel_title_stacks_get_room():
    # chartkit.annotate.titles adds an Axes artist that reports its extent; the facet
    # layout makes room for it above the panel like for a strip.
    from chartkit.annotate import titles

    g = facet(tidy(2), col="trial", wrap=1, labeller="{value}").map("plot", "step", "loss")
    lower = g.axes[1, 0]
    stack = titles(lower, title="Second trial", subtitle="with a subtitle under it")
    g.figure.canvas.draw()
    r = g.figure.canvas.get_renderer()
    box = stack.get_window_extent(r)
    assert box.height > 0
    assert not box.overlaps(g.axes[0, 0].get_window_extent(r))
    boxes, names = text_boxes(g.figure)
    assert "Second trial with a subtitle under it" in names  # the stack is an Axes text
    assert [(names[i], names[j]) for i, j in overlaps(boxes)] == []


@pytest.mark.parametrize("side", ["bottom", "top"])
def test_legend_on_bottom_or_top_is_clear_of_panels(side):
    g = facet(tidy(4), col="trial", wrap=2, hue="split", legend=side, title="t")
    g.map("plot", "step", "loss")
    g.figure.canvas.draw()
    r = g.figure.canvas.get_renderer()
    leg = g.figure.legends[0].get_window_extent(r)
    panels = [ax.get_window_extent(r) for ax in g.axes_dict.values()]
    if side == "bottom":
        assert all(leg.y1 < p.y0 for p in panels)
    else:
        assert all(leg.y0 > p.y1 for p in panels)
        assert leg.y1 < g.pages[0].layout.header[0].get_window_extent(r).y0
    boxes, names = text_boxes(g.figure)
    assert [(names[i], names[j]) for i, j in overlaps(boxes)] == []


def test_drop_false_keeps_an_empty_panel():
    df = tidy(2)
    df["trial"] = pd.Categorical(df["trial"], categories=["trial 0", "none yet", "trial 1"])
    g = facet(df, col="trial", drop=False).map("plot", "step", "loss")
    assert list(g.axes_dict) == ["trial 0", "none yet", "trial 1"]
    assert len(g.axes_dict["none yet"].lines) == 0
    assert len(facet(df, col="trial").axes_dict) == 2


def test_set_applies_to_every_panel_of_every_page():
    g = facet(tidy(3), col="trial", max_per_page=2, share="none")
    assert g.set(yscale="log", xlim=(0, 10)) is g
    assert all(ax.get_yscale() == "log" for ax in g.axes_dict.values())
    assert all(ax.get_xlim() == (0, 10) for ax in g.axes_dict.values())


def test_figure_title_stack_and_suptitle_keep_the_edges(draw_counter):
    from chartkit.annotate import titles

    g = facet(tidy(4), col="trial", wrap=2, hue="split").map("plot", "step", "loss")
    stack = titles(g.figure, title="Figure title", subtitle="subtitle", caption="caption")
    g.figure.savefig(io.BytesIO(), format="png")
    assert draw_counter == {"draw": 1, "tight_layout": 0}
    g.figure.canvas.draw()
    r = g.figure.canvas.get_renderer()
    top = stack.get_window_extent(r)
    for ax in g.axes_dict.values():
        assert top.y0 > ax.get_window_extent(r).y1
    boxes, names = text_boxes(g.figure)
    assert [(names[i], names[j]) for i, j in overlaps(boxes)] == []

    plain = facet(tidy(2), col="trial").map("plot", "step", "loss")
    plain.figure.suptitle("plain suptitle")
    plain.figure.supxlabel("plain supxlabel")
    plain.figure.canvas.draw()
    boxes, names = text_boxes(plain.figure)
    assert [(names[i], names[j]) for i, j in overlaps(boxes)] == []


# -- bad input (issue 17's table) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"figsize": (0, 0)}, r"^\(0, 0\) is not a valid value for figsize; expected positive"),
        ({"height": 0}, r"^0 is not a valid value for height; expected a positive finite"),
        ({"aspect": float("nan")}, r"^nan is not a valid value for aspect; expected a positive"),
        ({"height": -2.0}, r"^-2.0 is not a valid value for height"),
    ],
)
def test_sizes_must_be_positive_and_finite(kwargs, message):
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=message):
        facet(tidy(2), col="trial", **kwargs)
    assert plt.get_fignums() == before


def test_empty_mosaic_names_the_value():
    with pytest.raises(ValueError, match=r"^layout is empty; expected a mosaic with at least one"):
        mosaic("")
    with pytest.raises(ValueError, match=r"^layout is empty"):
        mosaic([])


def test_bad_palette_entry_is_named_with_its_position():
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for palette \(entry 2\); expected"
    ):
        facet(tidy(1), col="trial", hue="split", palette=["k", "r", "notacolor"])


def test_dict_palette_lists_every_missing_level():
    with pytest.raises(
        ValueError,
        match=r"^palette has no entry for 2 of 3 levels: 'val', 'test'; give one for every level "
        r"\(the dict has keys 'train'\)\.$",
    ):
        facet(tidy(1), col="trial", hue="split", palette={"train": "k"})


def test_more_hue_levels_than_colours_warns_once():
    with pytest.warns(
        chartkit.errors.ColorWarning,
        match=r"^the palette list has 2 colours for 3 levels; cycling it, so level 3 repeats "
        r"the colour of level 1\.",
    ) as rec:
        g = facet(tidy(1), col="trial", hue="split", palette=["k", "r"])
    assert len(rec) == 1
    assert rec[0].filename == __file__
    assert g._hue_colors["test"] == "k"


def test_okabe_ito_is_chartkits():
    g = facet(tidy(1), col="trial", hue="split", palette="okabe_ito")
    assert g._hue_colors["train"] == "#e69f00"  # matplotlib's okabe_ito starts with black


def test_too_many_panels_are_refused_before_building():
    df = pd.DataFrame({"k": np.arange(5000), "x": 0.0, "y": 0.0})
    before = plt.get_fignums()
    with pytest.raises(
        ValueError,
        match=r"^5000 panels on one figure is more than the limit of 400; pass "
        r"max_per_page=400 \(or fewer\) to paginate into 13 figures, or facet fewer levels",
    ):
        facet(df, col="k", wrap=50)
    assert plt.get_fignums() == before


# -- strips refitted per save (issue 12.7) ------------------------------------------------------


def _optimizer_grid():
    rng = np.random.default_rng(0)
    rows = [
        (opt, lr, s, rng.random())
        for opt in ("Adam", "AdamW", "SGD")
        for lr in ("1e-3", "1e-4")
        for s in range(20)
    ]
    df = pd.DataFrame(rows, columns=["옵티마이저", "lr", "step", "loss"])
    return facet(df, row="옵티마이저", col="lr").map("plot", "step", "loss")


def _row_strips(g):
    return [t.get_text() for t, _full in g.pages[0].layout.right_strips.values()]


@pytest.mark.parametrize(
    "order",
    [
        ("png", "pdf"),
        ("png", "svg"),
        ("pdf", "png"),
        ("svg", "pdf"),
        ("svg", "png"),
        ("pdf", "svg"),
    ],
)
def test_row_strips_refitted_for_every_save_order_and_format(order):
    from chartkit.facets import _measure

    with chartkit.theme("default", korean_font="bundled"):
        reference = {}
        for fmt in set(order):
            _measure._WIDTHS.clear()  # each format measured from scratch
            g = _optimizer_grid()
            g.figure.savefig(io.BytesIO(), format=fmt)
            reference[fmt] = _row_strips(g)
            plt.close(g.figure)
        g = _optimizer_grid()
        for fmt in order:
            g.figure.savefig(io.BytesIO(), format=fmt)
            assert _row_strips(g) == reference[fmt], fmt
    # At this size every strip fits whole, so Adam and AdamW can be told apart.
    assert reference[order[1]] == ["옵티마이저 = Adam", "옵티마이저 = AdamW", "옵티마이저 = SGD"]


def test_free_space_keeps_a_readable_width_for_a_one_step_panel():
    from chartkit.audit import check_figure

    rows = [("long", s, s * 0.1) for s in range(200)] + [("tiny", 0, 1.0)]
    df = pd.DataFrame(rows, columns=["trial", "step", "loss"])
    with chartkit.theme("default"):
        g = facet(df, col="trial", space="free", share="none").map("plot", "step", "loss")
        g.figure.savefig(io.BytesIO(), format="png")
    r = g.figure.canvas.get_renderer()
    widths = [ax.get_window_extent(r).width for ax in g.axes.flat]
    em_px = mpl.rcParams["font.size"] * g.figure.dpi / 72
    assert widths[1] >= 5 * em_px  # was 14 px
    assert widths[0] > widths[1]  # still free: the long panel is wider
    assert check_figure(g.figure, rules=["text-overlap"]).findings == []
    strips = [t for t in g.figure.findobj(lambda a: getattr(a, "_chartkit_fit", None))]
    assert "trial = tiny" in [t.get_text() for t in strips]
