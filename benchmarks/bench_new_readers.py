"""New readers (issue 18) against their source's own Python API, on the same files.

* Optuna: `chartkit.metrics.read_optuna` against ``optuna.load_study(...).trials_dataframe()``
  on one SQLite study of ``--trials`` (500) trials: 4 parameters (one log-uniform, one
  categorical), 1-20 intermediate values each, COMPLETE and PRUNED, a user attribute.
  Target: at most 0.5x. Both open the storage through optuna (chartkit read-only); chartkit
  then fetches the rows in bulk queries and builds the long frame with every intermediate
  value, which ``trials_dataframe`` leaves out.
* Hugging Face Trainer: `chartkit.metrics.read_hf_trainer` on a folder of ``--runs`` (500)
  output_dirs (a sweep; a trainer_state.json of 100 logging + 10 eval entries each, as the
  fixtures' keys), read in one pass into one RunLog, against ``json.load`` of the same
  files (parsing only: no frame, no merge). Target: at most 0.5x. Also printed: ``read``
  of the folder (discovery included) and the floor of any reader of these files, msgspec
  reading and decoding them and nothing else.
* MLflow: `chartkit.metrics.read_mlflow` on a file store of ``--runs`` (500) runs (2 metrics
  x 50 steps, 3 params each, written by mlflow's own client) against
  ``mlflow.search_runs`` + ``MlflowClient.get_metric_history`` for every run and metric.
  Target: at most 0.5x. Skipped when mlflow is not installed (the bench extra has
  mlflow-skinny).
* W&B: `chartkit.metrics.read_wandb` on a ``wandb/`` folder of ``--runs`` (500) offline runs
  (100 history rows of 4 metrics each; records built with wandb's own protobuf classes and
  framed as wandb 0.31 frames them) against the bare minimum any reader of these files does
  with wandb's classes: the framing (no checksum), ``Record.ParseFromString`` of every record
  and ``json.loads`` of every history value (no frame, no checks). wandb has no Python API
  that reads these files, so there is no anchor to beat and no target: the ratio is what
  chartkit's checks (CRC-32 of every chunk, cut files, media, dedupe) and the frame cost.
  The one-time ``import wandb`` (about 0.5 s) is outside both timings.

The study is generated once into the temp folder (optuna's ``add_trials``; about a minute).
Timings interleave chartkit and the anchor so machine load hits both alike; the median is
compared.

    python benchmarks/bench_new_readers.py [--trials 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report


def make_study(path: str, trials: int) -> str:
    """Write (once) an SQLite study of *trials* trials; return its path."""
    import optuna
    from optuna.distributions import CategoricalDistribution as C
    from optuna.distributions import FloatDistribution as F
    from optuna.distributions import IntDistribution as I
    from optuna.trial import TrialState, create_trial

    if os.path.exists(path + ".complete"):
        return path
    if os.path.exists(path):
        os.remove(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="bench", storage=f"sqlite:///{path}")
    rng = random.Random(0)
    dists = {
        "lr": F(1e-5, 1.0, log=True),
        "wd": F(0.0, 0.1),
        "hidden": I(8, 256),
        "opt": C(["adam", "sgd"]),
    }
    made = []
    for i in range(trials):
        params = {
            "lr": 10 ** rng.uniform(-5, 0),
            "wd": rng.uniform(0, 0.1),
            "hidden": rng.randint(8, 256),
            "opt": rng.choice(["adam", "sgd"]),
        }
        n = rng.randint(1, 20)
        inter = {s: rng.random() for s in range(1, n + 1)}
        done = n == 20
        made.append(
            create_trial(
                params=params,
                distributions=dists,
                value=inter[n],
                intermediate_values=inter,
                state=TrialState.COMPLETE if done else TrialState.PRUNED,
                user_attrs={"seed": i},
            )
        )
    study.add_trials(made)
    open(path + ".complete", "w").close()
    return path


def make_hf_runs(root: str, runs: int) -> str:
    """Write (once) *runs* Trainer output folders holding one trainer_state.json each."""
    import json

    if os.path.exists(os.path.join(root, ".complete")):
        return root
    rng = random.Random(0)
    for r in range(runs):
        hist = []
        for s in range(1, 101):
            hist.append(
                {
                    "epoch": s / 50,
                    "grad_norm": rng.random(),
                    "learning_rate": 5e-3 * (1 - s / 100),
                    "loss": 1 / s + rng.random() * 0.01,
                    "step": s * 2,
                }
            )
            if s % 10 == 0:
                hist.append(
                    {"epoch": s / 50, "eval_loss": 1 / s, "eval_runtime": 1.3, "step": s * 2}
                )
        d = os.path.join(root, f"run{r}")
        os.makedirs(d, exist_ok=True)
        state = {"global_step": 200, "logging_steps": 2, "log_history": hist}
        with open(os.path.join(d, "trainer_state.json"), "w") as fh:
            json.dump(state, fh, indent=2)
    open(os.path.join(root, ".complete"), "w").close()
    return root


def make_mlflow_store(root: str, runs: int) -> str:
    """Write (once) an MLflow file store of *runs* runs with mlflow's client."""
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow
    from mlflow.entities import Metric, Param

    if os.path.exists(os.path.join(root, ".complete")):
        return root
    client = mlflow.MlflowClient(tracking_uri="file://" + os.path.abspath(root))
    exp = client.create_experiment("bench")
    for r in range(runs):
        run = client.create_run(exp, run_name=f"run{r}")
        t0 = 1_790_000_000_000 + r * 1000
        metrics = [Metric("loss", 1 / (s + 1) + r * 1e-4, t0 + s, s) for s in range(50)]
        metrics += [Metric("val_loss", 1.1 / (s + 1), t0 + s, s) for s in range(50)]
        params = [Param("lr", str(1e-3 * (r % 7 + 1))), Param("bs", "32"), Param("seed", str(r))]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.set_terminated(run.info.run_id)
    open(os.path.join(root, ".complete"), "w").close()
    return root


def _mlflow_api(root: str) -> int:
    import mlflow

    mlflow.set_tracking_uri("file://" + os.path.abspath(root))
    client = mlflow.MlflowClient()
    exp = client.get_experiment_by_name("bench")
    runs = mlflow.search_runs([exp.experiment_id])
    n = 0
    for run_id in runs["run_id"]:
        for key in ("loss", "val_loss"):
            n += len(client.get_metric_history(run_id, key))
    return n


def make_wandb_runs(root: str, runs: int, steps: int = 100) -> str:
    """Write (once) a ``wandb/`` folder of *runs* offline runs of *steps* history rows.

    The records are built with wandb's own protobuf classes as wandb 0.31 writes them (a run
    record with the config, history rows of ``_step``, ``_timestamp``, ``_runtime``, loss,
    lr, grad_norm and an ``eval/acc`` every 10 steps as value_json, summaries, an exit
    record) and framed as tests/test_metrics_wandb.py's writer, which re-frames the files
    wandb writes byte for byte.
    """
    import struct
    import zlib

    from wandb.proto import wandb_internal_pb2 as pb

    if os.path.exists(os.path.join(root, ".complete")):
        return root

    def frame(payloads: list[bytes]) -> bytes:
        out = bytearray(b":W&B\xe1\xbe\x00")
        for p in payloads:
            first = True
            while True:
                room = 32768 - len(out) % 32768
                if room < 7:
                    out += b"\0" * room
                    continue
                n = min(len(p), room - 7)
                last = n == len(p)
                kind = (1 if last else 2) if first else (4 if last else 3)
                out += struct.pack("<IHB", zlib.crc32(bytes([kind]) + p[:n]), n, kind) + p[:n]
                p, first = p[n:], False
                if last:
                    break
        return bytes(out)

    rng = random.Random(0)
    for r in range(runs):
        rid = f"r{r:07d}"
        recs = []
        run = pb.Record()
        run.run.run_id, run.run.display_name, run.run.project = rid, f"run{r}", "bench"
        run.run.start_time.seconds = 1_790_000_000 + r
        for k, v in (("_wandb", "{}"), ("lr", str(1e-3 * (r % 7 + 1))), ("seed", str(r))):
            run.run.config.update.add(key=k, value_json=v)
        recs.append(run.SerializeToString())
        for s in range(steps):
            h = pb.Record()
            row = {
                "_step": str(s),
                "_timestamp": repr(1.79e9 + r + s * 0.1),
                "_runtime": repr(s * 0.1),
                "loss": repr(1 / (s + 1) + rng.random() * 0.01),
                "lr": repr(1e-3 * (1 - s / steps)),
                "grad_norm": repr(rng.random()),
            }
            for k, v in row.items():
                h.history.item.add(nested_key=[k], value_json=v)
            if s % 10 == 9:
                h.history.item.add(nested_key=["eval", "acc"], value_json=repr(rng.random()))
            h.history.step.num = s
            recs.append(h.SerializeToString())
            sm = pb.Record()
            sm.summary.update.add(nested_key=["loss"], value_json=row["loss"])
            recs.append(sm.SerializeToString())
        ex = pb.Record()
        ex.exit.exit_code = 0
        recs.append(ex.SerializeToString())
        d = os.path.join(root, "wandb", f"offline-run-20260101_000000-{rid}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"run-{rid}.wandb"), "wb") as fh:
            fh.write(frame(recs))
    open(os.path.join(root, ".complete"), "w").close()
    return root


def _wandb_floor(files: list[str]) -> int:
    """The bare minimum with wandb's own classes: framing (no checksum), ParseFromString of
    every record, json.loads of every history value; no frame, no checks."""
    import json
    import struct

    from wandb.proto import wandb_internal_pb2 as pb

    unpack = struct.Struct("<IHB").unpack_from
    rec = pb.Record()
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        pos, end, parts = 7, len(data), []
        while pos + 7 <= end:
            room = 32768 - pos % 32768
            if room < 7:
                pos += room
                continue
            _crc, length, kind = unpack(data, pos)
            chunk = data[pos + 7 : pos + 7 + length]
            pos += 7 + length
            if kind == 1:
                payload = chunk
            elif kind == 2:
                parts = [chunk]
                continue
            elif kind == 3:
                parts.append(chunk)
                continue
            elif kind == 4:
                payload = b"".join([*parts, chunk])
            else:
                pos += room - 7 - length
                continue
            rec.ParseFromString(payload)
            if rec.WhichOneof("record_type") == "history":
                for item in rec.history.item:
                    json.loads(item.value_json)
                    n += 1
    return n


def _interleaved(fns: dict, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[k].append(time.perf_counter() - t0)
    return out


def _wandb_row(runs: int, repeat: int) -> Row:
    import wandb.proto.wandb_internal_pb2  # noqa: F401 - the one-time import, not timed

    from chartkit.metrics.readers.wandb import find_wandb_files, read_wandb

    root = make_wandb_runs(
        os.path.join(tempfile.gettempdir(), f"chartkit_bench_wandb_{runs}"), runs
    )
    files = [str(f) for f in find_wandb_files(root)]
    n_ck = len(read_wandb(root).metrics)
    print(f"W&B: {runs} runs, chartkit {n_ck} points, floor decoded {_wandb_floor(files)} values")
    t = _interleaved(
        {"chartkit": lambda: read_wandb(root), "floor": lambda: _wandb_floor(files)}, repeat
    )
    return Row(
        f"W&B offline runs, {runs} runs x 100 rows",
        median(t["chartkit"]),
        "framing+ParseFromString+json.loads",
        median(t["floor"]),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    rows: list[Row] = []
    if importlib.util.find_spec("optuna") is None:
        print('optuna not installed (pip install "chartkit[bench]"): skipping Optuna')
    else:
        import optuna

        from chartkit.metrics.readers.optuna import read_optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        path = make_study(
            os.path.join(tempfile.gettempdir(), f"chartkit_bench_optuna_{a.trials}.db"), a.trials
        )
        url = f"sqlite:///{path}"
        log = read_optuna(path)
        df = optuna.load_study(study_name=None, storage=url).trials_dataframe()
        print(
            f"Optuna: {len(log.info.extra['trials'])} trials, {len(log.metrics)} points "
            f"(trials_dataframe: {len(df)} rows x {len(df.columns)} columns, no intermediate "
            "values)"
        )
        t = _interleaved(
            {
                "chartkit": lambda: read_optuna(path),
                "optuna": lambda: optuna.load_study(
                    study_name=None, storage=url
                ).trials_dataframe(),
            },
            a.repeat,
        )
        rows.append(
            Row(
                f"Optuna SQLite study, {a.trials} trials",
                median(t["chartkit"]),
                "load_study().trials_dataframe()",
                median(t["optuna"]),
                target=("<=", 0.5),
            )
        )
    import json

    from chartkit.metrics import read
    from chartkit.metrics.readers.hf_trainer import read_hf_trainer

    root = make_hf_runs(os.path.join(tempfile.gettempdir(), f"chartkit_bench_hf_{a.runs}"), a.runs)
    dirs = sorted(os.path.join(root, d) for d in os.listdir(root) if d.startswith("run"))

    def anchor():
        for d in dirs:
            with open(os.path.join(d, "trainer_state.json")) as fh:
                json.load(fh)

    fns = {
        "chartkit": lambda: read_hf_trainer(root),
        "read": lambda: read(root),
        "json": anchor,
    }
    if importlib.util.find_spec("msgspec") is not None:
        import msgspec

        def floor():  # the part no reader of these files avoids: read and decode them
            for d in dirs:
                with open(os.path.join(d, "trainer_state.json"), "rb") as fh:
                    msgspec.json.decode(fh.read())

        fns["floor"] = floor
    log = read_hf_trainer(root)
    print(f"HF Trainer: {a.runs} runs, {len(log.metrics)} points in one RunLog")
    t = _interleaved(fns, a.repeat)
    what = f"HF Trainer sweep, {a.runs} runs x 110 entries"
    rows.append(
        Row(
            f"{what}: read_hf_trainer(folder)",
            median(t["chartkit"]),
            "json.load",
            median(t["json"]),
            target=("<=", 0.5),
        )
    )
    rows.append(Row(f"{what}: read(folder)", median(t["read"]), "json.load", median(t["json"])))
    if "floor" in t:
        rows.append(
            Row(
                f"{what}: msgspec read+decode only",
                median(t["floor"]),
                "json.load",
                median(t["json"]),
            )
        )
    if importlib.util.find_spec("mlflow") is None:
        print('mlflow not installed (pip install "chartkit[bench]"): skipping MLflow')
    else:
        from chartkit.metrics.readers.mlflow import read_mlflow

        store = make_mlflow_store(
            os.path.join(tempfile.gettempdir(), f"chartkit_bench_mlflow_{a.runs}"), a.runs
        )
        n_api = _mlflow_api(store)
        n_ck = len(read_mlflow(store).metrics)
        print(f"MLflow: {a.runs} runs, chartkit {n_ck} points, mlflow API {n_api} points")
        t = _interleaved(
            {"chartkit": lambda: read_mlflow(store), "mlflow": lambda: _mlflow_api(store)},
            a.repeat,
        )
        rows.append(
            Row(
                f"MLflow file store, {a.runs} runs",
                median(t["chartkit"]),
                "search_runs+get_metric_history",
                median(t["mlflow"]),
                target=("<=", 0.5),
            )
        )
    if importlib.util.find_spec("wandb") is None:
        print('wandb not installed (pip install "chartkit[wandb]"): skipping W&B')
    else:
        rows.append(_wandb_row(a.runs, a.repeat))
    ok = report("New log readers (issue 18)", rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
