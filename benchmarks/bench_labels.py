"""Direct line labels and the repel placer against matplotlib-label-lines and adjustText.

Targets (issue 4, items 2 and 3):

- ``label_lines`` on 16 random walks in a 6x4 in axes: 0 label-label overlaps, 0 labels
  crossed by another line, and the call at most as long as one full draw of that figure.
  Anchor: ``labellines.labelLines`` on the same lines.
- ``label_points`` with 1000 labels in a figure scaled to density 0.07 (sum of the label
  boxes' areas / axes area, measured with the renderer): 0 overlapping pairs among shown
  labels, at least 890 shown, placement at most 2x one full ``fig.canvas.draw()`` of the
  same figure (its first draw after placement), extra memory < 50 MB (peak of traced
  allocations, Python and numpy, during the call). Anchor: ``adjustText.adjust_text`` 1.4.
- ``label_points`` with 1000 labels in an 8x6 in axes never raises and reports what it hid.

adjustText runs in a child process under an address-space limit (RLIMIT_AS) and a timeout,
so it cannot eat the machine; when it fails the full case, a 250-label case at the same
density is run instead and the output says so. Overlaps and crossings are counted from
renderer extents with matplotlib's `Bbox`/`Path` tests, the same way for every library.

Run: ``python benchmarks/bench_labels.py`` (needs the ``bench`` extra).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.text import Text

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report

DENSITY = 0.07
N_POINTS = 1000
FONT = 8
AS_LIMIT = 3 * 1024**3  # address space allowed to the adjustText child
CHILD_TIMEOUT = 300


# ----------------------------------------------------------------------------- figures


def walks_figure(labelled: bool):
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for k in range(16):
        ax.plot(np.cumsum(rng.normal(size=200)), label=f"series {k}" if labelled else None)
    return fig, ax


def _names(n: int, rng) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(n)]


def points_figure(n: int, density: float | None, seed: int = 0):
    """Scatter of *n* points with names; figure scaled so the labels cover *density*."""
    rng = np.random.default_rng(seed)
    names = _names(n, rng)
    x, y = rng.random((2, n))
    if density is None:
        fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    else:
        probe_fig = plt.figure(dpi=100)
        renderer = probe_fig.canvas.get_renderer()
        probe = Text(0, 0, "", fontsize=FONT)
        probe.set_figure(probe_fig)
        area = 0.0
        for s in names:
            probe.set_text(s)
            bb = probe.get_window_extent(renderer)
            area += bb.width * bb.height
        plt.close(probe_fig)
        axes_px2 = area / density
        w = np.sqrt(axes_px2 * 4 / 3) / 100
        fig = plt.figure(figsize=(w / 0.9, 0.75 * w / 0.9), dpi=100)
        ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    ax.scatter(x, y, s=9)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    return fig, ax, x, y, names


# ----------------------------------------------------------------------------- counting


def _boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return np.array([Text.get_window_extent(t, renderer).extents for t in texts])


def overlap_stats(boxes: np.ndarray) -> tuple[int, int]:
    """(overlapping pairs, labels that overlap no other label)."""
    if not len(boxes):
        return 0, 0
    b = boxes
    ov = (
        (b[:, None, 0] < b[None, :, 2])
        & (b[None, :, 0] < b[:, None, 2])
        & (b[:, None, 1] < b[None, :, 3])
        & (b[None, :, 1] < b[:, None, 3])
    )
    np.fill_diagonal(ov, False)
    return int(ov.sum() // 2), int((~ov.any(axis=1)).sum())


def crossed_by_other_lines(fig, ax, texts, owners) -> int:
    renderer = fig.canvas.get_renderer()
    paths = [ln.get_transform().transform_path(ln.get_path()) for ln in ax.get_lines()]
    crossed = 0
    for t, own in zip(texts, owners, strict=True):
        bb = Text.get_window_extent(t, renderer)
        if any(p.intersects_bbox(bb, filled=False) for j, p in enumerate(paths) if j != own):
            crossed += 1
    return crossed


# ----------------------------------------------------------------------------- lines


def bench_lines(repeat: int = 5):
    from labellines import labelLines

    from chartkit.annotate import label_lines

    t_ck, t_draw, t_ll, t_best, t_best_draw = [], [], [], [], []
    for _ in range(repeat):
        fig, ax = walks_figure(labelled=False)
        t0 = time.perf_counter()
        best = label_lines(names=[f"series {k}" for k in range(16)], where="best", ax=ax)
        t_best.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fig.canvas.draw()
        t_best_draw.append(time.perf_counter() - t0)
        best_ov, _ = overlap_stats(_boxes(fig, best.texts))
        best_cross = crossed_by_other_lines(fig, ax, best.texts, range(16))
        plt.close(fig)

        fig, ax = walks_figure(labelled=False)
        t0 = time.perf_counter()
        placed = label_lines(names=[f"series {k}" for k in range(16)], ax=ax)
        t_ck.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fig.canvas.draw()
        t_draw.append(time.perf_counter() - t0)
        ck_ov, _ = overlap_stats(_boxes(fig, placed.texts))
        ck_cross = crossed_by_other_lines(fig, ax, placed.texts, range(16))
        plt.close(fig)

        fig, ax = walks_figure(labelled=True)
        t0 = time.perf_counter()
        texts = labelLines(ax.get_lines())
        t_ll.append(time.perf_counter() - t0)
        fig.canvas.draw()
        owners = [ax.get_lines().index(t._line) if hasattr(t, "_line") else -1 for t in texts]
        if -1 in owners:  # older labellines: match by colour and text order
            owners = list(range(len(texts)))
        ll_ov, _ = overlap_stats(_boxes(fig, texts))
        ll_cross = crossed_by_other_lines(fig, ax, texts, owners)
        plt.close(fig)
    rows = [
        Row(
            "label_lines (16 walks) vs one full draw",
            median(t_ck),
            "1 draw",
            median(t_draw),
            target=("<=", 1.0),
        ),
        Row("label_lines vs labelLines, time", median(t_ck), "labellines", median(t_ll)),
        Row(
            "label_lines where='best' vs one full draw",
            median(t_best),
            "1 draw",
            median(t_best_draw),
            target=("<=", 1.0),
        ),
    ]
    quality = [
        ("label_lines: label-label overlaps", ck_ov, f"labellines {ll_ov}", ck_ov == 0),
        (
            "label_lines: labels crossed by another line",
            ck_cross,
            f"labellines {ll_cross}/16",
            ck_cross == 0,
        ),
    ]
    quality += [
        (
            "label_lines best: overlaps, crossed",
            f"{best_ov}, {best_cross}",
            "",
            best_ov + best_cross == 0,
        ),
    ]
    return rows, quality


# ----------------------------------------------------------------------------- points


def run_chartkit_points(n: int, density: float | None, memory: bool):
    from chartkit.annotate import label_points

    fig, ax, x, y, names = points_figure(n, density)
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    placed = label_points(x, y, names, ax=ax, fontsize=FONT)
    t_place = time.perf_counter() - t0
    peak = 0.0
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    t0 = time.perf_counter()
    fig.canvas.draw()
    t_draw = time.perf_counter() - t0
    pairs, _ = overlap_stats(_boxes(fig, placed.texts))
    out = {
        "time": t_place,
        "draw": t_draw,
        "peak_mb": peak,
        "shown": len(placed.shown),
        "hidden": len(placed.hidden),
        "pairs": pairs,
        "size_in": [round(v, 1) for v in fig.get_size_inches()],
    }
    plt.close(fig)
    return out


def run_adjusttext_points(n: int, density: float | None, iter_lim: int | None):
    from adjustText import adjust_text

    fig, ax, x, y, names = points_figure(n, density)
    texts = [ax.text(a, b, s, fontsize=FONT) for a, b, s in zip(x, y, names, strict=True)]
    tracemalloc.start()
    t0 = time.perf_counter()
    adjust_text(texts, x=x, y=y, ax=ax, iter_lim=iter_lim, arrowprops={"arrowstyle": "-"})
    t_place = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    fig.canvas.draw()
    pairs, clear = overlap_stats(_boxes(fig, texts))
    return {"time": t_place, "peak_mb": peak, "clear": clear, "pairs": pairs}


def child(kind: str, n: int, density: float | None, iter_lim: int | None) -> dict:
    """Run one adjustText case in a child process limited in memory and time."""
    cmd = [sys.executable, __file__, "--child", kind, str(n), str(density), str(iter_lim)]

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))

    try:
        res = subprocess.run(
            cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, preexec_fn=limit
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {CHILD_TIMEOUT} s"}
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last[:120]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def bench_points(repeat: int = 3):
    runs = [run_chartkit_points(N_POINTS, DENSITY, memory=False) for _ in range(repeat)]
    mem = run_chartkit_points(N_POINTS, DENSITY, memory=True)
    ck = runs[0]
    t_place = median([r["time"] for r in runs])
    t_draw = median([r["draw"] for r in runs])

    at = child("adjusttext", N_POINTS, DENSITY, None)
    at_case = f"{N_POINTS} labels"
    if "error" in at:
        print(
            f"adjustText, {N_POINTS} labels at density {DENSITY}: failed ({at['error']}); "
            f"limits: {AS_LIMIT / 1024**3:.0f} GiB address space, {CHILD_TIMEOUT} s."
        )
        at_case = "250 labels, same density"
        at = child("adjusttext", 250, DENSITY, None)
    dense_ck = run_chartkit_points(N_POINTS, None, memory=False)
    dense_at = child("adjusttext", N_POINTS, None, None)

    print(
        f"\nlabel_points, {N_POINTS} labels at density {DENSITY} "
        f"(figure {ck['size_in'][0]} x {ck['size_in'][1]} in): shown {ck['shown']}, "
        f"hidden {ck['hidden']}, overlapping pairs {ck['pairs']}"
    )
    if "error" in at:
        print(f"adjustText ({at_case}): failed ({at['error']})")
    else:
        print(
            f"adjustText ({at_case}): {at['clear']} labels clear of every other, "
            f"{at['pairs']} overlapping pairs, {at['time']:.1f} s, peak {at['peak_mb']:.0f} MB"
        )
    print(
        f"8x6 in axes, {N_POINTS} labels: chartkit shown {dense_ck['shown']}, hidden "
        f"{dense_ck['hidden']} (reported in Placement.hidden), overlapping pairs "
        f"{dense_ck['pairs']}, {dense_ck['time']:.2f} s; adjustText: "
        + (
            f"failed ({dense_at['error']})"
            if "error" in dense_at
            else f"{dense_at['clear']} clear, {dense_at['pairs']} overlapping pairs, "
            f"{dense_at['time']:.1f} s, peak {dense_at['peak_mb']:.0f} MB"
        )
    )
    rows = [
        Row(
            f"label_points ({N_POINTS} @ {DENSITY}) vs one full draw",
            t_place,
            "1 draw",
            t_draw,
            target=("<=", 2.0),
        )
    ]
    if "error" not in at:
        rows += [
            Row(
                f"label_points vs adjustText ({at_case}), time", t_place, "adjustText", at["time"]
            ),
            Row(
                f"label_points vs adjustText ({at_case}), peak",
                mem["peak_mb"],
                "adjustText",
                at["peak_mb"],
                unit="MB",
            ),
        ]
    quality = [
        (
            "label_points: overlapping shown pairs",
            ck["pairs"],
            f"adjustText {at.get('pairs', '-')}",
            ck["pairs"] == 0,
        ),
        (
            "label_points: labels shown (>= 890)",
            ck["shown"],
            f"adjustText clear {at.get('clear', '-')}",
            ck["shown"] >= 890,
        ),
        (
            "label_points: extra memory MB (< 50)",
            round(mem["peak_mb"], 1),
            f"adjustText {at.get('peak_mb', float('nan')):.0f}",
            mem["peak_mb"] < 50,
        ),
        (
            "8x6 in: raises nothing, hidden reported",
            dense_ck["hidden"],
            "adjustText " + ("failed" if "error" in dense_at else "ran"),
            dense_ck["shown"] + dense_ck["hidden"] == N_POINTS and dense_ck["pairs"] == 0,
        ),
    ]
    return rows, quality


def print_quality(quality) -> bool:
    print("\n== absolute targets ==")
    ok = True
    for what, value, anchor, met in quality:
        ok &= bool(met)
        print(f"{what:<46} {value!s:>8}   {anchor:<26} {'MET' if met else 'MISSED'}")
    return ok


def main() -> bool:
    rows_l, q_l = bench_lines()
    rows_p, q_p = bench_points()
    ok = report("direct labels and repel placement (median of repeats)", rows_l + rows_p)
    ok &= print_quality(q_l + q_p)
    return ok


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, kind, n, density, iter_lim = sys.argv
        dens = None if density == "None" else float(density)
        lim = None if iter_lim == "None" else int(iter_lim)
        print(json.dumps(run_adjusttext_points(int(n), dens, lim)))
        sys.exit(0)
    sys.exit(0 if main() else 1)
