"""Tuning plots on a large sweep against bare matplotlib drawing the same lines.

A synthetic Ray Tune folder (``--trials`` trials of up to ``--iters`` iterations, ASHA-like
stops, a log-uniform ``lr``, a choice ``batch_size``, a linear ``dropout``) is written once
and read once with `read_ray` (the reader has its own benchmark). Then, interleaved over
``--repeat`` rounds in this one process:

* ``plot_trials`` + ``savefig`` against ``ax.plot`` of every trial's curve with colours
  precomputed from a log norm, a colourbar, and ``savefig``;
* ``plot_rungs`` + ``savefig`` against ``ax.plot`` of every curve, one ``scatter`` of the
  stop points, ``axvline`` per rung, and ``savefig``;
* ``plot_parallel`` + ``savefig`` against ``ax.plot`` of every trial's polyline through
  already normalised coordinates, and ``savefig``.

The anchors get their arrays (curves, normalised coordinates, colours) for free; chartkit
derives them from the `RunLog` (scores, outcomes, axis kinds and ticks, best trial,
labels). Target (chosen here; issue 7 sets none for the tuning plots): at most 2x the bare
drawing, so the bookkeeping never dominates the rendering.

    python benchmarks/bench_tuning.py [--trials 500] [--iters 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report, time_call

TARGET = ("<=", 2.0)


def make_sweep(trials: int, iters: int) -> Path:
    root = Path(tempfile.gettempdir()) / f"chartkit_bench_tuning_{trials}x{iters}"
    if (root / ".complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rungs = [m for m in (1, 3, 9, 27, 81) if m < iters] + [iters]
    for i in range(trials):
        cfg = {
            "lr": float(10 ** rng.uniform(-5, -1)),
            "batch_size": int(rng.choice([16, 32, 64, 128])),
            "dropout": float(rng.uniform(0, 0.5)),
        }
        # ASHA-like: each rung keeps about a third
        k = min(int(rng.geometric(2 / 3)), len(rungs)) - 1
        stop = rungs[k]
        tid = f"bench_{i:05d}"
        d = root / f"train_{tid}"
        d.mkdir()
        (d / "params.json").write_text(json.dumps(cfg))
        rate = -math.log10(cfg["lr"]) / 10
        with open(d / "result.json", "w") as fh:
            for it in range(1, stop + 1):
                loss = 2 * math.exp(-it * (0.5 - rate / 3) / 10) + rng.normal(0, 0.02)
                rec = {"loss": loss, "training_iteration": it, "trial_id": tid}
                rec.update({"done": it == stop, "config": cfg})
                fh.write(json.dumps(rec) + "\n")
    (root / ".complete").touch()
    return root


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    from chartkit.metrics.plots import plot_parallel, plot_rungs, plot_trials
    from chartkit.metrics.plots.parallel import axis_scale
    from chartkit.metrics.plots.tuning import param_kinds, trial_curves, trial_table
    from chartkit.metrics.readers.ray import read_ray

    root = make_sweep(a.trials, a.iters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = read_ray(root)
    rows = log.metrics[log.metrics["metric"] == "loss"]
    curves = trial_curves(rows)
    table = trial_table(log, "loss")
    lrs = table.set_index("trial")["lr"]
    norm = matplotlib.colors.LogNorm(lrs.min(), lrs.max())
    cmap = matplotlib.colormaps["viridis"]
    colors = {t: cmap(norm(v)) for t, v in lrs.items()}
    sched = log.info.extra["scheduler"]
    stops = np.array([(x[-1], y[-1]) for _, x, y in curves])
    params = ["lr", "batch_size", "dropout"]
    kinds = param_kinds(table, params)
    coords = np.vstack(
        [axis_scale(p, table[p].tolist(), kinds[p])(table[p].tolist()) for p in params]
        + [axis_scale("loss", table["value"].tolist(), "linear")(table["value"].tolist())]
    )
    out = Path(tempfile.gettempdir()) / "chartkit_bench_tuning.png"

    def save(fig):
        fig.savefig(out)
        plt.close(fig)

    def ck_trials():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        plot_trials(log, "loss", ax=ax)
        save(fig)

    def bare_trials():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        for t, x, y in curves:
            ax.plot(x, y, color=colors[t])
        fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax)
        save(fig)

    def ck_rungs():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        plot_rungs(log, "loss", ax=ax)
        save(fig)

    def bare_rungs():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        for _, x, y in curves:
            ax.plot(x, y, color="0.5")
        ax.scatter(stops[:, 0], stops[:, 1])
        for m in sched["milestones"]:
            ax.axvline(m)
        ax.set_xscale("log", base=2)
        save(fig)

    def ck_parallel():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        plot_parallel(log, "loss", ax=ax)
        save(fig)

    xs = np.arange(coords.shape[0])

    def bare_parallel():
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        for i in range(coords.shape[1]):
            ax.plot(xs, coords[:, i], color=colors[table["trial"].iloc[i]])
        save(fig)

    pairs = {
        "plot_trials + savefig": (ck_trials, bare_trials),
        "plot_rungs + savefig": (ck_rungs, bare_rungs),
        "plot_parallel + savefig": (ck_parallel, bare_parallel),
    }
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in pairs}
    for fn_ck, fn_bare in pairs.values():  # warm-up: fonts, caches
        fn_ck()
        fn_bare()
    for _ in range(a.repeat):
        for name, (fn_ck, fn_bare) in pairs.items():
            times[name][0].extend(time_call(fn_ck, 1))
            times[name][1].extend(time_call(fn_bare, 1))
    rows_out = [
        Row(
            f"{name} ({len(curves)} trials)",
            median(ck),
            "bare mpl",
            median(bare),
            target=TARGET,
        )
        for name, (ck, bare) in times.items()
    ]
    ok = report(f"tuning plots, {a.trials} trials x up to {a.iters} iterations", rows_out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
