"""Text rules of the figure audit, on the texts one draw actually drew.

* ``low-contrast-text``: WCAG 2.x contrast of the text colour against its effective
  background (its own bbox patch, a legend frame, a bar or patch under it, the colour of an
  image or mesh cell under it, the Axes face, the figure face), alpha composited; 4.5:1, or
  3:1 for large text (18 pt, or 14 pt bold).
* ``missing-glyph``: characters no font of the text's fallback list has
  (`chartkit.annotate.check_glyphs`, fontTools character maps, no drawing).
* ``text-overlap``: extents of what was drawn (an annotation's text without its arrow, a
  clipped text cut to its clip box; tick labels and offset texts included) that intersect
  each other or leave the figure.
* ``small-text``: font size below a minimum in points (points are physical: the size at
  which the figure is saved, whatever its dpi).
* ``legend-overlap``: a legend whose frame covers lines, markers or bars.

matplotlib is imported, pyplot never.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from matplotlib import colors as mcolors

from chartkit.annotate.contrast import contrast_ratio
from chartkit.audit.report import Finding

__all__ = [
    "MIN_SIZE_PT",
    "drawn_extent",
    "legend_overlap",
    "low_contrast",
    "missing_glyphs",
    "small_text",
    "text_overlap",
]

#: Smallest font size (points) that passes ``small-text``.
MIN_SIZE_PT = 6.0
_LARGE_PT, _LARGE_BOLD_PT = 18.0, 14.0
_TOL_PT = 0.75  # extents may touch by this much (anti-aliasing, rounding)


def _short(s: str, n: int = 30) -> str:
    s = " ".join(s.split())
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def _opaque(rgba: Any, under: np.ndarray) -> np.ndarray:
    c = np.asarray(mcolors.to_rgba(rgba), dtype=float)
    return c[:3] * c[3] + under * (1 - c[3])


def _with_alpha(color: Any, alpha: float | None) -> tuple:
    rgba = mcolors.to_rgba(color)
    return rgba if alpha is None else (*rgba[:3], rgba[3] * alpha)


class _Backgrounds:
    """Effective background colour under a display point, read from the artists."""

    def __init__(self, fig: Any, renderer: Any, legends: list[Any]):
        self.fig = fig
        self.renderer = renderer
        root = fig.get_figure(root=True)
        face = np.asarray(mcolors.to_rgba(root.get_facecolor()), dtype=float)
        white = np.ones(3)
        self.root_face = face[:3] * face[3] + white * (1 - face[3])
        self.legend_of: dict[int, Any] = {}
        for leg in legends:
            for t in [*leg.get_texts(), leg.get_title()]:
                self.legend_of[id(t)] = leg

    def figure_face(self, text: Any) -> np.ndarray:
        under = self.root_face
        fig = text.get_figure(root=False)
        chain = []
        while fig is not None and fig is not fig.get_figure(root=True):
            chain.append(fig)
            fig = getattr(fig, "_parent", None)
        for sub in reversed(chain):
            patch = getattr(sub, "patch", None)
            if patch is not None and patch.get_visible():
                under = _opaque(patch.get_facecolor(), under)
        return under

    def axes_face(self, ax: Any, under: np.ndarray) -> np.ndarray:
        if ax.patch.get_visible():
            return _opaque(ax.patch.get_facecolor(), under)
        return under

    def _mappable_color(self, m: Any, x: float, y: float) -> Any:
        from matplotlib.backend_bases import MouseEvent

        try:
            ev = MouseEvent("motion_notify_event", self.fig.canvas, x, y)
            ev.inaxes = m.axes
            inside, _ = m.contains(ev)
            if not inside:
                return None
            value = m.get_cursor_data(ev)
        except Exception:  # a mappable without cursor data: no colour known
            return None
        if value is None:
            return None
        value = np.ma.masked_invalid(np.atleast_1d(np.asarray(value, dtype=float)))
        if value.size != 1 or value.mask.any():
            return None
        return m.to_rgba(float(value[0]))

    def under(self, text: Any, bbox: Any) -> np.ndarray:
        """Opaque RGB behind *text*, whose display extent is *bbox*."""
        x, y = (bbox.x0 + bbox.x1) / 2, (bbox.y0 + bbox.y1) / 2
        under = self.figure_face(text)
        ax = text.axes
        leg = self.legend_of.get(id(text))
        if leg is not None:
            host = leg.axes
            if host is not None and host.bbox.contains(x, y):
                under = self.axes_face(host, under)
            frame = leg.legendPatch
            if leg.get_frame_on() and frame.get_visible():
                under = _opaque(frame.get_facecolor(), under)
            return under
        if ax is not None and ax.bbox.contains(x, y):
            under = self.axes_face(ax, under)
            layers = []
            zt = text.get_zorder()
            for p in ax.patches:
                if p.get_visible() and p.get_fill() and p.get_zorder() <= zt:
                    fc = p.get_facecolor()
                    if fc[3] > 0 and p.contains_point((x, y)):
                        layers.append((p.get_zorder(), fc))
            for m in [*ax.images, *ax.collections]:
                if not m.get_visible() or m.get_zorder() > zt:
                    continue
                if m.get_array() is None or not hasattr(m, "get_cursor_data"):
                    continue
                c = self._mappable_color(m, x, y)
                if c is not None:
                    layers.append((m.get_zorder(), _with_alpha(c, m.get_alpha())))
            for _, c in sorted(layers, key=lambda zc: zc[0]):
                under = _opaque(c, under)
        patch = text.get_bbox_patch()
        if patch is not None and patch.get_visible() and patch.get_fill():
            under = _opaque(patch.get_facecolor(), under)
        halo = _halo(text)
        if halo is not None:
            under = _opaque(halo, under)
        return under


def _halo(text: Any) -> Any:
    """The colour of a stroke path effect around *text* (a halo), when it is wide enough to
    be what the glyphs are read against (>= 2 pt)."""
    from matplotlib import patheffects

    for pe in text.get_path_effects():
        if isinstance(pe, (patheffects.Stroke, patheffects.withStroke)):
            gc = getattr(pe, "_gc", {})
            color = gc.get("foreground", gc.get("color"))
            if color is not None and float(gc.get("linewidth", 0)) >= 2:
                return color
    return None


def _is_large(text: Any) -> bool:
    size = text.get_fontsize()
    weight = text.get_fontweight()
    bold = weight in ("bold", "heavy", "extra bold", "black", "semibold", "demibold") or (
        isinstance(weight, (int, float)) and weight >= 600
    )
    return size >= _LARGE_PT or (bold and size >= _LARGE_BOLD_PT)


def low_contrast(
    items: list[tuple[Any, Any, str]], fig: Any, renderer: Any, legends: list[Any]
) -> list[Finding]:
    """``low-contrast-text`` findings: one per place and colour pair, counting the texts.

    Parameters
    ----------
    items : list of (Text, display Bbox, where)
    fig : matplotlib.figure.Figure
    renderer : matplotlib.backend_bases.RendererBase
    legends : list of matplotlib.legend.Legend

    Returns
    -------
    list of Finding
    """
    bg = _Backgrounds(fig, renderer, legends)
    groups: dict[tuple, list] = defaultdict(list)
    for t, bbox, where in items:
        back = bg.under(t, bbox)
        fore = _opaque(_with_alpha(t.get_color(), t.get_alpha()), back)
        ratio = float(contrast_ratio(tuple(fore), tuple(back)))
        need = 3.0 if _is_large(t) else 4.5
        if ratio < need:
            groups[(where, mcolors.to_hex(fore), need)].append((t, ratio, mcolors.to_hex(back)))
    out = []
    for (where, fore, need), hits in groups.items():
        hits.sort(key=lambda h: h[1])
        worst, back = hits[0][1], hits[0][2]
        n = len(hits)
        texts = ", ".join(_short(t.get_text()) for t, _, _ in hits[:3]) + (
            ", ..." if n > 3 else ""
        )
        on = f"on {back}" if n == 1 else f"on backgrounds down to {back}"
        out.append(
            Finding(
                "low-contrast-text",
                f"{n} text{'s' if n != 1 else ''} ({texts}) in {fore} {on}: contrast "
                f"{worst:.2f}:1, below WCAG's {need:g}:1.",
                artist=hits[0][0] if n == 1 else [t for t, _, _ in hits],
                where=where,
                values={
                    "contrast": round(worst, 2),
                    "minimum": need,
                    "color": fore,
                    "background": back,
                    "count": n,
                },
            )
        )
    return out


def small_text(items: list[tuple[Any, Any, str]], min_size: float) -> list[Finding]:
    """``small-text`` findings: texts below *min_size* points, grouped by place and size."""
    groups: dict[tuple, list] = defaultdict(list)
    for t, _, where in items:
        size = float(t.get_fontsize())
        if size < min_size:
            groups[(where, round(size, 2))].append(t)
    out = []
    for (where, size), texts in groups.items():
        n = len(texts)
        shown = ", ".join(_short(t.get_text()) for t in texts[:3]) + (", ..." if n > 3 else "")
        out.append(
            Finding(
                "small-text",
                f"{n} text{'s' if n != 1 else ''} ({shown}) at {size:g} pt, below "
                f"{min_size:g} pt.",
                artist=texts[0] if n == 1 else texts,
                where=where,
                values={"size_pt": size, "minimum_pt": min_size, "count": n},
            )
        )
    return out


def _oblique(t: Any) -> bool:
    return (float(t.get_rotation()) % 90.0) not in (0.0,)


def _corners(t: Any, box: np.ndarray, renderer: Any) -> np.ndarray:
    """The rotated rectangle of text *t* (4 corners, display units) inside its extent *box*.

    A rotated rectangle's axis-aligned box is centred on it; its unrotated width is the
    widest line (matplotlib's own layout), its height follows from the box size.
    """
    theta = np.deg2rad(float(t.get_rotation()))
    c, s = abs(np.cos(theta)), abs(np.sin(theta))
    bw, bh = box[2] - box[0], box[3] - box[1]
    try:
        _, info, _ = t._get_layout(renderer)
        w = max(wh[0] for _, wh, *_ in info)
    except Exception:  # private layout unavailable: fall back to the box itself
        return np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    h = (bw - w * c) / s if s >= c else (bh - w * s) / c
    h = max(h, 0.0)
    u = np.array([np.cos(theta), np.sin(theta)])
    v = np.array([-np.sin(theta), np.cos(theta)])
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    return np.array(
        [
            centre + sx * u * w / 2 + sy * v * h / 2
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
    )


def _penetration(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest overlap of two convex quadrilaterals over their edge normals (<= 0: apart)."""
    depth = np.inf
    for poly in (a, b):
        for k in range(4):
            edge = poly[(k + 1) % 4] - poly[k]
            n = np.array([-edge[1], edge[0]])
            norm = np.hypot(*n)
            if norm == 0:
                continue
            n /= norm
            pa, pb = a @ n, b @ n
            depth = min(depth, min(pa.max(), pb.max()) - max(pa.min(), pb.min()))
    return float(depth)


def drawn_extent(t: Any, renderer: Any) -> Any:
    """The display extent of what a draw of text *t* puts on the canvas, or None.

    An `~matplotlib.text.Annotation`'s own extent includes its arrow: only the text is
    measured (an arrow crossing a text is not a text collision). A clipped text (``clip_on``
    with a clip box, e.g. ``ax.text(..., clip_on=True)``) is cut to its clip box, and is
    None when nothing of it is left.
    """
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    bbox = Text.get_window_extent(t, renderer)
    if not (bbox.width > 0 and bbox.height > 0) or not np.isfinite(bbox.extents).all():
        return None
    clip = t.get_clip_box() if t.get_clip_on() else None
    if clip is not None:
        cut = Bbox.intersection(bbox, clip)
        if cut is None or not (cut.width > 0 and cut.height > 0):
            return None
        bbox = cut
    return bbox


def _pair_finding(ti: Any, tj: Any, share: float, where: str, roles: dict) -> Finding:
    def name(t: Any) -> str:
        role = roles.get(id(t), ("", ""))[0]
        return f"{role} {_short(t.get_text())}" if role else _short(t.get_text())

    both = f"{name(ti)} and {name(tj)}"
    if not roles.get(id(ti)) and not roles.get(id(tj)):
        both = "texts " + both
    return Finding(
        "text-overlap",
        f"{both} overlap ({share:.0%} of the smaller one).",
        artist=(ti, tj),
        where=where,
        values={"overlap": round(share, 3), "texts": [ti.get_text(), tj.get_text()]},
    )


def _tick_group_finding(group: str, hits: list, where: str, roles: dict) -> Finding:
    """One finding for the tick labels of one axis that collide with each other."""
    role = roles[id(hits[0][0])][0]
    labels = []
    for ti, tj, _ in hits:
        for t in (ti, tj):
            if all(t is not u for u in labels):
                labels.append(t)
    worst = max(share for _, _, share in hits)
    shown = ", ".join(_short(t.get_text(), 20) for t in labels[:4]) + (
        ", ..." if len(labels) > 4 else ""
    )
    n = len(hits)
    return Finding(
        "text-overlap",
        f"{len(labels)} {role}s collide with each other ({n} overlapping pair"
        f"{'s' if n != 1 else ''}, up to {worst:.0%} of the smaller one: {shown}); use "
        "fewer ticks, shorter or rotated labels, or a wider figure.",
        artist=labels,
        where=where,
        values={
            "overlap": round(worst, 3),
            "pairs": n,
            "count": len(labels),
            "texts": [t.get_text() for t in labels],
        },
    )


def text_overlap(
    items: list[tuple[Any, Any, str]],
    fig: Any,
    renderer: Any = None,
    roles: dict[int, tuple[str, str]] | None = None,
) -> list[Finding]:
    """``text-overlap`` findings: pairs of intersecting extents, and texts leaving the figure.

    Extents of obliquely rotated texts are axis-aligned boxes around them; such a pair is
    reported only when the rotated rectangles themselves overlap (separating-axis test).
    *roles* (``{id(text): (role, group)}``) names axis texts in the messages ("y-axis
    offset text '1e7'"); tick labels of one group (one axis) that collide with each other
    make one finding with counts.
    """
    roles = roles or {}
    out: list[Finding] = []
    if not items:
        return out
    root = fig.get_figure(root=True)
    tol = _TOL_PT * root.dpi / 72.0
    boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b, _ in items], dtype=float)
    fw, fh = root.bbox.width, root.bbox.height
    for k, (t, _, where) in enumerate(items):
        x0, y0, x1, y1 = boxes[k]
        past = max(-x0, -y0, x1 - fw, y1 - fh)
        if past > tol:
            out.append(
                Finding(
                    "text-overlap",
                    f"text {_short(t.get_text())} extends {past * 72 / root.dpi:.1f} pt "
                    "past the edge of the figure and would be cut off.",
                    artist=t,
                    where=where,
                    values={"outside_pt": round(past * 72 / root.dpi, 2)},
                )
            )
    w = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(
        boxes[:, None, 0], boxes[None, :, 0]
    )
    h = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(
        boxes[:, None, 1], boxes[None, :, 1]
    )
    hit = (w > tol) & (h > tol)
    hit = np.triu(hit, 1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    same_axis: dict[tuple[str, str], list] = defaultdict(list)
    for i, j in zip(*np.nonzero(hit), strict=True):
        ti, tj = items[i][0], items[j][0]
        inter = float(w[i, j] * h[i, j])
        if _oblique(ti) or _oblique(tj):
            if renderer is None:
                continue
            depth = _penetration(
                _corners(ti, boxes[i], renderer), _corners(tj, boxes[j], renderer)
            )
            if depth <= tol:
                continue  # the boxes around rotated texts meet, the texts do not
        share = inter / max(min(area[i], area[j]), 1e-9)
        wi, wj = items[i][2], items[j][2]
        where = wi if wi == wj else f"{wi} / {wj}"
        gi, gj = roles.get(id(ti), ("", ""))[1], roles.get(id(tj), ("", ""))[1]
        if gi and gi == gj:
            same_axis[(gi, where)].append((ti, tj, share))
        else:
            out.append(_pair_finding(ti, tj, share, where, roles))
    for (group, where), hits in same_axis.items():
        out.append(_tick_group_finding(group, hits, where, roles))
    return out


def missing_glyphs(fig: Any, where_of: Any) -> list[Finding]:
    """``missing-glyph`` findings: one per text that has characters no font in use draws."""
    from chartkit.annotate.fonts import covers
    from chartkit.annotate.glyphs import _texts, check_glyphs, font_files_for

    chars = check_glyphs(fig, warn=False)
    if not chars:
        return []
    wanted = set(chars)
    out = []
    for t in _texts(fig):
        present = wanted & set(t.get_text())
        if not present:
            continue
        paths = font_files_for(t.get_fontproperties())
        lacking = set(present)
        for p in paths:
            lacking &= covers(p, "".join(sorted(present)))
        if not lacking:
            continue
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in sorted(lacking, key=ord)[:8])
        families = ", ".join(map(repr, t.get_fontproperties().get_family()))
        out.append(
            Finding(
                "missing-glyph",
                f"text {_short(t.get_text())} has {len(lacking)} character"
                f"{'s' if len(lacking) != 1 else ''} that no font of {families} can draw "
                f"({shown}); they would show as boxes. Use chartkit.theme() (it adds a "
                "Korean font) or a font that has them.",
                artist=t,
                where=where_of(t),
                values={"characters": sorted(lacking, key=ord)},
            )
        )
    return out


def _covered(leg_box: Any, ax: Any, own: set[int]) -> list[str]:
    """Names of the data artists of *ax* under the display box *leg_box*."""
    from matplotlib.transforms import Bbox

    shrink = Bbox.from_extents(leg_box.x0 + 1, leg_box.y0 + 1, leg_box.x1 - 1, leg_box.y1 - 1)
    hits = []
    for line in ax.get_lines():
        if id(line) in own or not line.get_visible() or len(line.get_xdata(orig=False)) == 0:
            continue
        if not line.get_transform().contains_branch(ax.transData):
            continue  # reference lines (axhline, axvline) span the Axes: not data
        path = line.get_transform().transform_path(line.get_path())
        v = path.vertices
        if not len(v):
            continue
        inside = (
            (v[:, 0] > shrink.x0)
            & (v[:, 0] < shrink.x1)
            & (v[:, 1] > shrink.y0)
            & (v[:, 1] < shrink.y1)
        )
        drawn = _line_drawn(line)
        if inside.any() or (drawn and path.intersects_bbox(shrink, filled=False)):
            hits.append(line)
    for coll in ax.collections:
        if type(coll).__name__ != "PathCollection" or not coll.get_visible():
            continue
        offs = coll.get_offset_transform().transform(coll.get_offsets())
        if (
            len(offs)
            and (
                (offs[:, 0] > shrink.x0)
                & (offs[:, 0] < shrink.x1)
                & (offs[:, 1] > shrink.y0)
                & (offs[:, 1] < shrink.y1)
            ).any()
        ):
            hits.append(coll)
    for cont in ax.containers:
        for p in getattr(cont, "patches", ()):
            if p is None or not p.get_visible():
                continue
            b = p.get_window_extent()
            if b.width > 0 and b.height > 0 and shrink.overlaps(b):
                hits.append(cont)
                break
    names = []
    for h in hits:
        label = h.get_label() if hasattr(h, "get_label") else ""
        names.append(label if label and not label.startswith("_") else type(h).__name__)
    return names


def _line_drawn(line: Any) -> bool:
    ls = line.get_linestyle()
    return ls not in ("None", "none", "", " ") and line.get_linewidth() > 0


def legend_overlap(legends: list[tuple[Any, list[Any], str]], renderer: Any) -> list[Finding]:
    """``legend-overlap`` findings: legends whose frame covers data of the Axes under them.

    Parameters
    ----------
    legends : list of (Legend, list of Axes it may cover, where)
    renderer : matplotlib.backend_bases.RendererBase
    """
    out = []
    for leg, axes, where in legends:
        if not leg.get_visible():
            continue
        box = leg.get_window_extent(renderer)
        own = {id(a) for a in leg.get_children()}
        covered: list[str] = []
        for ax in axes:
            if not ax.bbox.overlaps(box):
                continue
            covered += _covered(box, ax, own)
        if covered:
            shown = ", ".join(map(repr, covered[:4])) + (", ..." if len(covered) > 4 else "")
            out.append(
                Finding(
                    "legend-overlap",
                    f"the legend covers data ({shown}); move it (loc=..., "
                    "bbox_to_anchor outside the Axes) or label the series directly.",
                    artist=leg,
                    where=where,
                    values={"covered": covered},
                )
            )
    return out
