"""Contrast-aware text colours (WCAG 2.x) and value labels on bars and heatmap cells.

`contrast_ratio` and `text_color_for` are colour maths (numpy and ``matplotlib.colors``
only); `bar_labels` and `heatmap_labels` add labels whose colour is chosen per bar or cell.

WCAG 2.x defines the relative luminance of an sRGB colour and the contrast ratio
``(L1 + 0.05) / (L2 + 0.05)`` between two colours; 4.5:1 is the minimum for normal text
(success criterion 1.4.3, level AA). Black or white always reaches it: the worse of the two
is at least 4.58:1 (at a luminance of about 0.18).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.text import Annotation

from chartkit._validate import (
    check_isinstance,
    check_length,
    check_refused,
    check_shape,
    invalid_value_message,
)
from chartkit.errors import ColorWarning, DataWarning, warn_external
from chartkit.palettes.resolve import resolve_colors

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer

__all__ = [
    "MIN_CONTRAST",
    "bar_labels",
    "contrast_ratio",
    "heatmap_labels",
    "relative_luminance",
    "series_text_color",
    "text_color_for",
]

#: WCAG 2.x minimum contrast for normal-size text (level AA).
MIN_CONTRAST = 4.5

_DARK = "#000000"
_LIGHT = "#ffffff"


def _rgba(color: Any, name: str) -> np.ndarray:
    """Colours as an (n, 4) float array; a clear ValueError naming the bad entry."""
    try:
        return mcolors.to_rgba_array(color)
    except (ValueError, TypeError):
        pass
    seq = [color] if isinstance(color, str) or not np.iterable(color) else list(color)
    for k, c in enumerate(seq):
        if not mcolors.is_color_like(c):
            raise ValueError(
                invalid_value_message(
                    c, name, entry=k if len(seq) > 1 else None, expected="a matplotlib colour"
                )
            ) from None
    raise ValueError(invalid_value_message(color, name, expected="a matplotlib colour"))


def _is_one_color(color: Any) -> bool:
    return isinstance(color, str) or (
        mcolors.is_color_like(color) and np.ndim(np.asarray(color, dtype=object)) == 1
    )


def _composite(rgba: np.ndarray, base: Any) -> np.ndarray:
    """Alpha-composite *rgba* over the opaque *base* colour; returns (n, 3) RGB."""
    under = _rgba(base, "base")[0, :3]
    a = rgba[:, 3:4]
    return rgba[:, :3] * a + under * (1 - a)


def relative_luminance(color: Any, *, base: Any = "white") -> np.ndarray | float:
    """WCAG relative luminance (0 for black, 1 for white) of one colour or an array.

    Parameters
    ----------
    color : colour or sequence of colours
        Any matplotlib colour; transparent colours are composited over *base* first.
    base : colour, default: "white"
        What shows through a transparent colour.

    Returns
    -------
    float or numpy.ndarray
    """
    rgba = _rgba(color, "color")
    rgb = _composite(rgba, base)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722])
    return float(lum[0]) if _is_one_color(color) else lum


def contrast_ratio(color1: Any, color2: Any, *, base: Any = "white") -> np.ndarray | float:
    """WCAG contrast ratio between two colours (1 to 21), element-wise for arrays.

    Parameters
    ----------
    color1, color2 : colour or sequence of colours
    base : colour, default: "white"
        Background under transparent colours.

    Returns
    -------
    float or numpy.ndarray
    """
    l1 = np.asarray(relative_luminance(color1, base=base))
    l2 = np.asarray(relative_luminance(color2, base=base))
    hi, lo = np.maximum(l1, l2), np.minimum(l1, l2)
    ratio = (hi + 0.05) / (lo + 0.05)
    return float(ratio) if ratio.ndim == 0 else ratio


def text_color_for(
    background: Any,
    *,
    dark: Any = _DARK,
    light: Any = _LIGHT,
    base: Any = "white",
) -> str | list[str]:
    """Black or white, whichever contrasts more with *background* (WCAG 2.x).

    With the default black and white the result always reaches 4.5:1.

    Parameters
    ----------
    background : colour or sequence of colours
        The fill behind the text; transparent fills are composited over *base*.
    dark, light : colour, default: "#000000", "#ffffff"
        The two candidates. Other pairs may not reach 4.5:1 on every background.
    base : colour, default: "white"
        What shows through a transparent *background* (the axes face, usually).

    Returns
    -------
    str or list of str
        A colour string for one background, a list for several.

    Raises
    ------
    ValueError
        For a value that is not a colour, naming it.

    Warns
    -----
    ColorWarning
        Once, counting the backgrounds where neither candidate reaches 4.5:1 (possible only
        with a custom *dark*/*light* pair).

    Examples
    --------
    >>> text_color_for("#0072B2")
    '#ffffff'
    >>> text_color_for(["#F0E442", "black"])
    ['#000000', '#ffffff']
    """
    dark_s = mcolors.to_hex(_rgba(dark, "dark")[0], keep_alpha=False)
    light_s = mcolors.to_hex(_rgba(light, "light")[0], keep_alpha=False)
    lum = np.atleast_1d(relative_luminance(background, base=base))
    l_dark = relative_luminance(dark_s)
    l_light = relative_luminance(light_s)
    c_dark = (np.maximum(lum, l_dark) + 0.05) / (np.minimum(lum, l_dark) + 0.05)
    c_light = (np.maximum(lum, l_light) + 0.05) / (np.minimum(lum, l_light) + 0.05)
    out = [dark_s if d >= w else light_s for d, w in zip(c_dark, c_light, strict=True)]
    best = np.maximum(c_dark, c_light)
    failing = int(np.count_nonzero(best < MIN_CONTRAST))
    if failing:  # only possible with a custom dark/light pair
        warn_external(
            f"{failing} of {len(out)} background{'s' if len(out) != 1 else ''} reach less "
            f"than {MIN_CONTRAST}:1 with either {dark_s} or {light_s} (lowest "
            f"{best.min():.2f}:1); pick a darker dark or a lighter light colour",
            ColorWarning,
        )
    return out[0] if _is_one_color(background) else out


def series_text_color(color: Any, scope: Any, min_contrast: float = MIN_CONTRAST) -> Any:
    """*color* darkened (or lightened) just enough to read as text in *scope*: the one helper.

    Every text chartkit draws in a series' colour (direct line labels, rich-text series
    names, a plot's own notes) goes through this, so an Okabe-Ito orange name (2.25:1 on
    white) keeps its hue and passes `chartkit.audit.check_figure`. Lines keep their colour.

    Parameters
    ----------
    color : colour
    scope : Axes or Figure
        Where the text sits: its face colour (and the figure's) is the background.
    min_contrast : float, default: 4.5

    Returns
    -------
    colour
        *color* itself when it already reaches *min_contrast*, else an RGB tuple.
    """
    from chartkit.annotate.lines import readable_color

    backgrounds = [scope.get_facecolor()]
    fig = scope.get_figure(root=True) if hasattr(scope, "get_figure") else None
    if fig is not None and fig is not scope:
        backgrounds.append(fig.get_facecolor())
    backgrounds = [bg if mcolors.to_rgba(bg)[3] > 0 else "white" for bg in backgrounds]
    return readable_color(color, backgrounds, min_contrast)


# -- labels ---------------------------------------------------------------------------------
def _formatter(fmt: str | Callable[[float], str]) -> Callable[[float], str]:
    if callable(fmt):
        return fmt
    check_isinstance(str, fmt=fmt)
    base = fmt.format if "{" in fmt else (lambda v: fmt % v)

    def form(v: float) -> str:
        s = base(v)
        # The typographic minus, like matplotlib's tick labels (axes.unicode_minus).
        if mpl.rcParams["axes.unicode_minus"] and s.startswith("-"):
            s = "\u2212" + s[1:]
        return s

    return form


class _BarLabel(Annotation):
    """A value label that sits inside its bar when it fits, outside otherwise (at draw)."""

    def __init__(self, text: str, bar: Any, horizontal: bool, inside: bool, pad: float, **kws):
        self._bar = bar
        self._horizontal = horizontal
        self._want_inside = inside
        self._pad = pad
        self._user_color = kws.pop("color", None)
        super().__init__(text, (0, 0), xytext=(0, 0), textcoords="offset points", **kws)
        self.placed_inside = inside
        self._place(inside)

    def _ends(self) -> tuple[tuple[float, float], float]:
        x, y = self._bar.get_x(), self._bar.get_y()
        w, h = self._bar.get_width(), self._bar.get_height()
        if self._horizontal:
            return (x + w, y + h / 2), np.sign(w) or 1.0
        return (x + w / 2, y + h), np.sign(h) or 1.0

    def _place(self, inside: bool) -> None:
        (px, py), sign = self._ends()
        self.xy = (px, py)
        d = -self._pad if inside else self._pad
        if self._horizontal:
            self.xyann = (d * sign, 0)
            flip = (sign > 0) == inside
            self.set_ha("right" if flip else "left")
            self.set_va("center")
        else:
            self.xyann = (0, d * sign)
            flip = (sign > 0) == inside
            self.set_va("top" if flip else "bottom")
            self.set_ha("center")
        if self._user_color is not None:
            self.set_color(self._user_color)
        elif inside:
            self.set_color(text_color_for(self._bar.get_facecolor(), base=self._axes_face()))
        else:
            self.set_color(text_color_for(self._axes_face()))
        self.placed_inside = inside

    def _axes_face(self) -> Any:
        ax = self.axes
        face = ax.get_facecolor() if ax is not None else "white"
        return face if mcolors.to_rgba(face)[3] > 0 else "white"

    def draw(self, renderer: Any) -> None:
        if self._want_inside:
            self._place(True)
            bb = self.get_window_extent(renderer)
            bar = self._bar.get_window_extent(renderer)
            fits = (
                bb.width <= bar.width and bar.height >= bb.height + self._pad
                if not self._horizontal
                else bb.height <= bar.height and bar.width >= bb.width + self._pad
            )
            if not fits:
                self._place(False)
        else:
            self._place(False)
        super().draw(renderer)


def bar_labels(
    bars: BarContainer | Sequence[Any],
    fmt: str | Callable[[float], str] = "{:g}",
    *,
    inside: bool = True,
    labels: Sequence[str] | None = None,
    padding: float = 3.0,
    ax: Axes | None = None,
    **kwargs: Any,
) -> list[Annotation]:
    """Label each bar with its value, in black or white by WCAG contrast with the bar.

    Labels go just inside the end of each bar when they fit there (checked at draw time
    against the bar's size on screen) and just outside otherwise, where their colour
    contrasts with the axes background instead.

    Parameters
    ----------
    bars : BarContainer or sequence of Rectangle
        What ``ax.bar``/``ax.barh`` returned.
    fmt : str or callable, default: "{:g}"
        ``"{:.1f}"`` style, ``"%.1f"`` style, or a function of the value.
    inside : bool, default: True
        Prefer inside the bar end; False puts every label outside.
    labels : sequence of str, optional
        Texts to use instead of formatted values.
    padding : float, default: 3.0
        Distance from the bar end, in points.
    ax : matplotlib.axes.Axes, optional
        Default: the Axes of the bars.
    **kwargs
        Passed to `matplotlib.axes.Axes.annotate` for each label (``fontsize``...);
        ``color`` forces one colour, or one per bar (a sequence).

    Returns
    -------
    list of matplotlib.text.Annotation

    Raises
    ------
    ValueError
        When *labels* (or a *color* sequence) and *bars* differ in length, or for a bad
        colour (naming it and its position).
    TypeError
        For a keyword the function sets itself (``xytext``, ``textcoords``, ``ha``, ``va``).

    Warns
    -----
    DataWarning
        Once, counting the bars whose value is NaN or infinite (they get no label).
    """
    check_refused(
        kwargs,
        ("xy", "xytext", "textcoords", "ha", "va", "horizontalalignment"),
        func="bar_labels",
        reason="inside/outside placement",
        hint="use padding= or inside=",
    )
    patches = list(getattr(bars, "patches", bars))
    if labels is not None:
        check_length(labels, len(patches), name="labels", per="bar", got="labels")
    colors = resolve_colors(kwargs.pop("color", None), len(patches), per="bar")
    if not patches:
        return []
    if ax is None:
        ax = patches[0].axes
    if ax is None:
        raise ValueError("the bars are not in an Axes; pass ax=")
    horizontal = getattr(bars, "orientation", None) == "horizontal"
    datavalues = getattr(bars, "datavalues", None)
    form = _formatter(fmt)
    out = []
    skipped = 0
    for k, bar in enumerate(patches):
        if labels is not None:
            text = labels[k]
        else:
            value = (
                datavalues[k]
                if datavalues is not None
                else (bar.get_width() if horizontal else bar.get_height())
            )
            if not np.isfinite(value):
                skipped += 1
                continue
            text = form(value)
        ann = _BarLabel(text, bar, horizontal, inside, padding, color=colors[k], **kwargs)
        ax._add_text(ann)
        ann.set_clip_on(False)
        out.append(ann)
    if skipped:
        warn_external(
            f"{skipped} of {len(patches)} bars have a non-finite value (NaN or inf) and got "
            "no label",
            DataWarning,
        )
    return out


def heatmap_labels(
    mappable: Any,
    fmt: str | Callable[[float], str] = "{:.2g}",
    *,
    data: Any = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> list[Any]:
    """Write each cell's value on an ``imshow`` image or ``pcolormesh`` mesh, coloured by
    WCAG contrast with the cell.

    Parameters
    ----------
    mappable : AxesImage or QuadMesh
        What ``ax.imshow(a)`` or ``ax.pcolormesh(a)`` returned (a regular grid).
    fmt : str or callable, default: "{:.2g}"
    data : 2D array, optional
        Values to print instead of the mappable's own (the colours still come from it).
    ax : matplotlib.axes.Axes, optional
        Default: the mappable's Axes.
    **kwargs
        Passed to `matplotlib.axes.Axes.text` for each cell (``fontsize``...); ``color``
        is chosen per cell and refused here.

    Returns
    -------
    list of matplotlib.text.Text
        One per finite cell, row by row.

    Raises
    ------
    ValueError
        For *data* of another shape.
    TypeError
        For ``color``/``ha``/``va`` in *kwargs* (set per cell).
    """
    check_refused(
        kwargs,
        ("color", "c", "ha", "va", "horizontalalignment", "verticalalignment"),
        func="heatmap_labels",
        reason="per-cell contrast, centred labels",
    )
    arr = np.ma.asarray(mappable.get_array())
    if arr.ndim == 1 and hasattr(mappable, "get_coordinates"):  # flat QuadMesh array
        ny, nx = mappable.get_coordinates().shape[:2]
        arr = arr.reshape(ny - 1, nx - 1)
    if arr.ndim != 2:
        raise ValueError(
            invalid_value_message(
                f"<array of shape {arr.shape}>", "mappable", expected="a 2-D image or mesh"
            )
        )
    values = arr if data is None else np.ma.asarray(data)
    check_shape(values.shape, arr.shape, name="data", of="the heatmap")
    ax = mappable.axes if ax is None else ax
    rgba = mappable.to_rgba(arr)
    flat_rgba = rgba.reshape(-1, rgba.shape[-1]).astype(float)
    if flat_rgba.max() > 1:
        flat_rgba = flat_rgba / 255.0
    face = ax.get_facecolor()
    colors = text_color_for(flat_rgba, base=face if mcolors.to_rgba(face)[3] > 0 else "white")
    if isinstance(colors, str):
        colors = [colors]
    ny, nx = arr.shape
    if hasattr(mappable, "get_coordinates"):
        c = mappable.get_coordinates()
        xs = (c[:-1, :-1, 0] + c[1:, 1:, 0]) / 2
        ys = (c[:-1, :-1, 1] + c[1:, 1:, 1]) / 2
    else:
        x0, x1, y0, y1 = mappable.get_extent()
        cx = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
        cy = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
        if mappable.origin == "upper":
            cy = cy[::-1]
        xs, ys = np.meshgrid(cx, cy)
    form = _formatter(fmt)
    out = []
    mask = np.ma.getmaskarray(values)
    for i in range(ny):
        for j in range(nx):
            v = values[i, j]
            if mask[i, j] or not np.isfinite(v):
                continue
            out.append(
                ax.text(
                    xs[i, j],
                    ys[i, j],
                    form(v),
                    ha="center",
                    va="center",
                    color=colors[i * nx + j],
                    **kwargs,
                )
            )
    return out
