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


# --- nvidia-smi logs of 1..16 GPUs, in nvidia-smi's own format --------------------------------

_SMI_HEADER = (
    "timestamp, index, name, uuid, pstate, utilization.gpu [%], utilization.memory [%], "
    "memory.total [MiB], memory.used [MiB], memory.free [MiB], temperature.gpu, "
    "power.draw [W], clocks.current.sm [MHz]"
)


def _smi_csv(path, n_gpus, *, seconds=60):
    """``nvidia-smi --query-gpu=... --format=csv -l 1`` of a session on *n_gpus* GPUs.

    Each GPU: training (memory up to ~30 GB), the end of training (a fall), a batch-size
    search up to an OOM peak then ``empty_cache`` (a fall), the process end (a fall): three
    memory events per GPU, as in the bundled H100 session.
    """
    rng = np.random.default_rng(n_gpus)
    lines = [_SMI_HEADER]
    total = 81559
    for t in range(seconds):
        stamp = f"2026/11/27 03:{51 + t // 60:02d}:{t % 60:02d}.{rng.integers(0, 999):03d}"
        for g in range(n_gpus):
            if t < 5:
                used, util = 0, 0
            elif t < 25:
                used, util = 30000 + 100 * g, 90 + rng.integers(0, 8)
            elif t < 30:
                used, util = 1000, 5
            elif t < 36:
                used, util = 12000 * (t - 29) + 50 * g, 70
            elif t < 50:
                used, util = 1000, 3
            else:
                used, util = 0, 0
            used = min(used, total - 500)
            lines.append(
                f"{stamp}, {g}, NVIDIA H100 80GB HBM3, GPU-{g:08d}-0000-0000-0000-000000000000, "
                f"P0, {util} %, {util // 2} %, {total} MiB, {used} MiB, {total - used} MiB, "
                f"{35 + util // 3 + g % 3}, {70 + 6 * util:.2f} W, {345 + 15 * util} MHz"
            )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module", params=[1, 2, 4, 8, 16])
def smi_n(request, tmp_path_factory):
    p = _smi_csv(tmp_path_factory.mktemp("smi") / f"gpus_{request.param}.csv", request.param)
    return request.param, read(p)


def _outside(ax, texts):
    """Texts whose extent leaves the Axes."""
    ax.figure.canvas.draw()
    box = ax.get_window_extent()
    out = []
    for t in texts:
        if not t.get_visible() or not t.get_text():
            continue
        e = t.get_window_extent()
        if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1 or e.y1 > box.y1 + 1:
            out.append(t.get_text())
    return out


def test_memory_events_per_gpu(smi_n):
    n, log = smi_n
    ev = memory_events(log)
    assert len(ev) == 3 * n
    assert sorted(ev["gpu"].unique().tolist()) == list(range(n))


def test_heatmap_many_gpus_labels_inside_and_audited(smi_n):
    from chartkit.audit import check_figure
    from chartkit.metrics.plots import heatmap_height

    n, log = smi_n
    fig, ax = plt.subplots(figsize=(7, heatmap_height(n)), layout="constrained")
    plot_gpu_heatmap(log, "memory", ax=ax)
    labels = [t for t in ax.texts if "MiB" in t.get_text() and "memory:" not in t.get_text()]
    assert _outside(ax, ax.texts) == []
    # every GPU row keeps a readable height (at least 12 pt), whatever the count
    fig.canvas.draw()
    row_pt = ax.get_window_extent().height / n * 72 / fig.dpi
    assert row_pt >= 12
    note = [t.get_text() for t in ax.texts if "memory: memory.used" in t.get_text()]
    assert len(note) == 1
    hidden = 3 * n - len(labels)
    if hidden:
        assert f"{hidden} of {3 * n} memory-event labels not drawn" in note[0]
    report = check_figure(fig)
    assert report.ok, str(report)
    plt.close(fig)


def test_heatmap_utilization_has_no_events(smi_n):
    _, log = smi_n
    fig, ax = plt.subplots()
    plot_gpu_heatmap(log, "utilization", ax=ax)
    assert not [t for t in ax.texts if "freed" in t.get_text()]
    assert not [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
    plt.close(fig)


@pytest.mark.parametrize("n", [1, 2])
def test_gpu_lines_one_gpu_all_roles(n, tmp_path):
    from chartkit.audit import check_figure
    from chartkit.metrics.plots import plot_gpu_lines

    log = read(_smi_csv(tmp_path / "s.csv", n))
    units = {
        "utilization": "utilization.gpu [%]",
        "memory": "memory.used [MiB]",
        "power": "power.draw [W]",
        "temperature": "temperature.gpu",
        "clock": "clocks.current.sm [MHz]",
    }
    for role, ylabel in units.items():
        fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
        assert plot_gpu_lines(log, role, ax=ax) is ax
        assert len(ax.get_lines()) >= n
        assert ax.get_ylabel().startswith(ylabel)
        events = [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
        assert bool(events) == (role == "memory")  # marked once: on the memory chart only
        assert _outside(ax, ax.texts) == []
        report = check_figure(fig)
        assert report.ok, f"{role}: {report}"
        plt.close(fig)


def test_gpu_lines_contract(smi):
    from chartkit.metrics.plots import plot_gpu_lines

    fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    out = plot_gpu_lines(smi, "power", color="#123456", label="H100", lang="ko", ax=ax)
    assert out is ax
    assert len(plt.get_fignums()) == n_figs
    (line,) = ax.get_lines()
    assert (line.get_color(), line.get_label()) == ("#123456", "H100")
    assert ax.get_xlabel() == "첫 샘플 이후 초"
    assert any(t.get_text() == "전력: power.draw (W)" for t in ax.texts)
    plt.close(fig)
    plt.figure()
    ax = plot_gpu_lines(smi)  # ax=None: the current Axes
    assert ax is plt.gca()
    plt.close("all")


def test_gpu_lines_more_than_max_gpus_stated(tmp_path):
    from chartkit.metrics.plots import plot_gpu_lines

    log = read(_smi_csv(tmp_path / "s.csv", 10, seconds=8))
    fig, ax = plt.subplots()
    plot_gpu_lines(log, "utilization", ax=ax)
    assert len(ax.get_lines()) == 8
    assert any("8 of 10 GPUs drawn; choose with gpus=[...]" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_gpu_overview_layouts(tmp_path):
    from chartkit.audit import check_figure
    from chartkit.metrics.plots import gpu_overview

    for n, shape in ((1, (5, 1)), (3, (5, 3)), (8, (5, 1))):
        log = read(_smi_csv(tmp_path / f"g{n}.csv", n))
        axs = gpu_overview(log)
        assert axs.shape == shape
        fig = axs[0, 0].figure
        marked = [ax for ax in axs.flat if any(ln.get_marker() == "v" for ln in ax.get_lines())]
        if n <= 4:  # events only on the memory row
            assert {list(axs[:, 0]).index(ax) if ax in axs[:, 0] else 1 for ax in marked} == {1}
        report = check_figure(fig)
        assert report.ok, f"{n} GPUs: {report}"
        plt.close(fig)


def test_gpu_overview_missing_metric_warns(smi):
    from chartkit.errors import DataWarning
    from chartkit.metrics.plots import gpu_overview

    with pytest.warns(
        DataWarning,
        match=r"gpu_overview: 1 metric\(s\) not in the log, left "
        r"out: 'fan.speed'",
    ):
        axs = gpu_overview(smi, ["utilization", "fan.speed"])
    assert axs.shape == (1, 1)
    plt.close("all")


def test_gpu_memory_legend_limited_and_stated():
    import pandas as pd

    rows = [
        {"run": "r", "rank": r, "step": s, "metric": f"max_mem_allocated_{k}", "value": 1e9 + s}
        for r in range(30)
        for k in range(10)
        for s in range(3)
    ]
    frame = pd.DataFrame(rows)
    frame["wall_time"] = np.nan
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    plot_gpu_memory(frame, ax=ax)
    assert len(ax.get_lines()) == 300
    assert len(ax.get_legend().get_texts()) == 12
    note = next(t.get_text() for t in ax.texts if "legend:" in t.get_text())
    assert "legend: 12 of 300 series; not listed:\nmax_mem_allocated_0, rank 12" in note
    assert "(+286)" in note
    assert "choose series with metrics=[...]" in note
    fig.canvas.draw()
    leg = ax.get_legend().get_window_extent()
    fig_box = fig.bbox
    assert leg.y0 >= fig_box.y0
    assert leg.y1 <= fig_box.y1
    plt.close(fig)


def test_gpu_memory_devicestats_bytes_not_counts():
    import pandas as pd

    names = {
        "DeviceStatsMonitor.on_train_batch_end/active.all.allocated": 5000.0,  # a count
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current": 3 * 2**30,
        "DeviceStatsMonitor.on_train_batch_start/allocated_bytes.all.current": 3 * 2**30,
    }
    frame = pd.DataFrame(
        [
            {"run": "r", "rank": np.nan, "step": s, "metric": m, "value": v, "wall_time": np.nan}
            for m, v in names.items()
            for s in range(4)
        ]
    )
    fig, ax = plt.subplots()
    plot_gpu_memory(frame, ax=ax)
    (line,) = ax.get_lines()
    assert line.get_label() == "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current"
    assert np.allclose(line.get_ydata(), 3072.0)
    plt.close(fig)


@pytest.mark.parametrize(
    ("name", "memory", "step_time"),
    [
        ("probe_peak.csv", "peak_allocated_mib", "iter_time_s"),
        ("probe_hf.csv", "max_mem_allocated", "sec_per_iter"),
        ("probe_gb.csv", "mem_gb", "step_ms"),
    ],
)
def test_batch_probe_variants_resolved_and_stated(name, memory, step_time):
    from pathlib import Path

    from chartkit.audit import check_figure
    from chartkit.metrics import read_batch_probe

    log = read_batch_probe(Path(__file__).parent / "data" / "probe" / name)
    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    plot_batch_probe(log, ax=ax)
    note = next(t.get_text() for t in ax.texts if t.get_text().startswith("memory:"))
    assert note.startswith(f"memory: {memory} (")
    assert f"step time: {step_time} (" in note
    assert "largest batch that fitted: 256" in note
    mem = ax.get_lines()[0]
    assert 250 < mem.get_ydata()[0] < 400  # MiB, whatever the column's unit
    twin = next(a for a in fig.axes if a is not ax)
    assert twin.get_lines()[0].get_ydata()[0] > 10  # ms
    report = check_figure(fig)
    assert report.ok, str(report)
    plt.close(fig)


def test_batch_probe_memory_by_hand_and_ambiguity(gpu_probe):
    from chartkit.metrics.roles import AmbiguousRoleError

    fig, ax = plt.subplots()
    plot_batch_probe(gpu_probe, columns={"memory": "max_allocated_mb"}, ax=ax)
    assert any("memory: max_allocated_mb (MiB), set by hand" in t.get_text() for t in ax.texts)
    plt.close(fig)
    import pandas as pd

    frame = pd.DataFrame(
        [
            {"run": "r", "rank": np.nan, "step": 2, "metric": m, "value": v, "wall_time": np.nan}
            for m, v in (("oom", 0.0), ("max_reserved_mb", 10.0), ("max_reserved_gb", 0.01))
        ]
    )
    with pytest.raises(AmbiguousRoleError, match=r"2 columns fit the memory role equally well"):
        plot_batch_probe(frame)


def test_gpu_colours_stable_across_calls(tmp_path):
    from chartkit.metrics.plots import plot_gpu_lines

    log = read(_smi_csv(tmp_path / "s.csv", 2, seconds=6))
    fig, ax = plt.subplots()
    plot_gpu_lines(log, "utilization", gpus=[0], ax=ax)
    plot_gpu_lines(log, "utilization", gpus=[1], ax=ax)  # a new GPU: the next colour
    plot_gpu_lines(log, "power", gpus=[0], ax=ax)  # GPU 0 again: its colour
    a, b, c = ax.get_lines()[:3]
    assert a.get_color() != b.get_color()
    assert a.get_color() == c.get_color()
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_gpu_memory(_read("gpu_train_steps"), color="#112233", label="peak", ax=ax)
    (line,) = ax.get_lines()
    assert (line.get_color(), line.get_label()) == ("#112233", "peak")
    plt.close(fig)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_korean_words_from_the_catalogue(smi, gpu_probe):
    fig, (a, b) = plt.subplots(1, 2)
    plot_batch_probe(gpu_probe, lang="ko", ax=a)
    assert a.get_xlabel() == "배치 크기"
    note = next(t.get_text() for t in a.texts if t.get_text().startswith("메모리:"))
    assert "배치 512부터 메모리 부족 (음영)" in note
    assert "들어간 최대 배치: 256" in note
    plot_gpu_heatmap(smi, "memory", probe=gpu_probe, lang="ko", ax=b)
    texts = [t.get_text() for t in b.texts]
    assert any(t.startswith("배치 512에서 OOM (탐색): 최대 7,173 MiB") for t in texts)
    assert [t.get_text() for t in b.get_yticklabels()] == ["GPU 0"]
    assert b.get_xlabel() == "첫 샘플 이후 초"
    plt.close(fig)


def test_probe_plot_contract(gpu_probe):
    fig, ax = plt.subplots()
    n = len(plt.get_fignums())
    assert plot_batch_probe(gpu_probe, color="#117733", label="reserved", ax=ax) is ax
    assert len(plt.get_fignums()) == n
    line = ax.get_lines()[0]
    assert (line.get_color(), line.get_label()) == ("#117733", "reserved")
    plt.close(fig)
    plt.figure()
    assert plot_batch_probe(gpu_probe) is plt.gca()
    plt.close("all")
    with pytest.raises(ValueError, match=r"metric.*memory"):
        plot_batch_probe(gpu_probe, metric="max_reserved_mb", memory="max_allocated_mb")


def test_gpu_memory_given_names_keep_only_memory_levels():
    import pandas as pd

    names = {
        "DeviceStatsMonitor.on_train_batch_end/active.all.allocated": 5000.0,  # a count
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current": 3 * 2**30,
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.allocated": 9 * 2**30,
    }
    frame = pd.DataFrame(
        [
            {"run": "r", "rank": np.nan, "step": s, "metric": m, "value": v, "wall_time": np.nan}
            for m, v in names.items()
            for s in range(4)
        ]
    )
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    plot_gpu_memory(frame, metrics=list(names), ax=ax)  # as a report's name filter would
    (line,) = ax.get_lines()
    assert line.get_label().endswith("allocated_bytes.all.current")
    note = next(t.get_text() for t in ax.texts if "left out" in t.get_text())
    assert "not memory levels, left out: DeviceStatsMonitor.on_train_batch_end/active.all" in note
    assert "force one with columns={'memory': ...}" in note
    plt.close(fig)
    fig, ax = plt.subplots()
    count = "DeviceStatsMonitor.on_train_batch_end/active.all.allocated"
    plot_gpu_memory(frame, columns={"memory": count}, ax=ax)  # by hand: drawn as asked
    assert [ln.get_label() for ln in ax.get_lines()] == [count]
    plt.close(fig)
