"""Regenerate ``tune_pbt_error/``: a tiny real Ray Tune run with PBT and one failing trial.

Not run by the tests (they read the committed output). Needs ``ray[tune]`` only (no torch):

    python tests/data/ray_tune/make_pbt_error.py OUT

4 trials, PopulationBasedTraining(perturbation_interval=2) on a toy quadratic "loss", 10
iterations each, checkpoints written as JSON so exploited trials rewind
``training_iteration`` and change ``lr`` mid-file; trial 3 raises at iteration 3 so the
folder also holds an ERROR trial with ``error.txt``. Trial 0 is fast and always worst, so it
keeps exploiting slower trials whose newest checkpoint is behind it: its ``training_iteration``
goes back (4 -> 3, 6 -> 5) while ``lr`` changes. Copied into the tests: ``experiment_state-*``,
``basic-variant-state-*`` (a pickle, kept to prove it is never opened) and, per trial,
``params.json``, ``result.json``, ``progress.csv`` and ``error.txt``; checkpoints, event files,
PBT policy logs and the other pickles are left out.
"""

import argparse
import json
import math
import os
import random
import tempfile
import time

import ray
from ray import tune
from ray.tune.schedulers import PopulationBasedTraining


def trainable(config):
    start, w = 0, 5.0
    trial_id = tune.get_context().get_trial_id()
    # Trials run at different speeds, so a fast trial that exploits a slow one restores an
    # older checkpoint and its training_iteration goes back.
    pace = {"00000": 0.05, "00001": 0.3, "00002": 0.6}.get(trial_id[-5:], 0.3)
    ckpt = tune.get_checkpoint()
    if ckpt:
        with ckpt.as_directory() as d, open(os.path.join(d, "state.json")) as f:
            state = json.load(f)
        start, w = state["iter"], state["w"]
    for it in range(start + 1, 11):
        if trial_id.endswith("00003") and it == 3:
            raise RuntimeError("simulated divergence at iteration 3")
        time.sleep(pace)
        w -= config["lr"] * 2 * w
        # trial 0 is fast and always worst (an offset tied to the trial, not the config), so
        # it keeps exploiting slower trials whose newest checkpoint is behind it: a rewind.
        loss = w * w + 0.01 * math.sin(it) + (100.0 if trial_id.endswith("00000") else 0.0)
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "state.json"), "w") as f:
                json.dump({"iter": it, "w": w}, f)
            tune.report({"loss": loss, "w": w}, checkpoint=tune.Checkpoint.from_directory(tmp))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    a = ap.parse_args()
    random.seed(0)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    pbt = PopulationBasedTraining(
        time_attr="training_iteration",
        metric="loss",
        mode="min",
        perturbation_interval=2,
        hyperparam_mutations={"lr": [0.01, 0.05, 0.1, 0.2, 0.3]},
    )
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space={"lr": tune.grid_search([0.01, 0.05, 0.2, 0.3]), "units": 8},
        tune_config=tune.TuneConfig(scheduler=pbt, reuse_actors=False),
        run_config=tune.RunConfig(
            name="tune_pbt_error",
            storage_path=os.path.abspath(a.out),
            stop={"training_iteration": 10},
            failure_config=tune.FailureConfig(max_failures=0),
        ),
    )
    tuner.fit()


if __name__ == "__main__":
    main()
