"""Pure geometry for label placement: rectangles, segments and a row-bucketed spatial index.

Everything here works on plain numpy arrays in one Cartesian frame (chartkit uses display
pixels of the figure being labelled) and imports neither matplotlib nor pyplot, so the
placement rules can be tested without drawing anything.

Conventions
-----------
- A rectangle is a row ``(x0, y0, x1, y1)`` with ``x0 <= x1`` and ``y0 <= y1``; an array of
  them has shape ``(n, 4)``.
- A segment is a row ``(xa, ya, xb, yb)``; an array of them has shape ``(n, 4)``.
- Touching is not overlapping: rectangles that share only an edge do not collide.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "OccupancyGrid",
    "SpatialIndex",
    "box_contains",
    "leader_segments",
    "polyline_segments",
    "rects_overlap",
    "segment_point_distance",
    "segments_cross_rects",
    "segments_cross_segments",
    "split_segments",
]


def rects_overlap(a: np.ndarray, b: np.ndarray, pad: float = 0.0) -> np.ndarray:
    """Pairwise overlap of rectangles *a* (n, 4) and *b* (m, 4) as an (n, m) bool array.

    *pad* grows every rectangle of *a* by that much on each side before testing.
    """
    a = np.asarray(a, float).reshape(-1, 4)
    b = np.asarray(b, float).reshape(-1, 4)
    return (
        (a[:, None, 0] - pad < b[None, :, 2])
        & (b[None, :, 0] < a[:, None, 2] + pad)
        & (a[:, None, 1] - pad < b[None, :, 3])
        & (b[None, :, 1] < a[:, None, 3] + pad)
    )


def _pair_rect_rect(r: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Row-wise overlap of rectangles *r* and *o* (both (k, 4))."""
    return (r[:, 0] < o[:, 2]) & (o[:, 0] < r[:, 2]) & (r[:, 1] < o[:, 3]) & (o[:, 1] < r[:, 3])


def _pair_segment_rect(s: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Row-wise intersection of segments *s* (k, 4) with rectangles *r* (k, 4).

    Separating-axis test: the segment's bounding box must overlap the rectangle, and the four
    corners of the rectangle must not all lie strictly on one side of the segment's line.
    """
    sx0 = np.minimum(s[:, 0], s[:, 2])
    sx1 = np.maximum(s[:, 0], s[:, 2])
    sy0 = np.minimum(s[:, 1], s[:, 3])
    sy1 = np.maximum(s[:, 1], s[:, 3])
    boxes = (sx0 < r[:, 2]) & (r[:, 0] < sx1) & (sy0 < r[:, 3]) & (r[:, 1] < sy1)
    # Degenerate (horizontal or vertical) segments are decided by the box test alone, but
    # a zero-thickness box must still count when it lies strictly inside the rectangle.
    flat_x = (sx0 == sx1) & (r[:, 0] < sx0) & (sx0 < r[:, 2])
    flat_y = (sy0 == sy1) & (r[:, 1] < sy0) & (sy0 < r[:, 3])
    boxes |= (flat_x & (sy0 < r[:, 3]) & (r[:, 1] < sy1)) | (
        flat_y & (sx0 < r[:, 2]) & (r[:, 0] < sx1)
    )
    dx = s[:, 2] - s[:, 0]
    dy = s[:, 3] - s[:, 1]
    sides = np.stack(
        [
            dx * (cy - s[:, 1]) - dy * (cx - s[:, 0])
            for cx, cy in (
                (r[:, 0], r[:, 1]),
                (r[:, 2], r[:, 1]),
                (r[:, 0], r[:, 3]),
                (r[:, 2], r[:, 3]),
            )
        ]
    )
    one_side = np.all(sides > 0, axis=0) | np.all(sides < 0, axis=0)
    return boxes & ~one_side


def _pair_segment_segment(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise proper intersection of segments *a* and *b* (both (k, 4)).

    Segments that only touch at an end point or are collinear do not count: leaders that
    meet at a shared anchor are not a crossing.
    """

    def orient(px, py, qx, qy, rx, ry):
        return np.sign((qx - px) * (ry - py) - (qy - py) * (rx - px))

    o1 = orient(a[:, 0], a[:, 1], a[:, 2], a[:, 3], b[:, 0], b[:, 1])
    o2 = orient(a[:, 0], a[:, 1], a[:, 2], a[:, 3], b[:, 2], b[:, 3])
    o3 = orient(b[:, 0], b[:, 1], b[:, 2], b[:, 3], a[:, 0], a[:, 1])
    o4 = orient(b[:, 0], b[:, 1], b[:, 2], b[:, 3], a[:, 2], a[:, 3])
    return (o1 * o2 < 0) & (o3 * o4 < 0)


def segments_cross_segments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise proper intersection of segments *a* (n, 4) and *b* (m, 4); (n, m) bool."""
    a = np.asarray(a, float).reshape(-1, 4)
    b = np.asarray(b, float).reshape(-1, 4)
    n, m = len(a), len(b)
    if not n or not m:
        return np.zeros((n, m), bool)
    return _pair_segment_segment(np.repeat(a, m, axis=0), np.tile(b, (n, 1))).reshape(n, m)


def _segment_boxes(s: np.ndarray) -> np.ndarray:
    return np.column_stack(
        [
            np.minimum(s[:, 0], s[:, 2]),
            np.minimum(s[:, 1], s[:, 3]),
            np.maximum(s[:, 0], s[:, 2]),
            np.maximum(s[:, 1], s[:, 3]),
        ]
    )


def segments_cross_rects(segments: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Pairwise intersection of *segments* (n, 4) and *rects* (m, 4) as an (n, m) bool array."""
    s = np.asarray(segments, float).reshape(-1, 4)
    r = np.asarray(rects, float).reshape(-1, 4)
    n, m = len(s), len(r)
    if not n or not m:
        return np.zeros((n, m), bool)
    ss = np.repeat(s, m, axis=0)
    rr = np.tile(r, (n, 1))
    return _pair_segment_rect(ss, rr).reshape(n, m)


def segment_point_distance(segments: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Row-wise distance from each point (k, 2) to its segment (k, 4)."""
    s = np.asarray(segments, float).reshape(-1, 4)
    p = np.asarray(points, float).reshape(-1, 2)
    d = s[:, 2:] - s[:, :2]
    length2 = np.einsum("ij,ij->i", d, d)
    t = np.einsum("ij,ij->i", p - s[:, :2], d) / np.where(length2 > 0, length2, 1.0)
    t = np.clip(t, 0.0, 1.0)
    closest = s[:, :2] + t[:, None] * d
    return np.hypot(*(p - closest).T)


def box_contains(outer: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Whether each rectangle of *rects* (n, 4) lies inside the rectangle *outer* (4,)."""
    r = np.asarray(rects, float).reshape(-1, 4)
    x0, y0, x1, y1 = np.asarray(outer, float)
    return (r[:, 0] >= x0) & (r[:, 1] >= y0) & (r[:, 2] <= x1) & (r[:, 3] <= y1)


def polyline_segments(xy: np.ndarray) -> np.ndarray:
    """Segments (n, 4) joining consecutive finite vertices of a polyline (m, 2).

    A non-finite vertex breaks the line, as matplotlib draws it.
    """
    xy = np.asarray(xy, float).reshape(-1, 2)
    if len(xy) < 2:
        return np.empty((0, 4))
    seg = np.hstack([xy[:-1], xy[1:]])
    return seg[np.isfinite(seg).all(axis=1)]


def split_segments(segments: np.ndarray, max_length: float) -> np.ndarray:
    """Cut segments longer than *max_length* into equal pieces no longer than it.

    Short pieces keep the spatial index's bounding boxes small, so long straight lines do not
    turn every query into a hit to be tested exactly.
    """
    s = np.asarray(segments, float).reshape(-1, 4)
    if not len(s) or not np.isfinite(max_length) or max_length <= 0:
        return s
    length = np.hypot(s[:, 2] - s[:, 0], s[:, 3] - s[:, 1])
    pieces = np.maximum(1, np.ceil(length / max_length)).astype(int)
    if (pieces == 1).all():
        return s
    owner = np.repeat(np.arange(len(s)), pieces)
    start = np.cumsum(pieces) - pieces
    k = np.arange(len(owner)) - np.repeat(start, pieces)
    t0 = (k / pieces[owner])[:, None]
    t1 = ((k + 1) / pieces[owner])[:, None]
    a = s[owner, :2]
    d = s[owner, 2:] - a
    return np.hstack([a + t0 * d, a + t1 * d])


def leader_segments(anchors: np.ndarray, rects: np.ndarray, gap: float = 0.0) -> np.ndarray:
    """Leader lines (n, 4) from each anchor (n, 2) towards the centre of its rectangle.

    Each leader starts *gap* away from its anchor and stops on the rectangle's border, so it
    never runs under the label it points to. Returns also zero-length leaders for anchors
    inside their rectangle.
    """
    p = np.asarray(anchors, float).reshape(-1, 2)
    r = np.asarray(rects, float).reshape(-1, 4)
    c = (r[:, :2] + r[:, 2:]) / 2
    half = (r[:, 2:] - r[:, :2]) / 2
    d = c - p
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(d[:, 0] != 0, half[:, 0] / np.abs(d[:, 0]), np.inf)
        ty = np.where(d[:, 1] != 0, half[:, 1] / np.abs(d[:, 1]), np.inf)
    t_edge = np.clip(1 - np.minimum(tx, ty), 0.0, 1.0)
    end = p + t_edge[:, None] * d
    dist = np.hypot(*d.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_gap = np.where(dist > 0, np.minimum(gap / dist, t_edge), 0.0)
    start = p + t_gap[:, None] * d
    return np.hstack([start, end])


class SpatialIndex:
    """Static obstacles (rectangles or segments) bucketed by horizontal rows.

    Each obstacle is filed under every row its bounding box touches, sorted by row then by
    left edge, so that a query rectangle only reads a contiguous run of entries per row
    (found with `numpy.searchsorted`). Queries are vectorised over many rectangles at once
    and processed in chunks, which bounds memory whatever the density.

    Parameters
    ----------
    items : (n, 4) array
        Rectangles or segments.
    kind : {"rect", "segment"}
        How *items* are read and tested exactly.
    row_height : float
        Height of the buckets; about twice the typical query height works well.
    """

    def __init__(self, items: np.ndarray, kind: str, row_height: float) -> None:
        items = np.asarray(items, float).reshape(-1, 4)
        items = items[np.isfinite(items).all(axis=1)]
        self.kind = kind
        self.items = items
        bx = _segment_boxes(items) if kind == "segment" else items
        self.row_height = float(row_height) if row_height > 0 else 1.0
        n = len(items)
        if not n:
            self._keys = np.empty(0)
            self._ids = np.empty(0, int)
            self._wmax = 0.0
            self._x0 = 0.0
            self._span = 1.0
            return
        r0 = np.floor(bx[:, 1] / self.row_height).astype(np.int64)
        r1 = np.floor(bx[:, 3] / self.row_height).astype(np.int64)
        count = r1 - r0 + 1
        ids = np.repeat(np.arange(n), count)
        start = np.cumsum(count) - count
        rows = np.repeat(r0, count) + (np.arange(len(ids)) - np.repeat(start, count))
        self._x0 = float(bx[:, 0].min())
        self._span = float(bx[:, 0].max() - self._x0) + 1.0
        self._wmax = float((bx[:, 2] - bx[:, 0]).max())
        keys = rows * self._span + (bx[ids, 0] - self._x0)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._ids = ids[order]

    def __len__(self) -> int:
        return len(self.items)

    def hits(
        self, queries: np.ndarray, max_pairs: int = 100_000, *, segments: bool = False
    ) -> np.ndarray:
        """Whether each query touches at least one obstacle; (q,) bool.

        Queries are rectangles (q, 4), or segments when *segments* is true.
        """
        queries = np.asarray(queries, float).reshape(-1, 4)
        out = np.zeros(len(queries), bool)
        if not len(self.items) or not len(queries):
            return out
        rects = _segment_boxes(queries) if segments else queries
        r0 = np.floor(rects[:, 1] / self.row_height).astype(np.int64)
        r1 = np.floor(rects[:, 3] / self.row_height).astype(np.int64)
        nrows = r1 - r0 + 1
        q = np.repeat(np.arange(len(rects)), nrows)
        start = np.cumsum(nrows) - nrows
        rows = np.repeat(r0, nrows) + (np.arange(len(q)) - np.repeat(start, nrows))
        # Obstacles whose left edge lies in [x0 - wmax, x1] on that row.
        lo_x = np.clip(rects[q, 0] - self._wmax - self._x0, -0.5, self._span - 0.5)
        hi_x = np.clip(rects[q, 2] - self._x0, -0.5, self._span - 0.5)
        lo = np.searchsorted(self._keys, rows * self._span + lo_x, "left")
        hi = np.searchsorted(self._keys, rows * self._span + hi_x, "right")
        n = hi - lo
        keep = n > 0
        q, lo, n = q[keep], lo[keep], n[keep]
        if not len(q):
            return out
        # Expand (query, obstacle) pairs chunk by chunk.
        csum = np.cumsum(n)
        begin = 0
        while begin < len(q):
            base = csum[begin - 1] if begin else 0
            end = int(np.searchsorted(csum, base + max_pairs, "right"))
            end = max(end, begin + 1)
            qq, ll, nn = q[begin:end], lo[begin:end], n[begin:end]
            pq = np.repeat(qq, nn)
            off = np.cumsum(nn) - nn
            pos = np.repeat(ll, nn) + (np.arange(len(pq)) - np.repeat(off, nn))
            obj = self.items[self._ids[pos]]
            if segments and self.kind == "segment":
                hit = _pair_segment_segment(queries[pq], obj)
            elif segments:
                hit = _pair_segment_rect(queries[pq], obj)
            elif self.kind == "segment":
                hit = _pair_segment_rect(obj, rects[pq])
            else:
                hit = _pair_rect_rect(rects[pq], obj)
            out[pq[hit]] = True
            begin = end
        return out


class OccupancyGrid:
    """Segments rasterised onto a grid, with a summed-area table for O(1) rectangle tests.

    Used where many candidate rectangles are tested against dense lines at several
    clearances (line labels along the lines): each test is four table look-ups whatever the
    number of segments. Conservative: a query is widened by one cell on each side, and
    segments are sampled at half a cell, so a segment crossing a rectangle is never missed
    (one touching within a cell of it may be counted).

    Parameters
    ----------
    segments : (s, 4) array
    box : (4,) array
        Region covered; segments outside it are ignored.
    cell : float
        Cell size (the unit of *box*).
    """

    def __init__(self, segments: np.ndarray, box: np.ndarray, cell: float) -> None:
        x0, y0, x1, y1 = (float(v) for v in box)
        self.cell = c = float(cell)
        self.x0, self.y0 = x0, y0
        self.nx = max(1, int(np.ceil((x1 - x0) / c)))
        self.ny = max(1, int(np.ceil((y1 - y0) / c)))
        occ = np.zeros((self.ny, self.nx), np.int32)
        seg = np.asarray(segments, float).reshape(-1, 4)
        seg = seg[np.isfinite(seg).all(axis=1)]
        if len(seg):
            length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
            count = np.maximum(2, np.ceil(2 * length / c).astype(int) + 1)
            owner = np.repeat(np.arange(len(seg)), count)
            start = np.cumsum(count) - count
            t = (np.arange(len(owner)) - np.repeat(start, count)) / (count[owner] - 1)
            px = seg[owner, 0] + t * (seg[owner, 2] - seg[owner, 0])
            py = seg[owner, 1] + t * (seg[owner, 3] - seg[owner, 1])
            ix = np.floor((px - x0) / c).astype(int)
            iy = np.floor((py - y0) / c).astype(int)
            keep = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
            np.add.at(occ, (iy[keep], ix[keep]), 1)
        table = np.zeros((self.ny + 1, self.nx + 1), np.int64)
        table[1:, 1:] = occ.cumsum(axis=0).cumsum(axis=1)
        self._table = table

    def count(self, rects: np.ndarray) -> np.ndarray:
        """Samples of segments inside each rectangle widened by one cell; (q,) int."""
        r = np.asarray(rects, float).reshape(-1, 4)
        c = self.cell
        i0 = np.clip(np.floor((r[:, 0] - self.x0) / c).astype(int) - 1, 0, self.nx)
        i1 = np.clip(np.ceil((r[:, 2] - self.x0) / c).astype(int) + 1, 0, self.nx)
        j0 = np.clip(np.floor((r[:, 1] - self.y0) / c).astype(int) - 1, 0, self.ny)
        j1 = np.clip(np.ceil((r[:, 3] - self.y0) / c).astype(int) + 1, 0, self.ny)
        t = self._table
        return t[j1, i1] - t[j0, i1] - t[j1, i0] + t[j0, i0]


# --------------------------------------------------------------------------------------
# Greedy placement by priority with relocation sweeps
# --------------------------------------------------------------------------------------

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
    k = cand.shape[1]
    row = 2 * step
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
