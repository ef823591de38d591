"""GPU heatmap from nvidia-smi, memory per step, batch-size probe (bundled real logs)."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots.gpu import (
    memory_events,
    plot_batch_probe,
    plot_gpu_heatmap,
    plot_gpu_memory,
    probe_summary,
)


def _read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the probe reader marks the OOM row
        return read(sample_path(name))


@pytest.fixture(scope="module")
def smi():
    return _read("nvidia_smi")


@pytest.fixture(scope="module")
def gpu_probe():
    return _read("gpu_bs_probe")


def test_memory_events_find_empty_cache(smi):
    ev = memory_events(smi)
    # training end (3353 MiB), the OOM peak then empty_cache (7173 -> 1027, as GPUtil showed),
    # the process end
    assert ev["peak_mib"].tolist() == [3353.0, 7173.0, 1024.0]
    assert ev["after_mib"].tolist() == [1027.0, 1027.0, 0.0]


def test_probe_summary_gpu_and_cpu(gpu_probe):
    s = probe_summary(gpu_probe)
    assert (s["max_ok"], s["first_oom"]) == (256, 512)
    assert s["limit_mib"] == pytest.approx(7.92 * 1024)
    cpu = probe_summary(_read("bs_probe_cpu"))
    assert (cpu["max_ok"], cpu["first_oom"]) == (2048, 4096)
    assert "DefaultCPUAllocator" in cpu["error"]


def test_heatmap_units_and_oom_label(smi, gpu_probe):
    ax = plot_gpu_heatmap(smi, "memory", probe=gpu_probe)
    cbar = ax.figure.axes[-1]
    assert cbar.get_ylabel() == "memory.used [MiB]"
    texts = [t.get_text() for t in ax.texts]
    assert "OOM at batch 512 (probe): peak 7,173 MiB, then freed 6,146 MiB" in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == ["GPU 0"]


def test_heatmap_utilization_range(smi):
    ax = plot_gpu_heatmap(smi, events=False)
    mesh = ax.collections[0]
    assert mesh.get_clim() == (0, 100)
    assert np.nanmax(mesh.get_array()) == 96  # the largest utilization.gpu in the CSV


def test_heatmap_unknown_value(smi):
    with pytest.raises(
        KeyError,
        match=r"'fan' is not a valid value for metric; supported "
        r"values are 'clock', 'clocks.current.sm', 'memory', 'memory.free'.*'utilization'",
    ):
        plot_gpu_heatmap(smi, "fan")


def test_gpu_memory_bytes_in_mib():
    ax = plot_gpu_memory(_read("gpu_train_steps"))
    line = ax.get_lines()[0]
    assert line.get_label() == "max_mem_allocated"
    assert 1600 < np.median(line.get_ydata()) < 1620  # 1.694e9 bytes
    assert ax.get_ylabel() == "GPU memory [MiB]"


def test_gpu_memory_needs_a_memory_metric(smi):
    with pytest.raises(
        KeyError,
        match=r"no memory column recognised in the log .*columns=\{'memory': \.\.\.\}.*"
        r"columns: 'epoch', 'loss', 'lr', 'samples_per_sec', 'world_size'",
    ):
        plot_gpu_memory(_read("ddp_world2"))


def test_batch_probe_marks_failure(gpu_probe):
    ax = plot_batch_probe(gpu_probe)
    failed = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    assert failed[0].get_xdata().tolist() == [512.0]
    assert any("largest batch that fitted: 256" in t.get_text() for t in ax.texts)
    assert ax.get_xscale() == "log"


def test_batch_probe_rejects_other_logs():
    with pytest.raises(KeyError, match=r"not a batch-size probe: the log has no 'oom' metric"):
        plot_batch_probe(_read("ddp_world2"))


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_batch_probe_image(gpu_probe):
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_batch_probe(gpu_probe, ax=ax)
    ax.set_title("배치 크기 탐색 (H100, 10 % 메모리)")
    return fig


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_gpu_heatmap_image(smi, gpu_probe):
    fig, ax = plt.subplots(figsize=(6, 2.5), dpi=100)
    plot_gpu_heatmap(smi, "memory", probe=gpu_probe, ax=ax)
    return fig
