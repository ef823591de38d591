"""Batch-size probe CSVs (chartkit.metrics.read_batch_probe), CPU and GPU variants."""

from __future__ import annotations

import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import read_batch_probe, sample_path


def test_cpu_probe():
    log = read_batch_probe(sample_path("bs_probe_cpu"))
    m = log.metrics
    assert log.info.rows == 12
    assert log.metric_names == ["oom", "peak_rss_mb", "rss_after_mb", "step_time_ms"]
    oom = m[m["metric"] == "oom"].set_index("step")["value"]
    assert oom.index.tolist() == [2**k for k in range(1, 13)]
    assert oom[4096] == 1.0
    assert oom.drop(4096).eq(0.0).all()
    # the OOM row has no step time: no point, not a zero
    st = m[m["metric"] == "step_time_ms"]
    assert len(st) == 11
    assert 4096 not in st["step"].tolist()
    assert m[(m["metric"] == "peak_rss_mb") & (m["step"] == 4096)]["value"].item() == 3042.6
    p = log.params.iloc[0]
    assert p["max_ok_batch_size"] == 2048
    assert p["first_oom_batch_size"] == 4096
    # the CPU allocator's message does not say "out of memory": status decides
    assert "DefaultCPUAllocator: can't allocate memory" in p["oom_error"]
    (marked,) = log.info.of_kind("marked")
    assert marked.line == 13
    assert "batch size 4096 failed (oom)" in marked.reason


def test_gpu_probe():
    log = read_batch_probe(sample_path("gpu_bs_probe"))
    assert log.info.rows == 9
    assert log.metric_names == [
        "max_allocated_mb",
        "max_reserved_mb",
        "oom",
        "reserved_after_empty_cache_mb",
        "reserved_after_mb",
        "step_time_ms",
    ]
    p = log.params.iloc[0]
    assert p["max_ok_batch_size"] == 256
    assert p["first_oom_batch_size"] == 512
    assert p["oom_error"].startswith("CUDA out of memory. Tried to allocate 2.00 GiB.")
    m = log.metrics
    ra = m[m["metric"] == "reserved_after_empty_cache_mb"]["value"]
    assert ra.eq(260.0).all()


def test_oom_rows_do_not_warn():
    # pytest turns warnings into errors: reading a probe with an OOM row must be silent
    read_batch_probe(sample_path("bs_probe_cpu"))


def test_missing_status_column(tmp_path):
    p = tmp_path / "probe.csv"
    p.write_text("batch_size,state,step_time_ms\n2,ok,1.0\n")
    with pytest.raises(KeyError, match=r"'status' is not a valid value for column.*'state'"):
        read_batch_probe(p)
    log = read_batch_probe(p, status="state")
    assert log.params.loc[0, "max_ok_batch_size"] == 2


def test_bad_rows_reported(tmp_path):
    p = tmp_path / "probe.csv"
    p.write_text("batch_size,status,step_time_ms\n2,ok,1.0\nbig,ok,2.0\n8,ok,slow\n16,oom,\n")
    with pytest.warns(DataWarning) as rec:
        log = read_batch_probe(p)
    msgs = sorted(str(w.message) for w in rec)
    assert len(msgs) == 2
    assert "coerced 1 entry" in msgs[0]
    assert "(first at line 4)" in msgs[0]
    assert "skipped 1 entry" in msgs[1]
    assert "(first at line 3)" in msgs[1]
    assert log.params.loc[0, "first_oom_batch_size"] == 16


def test_empty_probe(tmp_path):
    p = tmp_path / "probe.csv"
    p.write_text("")
    with pytest.warns(DataWarning, match=r"empty 1 entry in .*probe\.csv"):
        log = read_batch_probe(p)
    assert len(log.metrics) == 0


def test_summary_lists_oom_as_marked_not_problem():
    text = read_batch_probe(sample_path("bs_probe_cpu")).info.summary()
    assert "problems: none" in text
    assert "marked:\n  marked 1 entry" in text
    assert "batch size 4096 failed (oom)" in text
