"""
Rank spread of 128 ranks x 50,000 steps through the Dask engine
================================================================

A synthetic 128-GPU job logs its loss every step for 50,000 steps: 6.4 million points, one
Dask partition per rank (``dask.dataframe.from_map``, chartkit's canonical columns).
``plot_rank_spread`` takes the Dask frame as it takes a pandas one, but reduces it where the
data is (`chartkit.metrics.reduce`): each rank is smoothed whole in its partition and
averaged per pixel column, and only that table of pixel columns x ranks comes back to draw
the median, the band and the straggler. The note says the chart is per pixel column.

With a real log, ``chartkit.metrics.read(LOGS, cache=DIR, engine="dask")`` gives the same
lazy frame from a Parquet cache, one partition per series; on a cluster, start a
``dask.distributed.Client`` first. Needs ``pip install "chartkit[scale]"``.
"""

import dask
import dask.dataframe as dd
import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.metrics.plots import plot_rank_spread
from chartkit.metrics.schema import make_frame

RANKS = 128
STEPS = 50_000
STRAGGLER = 77  # a rank whose data shard is harder: its loss stays higher


def rank_log(rank: int):
    """The loss of one rank, every step, in the canonical columns."""
    rng = np.random.default_rng(rank)
    step = np.arange(1, STEPS + 1, dtype=np.int64)
    loss = 2.0 * np.exp(-step / 9_000) + 0.3 + (0.25 if rank == STRAGGLER else 0.0)
    loss *= 1 + rng.normal(0, 0.05, STEPS)
    return make_frame("synthetic", run="job-128", rank=rank, step=step, metric="loss",
                      value=loss)


frame = dd.from_map(rank_log, range(RANKS), meta=rank_log(0).iloc[:0])

# %%
with chartkit.theme(), dask.config.set(scheduler="threads"):
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    plot_rank_spread(frame, "loss", band="iqr", ax=ax)
    ax.set_title("128 ranks x 50,000 steps: median, IQR and the straggler")
    plt.show()
