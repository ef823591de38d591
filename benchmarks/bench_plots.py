"""Training curves at scale: chartkit against a bare matplotlib plot, plot against plot.

Headline (issue 7, as issue 19.4 asks): 8 ranks x 1M steps in memory,
``plot_curves(log, "loss", smooth=0.9)`` and ``savefig`` in at most 1.5x the time of a bare
matplotlib ``ax.plot`` of every point and ``savefig`` (arrays already in memory on both
sides: plot-only against plot-only). Second line: the whole path from the log files,
``chartkit.metrics.read`` + plot + save against ``pandas.read_json(lines=True)`` per rank +
plot + save (same 1.5x target); pyarrow's bare multi-threaded JSON parse is printed for
information. Memory: peak RSS of the chartkit process above its post-import RSS, against the
input files on disk (target 2x) and against the canonical frame in memory (target 3x, the
readers' target of issue 6).

Each side runs in its own fresh process; the rounds interleave the two. The input files are
written once into the temp folder (lines like the DDP fixture: step, loss, wall_time, rank).

    python benchmarks/bench_plots.py [--steps 1000000] [--ranks 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report


def make_data(steps: int, ranks: int) -> Path:
    root = Path(tempfile.gettempdir()) / f"chartkit_bench_curves_{ranks}x{steps}"
    if (root / ".complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    step = np.arange(1, steps + 1)
    for r in range(ranks):
        loss = 2 * np.exp(-step / (steps / 5)) + rng.normal(0, 0.05, steps) + 0.1
        wall = 1.79e9 + np.cumsum(rng.gamma(4, 0.003, steps))
        np.save(root / f"rank{r}.npy", np.stack([step, loss]))
        with open(root / f"rank{r}.jsonl", "w") as fh:
            fh.writelines(
                f'{{"step": {s}, "loss": {v!r}, "wall_time": {t!r}, "rank": {r}}}\n'
                for s, v, t in zip(step.tolist(), loss.tolist(), wall.tolist(), strict=True)
            )
    (root / ".complete").touch()
    return root


CHILD = r"""
import json, os, sys, time, warnings
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np
import chartkit
from chartkit.metrics import read
from chartkit.metrics.plots import plot_curves

def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

folder, which, out = sys.argv[1], sys.argv[2], sys.argv[3]
ranks = sorted(f for f in os.listdir(folder) if f.endswith(".npy"))
base = rss()
t0 = time.perf_counter()
if which in ("anchor", "anchor_read"):
    if which == "anchor_read":
        import pandas as pd
        frames = [pd.read_json(os.path.join(folder, f.replace(".npy", ".jsonl")), lines=True)
                  for f in ranks]
        data = [np.stack([d["step"].to_numpy(), d["loss"].to_numpy()]) for d in frames]
    else:
        data = [np.load(os.path.join(folder, f)) for f in ranks]
        t0 = time.perf_counter()  # this anchor gets its arrays for free
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for d in data:
        ax.plot(d[0], d[1])
    fig.savefig(out)
    data_bytes = sum(d.nbytes for d in data)
elif which == "pyarrow":
    import pyarrow.json as pj
    for f in ranks:
        pj.read_json(os.path.join(folder, f.replace(".npy", ".jsonl")))
    data_bytes = 0
elif which == "chartkit_plot":
    log = read(folder)
    base = rss()
    t0 = time.perf_counter()  # plot-only: the log is already in memory, as the anchor's arrays
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    plot_curves(log, "loss", smooth=0.9, ax=ax)
    fig.savefig(out)
    data_bytes = int(log.metrics.memory_usage(deep=True).sum())
else:
    log = read(folder)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    plot_curves(log, "loss", smooth=0.9, ax=ax)
    fig.savefig(out)
    data_bytes = int(log.metrics.memory_usage(deep=True).sum())
seconds = time.perf_counter() - t0
# VmHWM, not ru_maxrss: ru_maxrss survives execve, so a child would report its parent's peak.
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "extra": peak - base, "data": data_bytes}))
"""


def _run(folder: Path, which: str) -> dict:
    out = Path(tempfile.gettempdir()) / f"chartkit_bench_curves_{which}.png"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), which, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--ranks", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = make_data(args.steps, args.ranks)
    ours, anchor, anchor_read, parse, plot_only = [], [], [], [], []
    for _ in range(args.repeat):
        anchor_read.append(_run(folder, "anchor_read"))
        anchor.append(_run(folder, "anchor"))
        parse.append(_run(folder, "pyarrow"))
        ours.append(_run(folder, "chartkit"))
        plot_only.append(_run(folder, "chartkit_plot"))
    t_ours = median([r["seconds"] for r in ours])
    t_plot_only = median([r["seconds"] for r in plot_only])
    t_anchor = median([r["seconds"] for r in anchor])
    t_anchor_read = median([r["seconds"] for r in anchor_read])
    t_parse = median([r["seconds"] for r in parse])
    extra = max(r["extra"] for r in ours)
    frame = ours[0]["data"]
    on_disk = sum(f.stat().st_size for f in folder.glob("*.jsonl"))
    steps = f"{args.ranks}x{args.steps:,} steps"
    rows = [
        Row(
            f"plot_curves(smooth=0.9)+save, {steps}",
            t_plot_only,
            "ax.plot of all points+save",
            t_anchor,
            target=("<=", 1.5),
        ),
        Row(
            "  read+smooth+plot+save from the JSONL files",
            t_ours,
            "read_json+plot+save",
            t_anchor_read,
            target=("<=", 1.5),
        ),
        Row(
            "  pyarrow's JSON parse alone vs plot+save (info)",
            t_parse,
            "plot+save only",
            t_anchor,
        ),
        Row(
            "peak RSS above imports vs the data (MB)",
            extra / 1e6,
            "JSONL on disk",
            on_disk / 1e6,
            unit="MB",
            target=("<=", 2.0),
        ),
        Row(
            "  same, vs the canonical frame in memory",
            extra / 1e6,
            "frame in memory",
            frame / 1e6,
            unit="MB",
            target=("<=", 3.0),
        ),
    ]
    return report("training curves at scale (fresh process each)", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
