"""
Scaling efficiency from world 2 to world 4
==========================================

``plot_scaling`` compares runs that differ only in world size. The bundled DDP runs were made
on a 2-core machine: 4 ranks oversubscribe it, so the throughput falls and the efficiency is
0.33. The chart says so plainly, next to the ideal line. Throughput is samples over wall
time, with the per-rank batch size the runs used (``batch_size=16``).
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_scaling

runs = [read(sample_path("ddp_world2")), read(sample_path("ddp_world4"))]

# %%
with chartkit.theme():
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_scaling(runs, batch_size=16, ax=ax)
    ax.set_title("GPU 수에 따른 확장성 (2코어 CPU, gloo)")
    plt.show()
