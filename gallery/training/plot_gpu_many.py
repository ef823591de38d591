"""
Many GPUs: one heatmap row per GPU, events labelled inside
==========================================================

An nvidia-smi log of 8 GPUs (synthetic, in nvidia-smi's own CSV format): training, the end of
training, a batch-size search up to an out-of-memory peak and ``empty_cache``, the process
end. ``plot_gpu_heatmap`` draws one row per GPU; ``heatmap_height`` gives the figure a
readable height per row, and the memory events are labelled inside the Axes by
``chartkit.annotate.label_points`` (labels without room are counted in the note, and
``memory_events`` lists them all).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.metrics import read
from chartkit.metrics.plots import heatmap_height, plot_gpu_heatmap

HEADER = (
    "timestamp, index, name, uuid, pstate, utilization.gpu [%], utilization.memory [%], "
    "memory.total [MiB], memory.used [MiB], memory.free [MiB], temperature.gpu, "
    "power.draw [W], clocks.current.sm [MHz]"
)
rng = np.random.default_rng(0)
lines = [HEADER]
for t in range(60):
    for g in range(8):
        phases = [(5, 0, 0), (25, 30000 + 400 * g, 92), (30, 900, 4), (36, 11000 * (t - 29), 70)]
        used, util = next(((u, v) for end, u, v in phases if t < end), (900 if t < 50 else 0, 2))
        util = int(min(100, max(0, util + rng.integers(-3, 4))))
        lines.append(
            f"2026/11/27 03:{51 + t // 60:02d}:{t % 60:02d}.250, {g}, NVIDIA H100 80GB HBM3, "
            f"GPU-{g:08d}-0000-0000-0000-000000000000, P0, {util} %, {util // 2} %, 81559 MiB, "
            f"{used} MiB, {81559 - used} MiB, {40 + util // 3}, {70 + 6 * util:.2f} W, "
            f"{345 + 15 * util} MHz"
        )
path = Path(tempfile.mkdtemp()) / "nvidia_smi_8gpu.csv"
path.write_text("\n".join(lines) + "\n")
smi = read(path)

# %%
with chartkit.theme():
    fig, ax = plt.subplots(figsize=(8, heatmap_height(8)), layout="constrained")
    plot_gpu_heatmap(smi, "memory", ax=ax)
    ax.set_title("8 GPUs: memory, OOM peaks and empty_cache")
    plt.show()
