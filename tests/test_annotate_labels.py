"""Direct line labels: the 16-random-walk target, colours, layouts and bad input.

Overlaps use renderer extents (`Bbox.overlaps`) and crossings `Path.intersects_bbox`, so
the checks do not reuse the geometry under test.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import chartkit
from chartkit.annotate import Placement, label_lines
from chartkit.annotate.contrast import contrast_ratio
from chartkit.annotate.lines import readable_color, stack_1d


def _walks(n=16, steps=200, seed=0, labels=False, **fig_kw):
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100, **fig_kw)
    for k in range(n):
        kw = {"label": f"series {k}"} if labels else {}
        ax.plot(np.cumsum(rng.normal(size=steps)), **kw)
    return fig, ax


def _check(fig, ax, placed):
    """(label-label overlaps, labels crossed by another line) from the drawn figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in placed.texts]
    overlaps = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    lines = ax.get_lines()
    crossed = 0
    for i, box in enumerate(boxes):
        for j, line in enumerate(lines):
            path = line.get_transform().transform_path(line.get_path())
            if j != i and path.intersects_bbox(box, filled=False):
                crossed += 1
                break
    return overlaps, crossed, boxes


def test_stack_1d_separates_with_least_motion():
    wish = np.array([5.0, 5.0, 5.0, 30.0])
    pos = stack_1d(wish, np.full(4, 4.0), gap=1.0)
    srt = np.sort(pos[:3])
    np.testing.assert_allclose(np.diff(srt), 5.0)
    assert np.mean(pos[:3]) == pytest.approx(5.0)  # the block is centred on its wishes
    assert pos[3] == 30.0  # a free box does not move
    apart = np.array([0.0, 10.0, 20.0])
    np.testing.assert_array_equal(stack_1d(apart, np.full(3, 4.0), 1.0), apart)


def test_stack_1d_stays_in_bounds_and_keeps_order():
    rng = np.random.default_rng(2)
    wish = rng.uniform(-10, 110, 12)
    pos = stack_1d(wish, np.full(12, 6.0), 1.0, lo=0, hi=100)
    order = np.argsort(wish, kind="stable")
    assert (np.diff(pos[order]) >= 7.0 - 1e-9).all()
    assert pos.min() - 3 >= -1e-9
    assert pos.max() + 3 <= 100 + 1e-9


def test_sixteen_random_walks_end_labels_meet_the_target():
    fig, ax = _walks()
    placed = label_lines(names=[f"series {k}" for k in range(16)], ax=ax)
    assert isinstance(placed, Placement)
    assert len(placed.texts) == 16
    overlaps, crossed, boxes = _check(fig, ax, placed)
    assert overlaps == 0
    assert crossed == 0
    assert placed.leaders > 0  # some names had to move away from their line's end
    for box in boxes:
        assert fig.bbox.x0 <= box.x0
        assert box.x1 <= fig.bbox.x1


@pytest.mark.parametrize("where", ["end", "best"])
def test_names_take_their_line_colour_and_labels(where):
    _, ax = _walks(n=5, labels=True)
    placed = label_lines(where=where, ax=ax, min_contrast=None)
    assert [t.get_text() for t in placed.texts] == [f"series {k}" for k in range(5)]
    for t, line in zip(placed.texts, ax.get_lines(), strict=True):
        assert mcolors.same_color(t.get_color(), line.get_color())
    one = label_lines(ax=ax, color="k")
    assert all(mcolors.same_color(t.get_color(), "k") for t in one.texts)


@pytest.mark.parametrize("face", ["white", "#202020"])
def test_names_reach_readable_contrast_keeping_the_hue(face):
    fig, ax = _walks(n=10, labels=True)
    fig.set_facecolor(face)
    ax.set_facecolor(face)
    placed = label_lines(ax=ax)
    changed = 0
    for t, line in zip(placed.texts, ax.get_lines(), strict=True):
        assert contrast_ratio(t.get_color(), face) >= 4.5
        same = mcolors.same_color(t.get_color(), line.get_color())
        changed += not same
        if not same:  # darkened or lightened, not another hue
            h1 = mcolors.rgb_to_hsv(mcolors.to_rgb(t.get_color()))[0]
            h2 = mcolors.rgb_to_hsv(mcolors.to_rgb(line.get_color()))[0]
            assert min(abs(h1 - h2), 1 - abs(h1 - h2)) < 0.01
    assert 0 < changed < 10  # tab10 has both passing and failing colours on each
    # A colour that passes is kept exactly.
    assert readable_color("black", ["white"], 4.5) == "black"


def test_best_gaps_are_clear_of_every_line():
    fig, ax = _walks(n=6, seed=3)
    placed = label_lines(names=list("abcdef"), where="best", ax=ax)
    overlaps, crossed, _ = _check(fig, ax, placed)
    assert overlaps == 0
    assert crossed == 0
    # At least one name sits along its line rather than in the end column.
    inside = [t for t in placed.texts if t.xyann[0] < 0]
    assert inside


def test_end_column_is_right_of_every_line():
    fig, ax = _walks(n=4, seed=1)
    short = ax.plot(np.arange(80), np.linspace(0, 5, 80))[0]  # ends early
    placed = label_lines(names=list("abcde"), ax=ax)
    overlaps, crossed, boxes = _check(fig, ax, placed)
    assert (overlaps, crossed) == (0, 0)
    line_right = max(
        ln.get_transform().transform(ln.get_xydata())[:, 0].max() for ln in ax.get_lines()
    )
    assert min(b.x0 for b in boxes) > line_right
    # The early line's name is joined to its end by a leader.
    assert placed.texts[-1].arrow_patch is not None
    assert placed.texts[-1].xy == tuple(short.get_xydata()[-1])


def test_constrained_layout_makes_room_for_the_names():
    fig, ax = _walks(n=8, layout="constrained")
    placed = label_lines(names=[f"a long series name {k}" for k in range(8)], ax=ax)
    overlaps, crossed, boxes = _check(fig, ax, placed)
    assert (overlaps, crossed) == (0, 0)
    assert max(b.x1 for b in boxes) <= fig.bbox.x1
    assert ax.bbox.x1 < 0.9 * fig.bbox.x1  # the axes were narrowed for the names


def test_names_follow_later_changes_of_limits_and_size():
    fig, ax = _walks()
    placed = label_lines(names=[f"series {k}" for k in range(16)], ax=ax)
    ax.set_xlim(0, 300)  # the lines now end mid-axes: the column follows them
    ax.set_ylim(-60, 40)
    fig.set_size_inches(5, 6)
    overlaps, crossed, boxes = _check(fig, ax, placed)
    assert (overlaps, crossed) == (0, 0)
    end_x = ax.transData.transform((199, 0))[0]
    assert all(end_x < b.x0 < end_x + 20 for b in boxes)
    placed.remove()
    assert not ax.texts
    assert not ax.artists


def test_seaborn_lines_without_labels():
    sns = pytest.importorskip("seaborn")
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "step": np.tile(np.arange(60), 3),
            "loss": rng.normal(size=180).cumsum(),
            "run": np.repeat(["a", "b", "c"], 60),
        }
    )
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    sns.lineplot(data=df, x="step", y="loss", hue="run", legend=False, ax=ax)
    placed = label_lines(names=["run a", "run b", "run c"], ax=ax)
    overlaps, crossed, _ = _check(fig, ax, placed)
    assert (overlaps, crossed) == (0, 0)
    assert [t.xy[0] for t in placed.texts] == [59.0, 59.0, 59.0]


def test_lines_argument_and_nan_ends():
    _fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    y = np.linspace(0, 1, 50)
    y[-5:] = np.nan
    a = ax.plot(y)[0]
    b = ax.plot(1 - np.linspace(0, 1, 50))[0]
    ax.axhline(0.5, color="0.8")  # not asked for: not labelled
    empty = ax.plot(np.full(5, np.nan))[0]
    placed = label_lines([a, b, empty], ["up", "down", "nothing"])
    assert [t.get_text() for t in placed.texts] == ["up", "down"]
    assert placed.texts[0].xy == (44.0, pytest.approx(y[44]))
    assert placed.shown.tolist() == [0, 1]
    assert placed.hidden.tolist() == [2]


def test_korean_names_in_a_theme():
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = _walks(n=6)
        placed = label_lines(names=[f"학습률 {k}" for k in range(6)], ax=ax)
        overlaps, crossed, _ = _check(fig, ax, placed)
    assert (overlaps, crossed) == (0, 0)


# --------------------------------------------------------------------------- bad input


def test_unknown_where():
    with pytest.raises(
        ValueError, match=r"^'middle' is not a valid value for where; supported values are"
    ):
        label_lines(where="middle")


def test_unlabelled_line_needs_names():
    _fig, ax = plt.subplots()
    line = ax.plot([0, 1])[0]
    with pytest.raises(
        ValueError,
        match=r"^'_child0' is not a valid value for the label of line 0; expected a label",
    ):
        label_lines([line])
    with pytest.raises(ValueError, match=r"no labelled lines on the Axes"):
        label_lines(ax=ax)


def test_names_length_must_match():
    _fig, ax = _walks(n=3)
    with pytest.raises(
        ValueError, match=r"^names must have one entry per line; got 2 names for 3 lines\.$"
    ):
        label_lines(names=["a", "b"], ax=ax)


def test_not_a_line():
    with pytest.raises(TypeError, match=r"lines \(entry 0\) must be a matplotlib.lines.Line2D"):
        label_lines(["x"], ["a"])


def test_controlled_keyword():
    _fig, ax = _walks(n=2, labels=True)
    with pytest.raises(TypeError, match=r"^label_lines sets 'va' itself \("):
        label_lines(ax=ax, va="top")


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_label_lines_image():
    rng = np.random.default_rng(4)
    steps = np.arange(0, 3000, 20)
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100, layout="constrained")
    for k, lr in enumerate([0.3, 0.1, 0.03, 0.01, 0.003]):
        loss = 2.3 * np.exp(-steps * lr / 60) + 0.25 + 0.02 * k
        ax.plot(steps, loss + rng.normal(0, 0.01, steps.size).cumsum() * 0.1)
    ax.set_title("학습률별 검증 손실")
    ax.set_xlabel("스텝")
    label_lines(names=[f"lr = {v}" for v in (0.3, 0.1, 0.03, 0.01, 0.003)], ax=ax)
    return fig
