"""
Training curves that keep every spike
=====================================

``plot_curves`` draws each rank of a DistributedDataParallel run (real logs bundled with
chartkit), smoothed by kind: noisy metrics (loss, throughput) get TensorBoard's EMA with the
raw series faint behind, schedules and counters (learning rate, epoch) are never smoothed.
Long series are decimated to the first/last/min/max point of each pixel column, so the loss
peak (2.088) and the throughput dip (272 samples/s) that TensorBoard's 1000-point reservoir
can drop are still drawn. The right panel shows a divergence: the y limits come from each
rank's healthy part, so a finite explosion (2.8e28) right before NaN no longer flattens the
axis; it is drawn as a triangle at the edge, the divergence step is a dotted line, and the
facts are one note inside the Axes.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_curves
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame

world2 = read(sample_path("ddp_world2"))

# %%
# A diverging run, made up for the example: rank 1 explodes at step 1200, then NaN.
rng = np.random.default_rng(0)
frames = []
for rank in range(2):
    step = np.arange(1, 1601)
    loss = 2.0 * np.exp(-step / 300) + rng.normal(0, 0.04, step.size) + 0.1
    if rank == 1:
        loss[1199] = 2.8e28
        loss[1200:] = np.nan
    frames.append(
        make_frame("demo", run="lr=0.4", rank=rank, step=step, metric="loss", value=loss)
    )
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    diverged = finish(concat_frames(frames), LogInfo(source="demo"), warn=False)

with chartkit.theme():
    fig, (left, mid, right) = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    plot_curves(world2, "loss", ax=left)
    left.set_title("DDP world 2: loss per rank")
    plot_curves(world2, "samples_per_sec", ax=mid, legend=False)
    mid.set_title("samples/s per rank, every dip kept")
    plot_curves(diverged, "loss", ax=right)
    right.set_title("발산한 rank: NaN 표시와 축 유지")
    plt.show()
