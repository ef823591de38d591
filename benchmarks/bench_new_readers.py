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


def _interleaved(fns: dict, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[k].append(time.perf_counter() - t0)
    return out


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
    ok = report("New log readers (issue 18)", rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
