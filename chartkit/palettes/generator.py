"""Categorical palette generator: maximise the worst pairwise ΔE over several visions at once.

glasbey guards one colour-vision type at a time; `generate` scores a candidate by its
smallest ΔE to the chosen colours over normal vision AND every simulated deficiency, so the
palette is judged the way `check_palette` judges it.

Algorithm (deterministic for a seed):

1. A fixed sRGB candidate grid is converted once to CAM02-UCS under every vision, stacked in
   one colorspacious call, and cached.
   Each deficiency appears twice: with the simulated colours unclipped (the model's
   prediction of what the viewer sees, the number `check_palette` judges) and clipped to
   the sRGB gamut (what a CVD preview on a screen shows). The score is the worst of all
   seven, so a palette never looks confusable in a preview while the model calls it
   distinct: optimising the unclipped numbers alone reached ΔE 21.3 unclipped but only
   10.5 clipped (glasbey: 10.1), by parking colours far outside the gamut.
2. Greedy farthest-point search: each step adds the candidate whose worst-vision distance to
   the colours chosen so far is largest (vectorised over the whole grid).
3. Local improvement sweeps: each free colour in turn is replaced by the candidate farthest
   from all the others, when that raises its nearest-neighbour ΔE; repeat until no change.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from chartkit._validate import invalid_value_message
from chartkit.palettes._color import srgb_to_linear, to_hex_list, to_rgb_array

__all__ = ["generate"]

_GRID = 26  # levels per sRGB channel: 17,576 candidates
_MAX_SWEEPS = 30


def _scored_ucs(rgb: np.ndarray, model: str, severity: float) -> np.ndarray:
    """J'a'b' (7, N, 3) of *rgb*: normal, three deficiencies unclipped, the same clipped."""
    from chartkit.palettes.cvd import _simulate_linear, normalize_visions, to_ucs

    lin = srgb_to_linear(rgb)
    visions = normalize_visions(severities=(severity,))
    sims = [_simulate_linear(lin, k, s, model) for k, s in visions if k is not None]
    return to_ucs(np.stack([lin, *sims, *(np.clip(x, 0.0, 1.0) for x in sims)]))


@functools.lru_cache(maxsize=4)
def _candidates(grid: int, model: str, severity: float) -> tuple[np.ndarray, np.ndarray]:
    """sRGB grid (N, 3) and its J'a'b' under the seven scored visions (7, N, 3)."""
    levels = np.linspace(0.0, 1.0, grid)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    return rgb, np.ascontiguousarray(_scored_ucs(rgb, model, severity))


def _dist_to(jab: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Worst-vision ΔE from every candidate to one colour: jab (V, N, 3), point (V, 3)."""
    d = jab - point[:, None, :]
    return np.sqrt(np.einsum("vnk,vnk->vn", d, d).min(axis=0))


def generate(
    n: int,
    *,
    extend: Any = None,
    min_lightness: float = 25.0,
    max_lightness: float = 85.0,
    grayscale: bool | float = False,
    seed: int = 0,
    model: str = "machado",
    severity: float = 100,
) -> list[str]:
    """Generate *n* colours whose worst-case pairwise ΔE over four visions is maximal.

    The score of a palette is its smallest CAM02-UCS ΔE between two colours under normal
    vision and under deuteranomaly, protanomaly and tritanomaly at *severity*, each with the
    simulated colours unclipped (``check_palette``'s ``min_delta_e_cvd``) and clipped to
    sRGB (its ``min_delta_e_cvd_clipped``, what a CVD preview shows): the worst of the two
    is maximised (see the module docstring for why).

    Parameters
    ----------
    n : int
        Number of colours in the result, including those of *extend*.
    extend : sequence of colours, optional
        Colours to keep as the start of the palette; new colours are chosen to stand apart
        from them.
    min_lightness, max_lightness : float, default: 25, 85
        Range of J' (normal vision) for new colours; the defaults keep colours away from the
        black and white of text and background.
    grayscale : bool or float, default: False
        Also require every pair of new colours (and each against *extend*) to differ in J'
        by at least this much, so the palette survives grayscale printing. ``True`` uses
        ``min(10, 0.8 * (max_lightness - min_lightness) / (n - 1))``. New colours are then
        drawn from *n* evenly spaced lightness bands.
    seed : int, default: 0
        Chooses the first colour; the result is deterministic for a seed.
    model : {"machado", "brettel"}, default: "machado"
    severity : float, default: 100

    Returns
    -------
    list of str
        ``#rrggbb`` colours.

    Raises
    ------
    ValueError
        For ``n <= 0``, *n* not larger than ``len(extend)`` when extending, an empty or
        impossible lightness range, a grayscale floor that cannot fit, or an invalid colour
        in *extend*.

    See Also
    --------
    chartkit.palettes.categorical : the result as a ListedColormap.
    chartkit.palettes.check_palette : the score this maximises.
    """
    from chartkit.palettes.cvd import _check_model, _check_severity

    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
        raise ValueError(invalid_value_message(n, "n", expected="a positive integer"))
    model = _check_model(model)
    severity = _check_severity(severity)
    if not 0 <= min_lightness < max_lightness <= 100:
        raise ValueError(
            invalid_value_message(
                (min_lightness, max_lightness),
                "(min_lightness, max_lightness)",
                expected="0 <= min_lightness < max_lightness <= 100",
            )
        )
    fixed_rgb = np.empty((0, 3)) if extend is None else to_rgb_array(extend, name="extend")
    n_fixed = fixed_rgb.shape[0]
    if n <= n_fixed:
        raise ValueError(
            invalid_value_message(
                n, "n", expected=f"more than the {n_fixed} colours given in extend"
            )
        )
    rgb, jab = _candidates(_GRID, model, severity)
    lightness = jab[0, :, 0]
    allowed = (lightness >= min_lightness) & (lightness <= max_lightness)
    if isinstance(grayscale, bool):
        floor = min(10.0, 0.8 * (max_lightness - min_lightness) / max(n - 1, 1)) * grayscale
    else:
        floor = float(grayscale)
        if not np.isfinite(floor) or floor < 0:
            raise ValueError(
                invalid_value_message(grayscale, "grayscale", expected="a bool or a J' >= 0")
            )
    if floor > 0:
        # Lightness bands: n evenly spaced J' levels, each band narrower than the gap between
        # bands minus the floor, so colours in different bands always differ by >= floor and
        # the greedy search can always find a free band.
        spacing = (max_lightness - min_lightness) / max(n - 1, 1)
        if floor >= spacing:
            raise ValueError(
                invalid_value_message(
                    floor, "grayscale",
                    expected=f"a floor below {spacing:.3g} for {n} colours between J' "
                    f"{min_lightness:g} and {max_lightness:g}: lower it or widen the "
                    "lightness range",
                )
            )
        half = (spacing - floor) / 2
        offset = (lightness - min_lightness) / spacing
        near = np.abs(offset - np.rint(offset)) * spacing <= half
        allowed &= near
    cand = np.flatnonzero(allowed)
    jab_c = np.ascontiguousarray(jab[:, cand])
    light_c = lightness[cand]

    # Rows of `dist`: worst-vision ΔE from each chosen colour to every candidate.
    points: list[np.ndarray] = []
    if n_fixed:
        fixed_jab = _scored_ucs(fixed_rgb, model, severity)
        points = [fixed_jab[:, i] for i in range(n_fixed)]
    rows = [_dist_to(jab_c, p) for p in points]
    lights = [float(p[0, 0]) for p in points]

    def penalised(row_set: list[np.ndarray], light_set: list[float]) -> np.ndarray:
        if not row_set:
            return np.zeros(cand.size)
        score = np.min(row_set, axis=0)
        if floor > 0:
            for lj in light_set:
                score = np.where(np.abs(light_c - lj) < floor, -1.0, score)
        return score

    chosen: list[int] = []
    rng = np.random.default_rng(seed)
    for step in range(n - n_fixed):
        if not rows:
            k = int(rng.integers(cand.size))
        else:
            score = penalised(rows, lights)
            k = int(np.argmax(score))
            if score[k] < 0:
                raise ValueError(
                    invalid_value_message(
                        floor, "grayscale",
                        expected=f"a floor that leaves a candidate for colour "
                        f"{n_fixed + step + 1} of {n}: lower it or widen the lightness range",
                    )
                )
        chosen.append(k)
        rows.append(_dist_to(jab_c, jab_c[:, k]))
        lights.append(float(light_c[k]))

    # Local improvement: move each free colour to the candidate farthest from the others.
    for _ in range(_MAX_SWEEPS):
        moved = False
        for slot in range(len(chosen)):
            r = n_fixed + slot
            others = rows[:r] + rows[r + 1 :]
            other_l = lights[:r] + lights[r + 1 :]
            score = penalised(others, other_l)
            best = int(np.argmax(score))
            if score[best] > score[chosen[slot]] + 1e-9:
                chosen[slot] = best
                rows[r] = _dist_to(jab_c, jab_c[:, best])
                lights[r] = float(light_c[best])
                moved = True
        if not moved:
            break
    new = rgb[cand[chosen]]
    return to_hex_list(np.concatenate([fixed_rgb, new])) if n_fixed else to_hex_list(new)
