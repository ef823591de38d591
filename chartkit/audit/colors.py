"""Colour rules of the figure audit: series that collapse under CVD, colormaps out of order.

`series_of` reads the series of an Axes from its artists (lines, scatter collections, bar
containers, labelled patches and collections) and of its legends (their handles), with the
other visual channels that tell them apart (marker, line style, hatch, a direct label).
`confusable` measures every pair's CAM02-UCS ΔE under normal vision and each simulated
deficiency (all colours of the figure in one conversion, `chartkit.palettes.cvd.visions_ucs`)
and reports pairs that normal vision separates (ΔE >= 15, the palette check's normal pass)
but a deficiency brings below ΔE 10 (`CONFUSABLE_BELOW`: the palette check's CVD pass 9 plus
a margin of 1), unless another channel differs (for a scatter with one shape per point, the
shapes that each colour's points use). `cmap_lightness`
reports colormaps in use that `chartkit.palettes.check_cmap` fails (lightness reverses:
jet, turbo, rainbow). matplotlib is imported, pyplot never.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import colors as mcolors

from chartkit.audit.report import Finding

__all__ = ["Series", "cmap_lightness", "confusable", "series_of"]

#: ΔE (CAM02-UCS) below which two series count as confusable under a simulated deficiency.
#: The palette check passes a designed palette at 9; a chart is judged with a margin of 1,
#: because a boundary at exactly 9 let the most common red/green chart through: matplotlib's
#: ``"red"`` and ``"green"`` are ΔE 64.3 apart for normal vision and 9.02 under protanopia
#: (Machado 2009 at severity 100; 11.6 at 80, 21.3 at 60), i.e. they keep 14 % of their
#: difference, and differences of about 1 are within what the model (fitted to one display)
#: and CAM02-UCS can tell. Pairs newly caught between 9 and 10: tab10 red/brown (9.33).
CONFUSABLE_BELOW = 10.0
#: ΔE that normal vision must reach for a pair to count as distinct colours (the palette
#: check's normal-vision pass); closer pairs are shades of one scale (a colormap), not a
#: palette, and are left to ``cmap-lightness``.
DISTINCT_NORMAL = 15.0
_MAX_COLORS = 24  # per-point colours beyond this are a colour scale, not categories
_CATEGORICAL_N = 32  # ListedColormaps with at most this many entries are categorical


@dataclass
class Series:
    """One series (or legend entry) with its colour and the channels that tell it apart."""

    artist: Any
    rgb: tuple[float, float, float]
    label: str
    kind: str  # "line", "scatter", "patch", "collection", "legend"
    marker: Any = None
    linestyle: Any = None
    hatch: Any = None
    direct: bool = False

    def name(self) -> str:
        hexa = mcolors.to_hex(self.rgb)
        return f"{self.label!r} ({hexa})" if self.label else f"unlabelled {self.kind} ({hexa})"


def _labelled(label: Any) -> bool:
    return isinstance(label, str) and bool(label) and not label.startswith("_")


def _rgb(color: Any) -> tuple[float, float, float] | None:
    try:
        rgba = mcolors.to_rgba(color)
    except (ValueError, TypeError):
        return None
    if rgba[3] == 0:
        return None
    return rgba[:3]


def _line_marker(line: Any) -> Any:
    m = line.get_marker()
    return None if m in (None, "None", "none", "", " ") else str(m)


def _line_style(line: Any) -> Any:
    ls = line.get_linestyle()
    if ls in ("None", "none", "", " "):
        return None
    dashes = getattr(line, "_unscaled_dash_pattern", (0, None))[1]
    return (ls, tuple(dashes) if dashes else None)


def _vertices_key(path: Any) -> tuple:
    v = np.round(np.asarray(path.vertices, dtype=float), 3)
    return (v.shape, v.tobytes())


def _path_key(coll: Any) -> Any:
    paths = coll.get_paths()
    if not paths:
        return None
    return _vertices_key(paths[0])


def _markers_by_color(coll: Any) -> dict[tuple, frozenset] | None:
    """``{rgb255: frozenset of marker shapes}`` of a scatter drawing one shape per point.

    A scatter with ``style=`` (seaborn) or ``marker`` per point keeps one path per point in
    one collection: the shapes that points of one colour use are read per colour. None when
    the collection has a single shape (the marker then is `_path_key`).
    """
    paths = coll.get_paths()
    if len(paths) < 2:
        return None
    fc = np.asarray(coll.get_facecolor(), dtype=float).reshape(-1, 4)
    if fc.size == 0 or not (fc[:, 3] > 0).any():
        fc = np.asarray(coll.get_edgecolor(), dtype=float).reshape(-1, 4)
    if fc.size == 0:
        return None
    n = max(len(paths), len(fc), len(coll.get_offsets()))
    by_id: dict[int, tuple] = {}
    shapes = []
    for p in paths:  # one key per path object (seaborn reuses them), vertices for the rest
        if id(p) not in by_id:
            by_id[id(p)] = _vertices_key(p)
        shapes.append(by_id[id(p)])
    keys = np.round(fc[:, :3] * 255).astype(int)
    out: dict[tuple, set] = {}
    for k in range(n):
        c = fc[k % len(fc)]
        if c[3] == 0:
            continue
        out.setdefault(tuple(keys[k % len(fc)]), set()).add(shapes[k % len(shapes)])
    return {c: frozenset(v) for c, v in out.items()}


def _face_colors(obj: Any) -> np.ndarray:
    fc = np.asarray(obj.get_facecolor(), dtype=float).reshape(-1, 4)
    if fc.size == 0 or not (fc[:, 3] > 0).any():
        fc = np.asarray(obj.get_edgecolor(), dtype=float).reshape(-1, 4)
    return fc[fc[:, 3] > 0] if fc.size else fc


def _distinct(rgba: np.ndarray) -> np.ndarray:
    if rgba.size == 0:
        return rgba.reshape(0, 3)
    q = np.unique(np.round(rgba[:, :3] * 255).astype(int), axis=0)
    return q / 255.0


def _legend_series(legend: Any) -> list[Series]:
    out = []
    handles = getattr(legend, "legend_handles", None) or getattr(legend, "legendHandles", [])
    for handle, text in zip(handles, legend.get_texts(), strict=False):
        if handle is None or not handle.get_visible():
            continue
        label = text.get_text()
        kws: dict[str, Any] = {}
        if hasattr(handle, "get_marker") and hasattr(handle, "get_linestyle"):
            color = handle.get_color()
            kws = {"marker": _line_marker(handle), "linestyle": _line_style(handle)}
            if kws["marker"] is not None and kws["linestyle"] is None:
                color = handle.get_markerfacecolor()
        elif hasattr(handle, "get_paths"):
            fc = _face_colors(handle)
            if len(fc) == 0:
                continue
            color = fc[0]
            kws = {"marker": _path_key(handle)}
        elif hasattr(handle, "get_facecolor"):
            color = handle.get_facecolor() if handle.get_fill() else handle.get_edgecolor()
            kws = {"hatch": handle.get_hatch()}
        else:
            continue
        rgb = _rgb(color)
        if rgb is not None:
            out.append(Series(handle, rgb, label, "legend", **kws))
    return out


def series_of(ax: Any, direct_texts: list[Any] = ()) -> list[Series]:
    """The series of *ax*: labelled artists and distinct data colours, with their channels.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    direct_texts : list of matplotlib.text.Text
        Texts drawn inside *ax* that are not axis, tick, title or legend texts; a series whose
        label or colour one of them carries counts as directly labelled.

    Returns
    -------
    list of Series
    """
    from matplotlib.container import BarContainer

    out: list[Series] = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        n = len(line.get_xdata(orig=False))
        label = line.get_label()
        if n == 0 or (not _labelled(label) and n <= 2):
            continue  # reference lines (axhline, whiskers) are not series
        marker, ls = _line_marker(line), _line_style(line)
        if marker is None and ls is None:
            continue
        color = line.get_color() if ls is not None else line.get_markerfacecolor()
        rgb = _rgb(color)
        if rgb is not None:
            label = label if _labelled(label) else ""
            out.append(Series(line, rgb, label, "line", marker, ls))
    in_containers: set[int] = set()
    for cont in ax.containers:
        if not isinstance(cont, BarContainer):
            continue
        patches = [p for p in cont.patches if p.get_visible()]
        in_containers.update(id(p) for p in cont.patches)
        if not patches:
            continue
        label = cont.get_label() if _labelled(cont.get_label()) else ""
        fc = np.array([p.get_facecolor() for p in patches], dtype=float)
        for rgb in _distinct(fc[fc[:, 3] > 0])[:_MAX_COLORS]:
            out.append(Series(cont, tuple(rgb), label, "patch", hatch=patches[0].get_hatch()))
    for patch in ax.patches:
        if id(patch) in in_containers or not patch.get_visible():
            continue
        if not _labelled(patch.get_label()):
            continue
        color = patch.get_facecolor() if patch.get_fill() else patch.get_edgecolor()
        rgb = _rgb(color)
        if rgb is not None:
            out.append(Series(patch, rgb, patch.get_label(), "patch", hatch=patch.get_hatch()))
    for coll in ax.collections:
        if not coll.get_visible() or coll.get_array() is not None:
            continue  # colour-mapped collections are judged by their colormap
        is_scatter = type(coll).__name__ == "PathCollection"
        label = coll.get_label() if _labelled(coll.get_label()) else ""
        if not is_scatter and not label:
            continue  # unlabelled bands and grids accompany a series, they are not one
        colors = _distinct(_face_colors(coll))
        if len(colors) == 0 or len(colors) > _MAX_COLORS:
            continue
        kind = "scatter" if is_scatter else "collection"
        marker = _path_key(coll) if is_scatter else None
        per_color = _markers_by_color(coll) if is_scatter else None
        for rgb in colors:
            if per_color is not None:
                marker = per_color.get(tuple(np.round(rgb * 255).astype(int)))
            out.append(
                Series(coll, tuple(rgb), label, kind, marker=marker, hatch=coll.get_hatch())
            )
    _mark_direct(out, direct_texts)
    return out


def _mark_direct(series: list[Series], texts: list[Any]) -> None:
    if not texts:
        return
    strings = {t.get_text().strip() for t in texts}
    colors = set()
    for t in texts:
        rgb = _rgb(t.get_color())
        if rgb is not None:
            colors.add(tuple(np.round(np.asarray(rgb) * 255).astype(int)))
    for s in series:
        key = tuple(np.round(np.asarray(s.rgb) * 255).astype(int))
        if (s.label and s.label.strip() in strings) or key in colors:
            s.direct = True


def _differs(a: Series, b: Series) -> bool:
    """Whether a channel other than colour tells *a* and *b* apart."""
    if a.direct or b.direct:
        return True
    if isinstance(a.marker, frozenset) and isinstance(b.marker, frozenset):
        # Shapes per colour of one-shape-per-point scatters: the colours are told apart
        # when no shape is used by both (a shape they share is read by colour alone).
        return not (a.marker & b.marker)
    if a.marker != b.marker and (a.marker is not None or b.marker is not None):
        return True
    if a.linestyle is not None and b.linestyle is not None and a.linestyle != b.linestyle:
        return True
    return bool((a.hatch or b.hatch) and a.hatch != b.hatch)


def confusable(
    groups: list[tuple[str, Any, list[Series]]],
    *,
    severity: float = 100.0,
    threshold: float = CONFUSABLE_BELOW,
    distinct: float = DISTINCT_NORMAL,
) -> list[Finding]:
    """``cvd-confusable`` findings for every group (an Axes or a legend) of series.

    Parameters
    ----------
    groups : list of (where, artist, series)
    severity : float, default: 100
        Severity of the simulated deficiencies (0-100).
    threshold : float, default: 10
        ΔE below which a pair is confusable under a deficiency (`CONFUSABLE_BELOW`).
    distinct : float, default: 15
        ΔE a pair must reach under normal vision to be judged at all.

    Returns
    -------
    list of Finding
    """
    from chartkit.palettes.checks import pairwise_delta_e
    from chartkit.palettes.cvd import CVD_KINDS, normalize_visions, visions_ucs

    groups = [g for g in groups if len(g[2]) >= 2]
    if not groups:
        return []
    palette: dict[tuple, int] = {}
    for _, _, series in groups:
        for s in series:
            palette.setdefault(tuple(np.round(np.asarray(s.rgb) * 255).astype(int)), len(palette))
    if len(palette) < 2:
        return []
    keys = list(palette)
    visions = normalize_visions(CVD_KINDS, (float(severity),))
    jab = visions_ucs(np.array(keys, dtype=float) / 255.0, visions)
    d = pairwise_delta_e(jab)  # (visions, k, k)
    labels = ["normal", *[f"{k}-{severity:g}" for k, _ in visions[1:]]]
    out: list[Finding] = []
    for where, artist, series in groups:
        seen: set[tuple[int, int]] = set()
        idx = [palette[tuple(np.round(np.asarray(s.rgb) * 255).astype(int))] for s in series]
        for a in range(len(series)):
            for b in range(a + 1, len(series)):
                i, j = idx[a], idx[b]
                if i == j or (min(i, j), max(i, j)) in seen:
                    continue
                dn = float(d[0, i, j])
                cvd = d[1:, i, j]
                v = int(np.argmin(cvd))
                if dn < distinct or cvd[v] >= threshold:
                    continue
                sa, sb = series[a], series[b]
                if _differs(sa, sb):
                    continue
                seen.add((min(i, j), max(i, j)))
                out.append(
                    Finding(
                        "cvd-confusable",
                        f"{sa.name()} and {sb.name()} are ΔE {cvd[v]:.1f} apart under "
                        f"{labels[v + 1]} (ΔE {dn:.1f} for normal vision; below {threshold:g}) "
                        "and no marker, line style or direct label tells them apart.",
                        artist=(sa.artist, sb.artist) if artist is None else artist,
                        where=where,
                        values={
                            "colors": [mcolors.to_hex(sa.rgb), mcolors.to_hex(sb.rgb)],
                            "labels": [sa.label, sb.label],
                            "vision": labels[v + 1],
                            "delta_e": round(float(cvd[v]), 2),
                            "delta_e_normal": round(dn, 2),
                            "threshold": threshold,
                            "model": "machado",
                        },
                    )
                )
    return out


_VERDICTS: dict[tuple, tuple[str, str, str, float]] = {}


def _cmap_verdict(cmap: Any) -> tuple[str, str, str, float]:
    """check_cmap's verdict, cached on the map's name, size and sampled colours."""
    from chartkit.palettes.checks import check_cmap

    lut = cmap(np.linspace(0, 1, 64))
    key = (cmap.name, cmap.N, np.round(lut, 4).tobytes())
    if key not in _VERDICTS:
        if len(_VERDICTS) > 256:
            _VERDICTS.clear()
        r = check_cmap(cmap)
        _VERDICTS[key] = (r.verdict, r.kind, r.reason, float(r.reversal))
    return _VERDICTS[key]


def cmap_lightness(mappables: list[tuple[str, Any]]) -> list[Finding]:
    """``cmap-lightness`` findings for colormaps in use that fail `check_cmap`.

    Categorical maps (a `~matplotlib.colors.ListedColormap` of at most 32 colours, e.g.
    tab10 on a label image) are not judged: their colours name classes, not an order.

    Parameters
    ----------
    mappables : list of (where, ScalarMappable)

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for where, m in mappables:
        cmap = m.get_cmap()
        if cmap is None:
            continue
        if isinstance(cmap, mcolors.ListedColormap) and cmap.N <= _CATEGORICAL_N:
            continue
        if (where, cmap.name) in seen:
            continue
        seen.add((where, cmap.name))
        verdict, kind, reason, reversal = _cmap_verdict(cmap)
        if verdict != "fail":
            continue
        out.append(
            Finding(
                "cmap-lightness",
                f"colormap {cmap.name!r} does not order values by lightness: {reason} "
                "Use a perceptually ordered map (viridis, cividis, chartkit's sequential maps).",
                artist=m,
                where=where,
                values={"cmap": cmap.name, "kind": kind, "reversal": round(reversal, 2)},
            )
        )
    return out
