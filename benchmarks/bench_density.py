"""Density charts (issue 14.3): plot_density against what matplotlib does with the same points.

1. 10^7 points in memory (pandas): ``plot_density`` + ``savefig`` against ``ax.hist2d`` on
   the same grid (bins = the Axes' pixels, log norm) + ``savefig``: the per-pixel count
   that matplotlib itself offers. No target: printed for information.
2. The same 10^7 points: ``plot_density`` + ``savefig`` against ``ax.scatter`` of every
   point (``s=1``, the naive chart, which overdraws) + ``savefig``.
3. 10^8 points (1,024 ranks x 100,000 steps, generated lazily with
   ``dask.dataframe.from_map``, threaded scheduler): the whole ``plot_density`` call
   (stats pass + aggregation pass + drawing) against one pass that only generates the
   partitions (``len(frame)``); the ratio says how many generations the chart costs
   (target <= 4x: two passes plus their reductions).

Repetitions interleave the two sides; numba's first-call compilation is warmed up before.

    python benchmarks/bench_density.py [--repeat 3] [--big-repeat 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report

from chartkit.metrics.plots import plot_density
from chartkit.metrics.schema import make_frame

FIGSIZE, DPI = (8, 4.5), 100


def _frame(n: int, ranks: int = 100):
    steps = n // ranks
    rng = np.random.default_rng(0)
    step = np.tile(np.arange(steps), ranks)
    value = 2 * np.exp(-step / (steps / 5)) + 0.3 + rng.normal(0, 0.05, step.size)
    rank = np.repeat(np.arange(ranks, dtype=np.int32), steps)
    return make_frame("bench", run="r", rank=rank, step=step, metric="loss", value=value)


def _density(frame) -> None:
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    plot_density(frame, "loss", ax=ax)
    fig.savefig(os.devnull, format="png")
    plt.close(fig)


def _hist2d(x, y) -> None:
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    box = ax.get_window_extent()
    ax.hist2d(x, y, bins=(int(box.width), int(box.height)), norm=LogNorm(), cmap="Blues")
    fig.savefig(os.devnull, format="png")
    plt.close(fig)


def _scatter(x, y) -> None:
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax.scatter(x, y, s=1, linewidths=0)
    fig.savefig(os.devnull, format="png")
    plt.close(fig)


def _interleave(sides: dict, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(repeat):
        for name, fn in sides.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: median(v) for k, v in times.items()}


def _big(repeat: int) -> dict[str, float]:
    import dask
    import dask.dataframe as dd

    ranks, steps, block = 1024, 100_000, 16

    def gen(k: int):
        rng = np.random.default_rng(k)
        step = np.tile(np.arange(steps, dtype=np.int64), block)
        value = 2.0 * np.exp(-step / 20_000) + 0.35 + rng.normal(0, 0.05, step.size)
        rank = np.repeat(np.arange(k * block, (k + 1) * block, dtype=np.int32), steps)
        return make_frame("bench", run="job", rank=rank, step=step, metric="loss", value=value)

    frame = dd.from_map(gen, range(ranks // block), meta=gen(0).iloc[:0])
    with dask.config.set(scheduler="threads"):
        return _interleave({"generate": lambda: len(frame), "density": lambda: _density(frame)},
                           repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-repeat", type=int, default=1)
    args = parser.parse_args(argv)
    _density(_frame(10_000))  # numba compiles datashader's kernels on first use
    rows = []
    f7 = _frame(10_000_000)
    x7, y7 = f7["step"].to_numpy(dtype=float), f7["value"].to_numpy()
    t = _interleave({"density": lambda: _density(f7), "hist2d": lambda: _hist2d(x7, y7)},
                    args.repeat)
    rows.append(Row("10^7 points: plot_density + savefig", t["density"],
                    "ax.hist2d + savefig", t["hist2d"]))
    t = _interleave({"density": lambda: _density(f7), "scatter": lambda: _scatter(x7, y7)},
                    args.repeat)
    rows.append(Row("10^7 points: plot_density + savefig", t["density"],
                    "ax.scatter + savefig", t["scatter"]))
    t = _big(args.big_repeat)
    rows.append(Row("1.024e8 points, Dask from_map: plot_density", t["density"],
                    "generate only", t["generate"], target=("<=", 4.0)))
    return 0 if report("plot_density (issue 14.3)", rows) else 1


if __name__ == "__main__":
    sys.exit(main())
