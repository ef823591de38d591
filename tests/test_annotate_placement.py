"""Repel placer: pure geometry against brute force, and label_points on real figures.

Overlaps and crossings are checked with matplotlib's own objects (renderer extents,
`Bbox.overlaps`, `Path.intersects_bbox`), not with the geometry under test.
"""

from __future__ import annotations

import io

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.text import Text

import chartkit
from chartkit.annotate import Placement, label_points
from chartkit.annotate._geometry import (
    OccupancyGrid,
    SpatialIndex,
    leader_segments,
    rects_overlap,
    segments_cross_rects,
    split_segments,
)
from chartkit.annotate._repel import place
from chartkit.errors import DataWarning

# --------------------------------------------------------------------------- geometry


def test_rects_touching_do_not_overlap():
    a = np.array([[0, 0, 10, 10]])
    assert not rects_overlap(a, [[10, 0, 20, 10]])[0, 0]
    assert rects_overlap(a, [[9.9, 0, 20, 10]])[0, 0]
    assert rects_overlap(a, [[10, 0, 20, 10]], pad=0.5)[0, 0]


@pytest.mark.parametrize(
    ("segment", "crosses"),
    [
        ((-5, -5, 15, 15), True),  # diagonal through
        ((2, 2, 3, 3), True),  # inside
        ((-5, 5, 15, 5), True),  # horizontal through
        ((5, -5, 5, 15), True),  # vertical through
        ((8, 14, 14, 8), False),  # bounding boxes overlap, the segment misses the corner
        ((-5, 11, 15, 11), False),  # above
        ((10, -5, 10, 15), False),  # along the right edge only
    ],
)
def test_segment_rect_intersection(segment, crosses):
    assert segments_cross_rects([segment], [[0, 0, 10, 10]])[0, 0] == crosses


@pytest.mark.parametrize("kind", ["rect", "segment"])
def test_spatial_index_matches_brute_force(kind):
    rng = np.random.default_rng(3)
    if kind == "rect":
        lo = rng.uniform(0, 500, (400, 2))
        items = np.hstack([lo, lo + rng.uniform(1, 30, (400, 2))])
    else:
        a = rng.uniform(0, 500, (400, 2))
        items = np.hstack([a, a + rng.normal(0, 25, (400, 2))])
    lo = rng.uniform(-20, 500, (700, 2))
    queries = np.hstack([lo, lo + rng.uniform(1, 60, (700, 2))])
    if kind == "rect":
        expected = rects_overlap(queries, items).any(axis=1)
    else:
        expected = segments_cross_rects(items, queries).any(axis=0)
    got = SpatialIndex(items, kind, row_height=20).hits(queries, max_pairs=500)
    assert expected.any()
    assert not expected.all()
    np.testing.assert_array_equal(got, expected)


def test_occupancy_grid_never_misses_a_crossing():
    rng = np.random.default_rng(4)
    a = rng.uniform(0, 300, (300, 2))
    segs = np.hstack([a, a + rng.normal(0, 20, (300, 2))])
    lo = rng.uniform(0, 265, (2000, 2))  # inside the grid
    rects = np.hstack([lo, lo + rng.uniform(1, 30, (2000, 2))])
    crossing = segments_cross_rects(segs, rects).any(axis=0)
    counted = OccupancyGrid(segs, np.array([0, 0, 300, 300]), cell=1.0).count(rects) > 0
    assert crossing.any()
    assert not (crossing & ~counted).any()  # conservative: every crossing is counted
    assert (counted & ~crossing).mean() < 0.1  # and not much more than that


def test_split_segments_keeps_the_path():
    seg = np.array([[0, 0, 100, 0], [0, 0, 3, 4]])
    parts = split_segments(seg, 10)
    assert len(parts) == 10 + 1
    assert np.allclose(parts[:10, 2] - parts[:10, 0], 10)
    np.testing.assert_allclose(parts[0, :2], [0, 0])
    np.testing.assert_allclose(parts[9, 2:], [100, 0])


def test_leaders_stop_on_the_label_border():
    lead = leader_segments([[0, 0]], [[10, -5, 30, 5]], gap=2)
    np.testing.assert_allclose(lead, [[2, 0, 10, 0]])


def _random_problem(n=600, side=400, seed=0):
    rng = np.random.default_rng(seed)
    anchors = rng.uniform(0, side, (n, 2))
    sizes = np.column_stack([rng.uniform(15, 45, n), np.full(n, 9.0)])
    return anchors, sizes


def test_place_never_overlaps_and_hides_the_rest():
    anchors, sizes = _random_problem()
    rects, shown, _leaders = place(anchors, sizes, bounds=np.array([0, 0, 400, 400]))
    kept = rects[shown]
    ov = rects_overlap(kept, kept)
    np.fill_diagonal(ov, False)
    assert not ov.any()
    assert 50 < shown.sum() < len(anchors)  # crowded: some shown, some hidden
    assert np.isnan(rects[~shown]).all()
    assert (kept[:, :2] >= 0).all()
    assert (kept[:, 2:] <= 400).all()
    # No label covers any anchor point (its own or another's).
    inside = (
        (anchors[:, None, 0] > kept[None, :, 0])
        & (anchors[:, None, 0] < kept[None, :, 2])
        & (anchors[:, None, 1] > kept[None, :, 1])
        & (anchors[:, None, 1] < kept[None, :, 3])
    )
    assert not inside.any()


def test_place_is_deterministic():
    anchors, sizes = _random_problem(seed=5)
    a = place(anchors, sizes, bounds=np.array([0, 0, 400, 400]))
    b = place(anchors, sizes, bounds=np.array([0, 0, 400, 400]))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_place_priority_decides_who_stays():
    # Two labels on one point in a box with room for one label only.
    anchors = np.array([[20.0, 5.0], [20.0, 5.0]])
    sizes = np.array([[12.0, 8.0], [12.0, 8.0]])
    bounds = np.array([8, 0, 40, 10])  # only the slot right of the point fits
    _, shown, _ = place(anchors, sizes, priority=[1, 2], bounds=bounds, radius=1, pad=0.5)
    assert shown.tolist() == [False, True]
    _, shown, _ = place(anchors, sizes, priority=[2, 1], bounds=bounds, radius=1, pad=0.5)
    assert shown.tolist() == [True, False]


def test_place_avoids_segments():
    anchors = np.array([[50.0, 50.0]])
    sizes = np.array([[20.0, 8.0]])
    # A vertical line just right of the point and a horizontal one just above it.
    segs = np.array([[55, 0, 55, 100], [0, 56, 100, 56]])
    rects, shown, _ = place(anchors, sizes, segments=segs, radius=2, pad=1)
    assert shown[0]
    assert not segments_cross_rects(segs, rects).any()
    assert rects[0, 2] < 55
    assert rects[0, 3] < 56


# --------------------------------------------------------------------------- label_points


def _scatter(n, figsize=(4, 3), seed=0, line=False):
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=figsize, dpi=100)
    x, y = rng.random((2, n))
    ax.scatter(x, y, s=9)
    if line:
        ax.plot(np.linspace(0, 1, 30), 0.5 + 0.3 * np.sin(np.linspace(0, 6, 30)), color="k")
    return fig, ax, x, y


def _extents(fig, texts):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def test_label_points_no_overlap_inside_axes_clear_of_lines():
    fig, ax, x, y = _scatter(120, line=True)
    placed = label_points(x, y, [f"p{i}" for i in range(120)], ax=ax, fontsize=7)
    assert isinstance(placed, Placement)
    assert len(placed) == len(placed.texts) > 40
    assert sorted([*placed.shown, *placed.hidden]) == list(range(120))
    boxes = _extents(fig, placed.texts)
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])
        assert ax.bbox.x0 <= a.x0
        assert a.x1 <= ax.bbox.x1
        assert ax.bbox.y0 <= a.y0
        assert a.y1 <= ax.bbox.y1
    line = ax.get_lines()[0]
    path = line.get_transform().transform_path(line.get_path())
    assert not any(path.intersects_bbox(b, filled=False) for b in boxes)
    # The label texts and their anchors are the input ones.
    for i, t in zip(placed.shown, placed.texts, strict=True):
        assert t.get_text() == f"p{i}"
        assert t.xy == (x[i], y[i])


def test_label_points_reports_hidden_lowest_priority_first():
    _fig, ax, x, y = _scatter(300)
    prio = np.arange(300)[::-1].astype(float)  # input order = priority order
    placed = label_points(x, y, [f"label {i}" for i in range(300)], ax=ax, priority=prio)
    assert len(placed.hidden) > 0
    assert placed.hidden_labels[0] == f"label {placed.hidden[0]}"
    hidden_prio = prio[placed.hidden]
    assert (np.diff(hidden_prio) >= 0).all()  # lowest priority listed first
    assert prio[placed.shown].mean() > hidden_prio.mean()
    assert "hidden=" in repr(placed)


def test_label_points_is_deterministic():
    offsets = []
    for _ in range(2):
        fig, ax, x, y = _scatter(150)
        placed = label_points(x, y, [f"p{i}" for i in range(150)], ax=ax)
        offsets.append([t.xyann for t in placed.texts])
        plt.close(fig)
    assert offsets[0] == offsets[1]


def test_leaders_only_for_far_labels():
    fig, ax, x, y = _scatter(150)
    placed = label_points(x, y, [f"p{i}" for i in range(150)], ax=ax, min_leader=5)
    assert 0 < placed.leaders == placed.has_leader.sum() < len(placed.texts)
    dist = np.array([np.hypot(*t.xyann) for t in placed.texts])
    assert dist[placed.has_leader].min() > dist[~placed.has_leader].max()
    (lines,) = [h for h in placed.helpers if isinstance(h, LineCollection)]
    assert len(lines.get_segments()) == placed.leaders
    # Each leader starts near its point and ends on its label's box.
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ends = lines.get_transform().transform(np.array([s[1] for s in lines.get_segments()]))
    ends += ax.transData.transform(lines.get_offsets())
    boxes = [
        Text.get_window_extent(t, renderer) for t in np.array(placed.texts)[placed.has_leader]
    ]
    for (ex, ey), box in zip(ends, boxes, strict=True):
        assert box.x0 - 1 <= ex <= box.x1 + 1
        assert box.y0 - 1 <= ey <= box.y1 + 1
    # No annotation arrows: the labels' extents are the texts alone.
    assert all(t.arrow_patch is None for t in placed.texts)
    red = label_points(x, y, [f"r{i}" for i in range(150)], ax=ax, leader_kws={"color": "r"})
    (red_lines,) = [h for h in red.helpers if isinstance(h, LineCollection)]
    assert mcolors.same_color(red_lines.get_color()[0], "r")
    none = label_points(x, y, [f"q{i}" for i in range(150)], ax=ax, leader=False)
    assert none.leaders == 0
    assert not any(isinstance(h, LineCollection) for h in none.helpers)


def test_label_points_avoids_existing_labels():
    fig, ax, x, y = _scatter(60)
    first = label_points(x, y, [f"a{i}" for i in range(60)], ax=ax)
    second = label_points(x, y, [f"b{i}" for i in range(60)], ax=ax)
    boxes = _extents(fig, first.texts + second.texts)
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_boxed_labels_are_measured_with_their_box():
    fig, ax, x, y = _scatter(60)
    box = {"boxstyle": "round,pad=0.5", "facecolor": "w"}
    placed = label_points(x, y, [f"p{i}" for i in range(60)], ax=ax, bbox=box)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    patches = [t.get_bbox_patch().get_window_extent(renderer) for t in placed.texts]
    assert len(patches) > 10
    for i, a in enumerate(patches):
        assert not any(a.overlaps(b) for b in patches[i + 1 :])


def test_joint_placement_over_two_axes():
    rng = np.random.default_rng(1)
    fig, axs = plt.subplots(1, 2, figsize=(5, 2.5), dpi=100, sharey=True)
    xs, ys, owners = [], [], []
    for ax in axs:
        x, y = rng.random((2, 40))
        ax.scatter(x, y, s=9)
        xs.append(x)
        ys.append(y)
        owners += [ax] * 40
    x, y = np.concatenate(xs), np.concatenate(ys)
    placed = label_points(x, y, [f"n{i}" for i in range(80)], ax=owners, joint=True)
    assert set(placed.axes) == set(axs)
    boxes = _extents(fig, placed.texts)
    renderer = fig.canvas.get_renderer()
    decorations = [ax.xaxis.get_tightbbox(renderer) for ax in axs]
    decorations += [ax.yaxis.get_tightbbox(renderer) for ax in axs]
    for i, (a, t) in enumerate(zip(boxes, placed.texts, strict=True)):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])
        assert fig.bbox.x0 <= a.x0
        assert a.x1 <= fig.bbox.x1
        other = axs[1] if t.axes is axs[0] else axs[0]
        assert not a.overlaps(other.bbox)  # never into the other panel
        own = t.axes.bbox  # wholly inside its own panel or wholly out of it
        assert own.contains(a.x0, a.y0) == own.contains(a.x1, a.y1)
        assert not any(a.overlaps(d) for d in decorations if d is not None)
    assert {t.axes for t in placed.texts} == set(axs)


def test_saving_at_another_dpi_keeps_the_placement():
    fig, ax, x, y = _scatter(120, figsize=(4, 3))
    placed = label_points(x, y, [f"p{i}" for i in range(120)], ax=ax, fontsize=7)
    before = [t.xyann for t in placed.texts]
    fig.savefig(io.BytesIO(), dpi=230)
    assert [t.xyann for t in placed.texts] == before


def test_placement_follows_later_layout_changes():
    fig, ax, x, y = _scatter(120, figsize=(4, 3))
    fig.set_layout_engine("constrained")
    placed = label_points(x, y, [f"p{i}" for i in range(120)], ax=ax, fontsize=7)
    before = {int(i): t.xyann for i, t in zip(placed.shown, placed.texts, strict=True)}
    # A long title and a y label shrink the axes: the labels are placed again at draw time.
    ax.set_title("a title\non two lines", fontsize=20)
    ax.set_ylabel("a y label", fontsize=20)
    fig.canvas.draw()  # places again: .texts, .shown and .hidden are updated
    boxes = _extents(fig, placed.texts)
    assert {int(i): t.xyann for i, t in zip(placed.shown, placed.texts, strict=True)} != before
    assert all(t.get_visible() for t in placed.texts)
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])
        assert ax.bbox.x0 <= a.x0
        assert a.x1 <= ax.bbox.x1
        assert ax.bbox.y0 <= a.y0
        assert a.y1 <= ax.bbox.y1
    assert sorted([*placed.shown, *placed.hidden]) == list(range(120))
    placed.remove()
    assert not ax.texts


def test_korean_labels_measured_with_the_fallback_font():
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax, x, y = _scatter(40)
        names = [f"점 {i} 번" for i in range(40)]
        placed = label_points(x, y, names, ax=ax)
        boxes = _extents(fig, placed.texts)
    assert len(placed) > 20
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


# --------------------------------------------------------------------------- bad input


def test_current_axes_by_default():
    _fig, ax, x, y = _scatter(10)
    plt.sca(ax)
    placed = label_points(x, y, [f"p{i}" for i in range(10)])
    assert placed.axes == [ax]
    assert all(t.axes is ax for t in placed.texts)


def test_empty_is_a_noop():
    before = plt.get_fignums()
    placed = label_points([], [], [])
    assert isinstance(placed, Placement)
    assert len(placed) == 0
    assert placed.texts == []
    assert plt.get_fignums() == before


def test_mismatched_lengths_are_named():
    with pytest.raises(
        ValueError, match=r"^x must have one entry per label; got 3 values for 4 labels\.$"
    ):
        label_points([1, 2, 3], [1, 2], list("abcd"))
    with pytest.raises(
        ValueError, match=r"^y must have one entry per label; got 2 values for 3 labels\.$"
    ):
        label_points([1, 2, 3], [1, 2], list("abc"))


def test_bad_colour_is_named_with_its_position():
    _fig, ax = plt.subplots()
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for color; expected a matplotlib"
    ):
        label_points([0, 1], [0, 1], ["a", "b"], ax=ax, color="notacolor")
    with pytest.raises(
        ValueError, match=r"^'notacolor' is not a valid value for color \(entry 1\); expected"
    ):
        label_points([0, 1], [0, 1], ["a", "b"], ax=ax, color=["k", "notacolor"])
    placed = label_points([0, 1], [0, 1], ["a", "b"], ax=ax, color=["k", "r"])
    assert [t.get_color() for t in placed.texts] == ["k", "r"]


def test_non_finite_anchors_are_skipped_with_one_warning():
    _fig, ax, x, y = _scatter(5)
    x = x.copy()
    x[1] = np.nan
    y = y.copy()
    y[3] = np.inf
    with pytest.warns(DataWarning, match=r"^2 of 5 labels have a non-finite anchor") as rec:
        placed = label_points(x, y, list("abcde"), ax=ax)
    assert len(rec) == 1
    assert rec[0].filename == __file__  # the user's line
    assert placed.skipped.tolist() == [1, 3]
    assert sorted(placed.shown.tolist() + placed.hidden.tolist()) == [0, 2, 4]


@pytest.mark.parametrize("key", ["xytext", "ha", "arrowprops", "visible"])
def test_controlled_keywords_are_refused(key):
    with pytest.raises(TypeError, match=rf"^label_points sets '{key}' itself \("):
        label_points([0], [0], ["a"], **{key: None})


def test_priority_length_and_values():
    with pytest.raises(
        ValueError, match=r"^priority must have one entry per label; got 1 values for 2 labels"
    ):
        label_points([0, 1], [0, 1], ["a", "b"], priority=[1])
    with pytest.raises(ValueError, match=r"nan is not a valid value for priority \(entry 1\)"):
        label_points([0, 1], [0, 1], ["a", "b"], priority=[1, np.nan])


def test_axes_per_label_must_match():
    _fig, axs = plt.subplots(1, 2)
    with pytest.raises(
        ValueError,
        match=r"^ax \(one Axes or a sequence\) must have one entry per label; got 2 Axes for 3",
    ):
        label_points([0, 1, 2], [0, 1, 2], list("abc"), ax=list(axs))


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_label_points_image():
    rng = np.random.default_rng(7)
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100, layout="constrained")
    x = rng.normal(0, 1, 60)
    y = 0.6 * x + rng.normal(0, 0.6, 60)
    ax.scatter(x, y, s=14, color="#0072b2")
    ax.plot([-3, 3], [-1.8, 1.8], color="0.6", lw=1)
    ax.set_title("label_points: 60 points, labels by |y|")
    names = [f"모델 {i}" if i % 3 == 0 else f"model-{i}" for i in range(60)]
    label_points(x, y, names, ax=ax, priority=np.abs(y), fontsize=7)
    return fig
