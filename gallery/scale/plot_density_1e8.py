"""
Density of 10^8 points: 1,024 ranks x 100,000 steps through Dask
================================================================

A synthetic 1,024-GPU job logs its loss every step for 100,000 steps: 1.024e8 points. Lines
at that count only show which rank was drawn last, so ``plot_density`` counts every point in
the pixel it falls in (datashader, on the Dask frame: only the count grid comes back) and
draws the counts on a log colour scale, with the median of each pixel column on top. The
frame is built lazily with ``dask.dataframe.from_map``, one partition per block of 16 ranks,
in chartkit's canonical columns; nothing holds the 10^8 rows at once.

The job has three kinds of ranks: most converge together; 24 see harder data and stay
higher (the faint upper band); three diverge near step 70,000 and then log NaN, which the
note counts and leaves out. Needs ``pip install "chartkit[scale]"``.
"""

import dask.dataframe as dd
import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.metrics.plots import plot_density
from chartkit.metrics.schema import make_frame

RANKS = 1024
STEPS = 100_000
BLOCK = 16  # ranks per partition: 1.6 million rows, about 50 MB while it is counted
LAGGING = set(range(40, 1024, 43))  # 24 ranks on harder shards
DIVERGING = {129, 517, 901}


def block(k: int):
    """The loss of ranks ``16k .. 16k+15``, every step, in the canonical columns."""
    rng = np.random.default_rng(k)
    step = np.arange(STEPS, dtype=np.int64)
    values = []
    for rank in range(k * BLOCK, (k + 1) * BLOCK):
        tau = rng.normal(18_000, 1_500)
        floor = 0.35 + (0.45 if rank in LAGGING else 0.0) + rng.normal(0, 0.02)
        loss = 2.1 * np.exp(-step / tau) + floor
        loss *= 1 + rng.normal(0, 0.04, STEPS)  # per-step noise, proportional
        if rank in DIVERGING:
            start = int(rng.integers(66_000, 74_000))
            grow = np.exp((step[start:] - start) / 1_800.0) - 1
            loss[start:] += 0.05 * grow
            loss[start + 9_000 :] = np.nan  # the loss overflows: NaN from here on
        values.append(loss)
    return make_frame(
        "synthetic",
        run="job-1024",
        rank=np.repeat(np.arange(k * BLOCK, (k + 1) * BLOCK, dtype=np.int32), STEPS),
        step=np.tile(step, BLOCK),
        metric="loss",
        value=np.concatenate(values),
    )


meta = block(0).iloc[:0]
frame = dd.from_map(block, range(RANKS // BLOCK), meta=meta)

# %%
with chartkit.theme():
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    plot_density(frame, "loss", by="rank", median=True, ax=ax)
    ax.set_title("1,024 ranks x 100,000 steps: every point counted")
    plt.show()
