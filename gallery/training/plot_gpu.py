"""
GPU utilisation, memory and the batch-size probe
================================================

Real logs of one H100 session (bundled). A one-GPU nvidia-smi log gets line charts, one
row per metric (``gpu_overview``: utilisation, memory, power, temperature, clocks; the
columns are found by meaning and unit, and each panel states the column it took). The memory
falls that ``empty_cache`` causes are marked once, on the memory row, and the out-of-memory
peak is labelled with the probe's first failing batch. ``plot_batch_probe`` shows peak memory
and step time against batch size on a log2 axis, with the OOM region shaded and the allowed
memory parsed from CUDA's error. The CPU stand-in probe failed with an allocator error that
never says "out of memory"; chartkit reads the outcome from the status column.
"""

import warnings

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import gpu_overview, plot_batch_probe, plot_gpu_memory

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the probe readers mark the failed batch
    smi = read(sample_path("nvidia_smi"))
    probe = read(sample_path("gpu_bs_probe"))
    cpu_probe = read(sample_path("bs_probe_cpu"))
steps = read(sample_path("gpu_train_steps"))

# %%
# One GPU: a line chart per metric, memory events on the memory chart only.
with chartkit.theme():
    axs = gpu_overview(smi, probe=probe)
    plt.show()

# %%
# The batch-size probes: the GPU one (MiB columns) and the CPU stand-in (RSS in MB).
with chartkit.theme():
    fig, axs = plt.subplots(1, 2, figsize=(13, 4), layout="constrained")
    plot_batch_probe(probe, ax=axs[0])
    axs[0].set_title("배치 크기 탐색: H100 (10 % 메모리 제한)")
    plot_batch_probe(cpu_probe, ax=axs[1])
    axs[1].set_title("batch-size probe: CPU stand-in (3 GiB cap)")
    plt.show()

# %%
# Memory per step from a training log: ``max_mem_allocated`` is in bytes (PyTorch's
# name, no unit), shown in MiB, and the note says so.
with chartkit.theme():
    fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    plot_gpu_memory(steps, ax=ax)
    ax.set_title("torch.cuda.max_memory_allocated per step")
    plt.show()
