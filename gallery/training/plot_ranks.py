"""
Ranks: spread, stragglers and throughput
========================================

``plot_rank_spread`` draws the median across ranks with a band and highlights ranks that stay
far from the others (here a synthetic 8-rank run where rank 5 lags). ``plot_throughput``
shows the real world-2 DDP run's throughput twice, each labelled with its source: the mean of
the logged per-step ``samples_per_sec`` overweights fast steps and comes out 1.64x higher
than samples divided by wall time. The samples come from the batch size the run used (16 per
rank, given as ``batch_size=16``; a logged ``batch_size`` or the run's config works too),
never from the logged rate; without one the chart says what is missing.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_rank_spread, plot_throughput
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame

rng = np.random.default_rng(3)
frames = []
for rank in range(8):
    step = np.arange(1, 1001)
    lag = 0.25 if rank == 5 else 0.0
    loss = 2.2 * np.exp(-step / 250) + rng.normal(0, 0.05, step.size) + 0.15 + lag
    frames.append(make_frame("demo", run="ddp8", rank=rank, step=step, metric="loss", value=loss))
eight = finish(concat_frames(frames), LogInfo(source="demo"), warn=False)
world2 = read(sample_path("ddp_world2"))

# %%
with chartkit.theme():
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5), layout="constrained")
    plot_rank_spread(eight, "loss", ax=left)
    left.set_title("8 ranks: median, band and the straggler")
    plot_throughput(world2, batch_size=16, ax=right)
    right.set_title("world 2 throughput: two sources, labelled")
    plt.show()
