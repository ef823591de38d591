"""Write a small real MLflow file store (``mlruns/``) for the reader's tests.

Run with the generation venv (mlflow-skinny)::

    /work/genvenv/bin/python tests/data/generators/gen_mlflow.py tests/data/mlflow

Experiment ``sweep``: a parent run with 4 nested child runs (a learning-rate sweep), each
logging ``loss`` and ``val_loss`` per step with ``log_metric(step=...)``, params and a tag;
one child raises mid-run (status FAILED). Experiment ``single``: one plain run.
"""

from __future__ import annotations

import math
import os
import shutil
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # 3.x: the file store is opt-in

import mlflow


def main(out: str) -> None:
    root = os.path.abspath(os.path.join(out, "mlruns"))
    shutil.rmtree(root, ignore_errors=True)
    mlflow.set_tracking_uri("file://" + root)
    mlflow.set_experiment("sweep")
    with mlflow.start_run(run_name="sweep-parent"):
        mlflow.log_param("search", "grid")
        for i, lr in enumerate([0.001, 0.01, 0.1, 0.3]):
            try:
                with mlflow.start_run(run_name=f"lr{lr}", nested=True):
                    mlflow.log_params({"lr": lr, "batch_size": 32})
                    mlflow.set_tag("family", "mlp")
                    for step in range(12):
                        if i == 3 and step == 6:
                            raise RuntimeError("loss diverged")
                        loss = math.exp(-lr * 10 * step) + 0.05 * i
                        mlflow.log_metric("loss", loss, step=step)
                        if step % 3 == 2:
                            mlflow.log_metric("val_loss", loss * 1.1, step=step)
            except RuntimeError:
                pass
    mlflow.set_experiment("single")
    with mlflow.start_run(run_name="baseline"):
        mlflow.log_param("lr", 0.05)
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    for d, _sub, files in os.walk(root):
        for f in files:
            print(os.path.relpath(os.path.join(d, f), root))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/mlflow")
