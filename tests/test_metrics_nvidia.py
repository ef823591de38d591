"""nvidia-smi --query-gpu CSV logs (chartkit.metrics.read_nvidia_smi)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import read_nvidia_smi, sample_path

SMI = sample_path("nvidia_smi")
GPUTIL_RAW = Path(__file__).parent / "data" / "gpu_h100" / "gputil_query_raw.csv"
GPUTIL_FIELDS = [
    "index",
    "uuid",
    "utilization.gpu",
    "memory.total",
    "memory.used",
    "memory.free",
    "driver_version",
    "name",
    "gpu_serial",
    "display_active",
    "display_mode",
    "temperature.gpu",
]


def test_fixture_csv_with_units():
    log = read_nvidia_smi(SMI)
    m = log.metrics
    assert log.info.rows == 178
    assert log.metric_names == [
        "clocks.current.sm",
        "memory.free",
        "memory.total",
        "memory.used",
        "power.draw",
        "pstate",
        "temperature.gpu",
        "utilization.gpu",
        "utilization.memory",
    ]
    assert len(m) == 178 * 9
    assert m["rank"].unique().tolist() == [0]
    assert log.info.extra["units"]["memory.used"] == "MiB"
    assert log.info.extra["units"]["utilization.gpu"] == "%"
    assert log.info.extra["units"]["power.draw"] == "W"
    assert log.info.extra["units"]["clocks.current.sm"] == "MHz"
    first = m[m["step"] == 0].set_index("metric")["value"]
    assert first["power.draw"] == 72.37
    assert first["memory.total"] == 81559
    assert first["pstate"] == 0
    t0 = m["wall_time"].iloc[0]
    expected = pd.Timestamp("2026-11-27 03:51:17.531") - pd.Timestamp("1970-01-01")
    assert t0 == pytest.approx(expected.total_seconds(), abs=1e-6)
    util = m[m["metric"] == "utilization.gpu"]["value"]
    assert 92 <= util.max() <= 100  # 20 s of training at 92-95 %
    assert util.min() == 0  # idle before and after
    assert log.params.loc[0, "name"] == "NVIDIA H100 80GB HBM3"
    assert log.info.entries == []


def _nounits(tmp_path):
    """The fixture as ``--format=csv,nounits`` writes it: units kept in the header only."""
    lines = SMI.read_text().splitlines()
    body = [re.sub(r" (%|MiB|W|MHz)(?=,|$)", "", line) for line in lines[1:]]
    p = tmp_path / "smi_nounits.csv"
    p.write_text("\n".join([lines[0], *body]) + "\n")
    return p, body


def test_nounits_and_noheader_read_the_same(tmp_path):
    ref = read_nvidia_smi(SMI).metrics
    p, body = _nounits(tmp_path)
    nounits = read_nvidia_smi(p, run="nvidia_smi_query").metrics
    pd.testing.assert_frame_equal(ref, nounits)
    q = tmp_path / "smi_noheader.csv"
    q.write_text("\n".join(body) + "\n")
    names = [c.strip() for c in SMI.read_text().splitlines()[0].split(",")]
    noheader = read_nvidia_smi(q, columns=names, run="nvidia_smi_query").metrics
    pd.testing.assert_frame_equal(ref, noheader)


def test_noheader_without_columns_is_refused(tmp_path):
    q = tmp_path / "smi.csv"
    q.write_text(SMI.read_text().splitlines()[1] + "\n")
    with pytest.raises(ValueError, match=r"has no header line .*pass columns="):
        read_nvidia_smi(q)
    with pytest.raises(
        ValueError, match=r"columns must have one entry per field of the file; got 2 names for 13"
    ):
        read_nvidia_smi(q, columns=["a", "b"])


def test_gputil_query_deprecated_field_is_missing():
    log = read_nvidia_smi(GPUTIL_RAW, columns=GPUTIL_FIELDS)
    assert log.metric_names == [
        "memory.free",
        "memory.total",
        "memory.used",
        "temperature.gpu",
        "utilization.gpu",
    ]
    assert log.metrics["wall_time"].isna().all()
    p = log.params.iloc[0]
    assert p["driver_version"] == "580.159.04"
    assert pd.isna(p["display_mode"])  # [Requested functionality has been deprecated]


def test_several_gpus_and_na(tmp_path):
    p = tmp_path / "smi.csv"
    p.write_text(
        "timestamp, index, utilization.gpu [%], power.draw [W]\n"
        "2026/01/01 00:00:00.000, 0, 10 %, 50.0 W\n"
        "2026/01/01 00:00:00.000, 1, [N/A], [Not Supported]\n"
        "2026/01/01 00:00:01.000, 0, 20 %, 51.5 W\n"
        "2026/01/01 00:00:01.000, 1, 30 %, [N/A]\n"
    )
    log = read_nvidia_smi(p)
    m = log.metrics
    g1 = m[m["rank"] == 1]
    assert g1["metric"].astype(str).tolist() == ["utilization.gpu"]
    assert g1["step"].tolist() == [1]
    g0 = m[(m["rank"] == 0) & (m["metric"] == "power.draw")]
    assert g0["value"].tolist() == [50.0, 51.5]
    assert np.diff(g0["wall_time"]).tolist() == [1.0]


def test_text_in_numeric_field_coerced(tmp_path):
    p = tmp_path / "smi.csv"
    p.write_text("index, memory.used [MiB]\n0, 10 MiB\n0, lots\n0, 30 MiB\n")
    with pytest.warns(DataWarning, match=r"coerced 1 entry .*line 3.*'memory.used'"):
        log = read_nvidia_smi(p)
    assert np.isnan(log.metrics["value"].tolist()[1])


def test_missing_and_header_only(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"smi\.csv"):
        read_nvidia_smi(tmp_path / "smi.csv")
    p = tmp_path / "h.csv"
    p.write_text("timestamp, index, utilization.gpu [%]\n")
    with pytest.warns(DataWarning, match=r"empty 1 entry in .*h\.csv"):
        log = read_nvidia_smi(p)
    assert len(log.metrics) == 0


def test_unknown_metric():
    with pytest.raises(KeyError, match=r"'memory.usd' is not a valid value for metric.*"):
        read_nvidia_smi(SMI, metrics=["memory.usd"])


def test_other_timestamp_layout(tmp_path):
    p = tmp_path / "smi.csv"
    p.write_text("timestamp, index, utilization.gpu [%]\n2026-01-01 00:00:01, 0, 5 %\n")
    t = read_nvidia_smi(p).metrics["wall_time"].item()
    assert t == (pd.Timestamp("2026-01-01 00:00:01") - pd.Timestamp("1970-01-01")).total_seconds()


def test_headerless_gputil_query_is_read_from_its_shape_and_says_so(tmp_path):
    from pathlib import Path

    from chartkit.errors import DataWarning
    from chartkit.metrics import detect_format, read

    raw = Path(__file__).parent / "data" / "gpu_h100" / "gputil_query_raw.csv"
    assert detect_format(raw) == "nvidia_smi"
    with pytest.warns(DataWarning, match=r"no header line: read as GPUtil's query"):
        log = read(raw)
    assert "memory.used" in log.metric_names
    # the uuid alone is not enough: a 12-field row without a driver version is refused
    other = tmp_path / "other.csv"
    fields = raw.read_text().splitlines()[0].split(", ")
    fields[6] = "P0"
    other.write_text(", ".join(fields) + "\n")
    with pytest.raises(
        ValueError,
        match=r"has no header line \(written with "
        r"--format=csv,noheader\); pass columns=",
    ):
        read(other)


def test_gputil_preset_and_hint():
    log = read_nvidia_smi(GPUTIL_RAW, columns="gputil")
    assert "memory.used" in log.metric_names
    with pytest.warns(DataWarning, match=r"read as GPUtil's query"):
        assert read_nvidia_smi(GPUTIL_RAW).metric_names == log.metric_names
    with pytest.raises(ValueError, match=r"'gputl' is not a valid value for columns"):
        read_nvidia_smi(GPUTIL_RAW, columns="gputl")
