"""Batch-size "OOM probe" on CPU, written with other loggers' column names, units and words.

A variant of the shared fixtures' gen_bs_probe.py generator (same real search: one
forward+backward+step of a small conv net per batch size, doubled until torch's CPU allocator
fails under an RLIMIT_AS cap) whose output names the same quantities the way other scripts do:

=========  ==================================================================================
schema     columns (status words)
=========  ==================================================================================
peak       bs, result, iter_time_s, peak_allocated_mib, notes              (fits / OOM)
hf         per_device_train_batch_size, outcome, sec_per_iter, max_mem_allocated [bytes],
           message                                                         (success / out_of_memory)
gb         batchSize, state, step_ms, mem_gb, error                        (passed / failed)
brackets   bsz, status, Step Time [ms], Memory [MiB], error                (ok / oom, and one
           "timeout" row: a word no reader knows, to be reported, never read as fitted)
=========  ==================================================================================

Usage: python gen_bs_probe_variants.py OUT.csv --schema peak --cap-gb 1 --max-bs 1024
"""

import argparse
import csv
import gc
import resource
import time

import psutil
import torch
import torch.nn as nn

SCHEMAS = {
    "peak": ("bs", "result", "iter_time_s", "peak_allocated_mib", "notes", "fits", "OOM"),
    "hf": (
        "per_device_train_batch_size",
        "outcome",
        "sec_per_iter",
        "max_mem_allocated",
        "message",
        "success",
        "out_of_memory",
    ),
    "gb": ("batchSize", "state", "step_ms", "mem_gb", "error", "passed", "failed"),
    "brackets": ("bsz", "status", "Step Time [ms]", "Memory [MiB]", "error", "ok", "oom"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--schema", choices=sorted(SCHEMAS), default="peak")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cap-gb", type=float, default=1.0)
    ap.add_argument("--max-bs", type=int, default=1024)
    a = ap.parse_args()
    bs_col, st_col, t_col, m_col, e_col, ok, oom = SCHEMAS[a.schema]
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    proc = psutil.Process()
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(256, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    model(torch.randn(2, 3, 64, 64)).sum().backward()
    base_vms = proc.memory_info().vms
    resource.setrlimit(
        resource.RLIMIT_AS, (int(base_vms + a.cap_gb * 2**30), resource.RLIM_INFINITY)
    )
    rows = []
    bs = 2
    while bs <= a.max_bs:
        row = {bs_col: bs, st_col: ok, t_col: "", m_col: "", e_col: ""}
        try:
            x = torch.randn(bs, 3, 64, 64)
            y = torch.randint(0, 10, (bs,))
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            dt = time.perf_counter() - t0
            row[t_col] = round(dt, 5) if t_col in ("iter_time_s", "sec_per_iter") else round(
                dt * 1000, 3
            )
        except RuntimeError as e:
            row[st_col] = oom
            row[e_col] = str(e).splitlines()[0][:200]
        finally:
            x = y = loss = None
            gc.collect()
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        row[m_col] = {
            "peak_allocated_mib": round(peak_mib, 1),
            "max_mem_allocated": int(peak_mib * 2**20),
            "mem_gb": round(peak_mib / 1024, 4),
            "Memory [MiB]": round(peak_mib, 1),
        }[m_col]
        rows.append(row)
        print(row, flush=True)
        if row[st_col] == oom:
            break
        bs *= 2
    if a.schema == "brackets":  # a retry that hit a time limit: no known outcome
        rows.insert(1, {bs_col: 3, st_col: "timeout", t_col: "", m_col: "", e_col: "killed"})
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
