"""New readers (issue 18) against their source's own Python API, on the same files.

* Optuna: `chartkit.metrics.read_optuna` against ``optuna.load_study(...).trials_dataframe()``
  on one SQLite study of ``--trials`` (500) trials: 4 parameters (one log-uniform, one
  categorical), 1-20 intermediate values each, COMPLETE and PRUNED, a user attribute.
  Target: at most 0.5x. Both open the storage through optuna (chartkit read-only); chartkit
  then fetches the rows in bulk queries and builds the long frame with every intermediate
  value, which ``trials_dataframe`` leaves out.
* Hugging Face Trainer (``json.load`` of trainer_state.json) and MLflow (``search_runs`` +
  ``get_metric_history``): not measured, those readers are not written yet.

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
    print("Hugging Face Trainer and MLflow readers: not written yet, not measured (MISSED)")
    ok = report("New log readers (issue 18)", rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
