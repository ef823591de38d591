"""Pass/warn/fail checks of palettes and colormaps, with the evidence behind the verdict.

``check_palette`` measures every pairwise ΔE (Euclidean distance in CAM02-UCS J'a'b') under
normal vision and each simulated deficiency, with all visions stacked into one CAM02-UCS
conversion. ``check_cmap`` samples a colormap and reads its lightness profile J'.

Thresholds (unclipped ΔE, see `chartkit.palettes.cvd`): a palette passes when the smallest
ΔE under simulated CVD is >= 9 and under normal vision >= 15; it fails when either is < 5;
otherwise it warns. ``strict=True`` requires Petroff's (2024) 20 / 18 / 16 for 6 / 8 / 10
colours (20 below 6, 16 above 10) under every vision to pass.

CAM02-UCS exaggerates differences near black: two very dark colours score a larger ΔE than
they look. The checks report the raw numbers; `chartkit.palettes.generate` keeps new colours
at J' >= 25 by default for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from chartkit._validate import invalid_value_message
from chartkit.palettes._color import srgb_to_linear, to_hex_list, to_rgb_array
from chartkit.palettes.cvd import (
    CVD_KINDS,
    Model,
    _check_model,
    normalize_visions,
    simulate_visions,
    to_ucs,
    vision_label,
)

__all__ = [
    "CmapReport",
    "PaletteReport",
    "check_cmap",
    "check_palette",
    "pairwise_delta_e",
    "strict_threshold",
]

Verdict = Literal["pass", "warn", "fail"]

PASS_NORMAL = 15.0
PASS_CVD = 9.0
FAIL_BELOW = 5.0


def strict_threshold(n: int) -> float:
    """Petroff's minimum ΔE for *n* colours: 20 up to 6, 18 up to 8, 16 beyond."""
    return 20.0 if n <= 6 else 18.0 if n <= 8 else 16.0


def pairwise_delta_e(jab: np.ndarray) -> np.ndarray:
    """ΔE matrices of ``(..., n, 3)`` J'a'b' values: ``(..., n, n)``, diagonal +inf."""
    jab = np.asarray(jab, dtype=float)
    sq = np.einsum("...k,...k->...", jab, jab)
    d2 = sq[..., :, None] + sq[..., None, :] - 2.0 * (jab @ np.swapaxes(jab, -1, -2))
    np.maximum(d2, 0.0, out=d2)
    d = np.sqrt(d2, out=d2)
    n = jab.shape[-2]
    flat = d.reshape(*d.shape[:-2], n * n)
    flat[..., :: n + 1] = np.inf
    return flat.reshape(d.shape)


@dataclass(frozen=True)
class PaletteReport:
    """Result of `check_palette`.

    Attributes
    ----------
    colors : list of str
        The palette as ``#rrggbb``.
    verdict : {"pass", "warn", "fail"}
    min_delta_e_normal : float
        Smallest pairwise ΔE under normal vision.
    min_delta_e_cvd : float
        Smallest pairwise ΔE over every simulated vision (unclipped simulation).
    worst_pair : (int, int)
        Indices of the closest pair under *worst_vision*.
    worst_vision : str
        Vision where the smallest ΔE of the whole palette occurs (``"normal"`` or e.g.
        ``"deuteranomaly-100"``); with a single colour, ``"normal"``.
    model : str
        CVD model that produced the CVD numbers.
    labels : list of str
        Vision labels, ``labels[0] == "normal"``.
    delta_e : dict of str to numpy.ndarray
        Pairwise ΔE matrix (n, n) per vision label; the diagonal is +inf.
    thresholds : dict
        ``{"normal": ..., "cvd": ..., "fail": ...}`` used for the verdict.
    min_delta_e_cvd_clipped : float
        Smallest pairwise ΔE over the simulated visions with the simulated colours clipped
        to the sRGB gamut, as a CVD preview on a screen shows them. The verdict uses the
        unclipped numbers (the model's prediction of what the viewer sees); this one tells
        whether a preview will agree.
    """

    colors: list[str]
    verdict: Verdict
    min_delta_e_normal: float
    min_delta_e_cvd: float
    worst_pair: tuple[int, int]
    worst_vision: str
    model: str
    labels: list[str]
    delta_e: dict[str, np.ndarray] = field(repr=False)
    thresholds: dict[str, float]
    min_delta_e_cvd_clipped: float = float("inf")

    def min_per_vision(self) -> dict[str, tuple[float, tuple[int, int]]]:
        """Smallest ΔE and its pair for each vision."""
        out = {}
        for label, d in self.delta_e.items():
            if d.shape[0] < 2:
                out[label] = (float("inf"), (0, 0))
                continue
            i, j = np.unravel_index(int(np.argmin(d)), d.shape)
            out[label] = (float(d[i, j]), (int(min(i, j)), int(max(i, j))))
        return out

    def __str__(self) -> str:
        t = self.thresholds
        lines = [
            (
                f"palette check: {self.verdict.upper()}  ({len(self.colors)} colours, "
                f"CAM02-UCS ΔE of unclipped simulations, CVD model: {self.model})"
            ),
            f"pass: normal >= {t['normal']:g} and CVD >= {t['cvd']:g}; fail: any < {t['fail']:g}",
            "",
            f"{'vision':<24}{'min ΔE':>8}  closest pair",
        ]
        for label, (value, (i, j)) in self.min_per_vision().items():
            pair = f"{i} {self.colors[i]} / {j} {self.colors[j]}" if i != j else "-"
            lines.append(f"{label:<24}{value:>8.1f}  {pair}")
        i, j = self.worst_pair
        lines.append("")
        lines.append(
            f"worst: {self.worst_vision}, colours {i} and {j}: "
            f"ΔE {min(self.min_delta_e_normal, self.min_delta_e_cvd):.1f}"
        )
        lines.append(
            f"CVD with simulated colours clipped to sRGB (as a preview shows): "
            f"min ΔE {self.min_delta_e_cvd_clipped:.1f}"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from chartkit._html import swatches, table, titled

        rows = []
        for label, (value, (i, j)) in self.min_per_vision().items():
            pair = f"{i} {self.colors[i]} / {j} {self.colors[j]}" if i != j else "-"
            rows.append((label, round(value, 1), pair))
        rows.append(("CVD, clipped to sRGB", round(self.min_delta_e_cvd_clipped, 1), ""))
        head = (
            f"palette check: {self.verdict.upper()} ({len(self.colors)} colours, "
            f"CAM02-UCS ΔE, CVD model {self.model})"
        )
        return titled(head, swatches(self.colors), table(rows, ("vision", "min ΔE", "pair")))


def _resolve_colors(colors: Any) -> tuple[np.ndarray, list[str]]:
    """RGB array and hex list of colours or of a chartkit palette name (with close matches)."""
    if isinstance(colors, str):
        from matplotlib.colors import is_color_like

        from chartkit.palettes.registry import palette

        if not is_color_like(colors):
            colors = palette(colors)
    rgb = to_rgb_array(colors)
    if isinstance(colors, list) and all(
        type(c) is str and len(c) == 7 and c[0] == "#" for c in colors
    ):
        return rgb, [c.lower() for c in colors]  # already '#rrggbb': no re-encoding
    return rgb, to_hex_list(rgb)


def check_palette(
    colors: Any,
    *,
    severities: Any = (100.0,),
    kinds: Any = CVD_KINDS,
    model: Model = "machado",
    strict: bool = False,
) -> PaletteReport:
    """Check that a categorical palette stays distinguishable under colour-vision deficiency.

    Parameters
    ----------
    colors : sequence of colours, (n, 3) array, or str
        The palette; a string that is not a colour is looked up as a chartkit palette name.
    severities : float or sequence of float, default: (100,)
        Severities (0-100) simulated for each kind.
    kinds : sequence of str, default: ("protanomaly", "deuteranomaly", "tritanomaly")
    model : {"machado", "brettel"}, default: "machado"
    strict : bool, default: False
        Use Petroff's size-dependent pass threshold (`strict_threshold`) for every vision.

    Returns
    -------
    PaletteReport

    Raises
    ------
    ValueError
        For an invalid colour, kind, severity or model, before any conversion runs.

    See Also
    --------
    check_cmap : the same for colormaps.
    chartkit.palettes.plot_palette : the evidence as a figure.
    chartkit.palettes.generate : a palette that passes by construction.

    Notes
    -----
    All visions are stacked into one CAM02-UCS conversion; the ΔE values are those of the
    unclipped simulated colours (clipping would change them by up to ~8).
    """
    rgb, hexes = _resolve_colors(colors)
    model = _check_model(model)
    visions = normalize_visions(kinds, severities)
    sim = simulate_visions(srgb_to_linear(rgb), visions, model)
    n_cvd = sum(k is not None for k, _ in visions)
    # one conversion for the unclipped visions and the clipped copies of the CVD ones
    both = to_ucs(np.concatenate([sim, np.clip(sim[len(visions) - n_cvd :], 0.0, 1.0)]))
    jab = both[: len(visions)]
    d = pairwise_delta_e(jab)
    labels = [vision_label(k, s) for k, s in visions]
    n = rgb.shape[0]
    if n < 2:
        min_normal = min_cvd = float("inf")
        worst_pair, worst_vision = (0, 0), "normal"
    else:
        flat = int(np.argmin(d))
        v, rest = divmod(flat, n * n)
        i, j = divmod(rest, n)
        min_normal = float(d[0].min())
        min_cvd = float(d[1:].min()) if len(visions) > 1 else float("inf")
        worst_pair, worst_vision = (min(i, j), max(i, j)), labels[v]
    if strict:
        need_normal = need_cvd = strict_threshold(n)
    else:
        need_normal, need_cvd = PASS_NORMAL, PASS_CVD
    if min(min_normal, min_cvd) < FAIL_BELOW:
        verdict: Verdict = "fail"
    elif min_normal >= need_normal and min_cvd >= need_cvd:
        verdict = "pass"
    else:
        verdict = "warn"
    return PaletteReport(
        colors=hexes,
        verdict=verdict,
        min_delta_e_normal=min_normal,
        min_delta_e_cvd=min_cvd,
        worst_pair=worst_pair,
        worst_vision=worst_vision,
        model=model,
        labels=labels,
        delta_e=dict(zip(labels, d, strict=True)),
        thresholds={"normal": need_normal, "cvd": need_cvd, "fail": FAIL_BELOW},
        min_delta_e_cvd_clipped=(
            float(pairwise_delta_e(both[len(visions) :]).min())
            if n >= 2 and n_cvd
            else float("inf")
        ),
    )


# ------------------------------------------------------------------------------ colormaps
@dataclass(frozen=True)
class CmapReport:
    """Result of `check_cmap`.

    Attributes
    ----------
    name : str
    kind : {"sequential", "diverging", "cyclic", "other"}
        Classified from the lightness profile J' (see `check_cmap`).
    verdict : {"pass", "warn", "fail"}
    reason : str
        One sentence explaining the verdict.
    lightness : numpy.ndarray
        J' at the *n* samples.
    jab : numpy.ndarray, shape (n, 3)
        CAM02-UCS coordinates of the samples.
    reversal : float
        Largest drop of J' against the map's direction (per half for diverging maps).
    step_cv : float
        Coefficient of variation of the ΔE between neighbouring samples (0 = perfectly
        even steps). Reported, not judged: it does not separate good maps from bad ones.
    symmetry : float or None
        For diverging maps, the largest ``|J'(t) - J'(1 - t)|``.
    """

    name: str
    kind: Literal["sequential", "diverging", "cyclic", "other"]
    verdict: Verdict
    reason: str
    lightness: np.ndarray = field(repr=False)
    jab: np.ndarray = field(repr=False)
    reversal: float
    step_cv: float
    symmetry: float | None
    colors: tuple[str, ...] = field(default=(), repr=False)

    def _repr_html_(self) -> str:
        from chartkit._html import swatches, table, titled

        j = self.lightness
        sym = "-" if self.symmetry is None else round(self.symmetry, 1)
        rows = [
            ("reason", self.reason),
            ("J' start / end", f"{j[0]:.1f} / {j[-1]:.1f}"),
            ("reversal", round(self.reversal, 2)),
            ("step CV", round(self.step_cv, 2)),
            ("symmetry", sym),
        ]
        head = f"colormap check: {self.name}: {self.verdict.upper()} ({self.kind})"
        strip = swatches(self.colors[:: max(1, len(self.colors) // 32)], size=10, labels=False)
        return titled(head, strip, table(rows))

    def __str__(self) -> str:
        sym = "-" if self.symmetry is None else f"{self.symmetry:.1f}"
        j = self.lightness
        return "\n".join(
            [
                f"colormap check: {self.name}: {self.verdict.upper()} ({self.kind})",
                f"  {self.reason}",
                (
                    f"  J' from {j[0]:.1f} to {j[-1]:.1f} (min {j.min():.1f}, "
                    f"max {j.max():.1f}); reversal {self.reversal:.2f}; "
                    f"step CV {self.step_cv:.2f}; symmetry {sym}"
                ),
            ]
        )


def _drawdown(j: np.ndarray) -> float:
    """Largest drop of *j* below its running maximum (0 for a non-decreasing series)."""
    if j.size < 2:
        return 0.0
    return float((np.maximum.accumulate(j) - j).max())


def _reversal(j: np.ndarray) -> float:
    direction = 1.0 if j[-1] >= j[0] else -1.0
    return _drawdown(direction * j)


MAX_REVERSAL = 1.0


def check_cmap(cmap: Any, *, n: int = 64) -> CmapReport:
    """Classify a colormap from its lightness J' and judge whether it orders values.

    The map is sampled at *n* points (32-64 avoids 8-bit quantisation jitter).

    * **cyclic**: first and last colours within ΔE 3 (``twilight``, ``hsv``): pass.
    * **diverging**: J' has its extremum in the middle 40 % with a low-chroma centre
      (M' below 0.55 of the more colourful end's): fails if a half's J' reverses by more
      than 1.0, warns if the two halves' lightness differs by more than 5
      (`CmapReport.symmetry`).
    * **sequential**: otherwise, when J' changes by at least 10 end to end: fails if J'
      reverses by more than 1.0 (``jet``, ``turbo``, ``rainbow``, ``nipy_spectral``).
    * **other**: no ordering in lightness at all: fails.

    Parameters
    ----------
    cmap : str or matplotlib.colors.Colormap
        A colormap or a name registered in `matplotlib.colormaps`.
    n : int, default: 64
        Number of samples.

    Returns
    -------
    CmapReport

    Raises
    ------
    ValueError
        For an unknown colormap name (with close matches) or ``n < 8``.

    See Also
    --------
    check_palette : the same for categorical palettes.
    chartkit.palettes.sequential, chartkit.palettes.diverging : maps that pass.
    """
    import matplotlib as mpl
    from matplotlib.colors import Colormap

    if isinstance(cmap, str):
        if cmap not in mpl.colormaps:
            raise ValueError(invalid_value_message(cmap, "cmap", sorted(mpl.colormaps)))
        cmap = mpl.colormaps[cmap]
    if not isinstance(cmap, Colormap):
        raise ValueError(
            invalid_value_message(cmap, "cmap", expected="a Colormap or a registered name")
        )
    if not isinstance(n, (int, np.integer)) or n < 8:
        raise ValueError(invalid_value_message(n, "n", expected="an integer >= 8"))
    if getattr(cmap, "N", 1) < 1:
        raise ValueError(
            invalid_value_message(
                f"{type(cmap).__name__} {cmap.name!r} with no colours",
                "cmap",
                expected="a colormap with at least two colours",
            )
        )
    rgb = cmap(np.linspace(0, 1, n))[:, :3]
    jab = to_ucs(srgb_to_linear(rgb))
    j = jab[:, 0]
    chroma = np.hypot(jab[:, 1], jab[:, 2])
    steps = np.linalg.norm(np.diff(jab, axis=0), axis=1)
    step_cv = float(steps.std() / steps.mean()) if steps.mean() > 0 else 0.0
    ends = float(np.linalg.norm(jab[0] - jab[-1]))
    lo, hi = int(0.3 * n), int(np.ceil(0.7 * n))
    imax, imin = int(np.argmax(j)), int(np.argmin(j))
    mid = next((i for i in (imax, imin) if lo <= i < hi), None)
    symmetry = None
    if steps.sum() < 10.0:  # one colour, or nearly: nothing is ordered, nothing cycles
        kind, reversal = "other", 0.0
        verdict = "fail"
        reason = f"the map barely changes (ΔE {steps.sum():.1f} from end to end along it)."
    elif ends < 3.0:
        kind, reversal = "cyclic", _reversal(j[: int(np.argmax(j)) + 1])
        verdict, reason = "pass", f"first and last colours are ΔE {ends:.1f} apart: cyclic."
    elif (
        mid is not None
        and chroma[mid] < 0.55 * max(chroma[0], chroma[-1])
        and abs(j[0] - j[-1]) < 0.5 * abs(j[mid] - j[0])
    ):
        kind = "diverging"
        reversal = max(_reversal(j[: mid + 1]), _reversal(j[mid:]))
        symmetry = float(np.abs(j - j[::-1]).max())
        if reversal > MAX_REVERSAL:
            verdict, reason = "fail", f"J' reverses by {reversal:.1f} within a half."
        elif symmetry > 5.0:
            verdict = "warn"
            reason = f"the two halves' lightness differs by up to {symmetry:.1f} in J'."
        else:
            verdict = "pass"
            reason = "J' is monotone on both sides of a neutral centre, mirror-symmetric."
    else:
        reversal = _reversal(j)
        if abs(j[-1] - j[0]) >= 10.0:
            kind = "sequential"
            if reversal > MAX_REVERSAL:
                verdict = "fail"
                reason = (
                    f"J' reverses by {reversal:.1f} (> {MAX_REVERSAL:g}): lightness does "
                    "not order the values."
                )
            else:
                verdict, reason = "pass", "J' is monotone."
        else:
            kind, verdict = "other", "fail"
            reason = (
                f"J' changes by only {abs(j[-1] - j[0]):.1f} end to end and reverses by "
                f"{reversal:.1f}: neither sequential, diverging nor cyclic."
            )
    from chartkit.palettes._color import to_hex_list

    return CmapReport(
        colors=tuple(to_hex_list(rgb)),
        name=cmap.name,
        kind=kind,
        verdict=verdict,
        reason=reason,
        lightness=j,
        jab=jab,
        reversal=reversal,
        step_cv=step_cv,
        symmetry=symmetry,
    )
