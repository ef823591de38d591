"""
Reading training logs into one frame
====================================

``chartkit.metrics.read`` recognises the log a training tool wrote (here a Lightning
``CSVLogger`` folder and the per-rank JSONL files of a 4-process DistributedDataParallel run,
both bundled as sample data) and returns a ``RunLog``: one long frame with
``run, rank, step, metric, value`` whatever the format, a record of what was skipped, and
``wide(metric=...)`` to pivot one metric for plotting. Lightning's sparse rows (one kind of
record per row) collapse into one series per logged key.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path

# %%
# Lightning: the step loss is logged every 10 steps, the validation loss once per epoch.
lit = read(sample_path("lightning"))
train = lit.wide(metric="train_loss_step")
val = lit.wide(metric="val_loss")

with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(train.index, train["train_loss_step"], label="train loss (step)")
    ax.plot(val.index, val["val_loss"], marker="o", linestyle="--", label="validation loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"Lightning CSVLogger: {lit.info.rows} sparse rows, {len(lit.metrics)} points")
    ax.legend()
    plt.show()

# %%
# DDP on 4 ranks: each rank logs its own local loss (log scale, 50-step rolling mean).
ddp = read(sample_path("ddp_world4"))
loss = ddp.wide(metric="loss").rolling(50, min_periods=1).mean()

with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for rank in loss.columns:
        ax.plot(loss.index, loss[rank], label=f"rank {rank}", linewidth=1.2)
    ax.set_xlabel("step (per rank)")
    ax.set_ylabel("local loss, 50-step mean")
    ax.set_yscale("log")
    ax.set_title("4-process DDP run: one rank*.jsonl per rank")
    ax.legend(ncols=4)
    plt.show()
