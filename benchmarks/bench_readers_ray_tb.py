"""Ray Tune and TensorBoard readers against the tools' own readers, side by side.

Targets (issue 6):

* TensorBoard, 4 runs x 50k steps x 2 tags: ``read_tensorboard`` in at most 0.25x the time of
  ``tbparse.SummaryReader(logdir).scalars``, with every record's two masked CRC32C checksums
  verified (always on); the time of the checksums alone (crc32c over the same records) is
  printed beside it as a share of the read.
* A 200-trial Ray Tune folder (20 iterations each): ``read_ray`` in at most 0.4x the time of
  ``ray.tune.ExperimentAnalysis(path).trial_dataframes``.
* Peak memory of each chartkit read (tracemalloc, a separate pass) at most 3x the memory of
  the frame it returns. For Ray this is printed without a target: when a trial's own files
  do not settle its status, the reader must read ``experiment_state-*.json``, which Ray
  fills with hex pickle blobs (2.3 MB for 200 trials, whatever their length), while the
  frame of 200 x 20 short reports is 0.8 MB; the ratio measures Ray's file, not the reader.

Inputs are made once and kept under the temp folder: the event files with tensorboardX's
event writer (the ``chartkit[tensorboard]`` extra; the same TFRecord framing and Event records
as ``torch.utils.tensorboard.SummaryWriter``),
the Ray folder by a real ``Tuner.fit()`` of a trivial trainable (needs ``ray[tune]``; pass
``--ray PATH`` to use an existing experiment folder instead). Runs are interleaved
(chartkit, anchor, chartkit, ...) and medians compared.

    python benchmarks/bench_readers_ray_tb.py [--steps 50000] [--trials 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report

from chartkit.metrics.readers.ray import read_ray
from chartkit.metrics.readers.tensorboard import find_event_files, read_tensorboard

_CACHE = os.path.join(tempfile.gettempdir(), "chartkit-bench")


def make_tb(root: str, n_steps: int, n_runs: int = 4) -> str:
    """``rank<R>/events...`` with ``train/loss`` (one spike per run) and a throughput tag."""
    from tensorboardX.event_file_writer import EventFileWriter
    from tensorboardX.proto import event_pb2

    done = os.path.join(root, ".complete")
    if os.path.exists(done):
        return root
    for r in range(n_runs):
        w = EventFileWriter(os.path.join(root, f"rank{r}"), max_queue_size=10_000)
        t0 = 1.7e9
        for s in range(n_steps):
            for tag, val in (
                ("train/loss", math.exp(-s / n_steps) + (5.0 if s == n_steps // 3 + r else 0.0)),
                ("perf/samples_per_sec", 1000.0 + (s % 7)),
            ):
                ev = event_pb2.Event(wall_time=t0 + s * 0.01, step=s)
                ev.summary.value.add(tag=tag, simple_value=val)
                w.add_event(ev)
        w.close()
    open(done, "w").close()
    return root


_RAY_SCRIPT = r"""
import math, random, sys
import ray
from ray import tune

def trainable(config):
    rnd = random.Random(config["seed"])
    for i in range(1, config["iters"] + 1):
        loss = math.exp(-i * config["lr"] * 10) + rnd.random() * 0.05
        tune.report({"loss": loss, "accuracy": 1 - loss / 2})

out, trials, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
tuner = tune.Tuner(
    trainable,
    param_space={"lr": tune.loguniform(1e-3, 1e-1), "seed": tune.randint(0, 10**6),
                 "iters": iters, "l1": tune.choice([8, 16, 32, 64])},
    tune_config=tune.TuneConfig(num_samples=trials, metric="loss", mode="min",
                                reuse_actors=True),
    run_config=tune.RunConfig(name="big", storage_path=out, verbose=0),
)
tuner.fit()
"""


def make_ray(root: str, trials: int, iters: int) -> str:
    path = os.path.join(root, "big")
    done = os.path.join(root, ".complete")
    if os.path.exists(done):
        return path
    print(f"making a {trials}-trial Ray Tune folder with Tuner.fit() (takes minutes) ...")
    subprocess.run(
        [sys.executable, "-c", _RAY_SCRIPT, root, str(trials), str(iters)],
        check=True,
        capture_output=True,
    )
    open(done, "w").close()
    return path


def _checksums_only(files: list[str]) -> int:
    """Verify both masked CRC32Cs of every record, as the reader does, without decoding."""
    from struct import unpack_from as unpack

    from crc32c import crc32c

    from chartkit.metrics.readers.tensorboard import _masked

    ok = 0
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        view, pos, end = memoryview(data), 0, len(data)
        while pos + 12 <= end:
            (length,) = unpack("<Q", data, pos)
            ok += _masked(crc32c(view[pos : pos + 8])) == unpack("<I", data, pos + 8)[0]
            start, stop = pos + 12, pos + 12 + length
            ok += _masked(crc32c(view[start:stop])) == unpack("<I", data, stop)[0]
            pos = stop + 4
        del view
    return ok


def _tbparse(logdir: str) -> int:
    from tbparse import SummaryReader

    return len(SummaryReader(logdir, extra_columns={"dir_name"}).scalars)


def _ray_ea(path: str) -> int:
    from ray.tune import ExperimentAnalysis

    dfs = ExperimentAnalysis(path).trial_dataframes
    return sum(len(d) for d in dfs.values())


def _interleaved(fns: dict, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def _peak_ratio(fn) -> tuple[float, float]:
    """Peak traced memory during *fn* and the deep size of the frame it returns (MB)."""
    gc.collect()
    tracemalloc.start()
    log = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = log.metrics.memory_usage(deep=True).sum()
    return peak / 2**20, size / 2**20


def main() -> bool:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ray", help="an existing Ray Tune experiment folder to read")
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # the anchors' deprecation chatter
    rows: list[Row] = []

    # ---- TensorBoard ----
    tb = make_tb(os.path.join(_CACHE, f"tb-4x{a.steps}"), a.steps)
    n_ck = len(read_tensorboard(tb).metrics)
    if importlib.util.find_spec("tbparse") is None:
        print('tbparse not installed (pip install "chartkit[bench]"): skipping that anchor')
    else:
        n_tp = _tbparse(tb)
        print(f"TensorBoard points: chartkit {n_ck}, tbparse {n_tp}")
        t = _interleaved(
            {"chartkit": lambda: read_tensorboard(tb), "tbparse": lambda: _tbparse(tb)}, a.repeat
        )
        rows.append(
            Row(
                f"TensorBoard 4 runs x {a.steps // 1000}k steps x 2 tags",
                median(t["chartkit"]),
                "tbparse",
                median(t["tbparse"]),
                target=("<=", 0.25),
            )
        )
    files = find_event_files(tb)
    t = _interleaved(
        {"chartkit": lambda: read_tensorboard(tb), "crc": lambda: _checksums_only(files)},
        a.repeat,
    )
    rows.append(
        Row("  of which the CRC32C checks alone", median(t["crc"]), "read", median(t["chartkit"]))
    )
    peak, size = _peak_ratio(lambda: read_tensorboard(tb))
    rows.append(
        Row("  peak memory / frame memory (TensorBoard)", peak, "frame", size, "MB", ("<=", 3.0))
    )

    # ---- Ray Tune ----
    has_ray = importlib.util.find_spec("ray") is not None
    path = a.ray
    if path is None and has_ray:
        path = make_ray(os.path.join(_CACHE, f"ray-{a.trials}x{a.iters}"), a.trials, a.iters)
    if path is None:
        print('ray not installed (pip install "chartkit[bench]") and no --ray: skipping Ray')
    else:
        log = read_ray(path)
        n_trials = len(log.info.extra["trials"])
        print(f"Ray: {n_trials} trials, {log.info.rows} results, {len(log.metrics)} points")
        fns = {"chartkit": lambda: read_ray(path)}
        if has_ray:
            print(f"ExperimentAnalysis rows: {_ray_ea(path)}")
            fns["ray"] = lambda: _ray_ea(path)
        t = _interleaved(fns, a.repeat)
        if has_ray:
            rows.append(
                Row(
                    f"Ray Tune folder, {n_trials} trials",
                    median(t["chartkit"]),
                    "ExperimentAnalysis",
                    median(t["ray"]),
                    target=("<=", 0.4),
                )
            )
        peak, size = _peak_ratio(lambda: read_ray(path))
        rows.append(
            Row("  peak memory / frame memory (Ray, see docstring)", peak, "frame", size, "MB")
        )
    return report(f"Ray Tune and TensorBoard readers, median of {a.repeat} interleaved runs", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
