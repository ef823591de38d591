"""Tiny real Ray Tune run (CPU) producing a real experiment folder.

Mirrors the classic PyTorch + Ray Tune tutorial search space (l1, l2, lr,
batch_size) on a synthetic classification set, with the current Tuner API.

Usage: python gen_ray_tune.py OUT_DIR --name NAME --seed 0 --scheduler asha
       [--num-samples 16] [--max-t 10] [--layers]
scheduler: asha | hyperband | pbt | none

Copied from the shared fixtures' generator for chartkit's scheduler tests: ``--layers``
adds a list-valued config key (``"layers": [16, 16]`` or ``[64, 32]``, not used by the
model) as users' search spaces often hold; ``--perturbation-interval`` sets PBT's. After a
run, delete ``checkpoint_*`` folders, ``*.pkl``, ``basic-variant-state-*`` and the event
files to keep the folder small (never read pickles).
"""
import argparse
import os
import tempfile

import numpy as np
import ray
import torch
import torch.nn as nn
from ray import tune
from ray.tune import CLIReporter
from ray.tune.schedulers import ASHAScheduler, HyperBandScheduler, PopulationBasedTraining


def make_data(seed, n=1200, d=16, k=4):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(k, d, generator=g) * 1.5
    y = torch.randint(0, k, (n,), generator=g)
    x = centers[y] + torch.randn(n, d, generator=g) * 1.8
    ntr = int(n * 0.8)
    return x[:ntr], y[:ntr], x[ntr:], y[ntr:]


class Net(nn.Module):
    def __init__(self, d, l1, l2, k):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, l1), nn.ReLU(), nn.Linear(l1, l2), nn.ReLU(), nn.Linear(l2, k))

    def forward(self, x):
        return self.net(x)


def train_fn(config):
    torch.set_num_threads(1)
    data_seed = config.get("data_seed", 0)
    xtr, ytr, xva, yva = make_data(data_seed)
    net = Net(xtr.shape[1], int(config["l1"]), int(config["l2"]), 4)
    opt = torch.optim.SGD(net.parameters(), lr=config["lr"], momentum=0.9)
    crit = nn.CrossEntropyLoss()
    start_epoch = 0
    ckpt = tune.get_checkpoint()
    if ckpt:
        with ckpt.as_directory() as d:
            state = torch.load(os.path.join(d, "checkpoint.pt"))
            net.load_state_dict(state["net"])
            opt.load_state_dict(state["opt"])
            start_epoch = state["epoch"] + 1
            for g in opt.param_groups:  # PBT may have mutated lr
                g["lr"] = config["lr"]
    bs = int(config["batch_size"])
    g = torch.Generator().manual_seed(1234)
    for epoch in range(start_epoch, 10_000):
        net.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss = crit(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            out = net(xva)
            val_loss = crit(out, yva).item()
            acc = (out.argmax(1) == yva).float().mean().item()
        metrics = {"loss": val_loss, "accuracy": acc}
        with tempfile.TemporaryDirectory() as tmp:
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "epoch": epoch},
                       os.path.join(tmp, "checkpoint.pt"))
            tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(tmp))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--name", default="tune_mlp")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scheduler", default="asha")
    ap.add_argument("--num-samples", type=int, default=16)
    ap.add_argument("--max-t", type=int, default=10)
    ap.add_argument("--layers", action="store_true")
    ap.add_argument("--perturbation-interval", type=int, default=2)
    a = ap.parse_args()
    np.random.seed(a.seed)
    import random; random.seed(a.seed)  # PBT draws its mutations from `random`
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    config = {
        "l1": tune.sample_from(lambda _: 2 ** np.random.randint(2, 9)),
        "l2": tune.sample_from(lambda _: 2 ** np.random.randint(2, 9)),
        "lr": tune.loguniform(1e-4, 1e-1),
        "batch_size": tune.choice([8, 16, 32, 64]),
        "data_seed": a.seed,
    }
    if a.layers:
        config["layers"] = tune.choice([[16, 16], [64, 32]])
    if a.scheduler == "asha":
        sched = ASHAScheduler(metric="loss", mode="min", max_t=a.max_t, grace_period=1, reduction_factor=2)
    elif a.scheduler == "hyperband":
        sched = HyperBandScheduler(metric="loss", mode="min", max_t=a.max_t, reduction_factor=2)
    elif a.scheduler == "pbt":
        sched = PopulationBasedTraining(
            time_attr="training_iteration", metric="loss", mode="min", perturbation_interval=a.perturbation_interval,
            hyperparam_mutations={"lr": tune.loguniform(1e-4, 1e-1), "batch_size": [8, 16, 32, 64]})
    else:
        sched = None
    reporter = CLIReporter(metric_columns=["loss", "accuracy", "training_iteration"])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    tune_cfg = dict(num_samples=a.num_samples, scheduler=sched)
    if sched is None:
        tune_cfg.update(metric="loss", mode="min")
    tuner = tune.Tuner(
        tune.with_resources(train_fn, {"cpu": 1}),
        param_space=config,
        tune_config=tune.TuneConfig(**tune_cfg),
        run_config=tune.RunConfig(
            name=a.name, storage_path=out, progress_reporter=reporter,
            stop={"training_iteration": a.max_t},
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
        ),
    )
    results = tuner.fit()
    best = results.get_best_result("loss", "min", "last")
    print("BEST", best.config, best.metrics["loss"], best.metrics["accuracy"])
    df = results.get_dataframe()
    print(df.columns.tolist())
    print("ray", ray.__version__)


if __name__ == "__main__":
    main()
