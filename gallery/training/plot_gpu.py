"""
GPU utilisation, memory and the batch-size probe
================================================

Real logs of one H100 session (bundled): ``plot_gpu_heatmap`` reads the nvidia-smi CSV
(units stripped, colourbar in MiB), and marks the memory falls that ``empty_cache`` causes,
labelling the out-of-memory peak with the probe's first failing batch. ``plot_batch_probe``
shows peak memory and step time against batch size on a log2 axis, with the OOM region
shaded and the allowed memory parsed from CUDA's error. The CPU stand-in probe failed with
an allocator error that never says "out of memory"; chartkit still counts it as the OOM.
"""

import warnings

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_batch_probe, plot_gpu_heatmap, plot_gpu_memory

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the probe readers mark the failed batch
    smi = read(sample_path("nvidia_smi"))
    probe = read(sample_path("gpu_bs_probe"))
    cpu_probe = read(sample_path("bs_probe_cpu"))
steps = read(sample_path("gpu_train_steps"))

# %%
with chartkit.theme():
    fig, axs = plt.subplots(2, 2, figsize=(13, 8))
    plot_gpu_heatmap(smi, "utilization", events=False, ax=axs[0, 0])
    axs[0, 0].set_title("GPU utilisation (nvidia-smi, 250 ms)")
    plot_gpu_heatmap(smi, "memory", probe=probe, ax=axs[0, 1])
    axs[0, 1].set_title("GPU memory, OOM and empty_cache")
    plot_batch_probe(probe, ax=axs[1, 0])
    axs[1, 0].set_title("배치 크기 탐색: H100 (10 % 메모리 제한)")
    plot_batch_probe(cpu_probe, ax=axs[1, 1])
    axs[1, 1].set_title("batch-size probe: CPU stand-in (3 GiB cap)")
    plt.show()

# %%
with chartkit.theme():
    fig, ax = plt.subplots(figsize=(7, 3.5))
    plot_gpu_memory(steps, ax=ax)
    ax.set_title("torch.cuda.max_memory_allocated per step")
    plt.show()
