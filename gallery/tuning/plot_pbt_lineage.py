"""
PBT lineage as segments
=======================

Population-based training copies the weights of a good trial into a bad one and perturbs
its hyper-parameters: in Ray's ``result.json`` the trial's ``training_iteration`` goes back
(it restored an older checkpoint) and its ``config`` changes mid-file, while
``params.json`` keeps the initial values. The reader keeps one params row per lineage
segment, and ``plot_trials`` colours each segment by its own learning rate and marks where
it starts. The run here is synthetic: a small Ray-style folder written to a temporary
directory (4 trials, an exploit every 4 iterations).
"""

import json
import math
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics.plots import plot_trials
from chartkit.metrics.readers.ray import read_ray


def write_pbt(root: Path) -> None:
    """4 trials; at iterations 4 and 8 the worst copies the best one (from 1 step back)."""
    lrs = [0.002, 0.01, 0.05, 0.3]
    state = [{"w": 3.0, "it": 0, "lr": lr, "rows": []} for lr in lrs]
    for it in range(1, 13):
        for t in state:
            t["it"] += 1
            t["w"] -= t["lr"] * 2 * t["w"] * (1 if t["lr"] < 0.2 else -0.3)
            loss = t["w"] ** 2 / 9 + 0.02 * math.sin(t["it"])
            t["rows"].append((t["it"], loss, t["lr"]))
        if it in (4, 8):
            order = sorted(state, key=lambda t: t["rows"][-1][1])
            best, worst = order[0], order[-1]
            # restore the best trial's checkpoint of the previous iteration, explore lr
            it0, loss0, _ = best["rows"][-2]
            worst["it"] = it0
            worst["w"] = math.copysign(math.sqrt(max(loss0, 0.0) * 9), best["w"])
            worst["lr"] = round(best["lr"] * (1.2 if it == 4 else 0.8), 4)
    for k, (t, lr0) in enumerate(zip(state, lrs, strict=True)):
        d = root / f"train_pbt_{k:05d}_lr={lr0}"
        d.mkdir(parents=True)
        (d / "params.json").write_text(json.dumps({"lr": lr0}))
        with open(d / "result.json", "w") as f:
            for i, (step, loss, lr) in enumerate(t["rows"]):
                rec = {"loss": loss, "training_iteration": step, "trial_id": f"pbt_{k:05d}"}
                rec.update({"done": i == len(t["rows"]) - 1, "config": {"lr": lr}})
                f.write(json.dumps(rec) + "\n")


# %%
# The reader warns about the rewinds it kept as segments; here its summary is printed
# instead, with the params frame (one row per segment).
with tempfile.TemporaryDirectory() as tmp:
    write_pbt(Path(tmp) / "tune_pbt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read_ray(Path(tmp) / "tune_pbt")
print(log.info.summary())
print(log.params.to_string(index=False))

# %%
with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    plot_trials(log, "loss", color_by="lr", ax=ax)
    plt.show()
