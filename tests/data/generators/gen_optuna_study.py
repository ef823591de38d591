"""Write a small real Optuna study (SQLite RDB storage) for the reader's tests.

Run with the generation venv (optuna + torch)::

    /work/genvenv/bin/python tests/data/generators/gen_optuna_study.py tests/data/optuna

A tiny MLP regression is trained on CPU for each trial; the validation loss is reported
every epoch (``trial.report``) so the MedianPruner prunes the weak trials mid-run; one trial
raises (state FAIL, caught by ``optimize(catch=...)``). Parameters cover a log-uniform float
(``lr``), a linear float (``dropout``), an int (``hidden``) and a categorical
(``optimizer``); user attributes are set on every trial. A second study in the same file
(``tiny_tpe``, HyperbandPruner) checks that ``study=`` picks one.
"""

from __future__ import annotations

import os
import sys

import optuna
import torch

EPOCHS = 8


def make_data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.1 * torch.randn(256, 1, generator=g)).float()
    return x[:192], y[:192], x[192:], y[192:]


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-4, 3e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    hidden = trial.suggest_int("hidden", 4, 32, step=4)
    opt_name = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    trial.set_user_attr("device", "cpu")
    if trial.number == 5:
        raise RuntimeError("simulated CUDA out of memory in trial 5")
    torch.manual_seed(trial.number)
    xt, yt, xv, yv = make_data()
    model = torch.nn.Sequential(
        torch.nn.Linear(4, hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(dropout),
        torch.nn.Linear(hidden, 1),
    )
    opt_cls = torch.optim.Adam if opt_name == "adam" else torch.optim.SGD
    opt = opt_cls(model.parameters(), lr=lr)
    val = float("nan")
    for epoch in range(EPOCHS):
        model.train()
        for i in range(0, len(xt), 32):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(xt[i : i + 32]), yt[i : i + 32])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = float(torch.nn.functional.mse_loss(model(xv), yv))
        trial.report(val, epoch + 1)
        if trial.should_prune():
            trial.set_user_attr("pruned_at", epoch + 1)
            raise optuna.TrialPruned()
    trial.set_user_attr("epochs_run", EPOCHS)
    return val


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "study.db")
    if os.path.exists(path):
        os.remove(path)
    url = f"sqlite:///{path}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="tiny_mlp",
        storage=url,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=2),
    )
    study.set_user_attr("problem", "tiny MLP regression")
    study.optimize(objective, n_trials=24, catch=(RuntimeError,))
    study2 = optuna.create_study(
        study_name="tiny_tpe",
        storage=url,
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=1),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=EPOCHS),
    )
    study2.optimize(lambda t: objective(t) if t.number != 5 else 1.0, n_trials=8)
    states = [t.state.name for t in study.trials]
    print({s: states.count(s) for s in set(states)}, os.path.getsize(path), "bytes")


def make_sample(src: str, dst: str) -> None:
    """The gallery's sample: a copy of *src* holding only the ``tiny_mlp`` study."""
    import shutil
    import sqlite3

    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    optuna.delete_study(study_name="tiny_tpe", storage=f"sqlite:///{dst}")
    con = sqlite3.connect(dst)
    con.execute("VACUUM")
    con.close()
    print(dst, os.path.getsize(dst), "bytes")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sample"]:  # --sample SRC DST
        make_sample(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/optuna")
