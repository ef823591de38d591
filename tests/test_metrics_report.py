"""chartkit plot-logs: discovery of the logs under a path, the charts that fit, index.html."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from chartkit.cli import main
from chartkit.metrics import discover, sample_path
from chartkit.metrics.report import plot_logs

SAMPLES = sample_path("ddp_world2").parents[1]


def test_discover_splits_mixed_folders():
    units = discover(SAMPLES)
    found = {(u.path.relative_to(SAMPLES).as_posix(), u.kind) for u in units}
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
        SAMPLES / "ddp",
        tmp_path,
        fmt="svg",
        lang="ko",
        title="DDP 실험",
        batch_size=16,  # the fixtures' per-rank batch (scaling needs it: no circular numbers)
        stream=stream,
    )
    charts = {c.file for u in units for c in u.charts}
    assert {
        "world2/overview.svg",  # page one: the run's loss, lr, throughput on one facet page
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
    assert "9 of 9 charts written for 2 log(s)" in out


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


# --------------------------------------------------------------------------- issue 17, 11


DATA = Path(__file__).parent / "data"
SESSION = DATA / "session_mixed"


def _jsonl(path: Path, metrics: dict[str, float], steps: int = 3) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"step": s, **{k: v + s for k, v in metrics.items()}} for s in range(steps)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_namer_is_unique_readable_and_keeps_hangul():
    from chartkit.metrics.report import Namer

    n = Namer()
    names = [
        n.name("curves_train/loss", ".png"),
        n.name("curves_train_loss", ".png"),
        n.name("curves_손실/학습", ".png"),
        n.name("curves_손실_학습", ".png"),
        n.name("a/b"),
        n.name("a_b"),
        n.name(".."),
        n.name("Loss", ".png"),
        n.name("loss", ".png"),
    ]
    assert len({x.casefold() for x in names}) == len(names)
    assert names[1] == "curves_train_loss.png"  # a name that needed no change stays as is
    assert names[0].startswith("curves_train_loss-")
    assert names[0].endswith(".png")
    assert names[3] == "curves_손실_학습.png"
    assert names[2].startswith("curves_손실_학습-")
    assert names[6].startswith("log-")  # never '..'
    assert names[8] == "loss-2.png"


@pytest.mark.slow
def test_colliding_names_give_distinct_files(tmp_path):
    logs = tmp_path / "logs"
    _jsonl(logs / "a" / "b" / "run.jsonl", {"train/loss": 1.0, "train_loss": 2.0})
    _jsonl(logs / "a_b" / "run.jsonl", {"손실/학습": 3.0, "손실_학습": 4.0})
    units = plot_logs(logs, tmp_path / "out", stream=io.StringIO(), audit=False)
    files = [c.file for u in units for c in u.charts]
    assert len(set(files)) == 4
    assert all(c.ok for u in units for c in u.charts)
    assert len({f.split("/")[0] for f in files}) == 2  # a/b and a_b: two folders
    written = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.png")
    )
    assert written == sorted(files)
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    for u in units:  # each chart is shown under its own log's heading
        head = index.index(f"<h2>{u.label} ")
        for c in u.charts:
            assert index.index(quote(c.file), head) > head


@pytest.mark.slow
def test_nothing_written_outside_out(tmp_path, monkeypatch):
    run = tmp_path / "run"
    _jsonl(run / "rank0.jsonl", {"loss": 1.0})
    inner = run / "inner"
    inner.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    monkeypatch.chdir(inner)
    assert main(["plot-logs", "..", "--out", "OUT", "--no-audit"]) == 0
    new = {p for p in tmp_path.rglob("*")} - before
    out = (inner / "OUT").resolve()
    assert new
    assert all(p.resolve() == out or out in p.resolve().parents for p in new)
    assert (out / "rank0.jsonl" / "curves_loss.png").exists()


def test_output_path_is_checked():
    from chartkit.metrics.report import _inside

    out = Path("build/x")
    assert _inside(out, out / "a.png") == out / "a.png"
    with pytest.raises(
        ValueError,
        match=r"'.*escape.png' is not a valid value for output path; expected a path inside the "
        r"output folder 'build/x' \(nothing is written outside it\)",
    ):
        _inside(out, out / ".." / "escape.png")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")
def test_report_lists_what_it_did_not_chart(tmp_path):
    stream = io.StringIO()
    units = plot_logs(SESSION, tmp_path, stream=stream, audit=False)
    by = {u.label: u for u in units}
    lit = by["lightning/lit_mlp"]
    assert "not charted (counters and bookkeeping): epoch" in lit.notes
    assert "4 of 5 curves charted; pass --metric NAME for the rest: val_acc" in lit.notes
    out = stream.getvalue()
    assert "lightning/lit_mlp: 4 of 5 curves charted; pass --metric NAME for the rest" in out
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "Not charted, and limits applied" in index
    assert "Files not taken (2)" in index
    assert "train.py: not a log: source code" in index
    assert "recognised: header has batch_size and status" in index


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")
def test_metric_option_and_rungs_reason(tmp_path):
    stream = io.StringIO()
    units = plot_logs(
        SESSION / "lightning",
        tmp_path / "a",
        metrics=["val_acc", "nope"],
        stream=stream,
        audit=False,
    )
    assert [c.name for c in units[0].charts] == ["curves_val_acc"]
    assert "--metric nope: not in this log" in units[0].notes
    units = plot_logs(
        DATA / "ray_tune" / "tune_pbt_error", tmp_path / "b", stream=io.StringIO(), audit=False
    )
    assert "rungs" not in [c.name for c in units[0].charts]
    assert any(n.startswith("rungs not drawn: ") for n in units[0].notes)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")
def test_columns_from_cli_and_toml(tmp_path):
    probe = tmp_path / "probe"
    probe.mkdir()
    shutil.copy(SESSION / "probe.csv", probe / "probe.csv")
    assert (
        main(
            [
                "plot-logs",
                str(probe),
                "--out",
                str(tmp_path / "o1"),
                "--no-audit",
                "--column",
                "memory=peak_allocated_mib",
            ]
        )
        == 0
    )
    (probe / "chartkit.toml").write_text(
        'batch_size = 256\n[columns]\nmemory = "peak_allocated_mib"\n'
    )
    stream = io.StringIO()
    units = plot_logs(probe, tmp_path / "o2", stream=stream, audit=False)
    assert units[0].charts[0].ok, units[0].charts[0].error
    assert "1 file(s) skipped" in stream.getvalue()
    index = (tmp_path / "o2" / "index.html").read_text("utf-8")
    assert (
        "chartkit.toml: chartkit settings for plot-logs (batch_size, columns), not a log" in index
    )
    assert units[0].settings.startswith("memory=peak_allocated_mib, batch_size=256 (")
    assert "chartkit.toml" in units[0].settings
    (probe / "chartkit.toml").write_text("bacth_size = 256\n")
    with pytest.raises(
        ValueError,
        match=r"'bacth_size' is not a valid value for a key of '.*chartkit.toml'; supported "
        r"values are 'batch_size', 'columns'. Did you mean 'batch_size'\?",
    ):
        plot_logs(probe, tmp_path / "o3", stream=io.StringIO())
    (probe / "chartkit.toml").write_text("batch_size = -1\n")
    with pytest.raises(
        ValueError,
        match=r"-1 is not a valid value for batch_size in '.*chartkit.toml'; expected a "
        r"positive finite number",
    ):
        plot_logs(probe, tmp_path / "o4", stream=io.StringIO())


def test_call_plot_passes_only_what_a_plot_takes():
    from chartkit.metrics.report_plan import Options, call_plot

    seen = {}

    def old(log, *, ax=None, memory=None):
        seen.update(memory=memory)

    def new(log, *, ax=None, lang="en", columns=None, batch_size=None):
        seen.update(lang=lang, columns=columns, batch_size=batch_size)

    opts = Options("ko", {"memory": "peak_allocated_mib"}, 256.0)
    call_plot(old, None, options=opts, ax=None)
    assert seen == {"memory": "peak_allocated_mib"}
    call_plot(new, None, options=opts, ax=None)
    assert seen["lang"] == "ko"
    assert seen["columns"] == {"memory": "peak_allocated_mib"}
    assert seen["batch_size"] == 256.0


@pytest.mark.slow
def test_names_from_logs_are_escaped_in_index(tmp_path):
    logs = tmp_path / "logs"
    _jsonl(logs / '"onerror=alert(1)' / "run.jsonl", {"<script>alert(1)</script>": 1.0})
    _jsonl(logs / "<img src=x onerror=alert(2)>" / "run.jsonl", {'x" onerror="alert(3)': 1.0})
    units = plot_logs(logs, tmp_path / "out", stream=io.StringIO(), audit=False)
    assert all(c.ok for u in units for c in u.charts)
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    for raw in ("<script>", "<img src=x", '"onerror=', 'x" onerror'):
        assert raw not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "&quot;onerror=alert(1)" in index


def _fake_report(findings):
    from chartkit.audit.report import AuditReport, Finding

    return AuditReport([Finding(k, m) for k, m in findings])


@pytest.mark.slow
def test_audit_findings_fixed_or_listed_in_one_line(tmp_path, monkeypatch):
    import chartkit.audit as audit

    calls = []

    def check(fig, **kw):
        calls.append(tuple(fig.get_size_inches()))
        if len(calls) == 1:  # the first audit finds colliding tick labels; the fix clears it
            return _fake_report([("text-overlap", "x tick labels overlap each other")])
        return _fake_report([("text-overlap", "note 'NaN from step 308'\n overlaps the legend")])

    monkeypatch.setattr(audit, "check_figure", check)
    stream = io.StringIO()
    # metrics= chosen: no overview page, so the first chart audited is the loss curve
    units = plot_logs(SAMPLES / "ddp" / "world2", tmp_path, metrics=["loss"], stream=stream)
    chart = units[0].charts[0]
    assert chart.fixes[0] == "x tick labels rotated 30°"
    assert chart.fixes[1].startswith("figure enlarged to 9.8 x 5.5 in")
    assert chart.findings == ["text-overlap: note 'NaN from step 308' overlaps the legend"]
    out = stream.getvalue()
    assert (
        f"  {chart.file}: audit: text-overlap: note 'NaN from step 308' overlaps the legend\n"
        in out
    )
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "Audit findings (after layout fixes)" in index
    assert "layout fixed: x tick labels rotated 30°; figure enlarged" in index


@pytest.mark.slow
def test_korean_page_and_title_prefix(tmp_path, monkeypatch):
    from chartkit._i18n import join_title

    drawn = []
    import chartkit.annotate as annotate

    real = annotate.titles

    def spy(ax, title=None, **kw):
        drawn.append(title)
        return real(ax, title=title, **kw)

    monkeypatch.setattr(annotate, "titles", spy)
    plot_logs(
        SAMPLES / "ddp" / "world2",
        tmp_path,
        lang="ko",
        title="실험 A:",
        stream=io.StringIO(),
        audit=False,
    )
    assert "실험 A: loss 곡선" in drawn
    assert not any("실험 A: —" in t for t in drawn)
    assert join_title("Run 3", "Throughput") == "Run 3 — Throughput"
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "학습 로그 보고서" in index
    assert "인식 근거" in index
    assert "Training-log report" not in index


@pytest.mark.slow
def test_watch_rewrites_when_a_log_grows(tmp_path):
    from chartkit.metrics.report import watch_logs

    run = tmp_path / "run"
    _jsonl(run / "rank0.jsonl", {"loss": 1.0}, steps=3)
    polls = []

    def sleep(seconds):
        polls.append(seconds)
        if len(polls) == 1:  # the log grows between the first and second poll
            with open(run / "rank0.jsonl", "a") as fh:
                fh.write('{"step": 3, "loss": 0.5}\n')

    stream = io.StringIO()
    watch_logs(
        run, tmp_path / "out", interval=0.5, loops=3, sleep=sleep, stream=stream, audit=False
    )
    out = stream.getvalue()
    assert polls == [0.5, 0.5, 0.5]
    assert out.count("file(s) changed; writing the report again") == 1
    assert out.count("index: ") == 2

    def interrupt(seconds):
        raise KeyboardInterrupt

    stream = io.StringIO()
    units = watch_logs(run, tmp_path / "out", sleep=interrupt, stream=stream, audit=False)
    assert stream.getvalue().endswith("watch stopped\n")
    assert units[0].charts[0].ok


@pytest.mark.slow
def test_profiler_folder_gets_trace_charts_beside_the_runs_curves(tmp_path):
    pytest.importorskip("msgspec")
    units = plot_logs(DATA / "profiler", tmp_path, stream=io.StringIO(), audit=False)
    files = sorted(c.file for u in units for c in u.charts)
    assert "world2_trace/step_breakdown.png" in files
    assert "world2_trace/straggler.png" in files
    assert "world2_jsonl/curves_loss.png" in files
    assert all(c.ok for u in units for c in u.charts)


@pytest.mark.slow
def test_nvidia_smi_gets_the_gpu_overview_and_names_the_rest(tmp_path):
    units = plot_logs(SESSION / "nvidia_smi_query.csv", tmp_path, stream=io.StringIO())
    chart = units[0].charts[0]
    assert chart.ok, chart.error
    assert chart.file == "nvidia_smi_query.csv/gpu_overview.png"
    note = (
        "not charted (the GPU overview draws utilisation, memory used, power, temperature "
        "and clocks): memory.free, memory.total, pstate, utilization.memory"
    )
    assert units[0].notes == [note]


def test_colliding_tick_labels_are_fixed_by_rotation():
    import matplotlib.pyplot as plt

    import chartkit
    from chartkit.metrics.report import _audit_and_fix
    from chartkit.metrics.report_plan import Chart

    chart = Chart("bars", "bars", draw=None)
    with chartkit.theme():
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        ax.bar([f"hyperparameter_{i}_long_name" for i in range(8)], range(8))
        _audit_and_fix(fig, chart)
        plt.close(fig)
    assert chart.fixes == ["x tick labels rotated 30°"]
    assert chart.findings == []


@pytest.mark.slow
def test_watch_waits_for_the_first_log(tmp_path):
    from chartkit.metrics.report import watch_logs

    run = tmp_path / "run"
    run.mkdir()

    def sleep(seconds):
        if not (run / "rank0.jsonl").exists():
            _jsonl(run / "rank0.jsonl", {"loss": 1.0}, steps=3)

    stream = io.StringIO()
    units = watch_logs(run, tmp_path / "out", loops=2, sleep=sleep, stream=stream, audit=False)
    out = stream.getvalue()
    assert out.startswith(f"no log under {str(run)!r} yet; waiting (Ctrl-C stops)\n")
    assert out.count("index: ") == 1
    assert units[0].charts[0].ok
