"""Per-rank JSONL reading: `chartkit.metrics.read_jsonl` against ``pandas.read_json(lines=True)``.

Targets (issue 6): 4 ranks x 250k lines read in at most 0.5x the time of
``pandas.read_json(lines=True)`` on the same files (which gives wide frames only, no NaN
tokens, no crash tolerance); peak memory at most 3x the final frame.

Bounded memory (issue 17): one big file (``--big-lines``, 10^7 in the issue) read with 0 and
with 1,000 malformed lines: peak RSS above start at most 1.5x the final frame plus a constant
(64 MiB: one chunk and its parse), whatever the number of bad lines; ``metrics=["loss"]``
must peak lower; and the RSS still held after the log is deleted (pyarrow's pool, issue 19.4).

The input is written once per size into the temp folder (lines shaped like the DDP fixture:
step, epoch, loss, samples_per_sec, wall_time, rank, world_size, lr). Timings interleave
chartkit and pandas so machine load hits both alike; the median is compared. Peak memory is
measured in a fresh process: peak RSS above the RSS after imports, against
``frame.memory_usage(deep=True)``.

    python benchmarks/bench_readers.py [--lines 250000] [--repeat 3] [--big-lines 1000000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report


def make_jsonl(lines: int, ranks: int = 4) -> Path:
    """Write (once) *ranks* files of *lines* JSON lines; return their folder."""
    root = Path(tempfile.gettempdir()) / f"chartkit_bench_jsonl_{ranks}x{lines}"
    done = root / ".complete"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    for r in range(ranks):
        with open(root / f"rank{r}.jsonl", "w") as fh:
            t0 = 1.79e9 + r * 0.003
            for s in range(1, lines + 1):
                rec = {
                    "step": s,
                    "epoch": s // 1000,
                    "loss": math.exp(-s / lines) + 0.01 * math.sin(s * 0.37 + r),
                    "samples_per_sec": 1000.0 + (s * 7919 + r) % 97,
                    "wall_time": t0 + s * 0.0125,
                    "rank": r,
                    "world_size": ranks,
                    "lr": 0.05 * 0.5 ** (s // (lines // 4 + 1)),
                }
                fh.write(json.dumps(rec) + "\n")
    done.touch()
    return root


def _chartkit(folder: Path):
    from chartkit.metrics import read_jsonl

    return read_jsonl(folder)


def _pandas(folder: Path):
    import pandas as pd

    return [pd.read_json(f, lines=True) for f in sorted(folder.glob("rank*.jsonl"))]


_MEMORY_CHILD = r"""
import gc, sys, time, warnings
import pandas, pyarrow, pyarrow.json
from chartkit.metrics import read_jsonl
import chartkit.metrics.readers.jsonl
def status_mb(key):
    # VmRSS now / VmHWM peak of this process; ru_maxrss would inherit the parent's peak
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
base = status_mb("VmRSS")
metrics = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else None
t = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    log = read_jsonl(sys.argv[1], metrics=metrics)
t = time.perf_counter() - t
peak = status_mb("VmHWM")
frame = log.metrics.memory_usage(deep=True).sum() / 2**20
del log
gc.collect()
print(peak - base, frame, status_mb("VmRSS") - base, t)
"""


def measure_memory(folder: Path, metrics: str = "") -> tuple[float, float, float, float]:
    """(peak RSS above start, final frame, RSS kept after deleting the log) in MiB and the
    read time in s, from a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(folder), metrics],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), float(out[3])


def make_big_jsonl(lines: int, bad: int) -> Path:
    """One file of *lines* DDP-shaped JSON lines, *bad* of them cut mid-record, spread out."""
    root = Path(tempfile.gettempdir()) / f"chartkit_bench_big_{lines}_{bad}"
    f = root / "rank0.jsonl"
    if f.exists():
        return f
    root.mkdir(parents=True, exist_ok=True)
    every = lines // bad if bad else 0
    tmp = f.with_suffix(".tmp")
    with open(tmp, "w") as fh:
        buf = []
        for s in range(1, lines + 1):
            if every and s % every == every // 2:
                buf.append(f'{{"step": {s}, "loss": 0.')  # a torn record, then a line end
            else:
                buf.append(
                    f'{{"step": {s}, "epoch": {s // 1000}, "loss": {1.0 / s:.6f}, '
                    f'"samples_per_sec": {1000.0 + s % 97:.1f}, "wall_time": '
                    f'{1.79e9 + s * 0.0125:.4f}, "rank": 0, "world_size": 1, "lr": 0.05}}'
                )
            if len(buf) >= 100_000:
                fh.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            fh.write("\n".join(buf) + "\n")
    tmp.rename(f)
    return f


_MEM_SLACK = 64.0  # MiB: one chunk and its parse


def bounded_memory(lines: int) -> bool:
    """Peak RSS against the final frame for 0 and 1,000 bad lines, and with metrics=."""
    rows = []
    kept = []
    for bad in (0, 1000):
        f = make_big_jsonl(lines, bad)
        size = f.stat().st_size / 2**20
        peak, frame, after, secs = measure_memory(f)
        kept.append(after)
        print(
            f"  {bad} bad lines: file {size:.0f} MiB, read {secs:.1f} s, peak above start "
            f"{peak:.0f} MiB, frame {frame:.0f} MiB, ratio {peak / frame:.2f} "
            f"(target <= 1.5 + {_MEM_SLACK:.0f} MiB/frame = {1.5 + _MEM_SLACK / frame:.2f}); "
            f"RSS kept after del {after:.0f} MiB"
        )
        rows.append(
            Row(
                f"peak RSS - {_MEM_SLACK:.0f} MiB / frame, {lines // 1000}k lines, {bad} bad",
                max(peak - _MEM_SLACK, 0.0),
                "final frame",
                frame,
                unit="MiB",
                target=("<=", 1.5),
            )
        )
    f = make_big_jsonl(lines, 0)
    peak_l, _, _, _ = measure_memory(f, "loss")
    rows.append(
        Row(
            'peak RSS with metrics=["loss"] / without',
            peak_l,
            "all metrics",
            measure_memory(f)[0],
            unit="MiB",
            target=("<=", 0.5),
        )
    )
    print(f"  RSS kept after the log is deleted: {', '.join(f'{k:.0f}' for k in kept)} MiB")
    return report("bounded memory on one big JSONL file (fresh process each)", rows)


def make_lightning(rows: int = 20_000, stats: int = 400) -> Path:
    """A CSVLogger metrics.csv with *stats* DeviceStatsMonitor columns (sparse rows)."""
    import numpy as np

    root = Path(tempfile.gettempdir()) / f"chartkit_bench_lightning_{rows}x{stats}"
    csv = root / "version_0" / "metrics.csv"
    if csv.exists():
        return root / "version_0"
    csv.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    keys = [f"DeviceStatsMonitor.on_train_batch_start/memory_stats.k{i}" for i in range(stats)]
    out = [",".join(["epoch", "step", "train_loss", *keys])]
    for s in range(rows):
        if s % 2:
            out.append(f"{s // 1000},{s},{rng.random():.5f}" + "," * stats)
        else:
            out.append(f",{s},," + ",".join(map(str, rng.integers(0, 10**9, stats))))
    tmp = csv.with_suffix(".tmp")
    tmp.write_text("\r\n".join(out) + "\r\n")
    tmp.rename(csv)
    return csv.parent


def _interleave(fns: list, repeat: int) -> list[list[float]]:
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return times


def main(lines: int = 250_000, repeat: int = 3, big_lines: int = 1_000_000) -> bool:
    t0 = time.perf_counter()
    folder = make_jsonl(lines)
    print(f"input: {folder} ({time.perf_counter() - t0:.1f} s to prepare)")
    ck: list[float] = []
    pdt: list[float] = []
    for _ in range(repeat):
        for fn, out in ((_chartkit, ck), (_pandas, pdt)):
            t = time.perf_counter()
            fn(folder)
            out.append(time.perf_counter() - t)
    log = _chartkit(folder)
    n_points = len(log.metrics)
    peak, frame, _, _ = measure_memory(folder)
    rows = [
        Row(
            f"read_jsonl 4x{lines // 1000}k lines ({n_points / 1e6:.1f}M points)",
            median(ck),
            "pandas.read_json",
            median(pdt),
            target=("<=", 0.5),
        ),
        Row(
            "peak memory above start / final frame",
            peak,
            "final frame",
            frame,
            unit="MiB",
            target=("<=", 3.0),
        ),
    ]
    ok = report(f"per-rank JSONL reading, median of {repeat} interleaved rounds", rows)

    import pandas as pd

    from chartkit.metrics import read_lightning

    lit = make_lightning()
    ck_l, pd_l = _interleave(
        [lambda: read_lightning(lit), lambda: pd.read_csv(lit / "metrics.csv")], repeat
    )
    rows = [
        Row(
            "read_lightning, 400 DeviceStats columns",
            median(ck_l),
            "pandas.read_csv",
            median(pd_l),
        )
    ]
    # no target in the issue: shown so a slowdown on wide files is visible
    report("Lightning CSVLogger with hundreds of columns (long frame vs wide table)", rows)
    ok = bounded_memory(big_lines) and ok
    return ok


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=250_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big-lines", type=int, default=1_000_000)
    ap.add_argument("--only-memory", action="store_true")
    a = ap.parse_args()
    if a.only_memory:
        sys.exit(0 if bounded_memory(a.big_lines) else 1)
    sys.exit(0 if main(a.lines, a.repeat, a.big_lines) else 1)
