"""
TensorBoard logs: every point, spikes included
===============================================

TensorBoard's UI keeps 1000 points per tag by reservoir sampling, so a one-step loss spike
in a 10,000-step run usually vanishes from the chart. ``read_tensorboard`` reads every
scalar point of every event file (one ``rank<R>`` folder per process here), so the spike
that rank 1 hit at step 3,500 stays visible. The event files are written on the spot with
tensorboardX's ``SummaryWriter`` (the writer Ray Tune uses; ``pip install
"chartkit[tensorboard]"`` installs it), and every record's checksum is verified on reading.
"""

import math
import os
import random
import tempfile

import matplotlib.pyplot as plt
from tensorboardX import SummaryWriter

import chartkit
from chartkit.metrics.readers.tensorboard import read_tensorboard

# %%
# Two ranks of a 10,000-step run; rank 1 has a single-step loss spike.
rng = random.Random(0)
with tempfile.TemporaryDirectory() as logdir:
    for rank in (0, 1):
        writer = SummaryWriter(os.path.join(logdir, f"rank{rank}"))
        for step in range(10_000):
            loss = 2.0 * math.exp(-step / 2000) + 0.15 + rng.gauss(0, 0.02)
            if rank == 1 and step == 3500:
                loss += 3.0
            writer.add_scalar("train/loss", loss, step, walltime=1.7e9 + step * 0.05)
        writer.close()
    log = read_tensorboard(logdir)

loss = log.wide("train/loss")  # one column per rank, every step

# %%
# What a 1000-point reservoir of the same series keeps, next to every point.
kept = sorted(random.Random(1).sample(range(len(loss)), 1000))
with chartkit.theme("default"):
    fig, axs = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True, layout="constrained")
    for ax, title, frame in (
        (axs[0], "1000-point reservoir (TensorBoard UI)", loss.iloc[kept]),
        (axs[1], f"every point ({len(loss):,} steps)", loss),
    ):
        for rank in frame.columns:
            ax.plot(frame.index, frame[rank], lw=0.8, label=f"rank {rank}")
        ax.set_title(title)
        ax.set_xlabel("step")
    axs[0].set_ylabel("train/loss")
    axs[1].legend(loc="upper right")
    plt.show()
