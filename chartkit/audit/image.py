"""Audit of a rendered chart (a PNG from any tool): mark colours that collapse under CVD.

A rendered chart is mostly flat colours: backgrounds, text and grid in greys, marks in a few
saturated colours, anti-aliasing ramps between them. `audit_image` finds the distinct
colours once (`chartkit.palettes.image_ucs`, which simulates every deficiency on the distinct
colours only), keeps the chromatic ones that cover enough pixels as mark colours, merges
near-duplicates (ΔE < 4) into clusters, and reports pairs that normal vision separates
(ΔE >= 15 in CAM02-UCS, the palette check's normal pass) but a simulated deficiency brings
below ΔE 9 (its CVD pass). `cvd_preview` shows the image
under normal vision, deuteranomaly, protanomaly, tritanomaly and in greyscale, side by side
(the fast uint8 lookup-table simulation, clipped for display).

Only the colour rule can run on pixels: text, glyph and overlap rules need the artists
(`chartkit.audit.check_figure`). Mark colours are found by their exact pixel counts, which
suits lossless images (PNG) of flat-coloured charts; JPEG noise scatters a mark's pixels
over many colours, and such marks may go unnoticed. pyplot is never imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chartkit._validate import invalid_value_message
from chartkit.audit.report import AuditReport, Finding

__all__ = ["audit_image", "cvd_preview", "load_image", "mark_colors"]

_MERGE_BELOW = 4.0  # ΔE: anti-aliasing and compression neighbours of one mark colour
_MIN_CHROMA = 8.0  # M' (CAM02-UCS colourfulness): below this a colour is a grey
_MIN_SHARE = 0.0005  # of all pixels, for a colour to count as a mark colour
_DISTINCT_NORMAL = 15.0  # ΔE a pair needs under normal vision to be two mark colours
_MIN_PIXELS = 30
_MAX_CLUSTERS = 16
_PANELS = (
    ("normal", None),
    ("deuteranomaly", "deuteranomaly"),
    ("protanomaly", "protanomaly"),
    ("tritanomaly", "tritanomaly"),
    ("grayscale", "gray"),
)


def load_image(image: Any) -> tuple[np.ndarray, str]:
    """A uint8 RGB array of *image* (a path or an array) and a name for reports.

    Transparent pixels are composited over white, as an image viewer shows them.

    Raises
    ------
    FileNotFoundError
        When the path does not exist, naming it.
    ValueError
        When the file is not an image (naming it), or an array is not uint8 RGB(A).
    """
    if isinstance(image, np.ndarray):
        arr = image
        if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[-1] not in (3, 4):
            raise ValueError(
                invalid_value_message(
                    f"an array of dtype {arr.dtype} and shape {arr.shape}", "image",
                    expected="a uint8 RGB(A) array of shape (H, W, 3) or (H, W, 4)",
                )
            )
        name = f"array {arr.shape[1]}x{arr.shape[0]}"
    else:
        path = Path(os.fspath(image))
        if not path.is_file():
            raise FileNotFoundError(f"image file not found: {str(path)!r}")
        arr, name = _read_bounded(path)
    if arr.shape[-1] == 4:
        a = arr[..., 3:4].astype(np.float32) / 255.0
        rgb = arr[..., :3].astype(np.float32) * a + 255.0 * (1 - a)
        arr = np.rint(rgb).astype(np.uint8)
    return np.ascontiguousarray(arr), name


#: Images larger than this (pixels) are subsampled before the audit (nearest neighbour:
#: the colours stay exact, only their counts are sampled).
MAX_PIXELS = 4096 * 4096


def _read_bounded(path: Path) -> tuple[np.ndarray, str]:
    """Read an image file with bounded memory: decode once, subsample big ones, say so.

    Pillow refuses images past its decompression-bomb bound (about 179 million pixels)
    with its own error: that becomes chartkit's message. Between 16.8 and 179 million
    pixels the image is decoded in its own mode (no RGBA copy of the full size) and
    subsampled by nearest neighbour to at most `MAX_PIXELS`; the report's subject says so.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    def refuse(why: str) -> ValueError:
        expected = f"an image file that can be read ({why})"
        return ValueError(invalid_value_message(str(path), "image", expected=expected))

    try:
        with warnings.catch_warnings():
            # Pillow's bomb *warning* (89-179 Mpx): the image is subsampled below instead
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                scale = 1.0
                if w * h > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w * h)) ** 0.5
                    im.draft(im.mode, (max(1, int(w * scale)), max(1, int(h * scale))))
                    small = im.resize(
                        (max(1, int(w * scale)), max(1, int(h * scale))), Image.NEAREST
                    )
                    arr = np.asarray(small.convert("RGBA"))
                else:
                    arr = np.asarray(im.convert("RGBA"))
    except Image.DecompressionBombError as err:
        raise refuse(
            f"{err}; chartkit audits images up to Pillow's bound: save the chart at a lower dpi"
        ) from None
    except (UnidentifiedImageError, OSError) as err:
        raise refuse(str(err)) from None
    name = path.name
    if scale < 1.0:
        name += f" ({w}x{h}, subsampled to {arr.shape[1]}x{arr.shape[0]} for the audit)"
    return arr, name


def mark_colors(img: np.ndarray, *, severity: float = 100.0) -> dict:
    """Mark colours of a uint8 RGB image and their J'a'b' under every vision.

    Returns
    -------
    dict
        ``rgb`` (k, 3) uint8 cluster colours (the most frequent member of each), ``pixels``
        (k,) pixel counts of the clusters, ``jab`` (visions, k, 3), ``labels``.
    """
    from chartkit.palettes.checks import pairwise_delta_e
    from chartkit.palettes.cvd import CVD_KINDS, image_ucs, normalize_visions

    visions = normalize_visions(CVD_KINDS, (float(severity),))
    ic = image_ucs(img, visions)
    total = int(ic.counts.sum())
    chroma = np.hypot(ic.jab[0, :, 1], ic.jab[0, :, 2])
    min_px = max(_MIN_PIXELS, _MIN_SHARE * total)
    cand = np.flatnonzero((ic.counts >= min_px) & (chroma >= _MIN_CHROMA))
    cand = cand[np.argsort(-ic.counts[cand], kind="stable")]
    centres: list[int] = []
    pixels: list[int] = []
    if len(cand):
        d = pairwise_delta_e(ic.jab[0, cand])
        owner = -np.ones(len(cand), dtype=int)
        for a in range(len(cand)):
            if owner[a] >= 0:
                continue
            owner[a] = len(centres)
            centres.append(int(cand[a]))
            near = (d[a] < _MERGE_BELOW) & (owner < 0)
            owner[near] = owner[a]
        pixels = [int(ic.counts[cand[owner == c]].sum()) for c in range(len(centres))]
    order = np.argsort(-np.asarray(pixels, dtype=float), kind="stable")[:_MAX_CLUSTERS]
    idx = np.asarray(centres, dtype=int)[order] if centres else np.zeros(0, dtype=int)
    return {
        "rgb": ic.rgb[idx],
        "pixels": np.asarray(pixels, dtype=int)[order] if pixels else np.zeros(0, dtype=int),
        "jab": ic.jab[:, idx],
        "labels": ic.labels,
        "total": total,
    }


def _hex(rgb: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def audit_image(
    image: str | os.PathLike[str] | np.ndarray,
    *,
    severity: float = 100,
    preview: str | os.PathLike[str] | None = None,
    threshold: float = 10.0,
) -> AuditReport:
    """Audit a rendered chart for mark colours that collapse under colour-vision deficiency.

    Parameters
    ----------
    image : path-like or uint8 array
        A PNG made by any tool (any image Pillow reads; lossy JPEG noise may hide marks),
        or an (H, W, 3|4) uint8 array.
    severity : float, default: 100
        Severity (0-100) of the simulated deficiencies (Machado 2009).
    preview : path-like, optional
        Also write the side-by-side preview (`cvd_preview`) there, as PNG.
    threshold : float, default: 10
        ΔE (CAM02-UCS) below which two mark colours collapse under a deficiency (as
        `check_figure`: the palette check's 9 plus a margin of 1, see
        ``chartkit.audit.colors.CONFUSABLE_BELOW``); a pair must be at least ΔE 15 apart
        under normal vision to count.

    Returns
    -------
    AuditReport
        ``cvd-confusable`` findings (``artist`` None, ``where`` ``"image"``) naming the two
        colours, their pixel counts, the vision and the ΔE; a note lists the mark colours.

    Raises
    ------
    FileNotFoundError
        When *image* is a path that does not exist.
    ValueError
        When the file is not an image, or for a severity outside 0-100.

    See Also
    --------
    chartkit.audit.check_figure : every rule, on the artists of a matplotlib figure.
    """
    from chartkit.palettes.checks import pairwise_delta_e
    from chartkit.palettes.cvd import _check_severity

    severity = _check_severity(severity)
    img, name = load_image(image)
    marks = mark_colors(img, severity=severity)
    report = AuditReport(rules=("cvd-confusable",), subject=name)
    k = len(marks["rgb"])
    shown = ", ".join(
        f"{_hex(c)} ({100 * p / marks['total']:.1f} %)"
        for c, p in zip(marks["rgb"], marks["pixels"], strict=True)
    )
    report.notes.append(
        f"{k} mark colour{'s' if k != 1 else ''} found" + (f": {shown}" if k else "")
    )
    if k >= 2:
        d = pairwise_delta_e(marks["jab"])
        for i in range(k):
            for j in range(i + 1, k):
                dn = float(d[0, i, j])
                cvd = d[1:, i, j]
                v = int(np.argmin(cvd))
                if dn < _DISTINCT_NORMAL or cvd[v] >= threshold:
                    continue
                ci, cj = _hex(marks["rgb"][i]), _hex(marks["rgb"][j])
                vision = marks["labels"][v + 1]
                report.findings.append(
                    Finding(
                        "cvd-confusable",
                        f"mark colours {ci} and {cj} collapse under {vision}: ΔE "
                        f"{cvd[v]:.1f} (ΔE {dn:.1f} for normal vision; below {threshold:g}).",
                        where="image",
                        values={
                            "colors": [ci, cj],
                            "pixels": [int(marks["pixels"][i]), int(marks["pixels"][j])],
                            "vision": vision,
                            "delta_e": round(float(cvd[v]), 2),
                            "delta_e_normal": round(dn, 2),
                            "threshold": threshold,
                            "model": "machado",
                        },
                    )
                )
    if preview is not None:
        fig = cvd_preview(img, severity=severity)
        fig.savefig(os.fspath(preview), format="png")
        report.notes.append(f"preview written to {os.fspath(preview)}")
    return report


def _gray(img: np.ndarray) -> np.ndarray:
    """Greyscale of a uint8 RGB image by relative luminance (linear-light Y, re-encoded)."""
    from chartkit.palettes._color import linear_to_srgb, srgb_to_linear

    lut = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)
    y = np.take(lut, img[..., :3]) @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    enc = np.rint(np.clip(linear_to_srgb(y), 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(enc[..., None], 3, axis=-1)


def cvd_preview(
    image: str | os.PathLike[str] | np.ndarray,
    *,
    severity: float = 100,
    panel_width: float = 4.0,
    fig: Any = None,
) -> Any:
    """A figure showing *image* under normal vision, three deficiencies and in greyscale.

    Parameters
    ----------
    image : path-like or uint8 array
    severity : float, default: 100
    panel_width : float, default: 4
        Width of each of the five panels in inches.
    fig : matplotlib.figure.Figure, optional
        Draw into this (empty) figure, e.g. ``plt.figure()``, resized to fit; by default a
        new figure is made without pyplot.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig(...)``.
    """
    from matplotlib.figure import Figure

    from chartkit.palettes.cvd import simulate_cvd

    img, _ = load_image(image)
    h, w = img.shape[:2]
    height = panel_width * h / w
    size = (len(_PANELS) * panel_width, height + 0.45)
    if fig is None:
        fig = Figure(figsize=size, dpi=100)
    else:
        fig.set_size_inches(size)
        fig.set_layout_engine("none")  # the panels are placed by hand below
    # Panels placed edge to edge by hand.
    n = len(_PANELS)
    top = height / (height + 0.45)
    step = 0.99 / n
    axes = [
        fig.add_axes((0.005 + k * step + 0.002, 0.01, step - 0.004, top - 0.01), in_layout=False)
        for k in range(n)
    ]
    for ax, (title, kind) in zip(axes, _PANELS, strict=True):
        if kind is None:
            shown = img
        elif kind == "gray":
            shown = _gray(img)
        else:
            shown = simulate_cvd(img, kind, severity)
            title = f"{kind} {severity:g}"
        ax.imshow(shown, interpolation="antialiased")
        ax.set_title(title, fontsize=10, pad=4)
        ax.set_axis_off()
    return fig
