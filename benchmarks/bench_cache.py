"""The Parquet log cache (issue 14.2): reading the cache against reading the logs again.

Target: reading the cache (`chartkit.metrics.cache.read_cache`, what
``read(path, cache=DIR)`` does when the cache is fresh) at least 5x faster than reading the
original logs with chartkit's own readers (ratio <= 0.2), on the case users hit: per-rank
JSONL of a DDP run (4 ranks x 250,000 steps) and TensorBoard event files (4 runs x 100,000
steps). Medians of interleaved rounds; writing the cache is printed too.

    python benchmarks/bench_cache.py [--steps 250000] [--tb-steps 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report


def _time(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return median(out)


def rows_for(label: str, src: Path, repeat: int) -> list[Row]:
    from chartkit.errors import DataWarning
    from chartkit.metrics import read
    from chartkit.metrics.cache import read_cache, write_cache

    warnings.simplefilter("ignore", DataWarning)
    cache = Path(tempfile.mkdtemp(prefix="chartkit_bench_cache_"))
    log = read(src)
    t_write = _time(lambda: write_cache(log, cache, src), 1)
    t_read = t_cache = 0.0
    reads, caches = [], []
    for _ in range(repeat):  # interleaved
        reads.append(_time(lambda: read(src), 1))
        caches.append(_time(lambda: read_cache(cache), 1))
    t_read, t_cache = median(reads), median(caches)
    shutil.rmtree(cache, ignore_errors=True)
    n = len(log.metrics)
    return [
        Row(f"read cache, {label} ({n:,} points)", t_cache, "read the logs", t_read,
            target=("<=", 0.2)),
        Row("  writing the cache once (info)", t_write, "read the logs", t_read),
    ]


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=250_000)
    ap.add_argument("--tb-steps", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from bench_plots import make_data
    from bench_readers_ray_tb import make_tb

    jsonl = make_data(args.steps, 4)
    tb_root = Path(tempfile.gettempdir()) / f"chartkit_bench_cache_tb_{args.tb_steps}"
    if not tb_root.exists():
        make_tb(str(tb_root), args.tb_steps)
    rows = rows_for(f"JSONL 4 ranks x {args.steps:,}", jsonl, args.repeat)
    rows += rows_for(f"TensorBoard 4 runs x {args.tb_steps:,}", tb_root, args.repeat)
    return report("Parquet cache vs reading the logs (median of interleaved rounds)", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
