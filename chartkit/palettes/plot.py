"""Diagnostic figure of a palette or colormap under normal vision, CVD and grayscale.

The only module of `chartkit.palettes` that draws; pyplot is imported only when no Axes is
given (through `chartkit._figure.get_ax`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from chartkit._figure import get_ax
from chartkit.palettes._color import linear_to_srgb, srgb_to_linear
from chartkit.palettes.cvd import CVD_KINDS, Model, simulate_cvd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_palette"]

_REFUSED = ("extent", "aspect", "origin")


def _grayscale(rgb: np.ndarray) -> np.ndarray:
    """Luminance Y (sRGB/Rec. 709 weights on linear RGB), re-encoded as a grey."""
    y = srgb_to_linear(rgb) @ np.array([0.2126, 0.7152, 0.0722])
    return np.repeat(linear_to_srgb(y)[:, None], 3, axis=1).clip(0, 1)


def plot_palette(
    colors_or_cmap: Any,
    *,
    kinds: Any = CVD_KINDS,
    severity: float = 100,
    model: Model = "machado",
    grayscale: bool = True,
    n: int = 256,
    title: str | bool = True,
    line_kws: dict | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw swatches under normal vision, simulated CVD and grayscale.

    For a palette, one row of swatches per vision, the title carrying the `check_palette`
    verdict; for a colormap, one strip per vision and, in an inset above them, the lightness
    profile J' (CAM02-UCS) with the `check_cmap` verdict. Simulated colours are clipped for
    display only; the verdict uses unclipped values.

    Parameters
    ----------
    colors_or_cmap : sequence of colours, str or matplotlib.colors.Colormap
        A palette, a chartkit palette name (``"okabe_ito"``), or a colormap / registered
        colormap name (``"viridis"``, ``"chartkit.blues"``).
    kinds : sequence of str, default: ("protanomaly", "deuteranomaly", "tritanomaly")
    severity : float, default: 100
    model : {"machado", "brettel"}, default: "machado"
    grayscale : bool, default: True
        Add a row of luminance greys (how the colours print in black and white).
    n : int, default: 256
        Samples drawn from a colormap.
    title : str or bool, default: True
        True writes the verdict and key numbers; a string replaces it; False omits it.
    line_kws : dict, optional
        Passed to `matplotlib.axes.Axes.plot` for the lightness profile of a colormap.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    **kwargs
        Passed to `matplotlib.axes.Axes.imshow`, which draws the swatches.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For an invalid colour, colormap name, kind, severity or model, or a keyword that
        the function sets itself (``extent``, ``aspect``, ``origin``).

    See Also
    --------
    chartkit.palettes.check_palette, chartkit.palettes.check_cmap : the numbers shown.
    chartkit.palettes.simulate_cvd : the simulation drawn in each row.
    """
    import matplotlib as mpl
    from matplotlib.colors import Colormap

    from chartkit._validate import check_refused, invalid_value_message
    from chartkit.palettes.checks import _resolve_colors, check_cmap, check_palette
    from chartkit.palettes.cvd import _check_kind, _check_model, _check_severity

    check_refused(kwargs, _REFUSED, func="plot_palette", reason="to lay out the swatches")
    kinds = [_check_kind(k) for k in ([kinds] if isinstance(kinds, str) else kinds)]
    severity = _check_severity(severity)
    model = _check_model(model)

    cmap = None
    if isinstance(colors_or_cmap, Colormap):
        cmap = colors_or_cmap
    elif isinstance(colors_or_cmap, str) and colors_or_cmap in mpl.colormaps:
        from chartkit.palettes import _data

        key = colors_or_cmap.removeprefix("chartkit.")
        if key not in _data.PALETTES:
            cmap = mpl.colormaps[colors_or_cmap]
    if cmap is not None:
        if not isinstance(n, int) or n < 8:
            raise ValueError(invalid_value_message(n, "n", expected="an integer >= 8"))
        rgb = cmap(np.linspace(0, 1, n))[:, :3]
    else:
        rgb = _resolve_colors(colors_or_cmap)[0]

    rows = [rgb] + [simulate_cvd(rgb, k, severity, model=model) for k in kinds]
    names = ["normal"] + [f"{k} {severity:g}" for k in kinds]
    if grayscale:
        rows.append(_grayscale(rgb))
        names.append("grayscale")
    image = np.stack(rows)

    ax = get_ax(ax)
    m = rgb.shape[0]
    kwargs.setdefault("interpolation", "nearest")
    if cmap is None:
        strips = ax
    else:
        # Inside the Axes' own box: the J' profile on top, the strips below, so layout
        # engines that size the Axes also make room for both.
        ax.set_axis_off()
        strips = ax.inset_axes((0.0, 0.0, 1.0, 0.6))
    strips.imshow(image, extent=(0, m, len(rows), 0), aspect="auto", origin="upper", **kwargs)
    strips.set_yticks(np.arange(len(rows)) + 0.5, names)
    strips.tick_params(axis="y", length=0)
    strips.grid(False)
    for side in ("top", "right", "left", "bottom"):
        strips.spines[side].set_visible(False)
    if cmap is None:
        ax.set_xticks(np.arange(m) + 0.5, [str(i) for i in range(m)])
        ax.tick_params(axis="x", length=0)
        ax.hlines(np.arange(1, len(rows)), 0, m, colors="white", linewidth=2)
        ax.vlines(np.arange(1, m), 0, len(rows), colors="white", linewidth=2)
        if title is True:
            rep = check_palette(rgb, kinds=kinds, severities=(severity,), model=model)
            i, j = rep.worst_pair
            name = f"{colors_or_cmap}: " if isinstance(colors_or_cmap, str) else ""
            title = (
                f"{name}{rep.verdict.upper()}: ΔE normal {rep.min_delta_e_normal:.1f}, "
                f"CVD {rep.min_delta_e_cvd:.1f} ({rep.worst_vision} {i}-{j})"
            )
        if title:
            ax.set_title(title, loc="left", fontsize="medium")
        return ax
    strips.set_xticks([])
    rep = check_cmap(cmap)
    prof = ax.inset_axes((0.0, 0.68, 1.0, 0.32))
    lkw = {"color": "0.2", "linewidth": 1.5, **(line_kws or {})}
    prof.plot(np.linspace(0, 1, rep.lightness.size), rep.lightness, **lkw)
    prof.set_xlim(0, 1)
    prof.set_ylim(0, 100)
    prof.set_yticks([0, 50, 100])
    prof.set_ylabel("J'")
    prof.tick_params(labelbottom=False)
    prof.grid(True, alpha=0.3)
    if title is True:
        title = f"{cmap.name}: {rep.verdict.upper()} ({rep.kind}). {rep.reason}"
    if title:
        prof.set_title(title, loc="left", fontsize="medium", wrap=True)
    return ax
