"""Write the MLflow sweep bundled as ``sample_path("mlflow_sweep")`` (gallery and docs).

Run with the generation venv (mlflow-skinny)::

    /work/genvenv/bin/python tests/data/generators/gen_mlflow_sample.py \
        chartkit/metrics/sample_data/mlflow_sweep

One experiment ``logreg-sweep``: a parent run and 10 nested child runs, each a real (tiny)
training: logistic regression by minibatch SGD in numpy on two overlapping Gaussian blobs
(800 training and 400 validation points, seed fixed), 15 epochs, logging ``loss``,
``val_loss`` and ``val_acc`` per epoch with ``log_metric(step=epoch)``. Params: ``lr`` (5
values, log-spaced), ``batch_size`` (16 or 128) and ``weight_decay``. The run with the
smallest learning rate and batch stops with an exception after 4 epochs (its status is
FAILED), as a run whose worker was lost would.
"""

from __future__ import annotations

import os
import shutil
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

import mlflow
import numpy as np


def _data(rng):
    n = 1200
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1.0, (n, 8)) + (y[:, None] * 2 - 1) * 0.45
    return (x[:800], y[:800]), (x[800:], y[800:])


def _loss(w, b, x, y, wd):
    z = x @ w + b
    p = 1 / (1 + np.exp(-z))
    eps = 1e-12
    ce = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return ce + 0.5 * wd * float(w @ w), float(np.mean((p > 0.5) == y))


def train(lr, batch_size, wd, epochs, fail_after=None):
    rng = np.random.default_rng(0)
    (xt, yt), (xv, yv) = _data(rng)
    w, b = np.zeros(xt.shape[1]), 0.0
    for epoch in range(1, epochs + 1):
        if fail_after is not None and epoch > fail_after:
            raise RuntimeError("worker lost")
        order = rng.permutation(len(xt))
        for i in range(0, len(xt), batch_size):
            idx = order[i : i + batch_size]
            p = 1 / (1 + np.exp(-(xt[idx] @ w + b)))
            g = p - yt[idx]
            w -= lr * (xt[idx].T @ g / len(idx) + wd * w)
            b -= lr * float(g.mean())
        loss, _ = _loss(w, b, xt, yt, wd)
        val_loss, val_acc = _loss(w, b, xv, yv, wd)
        mlflow.log_metrics({"loss": loss, "val_loss": val_loss, "val_acc": val_acc}, step=epoch)


def main(out: str) -> None:
    root = os.path.abspath(os.path.join(out, "mlruns"))
    shutil.rmtree(root, ignore_errors=True)
    mlflow.set_tracking_uri("file://" + root)
    mlflow.set_experiment("logreg-sweep")
    grid = [(lr, bs) for lr in (0.003, 0.01, 0.03, 0.1, 0.3) for bs in (16, 128)]
    with mlflow.start_run(run_name="sweep"):
        mlflow.log_param("search", "grid")
        for k, (lr, bs) in enumerate(grid):
            wd = 1e-3 if k % 3 == 0 else 0.0
            try:
                with mlflow.start_run(run_name=f"lr{lr}_bs{bs}", nested=True):
                    mlflow.log_params({"lr": lr, "batch_size": bs, "weight_decay": wd})
                    fail = 4 if (lr, bs) == (0.003, 16) else None
                    train(lr, bs, wd, 15, fail_after=fail)
            except RuntimeError:
                pass
    # the Default experiment mlflow creates is empty: left out of the sample
    shutil.rmtree(os.path.join(root, "0"), ignore_errors=True)
    for d, _sub, files in sorted(os.walk(root)):
        for f in files:
            print(os.path.relpath(os.path.join(d, f), root))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "chartkit/metrics/sample_data/mlflow_sweep")
