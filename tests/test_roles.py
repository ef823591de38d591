"""Column roles by meaning and units (chartkit.metrics.roles): many spellings, one answer."""

from __future__ import annotations

import numpy as np
import pytest

from chartkit.errors import ColumnNotFoundError
from chartkit.metrics.roles import (
    AmbiguousRoleError,
    candidates,
    check_columns,
    parse_column_options,
    resolve,
    resolve_roles,
    tokens,
)

MiB = 2**20


@pytest.mark.parametrize(
    ("name", "toks"),
    [
        ("memory.used [MiB]", ["memory", "used", "mib"]),
        ("maxMemAllocatedGB", ["max", "mem", "allocated", "gb"]),
        ("clocks.current.sm [MHz]", ["clocks", "current", "sm", "mhz"]),
        ("util%", ["util", "%"]),
        ("samples/s", ["samples", "per", "s"]),
        ("step_100ms", ["step", "100", "ms"]),
    ],
)
def test_tokens(name, toks):
    assert tokens(name) == toks


@pytest.mark.parametrize(
    ("name", "unit", "factor", "kind"),
    [
        ("peak_allocated_mib", "MiB", 1.0, "allocated"),
        ("max_mem_allocated", "bytes", 1 / MiB, "allocated"),
        ("max_memory_allocated", "bytes", 1 / MiB, "allocated"),
        ("memory_reserved", "bytes", 1 / MiB, "reserved"),
        ("torch.cuda.max_memory_reserved", "bytes", 1 / MiB, "reserved"),
        ("peak_rss_mb", "MB", 1.0, "rss"),
        ("max_reserved_mb", "MB", 1.0, "reserved"),
        ("mem_gb", "GB", 1024.0, "memory"),
        ("gpu_mem_bytes", "bytes", 1 / MiB, "memory"),
        ("Memory [MiB]", "MiB", 1.0, "memory"),
        ("memory.used [MiB]", "MiB", 1.0, "used"),
        ("vram_used_GiB", "GiB", 1024.0, "used"),
        ("peakMemKiB", "KiB", 1 / 1024, "memory"),
        (
            "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current",
            "bytes",
            1 / MiB,
            "allocated",
        ),
        ("reserved_bytes.all.peak", "bytes", 1 / MiB, "reserved"),
    ],
)
def test_memory_variants(name, unit, factor, kind):
    c = resolve([name, "loss", "step"], "memory")
    assert (c.column, c.unit, c.target, c.kind) == (name, unit, "MiB", kind)
    assert c.factor == pytest.approx(factor)
    assert c.convert([2.0])[0] == pytest.approx(2.0 * factor)


@pytest.mark.parametrize(
    "name",
    [
        "DeviceStatsMonitor.on_train_batch_end/active.all.allocated",  # a count
        "allocated_bytes.all.allocated",  # cumulative bytes ever allocated
        "allocated_bytes.all.freed",
        "memory.total [MiB]",
        "memory.free [MiB]",
        "utilization.memory [%]",
        "num_alloc_retries",
        "cpu_vm_percent",
        "batch_size",
    ],
)
def test_not_memory_levels(name):
    assert candidates([name], "memory") == []


def test_devicestats_picks_bytes_not_count():
    names = [
        "DeviceStatsMonitor.on_train_batch_end/active.all.allocated",
        "DeviceStatsMonitor.on_train_batch_end/active.all.current",
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current",
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.allocated",
        "DeviceStatsMonitor.on_train_batch_start/allocated_bytes.all.current",
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.large_pool.peak",
        "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.peak",
        "DeviceStatsMonitor.on_validation_batch_end/allocated_bytes.all.peak",
    ]
    c = resolve(names, "memory")
    assert c.column == "DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.peak"
    assert c.unit == "bytes"
    assert c.peak
    assert "also logged by 1 other hook" in c.reason


def test_memory_prefers_peak_then_reserved():
    names = ["max_allocated_mb", "max_reserved_mb", "reserved_after_mb", "step_time_ms"]
    assert resolve(names, "memory").column == "max_reserved_mb"
    assert resolve(["memory_reserved", "max_memory_allocated"], "memory").column == (
        "max_memory_allocated"
    )


def test_memory_unit_from_values_when_name_has_none():
    c = resolve(["gpu_memory"], "memory", values={"gpu_memory": [3e9, 4e9]})
    assert c.unit == "bytes"
    assert c.factor == pytest.approx(1 / MiB)
    assert "values above 2**20" in c.reason
    c = resolve(["gpu_memory"], "memory", values={"gpu_memory": [3000.0]})
    assert (c.unit, c.factor) == ("", 1.0)
    assert "read as MiB" in c.reason


@pytest.mark.parametrize(
    ("name", "unit", "factor"),
    [
        ("step_time_ms", "ms", 1.0),
        ("iter_time_s", "s", 1000.0),
        ("sec_per_iter", "s", 1000.0),
        ("s/it", "s", 1000.0),
        ("time/step", "s", 1000.0),
        ("batch_time", "s", 1000.0),
        ("step_seconds", "s", 1000.0),
        ("iteration_time_us", "us", 1e-3),
        ("step_ms", "ms", 1.0),
        ("iter_s", "s", 1000.0),
        ("train/step_time_min", "min", 6e4),
    ],
)
def test_step_time_variants(name, unit, factor):
    c = resolve([name, "wall_time", "timestamp", "data_time", "epoch"], "step_time")
    assert (c.column, c.unit, c.target) == (name, unit, "ms")
    assert c.factor == pytest.approx(factor)


@pytest.mark.parametrize(
    ("name", "kind", "factor"),
    [
        ("throughput_samples_s", "samples", 1.0),
        ("samples_per_sec", "samples", 1.0),
        ("train_samples_per_second", "samples", 1.0),
        ("images/s", "samples", 1.0),
        ("tokens_per_sec", "tokens", 1.0),
        ("tok_s", "tokens", 1.0),
        ("it/s", "steps", 1.0),
        ("samples_per_ms", "samples", 1000.0),
        ("tokens_per_min", "tokens", 1 / 60),
    ],
)
def test_throughput_variants(name, kind, factor):
    c = resolve([name, "step_seconds", "loss"], "throughput")
    assert (c.column, c.kind, c.display_unit) == (name, kind, f"{kind}/s")
    assert c.factor == pytest.approx(factor)


def test_throughput_never_mixes_kinds_and_prefers_samples():
    c = resolve(["tokens_per_sec", "samples_per_sec"], "throughput")
    assert c.column == "samples_per_sec"
    assert c.others == ("tokens_per_sec",)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("bs", "batch"),
        ("batch_size", "batch"),
        ("bsz", "batch"),
        ("batchSize", "batch"),
        ("per_device_train_batch_size", "per_device"),
        ("micro_batch_size", "per_device"),
        ("global_batch_size", "global"),
    ],
)
def test_batch_size_variants(name, kind):
    c = resolve([name, "batch_idx", "num_batches", "batch_time", "epoch"], "batch_size")
    assert (c.column, c.kind) == (name, kind)


def test_simple_roles_of_nvidia_smi_header():
    header = [
        "timestamp",
        "index",
        "name",
        "uuid",
        "pstate",
        "utilization.gpu [%]",
        "utilization.memory [%]",
        "memory.total [MiB]",
        "memory.used [MiB]",
        "memory.free [MiB]",
        "temperature.gpu",
        "power.draw [W]",
        "power.limit [W]",
        "clocks.current.sm [MHz]",
        "clocks.max.sm [MHz]",
    ]
    got = resolve_roles(
        header, ["memory", "utilization", "power", "temperature", "clock", "batch_size"]
    )
    assert {r: c.column for r, c in got.items()} == {
        "memory": "memory.used [MiB]",
        "utilization": "utilization.gpu [%]",
        "power": "power.draw [W]",
        "temperature": "temperature.gpu",
        "clock": "clocks.current.sm [MHz]",
    }
    assert got["clock"].unit == "MHz"


def test_utilization_fraction_is_scaled():
    c = resolve(["gpu_util"], "utilization", values={"gpu_util": [0.2, 0.9]})
    assert c.factor == 100.0
    assert "fractions" in c.reason


def test_status_and_lr():
    assert resolve(["batch_size", "status", "error"], "status").column == "status"
    assert resolve(["epoch", "lr-Adam", "loss"], "lr").column == "lr-Adam"
    assert resolve(["learning_rate"], "learning_rate").column == "learning_rate"


def test_absent_role_lists_columns_and_how_to_choose():
    with pytest.raises(
        ColumnNotFoundError,
        match=r"no memory column recognised in probe.csv .*columns=\{'memory': \.\.\.\} "
        r"\(CLI: --column memory=COLUMN\); columns: 'oom', 'step_seconds'",
    ):
        resolve(["oom", "step_seconds"], "memory", what="probe.csv")


def test_ambiguity_lists_candidates():
    with pytest.raises(
        AmbiguousRoleError,
        match=r"2 columns fit the memory role equally well in the data: 'max_reserved_mb' "
        r".*'max_reserved_gb'.*columns=\{'memory'",
    ):
        resolve(["max_reserved_mb", "max_reserved_gb"], "memory")


def test_by_hand_wins_and_is_stated():
    names = ["peak_allocated_mib", "max_reserved_mb"]
    c = resolve(names, "memory", columns={"memory": "peak_allocated_mib"})
    assert c.column == "peak_allocated_mib"
    assert c.reason.startswith("set by columns=")
    assert c.note() == "memory: peak_allocated_mib (MiB), set by hand"
    assert c.note("ko") == "메모리: peak_allocated_mib (MiB), 직접 지정"
    # an alias of the role, and a column the resolver would not pick by itself
    c = resolve(["n", "loss"], "batch_size", columns={"bs": "n"})
    assert c.column == "n"


def test_by_hand_unknown_column_and_role():
    with pytest.raises(
        ColumnNotFoundError,
        match=r"'peak_mib' is not a valid value for "
        r"columns\['memory'\].*Did you mean 'peak_mib_x'",
    ):
        resolve(["peak_mib_x"], "memory", columns={"memory": "peak_mib"})
    with pytest.raises(ValueError, match=r"'memroy' is not a valid value for role.*'memory'"):
        check_columns({"memroy": "x"})


def test_note_states_conversion():
    c = resolve(["max_memory_allocated"], "memory")
    assert c.note() == "memory: max_memory_allocated (bytes → MiB)"
    assert resolve(["step_time_ms"], "step_time").note() == "step time: step_time_ms (ms)"


def test_parse_column_options():
    assert parse_column_options(["memory=peak_allocated_mib", "bs = n"]) == {
        "memory": "peak_allocated_mib",
        "batch_size": "n",
    }
    with pytest.raises(
        ValueError,
        match=r"'memory' is not a valid value for --column; "
        r"expected ROLE=COLUMN",
    ):
        parse_column_options(["memory"])


def test_resolve_roles_uses_a_column_once_and_requires():
    got = resolve_roles(["step_time_ms", "loss"], ["step_time", "throughput"])
    assert list(got) == ["step_time"]
    with pytest.raises(ColumnNotFoundError, match="no throughput column"):
        resolve_roles(["step_time_ms"], ["throughput"], required=["throughput"])


def test_convert_is_float_array():
    c = resolve(["gpu_mem_bytes"], "memory")
    np.testing.assert_allclose(c.convert([MiB, 2 * MiB]), [1.0, 2.0])


def test_unitless_pytorch_name_follows_its_values():
    # torch.cuda.max_memory_allocated() logged raw (bytes) or divided by 2**20 by the user
    c = resolve(["max_memory_allocated"], "memory", values={"max_memory_allocated": [1.6e9]})
    assert c.unit == "bytes"
    c = resolve(["max_memory_allocated"], "memory", values={"max_memory_allocated": [1600.0]})
    assert (c.unit, c.factor) == ("", 1.0)
    assert "values below 2**20 read as MiB" in c.reason
    # without values, PyTorch's own unit (bytes)
    assert resolve(["max_memory_allocated"], "memory").unit == "bytes"


@pytest.mark.parametrize(
    ("name", "factor"),
    [
        ("gpu0_mem_used_mb", 1.0),
        ("cuda_memory_allocated_gb", 1024.0),
        ("mem/allocated (GB)", 1024.0),
        ("Memory Usage (MiB)", 1.0),
        ("torch/max_memory_reserved", 1 / MiB),
        ("system/gpu.0.memoryAllocatedBytes", 1 / MiB),
        ("rss_kb", 1 / 1024),
    ],
)
def test_more_memory_spellings(name, factor):
    c = resolve([name, "epoch", "global_step", "loss"], "memory")
    assert c.column == name
    assert c.factor == pytest.approx(factor)


def test_loss_and_step_roles():
    names = ["train_loss_step", "train_loss_epoch", "val_loss", "epoch", "step", "lr-SGD"]
    assert resolve(names, "loss").column == "train_loss_step"
    assert resolve(names, "step").column == "step"
    assert resolve(["trainer/global_step", "step_time_ms"], "step").column == "trainer/global_step"
    assert candidates(["steps_per_sec", "step_time"], "step") == []
    assert check_columns({"loss": "val_loss"}) == {"loss": "val_loss"}
    with pytest.raises(AmbiguousRoleError, match=r"2 columns fit the loss role"):
        resolve(["loss_a", "loss_b"], "loss")
