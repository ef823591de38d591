"""mosaic: spanning panels, abc tags, shared legend, header band, measured margins."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

import chartkit
from chartkit.facets import mosaic
from chartkit.facets.mosaic import abc_labels


def test_abc_label_styles():
    assert abc_labels(3) == ["a", "b", "c"]
    assert abc_labels(2, "(A)") == ["(A)", "(B)"]
    assert abc_labels(3, "1.") == ["1.", "2.", "3."]
    assert abc_labels(28)[-2:] == ["aa", "ab"]
    with pytest.raises(ValueError, match=r"^'x' is not a valid value for abc; expected a count"):
        abc_labels(2, "x")


def test_spanning_panels_in_reading_order_with_tags():
    m = mosaic("AAB;CDB")
    assert list(m.axes_dict) == ["A", "B", "C", "D"]
    spec = m["A"].get_subplotspec()
    assert (spec.colspan.start, spec.colspan.stop) == (0, 2)
    assert [t.get_text() for t in m.tags.values()] == ["a", "b", "c", "d"]
    assert m.figure.get_layout_engine() is None


def test_tags_sit_above_and_left_of_their_panel_after_draw():
    m = mosaic([["left", "right"]], abc="(a)")
    for ax in m.axes:
        ax.set_title("title")
        ax.set_ylabel("y label")
    m.figure.canvas.draw()
    r = m.figure.canvas.get_renderer()
    for name, ax in m.axes_dict.items():
        tag = m.tags[name].get_window_extent(r)
        title = ax.title.get_window_extent(r)
        assert tag.y0 >= title.y1 - 0.5
        assert tag.x0 <= ax.yaxis.label.get_window_extent(r).x0 + 0.5
    assert m.tags["right"].get_text() == "(b)"


def test_no_tags():
    m = mosaic("AB", abc=False)
    assert m.tags == {}


def test_shared_legend_side_and_panel_area():
    m = mosaic("AB", legend="bottom")
    m["A"].plot([0, 1], label="one")
    m["B"].plot([0, 1], label="one")
    m["B"].plot([1, 0], label="two")
    m.add_legend(side="bottom")
    assert [t.get_text() for t in m.legend.get_texts()] == ["one", "two"]
    assert m.layout.legend_side == "bottom"
    m.figure.canvas.draw()
    r = m.figure.canvas.get_renderer()
    leg = m.legend.get_window_extent(r)
    assert all(leg.y1 < ax.get_window_extent(r).y0 for ax in m.axes)

    m2 = mosaic("AL", legend="L")
    m2["A"].plot([0, 1], label="one")
    m2.add_legend()
    assert list(m2.axes_dict) == ["A"]
    assert m2.legend.axes is not None
    assert not m2.legend.axes.axison


def test_title_band_holds_the_title_above_everything():
    with mpl.rc_context(chartkit.rc_params("default", korean_font="bundled")):
        m = mosaic("AB", title="제목 (title)")
        m.figure.canvas.draw()
    r = m.figure.canvas.get_renderer()
    title = m.layout.header[0].get_window_extent(r)
    for name, ax in m.axes_dict.items():
        assert title.y0 > m.tags[name].get_window_extent(r).y1
        assert title.y0 > ax.get_window_extent(r).y1


def test_bad_input():
    with pytest.raises(ValueError, match=r"^'Z' is not a valid value for legend; supported .*'A'"):
        mosaic("AB", legend="Z")
    with pytest.raises(ValueError, match=r"^nested mosaics are not supported"):
        mosaic([["A", [["B"], ["C"]]]])
    m = mosaic("AB")
    m["A"].plot([0, 1], label="x")
    with pytest.raises(TypeError, match=r"^the mosaic layout sets 'loc' itself \(legend side"):
        m.add_legend(loc="upper left")
    with pytest.raises(ValueError, match=r"^'inside' is not a valid value for side"):
        m.add_legend(side="inside")
    plt.close(m.figure)


def test_supylabel_keeps_clear_of_tick_labels():
    from chartkit.audit import check_figure

    with chartkit.theme("default"):
        m = mosaic("AB;CD")
        for ax in m.axes:
            ax.plot([0, 1000], [0, 100000])
        m.figure.supylabel("손실 (loss)")
        m.figure.supxlabel("step")
        m.figure.savefig(io.BytesIO(), format="png")
    report = check_figure(m.figure, rules=["text-overlap"])
    assert report.findings == []
    r = m.figure.canvas.get_renderer()
    sup = m.figure._supylabel.get_window_extent(r)
    ticks = min(ax.yaxis.get_tightbbox(r).x0 for ax in m.axes)
    assert sup.x1 <= ticks
