"""torch.profiler traces (issue 13): read + classify against HolisticTraceAnalysis and json.load.

Targets, on the same files, each side in its own fresh process (medians of interleaved
rounds):

* ``chartkit.metrics.read_trace`` (parse, steps, lanes, categories) at least 3x faster than
  HolisticTraceAnalysis' ``TraceAnalysis(trace_dir=...)`` loading them (ratio <= 0.333);
* and at most 2x a bare ``json.load`` of every file (ratio <= 2.0);
* peak RSS above the interpreter's start, against the files' size on disk (printed).

Two inputs: the bundled 4-rank fixture (300 KB per rank: the easy case) and the case users
hit, traces of tens of MB per rank: the fixture's profiled steps repeated to ``--mb`` MB per
rank (kineto's own pretty-printed layout, timestamps shifted step by step).

    python benchmarks/bench_trace.py [--mb 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "chartkit" / "metrics" / "sample_data" / "profiler" / "world4_straggler"

CHILD = r"""
import glob, json, os, sys, time, warnings
warnings.simplefilter("ignore")
folder, which = sys.argv[1], sys.argv[2]
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
if which == "hta":
    import logging
    logging.disable(logging.CRITICAL)
    from hta.trace_analysis import TraceAnalysis
elif which == "chartkit":
    from chartkit.metrics import read_trace
base = rss()
t0 = time.perf_counter()
if which == "json":
    for f in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(f, "rb") as fh:
            json.load(fh)
elif which == "hta":
    TraceAnalysis(trace_dir=folder)
else:
    t = read_trace(folder)
    assert t.events["category"].notna().all() and len(t.ranks) >= 2
seconds = time.perf_counter() - t0
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "extra": peak - base}))
"""


def _plain_copy(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in SAMPLE.glob("*.json.gz"):
        (dest / f.name[:-3]).write_bytes(gzip.decompress(f.read_bytes()))
    return dest


def _scaled(dest: Path, mb: float) -> Path:
    """Repeat each rank's profiled steps until its file is about *mb* MB."""
    done = dest / ".complete"
    if done.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    for f in SAMPLE.glob("*.json.gz"):
        doc = json.loads(gzip.decompress(f.read_bytes()))
        events = doc["traceEvents"]
        work = [e for e in events if e.get("ph") == "X" and e.get("pid") not in ("Spans",)]
        other = [e for e in events if e not in work]
        t0 = min(e["ts"] for e in work)
        span = max(e["ts"] + e.get("dur", 0) for e in work) - t0 + 1000.0
        one = len(json.dumps(work, indent=2)) / 1e6
        copies = max(1, int(mb / one))
        out = list(other)
        for k in range(copies):
            for e in work:
                e2 = dict(e)
                e2["ts"] = e["ts"] + k * span
                if e["name"].startswith("ProfilerStep#"):
                    e2["name"] = f"ProfilerStep#{int(e['name'].split('#')[1]) + 4 * k}"
                out.append(e2)
        doc["traceEvents"] = out
        (dest / f.name[:-3]).write_text(json.dumps(doc, indent=2))
    done.touch()
    return dest


def _run(folder: Path, which: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), which],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rows(folder: Path, label: str, repeat: int) -> list[Row]:
    runs: dict[str, list[dict]] = {"chartkit": [], "hta": [], "json": []}
    for _ in range(repeat):
        for which in runs:
            runs[which].append(_run(folder, which))
    t = {k: median([r["seconds"] for r in v]) for k, v in runs.items()}
    mem = {k: max(r["extra"] for r in v) for k, v in runs.items()}
    disk = sum(f.stat().st_size for f in folder.glob("*.json"))
    return [
        Row(f"read_trace, {label}", t["chartkit"], "HTA TraceAnalysis", t["hta"],
            target=("<=", round(1 / 3, 3))),
        Row(f"read_trace, {label}", t["chartkit"], "json.load", t["json"], target=("<=", 2.0)),
        Row("  peak RSS (MB) vs the files on disk", mem["chartkit"] / 1e6, "files on disk",
            disk / 1e6, unit="MB"),
        Row("  peak RSS (MB), HTA vs the files (info)", mem["hta"] / 1e6, "files on disk",
            disk / 1e6, unit="MB"),
        Row("  peak RSS (MB), json.load vs the files (info)", mem["json"] / 1e6,
            "files on disk", disk / 1e6, unit="MB"),
    ]


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=40.0, help="MB per rank of the large case")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.gettempdir())
    small = _plain_copy(tmp / "chartkit_bench_trace_small")
    large = _scaled(tmp / f"chartkit_bench_trace_{args.mb:g}mb", args.mb)
    ok = report("torch.profiler traces, 4 ranks x 300 KB (the fixture)",
                _rows(small, "4 x 0.3 MB", args.repeat))
    ok &= report(f"torch.profiler traces, 4 ranks x {args.mb:g} MB (the user's case)",
                 _rows(large, f"4 x {args.mb:g} MB", args.repeat))
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
