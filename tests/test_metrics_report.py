"""chartkit plot-logs: discovery of the logs under a path, the charts that fit, index.html."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chartkit.cli import main
from chartkit.metrics import sample_path
from chartkit.metrics.report import discover, plot_logs

SAMPLES = sample_path("ddp_world2").parents[1]


def test_discover_splits_mixed_folders():
    units = discover(SAMPLES)
    found = {(u.path.relative_to(SAMPLES).as_posix(), u.fmt) for u in units}
    assert ("ddp/world2", "jsonl") in found
    assert ("ddp/world4", "jsonl") in found
    assert ("gpu_h100/nvidia_smi_query.csv", "nvidia_smi") in found
    assert ("gpu_h100/gpu_bs_probe.csv", "batch_probe") in found
    assert ("gpu_h100/gpu_train_steps.jsonl", "jsonl") in found
    assert ("bs_probe_cpu/bs_probe_cpu.csv", "batch_probe") in found
    assert any(fmt == "ray" for _, fmt in found)
    assert any(fmt == "lightning" for _, fmt in found)


@pytest.mark.slow
def test_ddp_report_in_korean_svg(tmp_path):
    stream = io.StringIO()
    units = plot_logs(
        SAMPLES / "ddp", tmp_path, fmt="svg", lang="ko", title="DDP 실험", stream=stream
    )
    charts = {c.file for u in units for c in u.charts}
    assert {
        "world2/curves_loss.svg",
        "world2/rank_spread.svg",
        "world2/throughput.svg",
        "world4/curves_loss.svg",
        "scaling/scaling.svg",
    } <= charts
    assert all(c.ok for u in units for c in u.charts)
    for f in charts:
        assert (tmp_path / f).stat().st_size > 5000
    titles = {c.name: c.title for u in units for c in u.charts}
    assert titles["throughput"] == "처리량"
    assert titles["rank_spread"] == "rank 간 분포: loss"
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "scaling/scaling.svg" in index
    assert "records read" in index  # the reader's summary
    out = stream.getvalue()
    assert "ok   world2/throughput.svg" in out
    assert "7 of 7 charts written for 3 log(s)" in out


@pytest.mark.slow
def test_cli_on_a_single_probe_file(tmp_path, capsys):
    code = main(["plot-logs", str(sample_path("gpu_bs_probe")), "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "gpu_bs_probe.csv" / "probe.png").exists()
    out = capsys.readouterr().out
    assert "batch size 512 failed (oom)" in out  # what the reader marked is summarised


def test_cli_errors(tmp_path, capsys):
    assert main(["plot-logs", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    assert "missing" in capsys.readouterr().err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("nothing to plot")
    assert main(["plot-logs", str(tmp_path / "notes"), "--out", str(tmp_path / "o")]) == 2
    assert "no training log found under" in capsys.readouterr().err


def test_bad_format_and_lang(tmp_path):
    with pytest.raises(ValueError, match=r"'jpg' is not a valid value for fmt"):
        plot_logs(SAMPLES, tmp_path, fmt="jpg")
    with pytest.raises(ValueError, match=r"'fr' is not a valid value for lang"):
        plot_logs(SAMPLES, tmp_path, lang="fr")


def test_unreadable_log_is_reported_not_fatal(tmp_path):
    bad = tmp_path / "runs"
    bad.mkdir()
    (bad / "rank0.jsonl").write_bytes(b"\xff\xfe not json at all\n")
    stream = io.StringIO()
    units = plot_logs(bad, tmp_path / "out", stream=stream)
    assert len(units) == 1
    assert Path(tmp_path / "out" / "index.html").exists()
