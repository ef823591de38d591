"""Greedy label placement by priority, with relocation sweeps (pure geometry, no pyplot).

`place` decides where each label goes: candidates around each anchor (`candidate_rects`),
static obstacles tested in blocks through `chartkit.annotate._geometry.SpatialIndex`,
then labels placed from the highest priority down against a dynamic grid of the labels
already placed (`_Grid`), and a sweep that moves one blocking label aside to make room for
a hidden one. Work is bounded by counts only (rings, angles, sweeps, tries), so the result
depends on the input alone.
"""

from __future__ import annotations

import numpy as np

from chartkit.annotate._geometry import (
    SpatialIndex,
    box_contains,
    leader_segments,
    rects_overlap,
    segments_cross_rects,
    segments_cross_segments,
    split_segments,
)

__all__ = ["candidate_rects", "place"]


# Directions of the first ring, tried in this order: right, up-right, up, up-left, left,
# down-left, down, down-right (labels read best to the right of their point).
_RING0 = np.array(
    [
        (1, 0),
        (1, 1),
        (0, 1),
        (-1, 1),
        (-1, 0),
        (-1, -1),
        (0, -1),
        (1, -1),
    ]
)


def candidate_rects(
    anchors: np.ndarray,
    sizes: np.ndarray,
    *,
    radius: float,
    pad: float,
    rings: int,
    angles: int,
    step: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate label rectangles around each anchor.

    Returns ``rects`` (n, k, 4) and ``gaps`` (n, k): the distance between the anchor and each
    rectangle. The first 8 candidates touch the anchor's marker (radius + pad away) in the
    `_RING0` order; the others lie on *rings* rings of *angles* directions, *step* apart,
    sorted by distance from the anchor.
    """
    p = np.asarray(anchors, float).reshape(-1, 2)
    wh = np.asarray(sizes, float).reshape(-1, 2)
    half = wh / 2
    d0 = radius + pad
    dirs = [_RING0 * d0 + np.sign(_RING0) * half[:, None, :] * (np.abs(_RING0) > 0.1)]
    if rings > 0 and angles > 0:
        theta = 2 * np.pi * np.arange(angles) / angles
        unit = np.column_stack([np.cos(theta), np.sin(theta)])
        for k in range(1, rings + 1):
            dist = d0 + k * step
            dirs.append(unit * dist + unit * half[:, None, :])
    off = np.concatenate(dirs, axis=1)  # (n, k, 2)
    centre = p[:, None, :] + off
    rects = np.concatenate([centre - half[:, None, :], centre + half[:, None, :]], axis=2)
    # Distance from the anchor to each rectangle.
    dx = np.maximum(np.maximum(rects[..., 0] - p[:, None, 0], p[:, None, 0] - rects[..., 2]), 0)
    dy = np.maximum(np.maximum(rects[..., 1] - p[:, None, 1], p[:, None, 1] - rects[..., 3]), 0)
    gaps = np.hypot(dx, dy)
    if rects.shape[1] > 8:
        order = np.argsort(gaps[:, 8:], axis=1, kind="stable") + 8
        order = np.concatenate([np.broadcast_to(np.arange(8), (len(p), 8)), order], axis=1)
        rects = np.take_along_axis(rects, order[..., None], axis=1)
        gaps = np.take_along_axis(gaps, order, axis=1)
    return rects, gaps


class _Grid:
    """Dynamic uniform grid of placed labels (rectangle and optional leader) for the greedy."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.rects: dict[int, np.ndarray] = {}
        self.leaders: dict[int, np.ndarray | None] = {}

    def _keys(self, box: np.ndarray):
        c = self.cell
        for cx in range(int(np.floor(box[0] / c)), int(np.floor(box[2] / c)) + 1):
            for cy in range(int(np.floor(box[1] / c)), int(np.floor(box[3] / c)) + 1):
                yield cx, cy

    @staticmethod
    def _extent(rect: np.ndarray, leader: np.ndarray | None) -> np.ndarray:
        if leader is None:
            return rect
        return np.array(
            [
                min(rect[0], leader[0], leader[2]),
                min(rect[1], leader[1], leader[3]),
                max(rect[2], leader[0], leader[2]),
                max(rect[3], leader[1], leader[3]),
            ]
        )

    def add(self, i: int, rect: np.ndarray, leader: np.ndarray | None) -> None:
        self.rects[i] = rect
        self.leaders[i] = leader
        for key in self._keys(self._extent(rect, leader)):
            self.cells.setdefault(key, []).append(i)

    def remove(self, i: int) -> None:
        for key in self._keys(self._extent(self.rects[i], self.leaders[i])):
            self.cells[key].remove(i)
        del self.rects[i], self.leaders[i]

    def near(self, box: np.ndarray, exclude: int = -1) -> list[int]:
        found: set[int] = set()
        for key in self._keys(box):
            found.update(self.cells.get(key, ()))
        found.discard(exclude)
        return sorted(found)

    def free(
        self,
        rects: np.ndarray,
        leaders: np.ndarray,
        has_leader: np.ndarray,
        pad: float,
        exclude: int = -1,
    ) -> np.ndarray:
        """Which candidates (rects (k, 4) with leaders (k, 4)) collide with nothing placed."""
        box = np.concatenate([rects.min(axis=0)[:2] - pad, rects.max(axis=0)[2:] + pad])
        if has_leader.any():
            lead = leaders[has_leader]
            box = np.minimum(
                box, np.r_[lead[:, [0, 2]].min(), lead[:, [1, 3]].min(), np.inf, np.inf]
            )
            box = np.maximum(
                box, np.r_[-np.inf, -np.inf, lead[:, [0, 2]].max(), lead[:, [1, 3]].max()]
            )
        nb = self.near(box, exclude)
        ok = np.ones(len(rects), bool)
        if not nb:
            return ok
        placed = np.array([self.rects[j] for j in nb])
        ok &= ~rects_overlap(rects, placed, pad).any(axis=1)
        if has_leader.any():
            cross = segments_cross_rects(leaders[has_leader], placed).any(axis=1)
            ok[np.flatnonzero(has_leader)[cross]] = False
        their = [self.leaders[j] for j in nb if self.leaders[j] is not None]
        if their:
            their = np.array(their)
            ok &= ~segments_cross_rects(their, rects).any(axis=0)
            if has_leader.any():
                cross = segments_cross_segments(leaders[has_leader], their).any(axis=1)
                ok[np.flatnonzero(has_leader)[cross]] = False
        return ok

    def blockers(
        self, rects: np.ndarray, leaders: np.ndarray, has_leader: np.ndarray, pad: float
    ) -> tuple[list[int], np.ndarray]:
        """Placed labels colliding with each candidate: (their ids, (k, len(ids)) bool)."""
        box = np.concatenate([rects.min(axis=0)[:2] - pad, rects.max(axis=0)[2:] + pad])
        if has_leader.any():
            lead = leaders[has_leader]
            box[0] = min(box[0], lead[:, [0, 2]].min())
            box[1] = min(box[1], lead[:, [1, 3]].min())
            box[2] = max(box[2], lead[:, [0, 2]].max())
            box[3] = max(box[3], lead[:, [1, 3]].max())
        nb = self.near(box)
        if not nb:
            return nb, np.zeros((len(rects), 0), bool)
        placed = np.array([self.rects[j] for j in nb])
        hit = rects_overlap(rects, placed, pad)
        if has_leader.any():
            hit[has_leader] |= segments_cross_rects(leaders[has_leader], placed)
        with_lead = [c for c, j in enumerate(nb) if self.leaders[j] is not None]
        if with_lead:
            theirs = np.array([self.leaders[nb[c]] for c in with_lead])
            hit[:, with_lead] |= segments_cross_rects(theirs, rects).T
            if has_leader.any():
                rows = np.flatnonzero(has_leader)
                cross = segments_cross_segments(leaders[has_leader], theirs)
                sub = hit[np.ix_(rows, with_lead)] | cross
                hit[np.ix_(rows, with_lead)] = sub
        return nb, hit


_BLOCK = 128  # labels whose candidates are tested against static obstacles at once


def _valid_candidates(
    p: np.ndarray,
    cand: np.ndarray,
    gaps: np.ndarray,
    *,
    bounds: np.ndarray | None,
    zones: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    obstacles: np.ndarray | None,
    segments: np.ndarray | None,
    radius: float,
    pad: float,
    min_leader: float,
    row: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which candidates clear the static obstacles, their leaders, and which need one.

    Bounds, zones, markers, other rectangles and line segments do not move while labels
    are placed, so each candidate is tested against them once (see `place`).

    Returns
    -------
    valid : (n, k) bool array
    lead : (n, k, 4) array
        Leader segment from each candidate back to its anchor.
    has_lead : (n, k) bool array
        Candidates far enough from their marker to get a leader line.
    """
    n, k = cand.shape[:2]
    pad_box = np.array([-pad, -pad, pad, pad])
    marks = np.column_stack([p - radius, p + radius])
    if obstacles is not None and len(obstacles):
        marks = np.vstack([marks, np.asarray(obstacles, float).reshape(-1, 4)])
    mark_index = SpatialIndex(marks, "rect", row)
    seg_index = None
    if segments is not None and len(segments):
        seg_index = SpatialIndex(split_segments(segments, row), "segment", row)
    has_lead = gaps - radius > min_leader  # visible length, from the marker edge
    lead = np.empty_like(cand)
    valid = np.ones((n, k), bool)
    # Static obstacles, a block of labels at a time so temporaries stay small.
    for start in range(0, n, _BLOCK):
        sl = slice(start, start + _BLOCK)
        flat = cand[sl].reshape(-1, 4)
        ok = np.ones(len(flat), bool) if bounds is None else box_contains(bounds, flat)
        if zones is not None:
            zone_rects, zone_owner, label_owner = zones
            foreign = np.repeat(np.asarray(label_owner)[sl], k)[:, None] != zone_owner[None, :]
            touch = rects_overlap(flat, zone_rects)
            inside = np.column_stack([box_contains(z, flat) for z in zone_rects])
            # Never into another owner's zone; in one's own, wholly inside or wholly out.
            ok &= ~(touch & (foreign | ~inside)).any(axis=1)
        for index in (mark_index, seg_index):
            if index is not None:
                idx = ok.nonzero()[0]
                ok[idx] = ~index.hits(flat[idx] + pad_box)
        anchor = np.repeat(p[sl], k, axis=0)
        lead_flat = leader_segments(anchor, flat, gap=radius)
        # Leaders must cross no line and no other marker (tested from just outside their
        # own marker).
        idx = (ok & has_lead[sl].ravel()).nonzero()[0]
        if len(idx):
            clear = leader_segments(anchor[idx], flat[idx], gap=1.5 * radius + pad)
            ok[idx] = ~mark_index.hits(clear, segments=True)
            if seg_index is not None:
                idx = idx[ok[idx]]
                ok[idx] = ~seg_index.hits(lead_flat[idx], segments=True)
        valid[sl] = ok.reshape(-1, k)
        lead[sl] = lead_flat.reshape(-1, k, 4)
    return valid, lead, has_lead


def place(
    anchors: np.ndarray,
    sizes: np.ndarray,
    *,
    priority: np.ndarray | None = None,
    bounds: np.ndarray | None = None,
    zones: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    obstacles: np.ndarray | None = None,
    segments: np.ndarray | None = None,
    radius: float = 3.0,
    pad: float = 2.0,
    min_leader: float = 6.0,
    rings: int = 6,
    angles: int = 16,
    sweeps: int = 1,
    tries: int = 16,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place one label per anchor without overlaps; hide the lowest priorities when full.

    All lengths are in one unit (chartkit passes display pixels). The result depends only on
    the input: the work is bounded by *rings*, *angles*, *sweeps* and *tries*, never by time.

    Parameters
    ----------
    anchors : (n, 2) array
        Points being labelled; each is also an obstacle of radius *radius*.
    sizes : (n, 2) array
        Width and height of each label.
    priority : (n,) array, optional
        Higher is placed first and hidden last; ties keep input order.
    zones : (rects (z, 4), zone_owner (z,), label_owner (n,)), optional
        Rectangles reserved to one owner: a label may enter a zone only if it has the
        zone's owner, and then lies wholly inside it (used to keep labels out of other
        panels, and off their frames, when solving a figure).
    bounds : (4,) array, optional
        Rectangle every label must stay inside.
    obstacles : (m, 4) array, optional
        Rectangles to keep clear of (markers, other texts).
    segments : (s, 4) array, optional
        Line segments no label may cross.
    radius, pad : float
        Anchor marker radius, and clearance between a label and anything else.
    min_leader : float
        Labels farther than this from the edge of their marker get a leader line.
    rings, angles : int
        Candidate positions beyond the first 8: *rings* rings of *angles* directions.
    sweeps, tries : int
        Relocation sweeps for hidden labels (moving one blocking label aside), trying the
        first *tries* candidates of each hidden label.

    Returns
    -------
    rects : (n, 4) array
        The chosen rectangle of each label (NaN when hidden).
    shown : (n,) bool array
    leaders : (n, 4) array
        Leader segment of each shown label, NaN when it needs none.
    """
    p = np.asarray(anchors, float).reshape(-1, 2)
    wh = np.asarray(sizes, float).reshape(-1, 2)
    n = len(p)
    rects_out = np.full((n, 4), np.nan)
    leaders_out = np.full((n, 4), np.nan)
    shown = np.zeros(n, bool)
    if not n:
        return rects_out, shown, leaders_out
    prio = np.zeros(n) if priority is None else np.asarray(priority, float)
    step = max(float(np.median(wh[:, 1])), 1.0)
    cand, gaps = candidate_rects(
        p, wh, radius=radius, pad=pad, rings=rings, angles=angles, step=step
    )
    valid, lead, has_lead = _valid_candidates(
        p,
        cand,
        gaps,
        bounds=bounds,
        zones=zones,
        obstacles=obstacles,
        segments=segments,
        radius=radius,
        pad=pad,
        min_leader=min_leader,
        row=2 * step,
    )

    grid = _Grid(cell=2 * max(float(np.median(wh[:, 0])), step))
    order = np.lexsort((np.arange(n), -prio))

    def put(i: int, c: int) -> None:
        leader = lead[i, c] if has_lead[i, c] else None
        grid.add(i, cand[i, c], leader)
        rects_out[i] = cand[i, c]
        leaders_out[i] = np.nan if leader is None else leader
        shown[i] = True
        choice[i] = c

    choice = np.full(n, -1)
    for i in order:
        cs = np.flatnonzero(valid[i])
        if not len(cs):
            continue
        # Near candidates first: most labels fit there and the query stays small.
        for part in (cs[cs < 8], cs[cs >= 8]):
            if not len(part):
                continue
            ok = grid.free(cand[i, part], lead[i, part], has_lead[i, part], pad)
            if ok.any():
                put(i, part[np.argmax(ok)])
                break

    for _ in range(sweeps):
        moved = False
        for i in order:
            if shown[i]:
                continue
            cs_i = np.flatnonzero(valid[i])[:tries]
            if not len(cs_i):
                continue
            nb, hit = grid.blockers(cand[i, cs_i], lead[i, cs_i], has_lead[i, cs_i], pad)
            for c, row_hit in zip(cs_i, hit, strict=True):
                if row_hit.sum() != 1:
                    continue
                j = nb[int(np.argmax(row_hit))]
                leader = lead[i, c] if has_lead[i, c] else None
                old = choice[j]
                grid.remove(j)
                shown[j] = False
                grid.add(i, cand[i, c], leader)  # reserve the spot while j looks for one
                cs = np.flatnonzero(valid[j])
                cs = cs[cs != old]
                ok = (
                    grid.free(cand[j, cs], lead[j, cs], has_lead[j, cs], pad, exclude=j)
                    if len(cs)
                    else np.zeros(0, bool)
                )
                grid.remove(i)
                if ok.any():
                    put(i, c)
                    put(j, cs[np.argmax(ok)])
                    moved = True
                    break
                put(j, old)
        if not moved:
            break
    return rects_out, shown, leaders_out
