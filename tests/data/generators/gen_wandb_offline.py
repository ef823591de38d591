"""Write small real Weights & Biases offline runs for the W&B reader's tests and sample.

Run with the generation venv (wandb 0.31)::

    /work/genvenv/bin/python tests/data/generators/gen_wandb_offline.py tests/data/wandb

Each variant is written by ``wandb`` itself in offline mode (``WANDB_MODE=offline``) into
``<out>/<variant>/wandb/offline-run-<date>-<id>/run-<id>.wandb``:

* ``plain``: ``loss`` and ``lr`` every step, ``{"eval": {"acc": ...}}`` every 5 steps,
  ``grad_norm`` merged into the next row with ``commit=False``, ``epoch_acc`` against a
  custom step (``define_metric(step_metric="epoch")``), a NaN and an inf loss, a config
  with nested dicts, a summary value set by hand;
* ``media``: a run logging an image, a table and a string beside ``loss``;
* ``crashed``: a run whose process is killed with SIGKILL mid-run (the writer's file ends
  where it was);
* ``multi``: three runs in one ``wandb/`` folder (``lr`` 0.01 / 0.03 / 0.1), the last one
  logging with ``step=`` every 2 steps;
* ``resumed``: one run id written twice (a first process stops at step 11, a second one
  resumes with ``resume="allow"`` from step 8: steps 8-11 logged again).
* ``sample`` (the gallery sample): two runs of 60 steps.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import time

CHILD = "--child"


def _env(out: str) -> None:
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    os.environ["WANDB_DIR"] = out
    os.environ["WANDB_DISABLE_GIT"] = "true"
    os.environ["WANDB_DISABLE_CODE"] = "true"
    os.environ["WANDB_CONSOLE"] = "off"
    os.environ["WANDB__DISABLE_STATS"] = "true"  # no system-metrics records: smaller files


def _init(wandb, name, config, **kw):
    return wandb.init(
        project="chartkit",
        name=name,
        config=config,
        settings=wandb.Settings(x_disable_stats=True, x_disable_machine_info=True),
        **kw,
    )


def plain(out: str) -> None:
    import wandb

    _env(out)
    run = _init(
        wandb,
        "plain",
        {
            "batch_size": 32,
            "optimizer": {"name": "adam", "lr": 0.01, "betas": [0.9, 0.999]},
            "model": {"layers": 2, "act": "relu"},
        },
    )
    run.define_metric("epoch")
    run.define_metric("epoch_acc", step_metric="epoch")
    for step in range(30):
        loss = 2.0 * math.exp(-step / 10) + 0.01 * (step % 3)
        if step == 17:
            loss = float("nan")
        if step == 23:
            loss = float("inf")
        run.log({"grad_norm": 1.0 / (step + 1)}, commit=False)
        row = {"loss": loss, "lr": 0.01 * (1 - step / 30)}
        if step % 5 == 4:
            row["eval"] = {"acc": 0.5 + step / 70}
        if step % 10 == 9:
            row["epoch"] = step // 10
            row["epoch_acc"] = 0.6 + step / 100
        run.log(row)
    run.summary["best_acc"] = 0.91
    run.finish()


def media(out: str) -> None:
    import numpy as np
    import wandb

    _env(out)
    run = _init(wandb, "media", {"lr": 0.1})
    rng = np.random.default_rng(0)
    for step in range(6):
        row = {"loss": 1.0 / (step + 1), "note": f"step {step}"}
        if step == 2:
            row["sample"] = wandb.Image(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
        if step == 4:
            row["preds"] = wandb.Table(columns=["x", "y"], data=[[1, 2], [3, 4]])
        run.log(row)
    run.finish()


def crashed_child(out: str) -> None:
    import wandb

    _env(out)
    run = _init(wandb, "crashed", {"lr": 0.1})
    for step in range(100000):
        run.log({"loss": 1.0 / (step + 1), "lr": 0.1})
        if step == 20:
            print("ready", flush=True)
        time.sleep(0.002)


def crashed(out: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, __file__, CHILD, out], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 30
    while time.time() < deadline:  # the writer flushes whole 32 KiB blocks: kill after one
        found = [
            os.path.join(d, f) for d, _s, fs in os.walk(out) for f in fs if f.endswith(".wandb")
        ]
        if found and os.path.getsize(found[0]) >= 32768:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(3)  # let wandb-core notice its parent is gone


def multi(out: str, n_steps: int = 20, name: str = "lr") -> None:
    import wandb

    _env(out)
    for i, lr in enumerate([0.01, 0.03, 0.1]):
        run = _init(wandb, f"{name}{lr}", {"lr": lr, "seed": i})
        for step in range(n_steps):
            loss = math.exp(-lr * 5 * step) + 0.02 * i
            if i == 2:
                if step % 2 == 0:
                    run.log({"loss": loss, "val_loss": loss * 1.1}, step=step)
            else:
                run.log({"loss": loss, "val_loss": loss * 1.1})
        run.finish()


def resumed(out: str) -> None:
    import wandb

    _env(out)
    run = _init(wandb, "resumed", {"lr": 0.05}, id="resume01")
    for step in range(12):
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    run.finish(exit_code=1)
    run = _init(wandb, "resumed", {"lr": 0.05}, id="resume01", resume="allow")
    for step in range(8, 16):
        run.log({"loss": 0.9 / (step + 1)}, step=step)
    run.finish()


def main(out: str) -> None:
    out = os.path.abspath(out)
    for name, fn in [
        ("plain", plain),
        ("media", media),
        ("crashed", crashed),
        ("multi", multi),
        ("resumed", resumed),
    ]:
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if fn is crashed:
            fn(d)
        else:
            subprocess.run([sys.executable, __file__, "--one", name, d], check=True)
    _prune(out)


def _prune(out: str, keep_latest: bool = True) -> None:
    """Drop wandb's debug logs, requirements.txt and tmp/ (kept small); the .wandb files,
    files/ (media) and, for the tests, the ``latest-run`` link stay."""
    for d, subs, files in os.walk(out):
        for f in files:
            p = os.path.join(d, f)
            if f.endswith(".log") or f == "requirements.txt":
                os.remove(p)
        for s in list(subs):
            p = os.path.join(d, s)
            if os.path.islink(p):
                if not (keep_latest and s == "latest-run"):
                    os.remove(p)
                subs.remove(s)
            elif s in ("logs", "tmp"):
                shutil.rmtree(p)
                subs.remove(s)


if __name__ == "__main__":
    if sys.argv[1] == CHILD:
        crashed_child(sys.argv[2])
    elif sys.argv[1] == "--one":
        {"plain": plain, "media": media, "multi": multi, "resumed": resumed}[sys.argv[2]](
            sys.argv[3]
        )
    elif sys.argv[1] == "--sample":
        d = os.path.abspath(sys.argv[2])
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        multi(d, n_steps=60, name="lr")
        _prune(d, keep_latest=False)
    else:
        main(sys.argv[1])
