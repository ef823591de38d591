"""Pure geometry for label placement: rectangles, segments, a spatial index, an occupancy grid.

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
