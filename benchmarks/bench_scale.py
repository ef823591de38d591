"""The Dask engine at scale (issue 14.4): 1,024 ranks x 100,000 steps (10^8 points).

A generated DDP loss log, written once in the Parquet cache layout
(``metrics/run=/rank=/metric=`` + ``chartkit-cache.json``, one file per rank, written rank by
rank) into a temp folder and reused. Then, each side in its own process (peak memory is that
process's ``ru_maxrss``):

* **dask**: ``read(cache, engine="dask")`` on a ``LocalCluster`` of 2 worker processes (one
  thread each); `plot_rank_spread` (median and band across ranks, per pixel column beyond
  20,000 steps) and `plot_curves` (the rows M4 keeps per rank, smoothed on the workers);
* **pandas**: `read_cache` of the same cache into memory, then the same two charts, under an
  address-space limit (``--pandas-gb``) and a time limit (``--pandas-timeout``): running out
  of either is reported as such.

The client of the dask side holds what is drawn: O(pixels x ranks) values for the spread and
O(4 x pixels x ranks) rows for the curves, never the 10^8 points. The 64-worker model comes
from the measured per-partition cost (read + reduce one series file, on this machine) and the
scheduler's measured overhead per task: ``tasks x cost / 64 + tasks x overhead + client``.
The machine is shared (2 cores, other jobs running): numbers are noisy.

    python benchmarks/bench_scale.py [--ranks 1024] [--steps 100000] [--pandas-gb 0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, report

METRIC = "loss"


# --------------------------------------------------------------------------- data


def generate(folder: Path, ranks: int, steps: int) -> Path:
    """Write the cache rank by rank (one 'loss' series file per rank); reuse it if present."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chartkit.metrics.cache import FORMAT, _version

    meta_file = folder / "chartkit-cache.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("chartkit") == _version() and meta.get("format") == FORMAT:
            return folder
    shutil.rmtree(folder, ignore_errors=True)
    step = np.arange(1, steps + 1, dtype=np.int64)
    base = 2.0 * np.exp(-step / (steps / 5)) + 0.1
    source = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(steps, dtype=np.int8)), pa.array(["jsonl"])
    )
    for r in range(ranks):
        rng = np.random.default_rng(r)
        value = base + rng.normal(0, 0.03, steps) + (0.4 if r == ranks // 3 else 0.0)
        wall = 1.7e9 + np.cumsum(rng.gamma(4, 0.05, steps))
        table = pa.table(
            {
                "source": source,
                "trial": pa.nulls(steps),
                "step": step,
                "wall_time": wall,
                "value": value,
            }
        )
        out = folder / "metrics" / "run=bench" / f"rank={r}" / f"metric={METRIC}"
        out.mkdir(parents=True)
        pq.write_table(table, out / "part-0.parquet")
    meta = {
        "format": FORMAT,
        "chartkit": _version(),
        "source": str(folder / "generated"),
        "options": {},
        "sources": [],
        "info": {"source": "jsonl", "files": [], "rows": ranks * steps, "entries": [],
                 "extra": {}, "frames": []},
        "param_types": {},
        "categories": {"source": ["jsonl"], "run": ["bench"], "trial": [], "metric": [METRIC]},
    }
    meta_file.write_text(json.dumps(meta, indent=1))
    return folder


def disk_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


# --------------------------------------------------------------------------- sides


def _charts(data, timings: dict) -> None:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from chartkit.metrics.plots import plot_curves, plot_rank_spread

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 7), dpi=100)
    t0 = time.perf_counter()
    plot_curves(data, METRIC, ax=a2, legend=False)
    timings["curves"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    plot_rank_spread(data, METRIC, ax=a1)  # a lazy log reuses the stats of the curves' pass
    timings["rank_spread"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fig.savefig(os.devnull, format="png")
    timings["save"] = time.perf_counter() - t0
    plt.close(fig)


def side_pandas(cache: Path) -> dict:
    from chartkit.metrics.cache import read_cache

    timings: dict = {}
    t0 = time.perf_counter()
    log = read_cache(cache)
    timings["read"] = time.perf_counter() - t0
    _charts(log, timings)
    timings["total"] = sum(timings.values())
    return timings


def side_dask(cache: Path, probe: int) -> dict:
    import distributed

    from chartkit.metrics import read, reduce

    timings: dict = {}
    tasks = {"n": 0, "reduce_s": 0.0}
    inner = reduce._per_partition

    def counted(ddf, fn, *args):  # how many tasks the reductions ran, and their wall time
        t0 = time.perf_counter()
        out = inner(ddf, fn, *args)
        tasks["n"] += ddf.npartitions
        tasks["reduce_s"] += time.perf_counter() - t0
        return out

    reduce._per_partition = counted
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        lazy = read(cache, engine="dask")
        timings["read"] = time.perf_counter() - t0
        _charts(lazy, timings)
        timings["total"] = sum(timings.values())
        timings["tasks"] = tasks["n"]
        timings["reduce_s"] = tasks["reduce_s"]
        timings["partitions"] = lazy.metrics.npartitions
        # scheduler overhead per task: no-op tasks through the same cluster
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(2000), pure=False))
        timings["overhead_per_task"] = (time.perf_counter() - t0) / 2000
        timings["worker_rss_mb"] = max(client.run(_rss_mb).values())
        reduce._per_partition = inner
        timings["partition_cost"] = _partition_cost(lazy, probe)
    return timings


def _noop(i):
    return i


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _partition_cost(lazy, probe: int) -> float:
    """Mean seconds to read one series file and run every reduction the charts run on it."""
    from chartkit.metrics import reduce

    n = lazy.metrics.npartitions
    picks = sorted({int(i * n / probe) for i in range(probe)})
    t0 = time.perf_counter()
    for i in picks:
        part = lazy.metrics.get_partition(i).compute(scheduler="sync")
        lo, hi = int(part["step"].min()), int(part["step"].max())
        # the curves' pass (M4, EMA under both auto weights, stats), then the spread's
        reduce._m4_part(part, i, METRIC, 700, reduce.AUTO_WEIGHTS, "points", {}, True)
        reduce._bin_part(part, i, METRIC, lo, hi, 700, 0.9, {})
    per = (time.perf_counter() - t0) / len(picks)
    t_read = time.perf_counter()
    for i in picks:
        lazy.metrics.get_partition(i).compute(scheduler="sync")
    read_one = (time.perf_counter() - t_read) / len(picks)
    return per + read_one  # two reads in all: one measured with the reductions, one more


# --------------------------------------------------------------------------- driver


def _child(side: str, cache: Path, probe: int, limit_gb: float) -> None:
    if side == "pandas" and limit_gb > 0:
        lim = int(limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    import warnings

    from chartkit.errors import DataWarning

    warnings.simplefilter("ignore", DataWarning)
    try:
        out = side_pandas(cache) if side == "pandas" else side_dask(cache, probe)
        out["status"] = "ok"
    except MemoryError as err:
        out = {"status": f"out of memory (address-space limit {limit_gb:g} GB): {err!s:.80}"}
    out["client_rss_mb"] = _rss_mb()
    print("RESULT " + json.dumps(out), flush=True)


def _run_side(side: str, cache: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--child", side, "--cache", str(cache),
           "--probe", str(args.probe), "--pandas-gb", str(args.pandas_gb)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=args.pandas_timeout if side == "pandas" else None)
    except subprocess.TimeoutExpired:
        return {"status": f"out of time (limit {args.pandas_timeout:g} s)"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr or "").strip().splitlines()[-3:]
    if any("MemoryError" in t or "bad_alloc" in t or "Cannot allocate" in t for t in tail):
        return {"status": f"out of memory (address-space limit {args.pandas_gb:g} GB)"}
    return {"status": f"failed (exit {proc.returncode}): {' | '.join(tail)}"}


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=100_000)
    # default: no cap, the machine's own memory (pandas peaked at 21.3 GB of 24 at 10^8)
    ap.add_argument("--pandas-gb", type=float, default=0.0,
                    help="address-space limit of the pandas process (0: none)")
    ap.add_argument("--pandas-timeout", type=float, default=1800.0)
    ap.add_argument("--probe", type=int, default=8, help="partitions timed for the model")
    ap.add_argument("--workers", type=int, default=64, help="workers of the model")
    ap.add_argument("--cache", type=Path, default=None, help="where the generated cache lives")
    ap.add_argument("--child", choices=["dask", "pandas"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, args.cache, args.probe, args.pandas_gb)
        return True
    cache = args.cache or Path(tempfile.gettempdir()) / (
        f"chartkit_bench_scale_{args.ranks}x{args.steps}"
    )
    t0 = time.perf_counter()
    generate(cache, args.ranks, args.steps)
    t_gen = time.perf_counter() - t0
    points = args.ranks * args.steps
    print(f"cache: {cache} ({points:,} points, {args.ranks} files, "
          f"{disk_size(cache) / 2**20:,.0f} MiB on disk; ready in {t_gen:.1f} s)", flush=True)
    dk = _run_side("dask", cache, args)
    print("dask:  ", json.dumps(dk), flush=True)
    pd_ = _run_side("pandas", cache, args)
    print("pandas:", json.dumps(pd_), flush=True)
    if dk.get("status") != "ok":
        print(f"the dask side failed: {dk.get('status')}")
        return False
    rows = []
    pandas_ok = pd_.get("status") == "ok"
    if pandas_ok:
        for key, what in (("total", "read + curves + rank spread + save"),
                          ("curves", "  plot_curves"), ("rank_spread", "  plot_rank_spread")):
            rows.append(Row(f"{what}, {points:.3g} points", dk[key], "pandas", pd_[key]))
    else:
        print(f"\npandas: {pd_.get('status')}; peak RSS before it stopped "
              f"{pd_.get('client_rss_mb', float('nan')):,.0f} MiB")
        print(f"dask: read + curves + rank spread + save {dk['total']:.1f} s "
              f"(plot_curves {dk['curves']:.1f} s, plot_rank_spread {dk['rank_spread']:.1f} s)")
    rows.append(Row("peak client memory", dk["client_rss_mb"],
                    "pandas" if pandas_ok else "pandas at its stop",
                    pd_.get("client_rss_mb", float("nan")), unit="MiB"))
    report("Dask engine (2 local workers) vs pandas, same cache, same machine", rows)
    tasks, cost, over = dk["tasks"], dk["partition_cost"], dk["overhead_per_task"]
    client_s = dk["total"] - dk["reduce_s"]
    n = dk["partitions"]
    w = args.workers
    # per-partition cost as the 2 workers really paid it (load, transfer, serialisation)
    paid = max(dk["reduce_s"] - tasks * over, 0.0) * 2 / n
    print(
        f"\nmodel: {tasks} tasks ({n} partitions x {tasks // n} passes); per partition "
        f"{cost * 1e3:.0f} ms measured in one process (read twice + reduce), "
        f"{paid * 1e3:.0f} ms as the 2 workers paid it; {over * 1e3:.2f} ms scheduler "
        f"overhead per task; {client_s:.1f} s on the client (gather, draw, save)\n"
        f"  2 workers:   model {n * cost / 2 + tasks * over + client_s:.1f} s "
        f"(one-process cost), measured {dk['total']:.1f} s\n"
        f"  {w} workers:  model {n * cost / w + tasks * over + client_s:.1f} s "
        f"(one-process cost) .. {n * paid / w + tasks * over + client_s:.1f} s (cost as paid): "
        f"compute {n * cost / w:.1f} .. {n * paid / w:.1f} s + scheduling {tasks * over:.1f} s "
        f"+ client {client_s:.1f} s\n"
        f"  peak memory: client {dk['client_rss_mb']:,.0f} MiB (bound O(pixels x ranks) values "
        f"for the spread, O(4 x pixels x ranks) rows for the curves), each worker "
        f"{dk['worker_rss_mb']:,.0f} MiB (one series file at a time)"
    )
    return True


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
