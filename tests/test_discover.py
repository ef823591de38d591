"""chartkit.metrics.discover (module chartkit.metrics.discovery): every log under a path,
recognised by content, each real file once, every skipped file named with its reason;
read() on folders of several logs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import chartkit.metrics as M
import chartkit.metrics._sniff as S
import chartkit.metrics.discovery as D
from chartkit.errors import DataWarning

DATA = Path(__file__).parent / "data"
SESSION = DATA / "session_mixed"


def _kinds(sources, root):
    return {(s.path.relative_to(root).as_posix(), s.kind) for s in sources}


def test_mixed_session_folder_finds_every_kind():
    sources = M.discover(SESSION)
    assert _kinds(sources, SESSION) == {
        ("lightning/lit_mlp", "lightning"),
        ("nvidia_smi_query.csv", "nvidia_smi"),
        ("probe.csv", "batch_probe"),
        (
            next(p for p in (SESSION / "tb").iterdir()).relative_to(SESSION).as_posix(),
            "tensorboard",
        ),
        ("train_steps.jsonl", "jsonl"),
    }
    reasons = {s.kind: s.reason for s in sources}
    assert reasons["batch_probe"] == "header has batch_size and status"
    assert reasons["nvidia_smi"] == "header has nvidia-smi query fields"
    assert "TFRecord" in reasons["tensorboard"]
    skipped = {s.path.name: s.reason for s in sources.skipped}
    assert skipped == {
        "notes.txt": "text without a recognisable header and numeric rows",
        "train.py": "not a log: source code",
    }
    summary = sources.summary()
    assert "5 log(s) found under" in summary
    assert "train.py: not a log: source code" in summary


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_read_mixed_session_returns_every_log():
    session = M.read(SESSION)
    assert isinstance(session, M.Session)
    assert sorted(s.kind for s in session.sources) == [
        "batch_probe",
        "jsonl",
        "lightning",
        "nvidia_smi",
        "tensorboard",
    ]
    assert [log.info.source for log in session] == [s.kind for s in session.sources]
    assert not session.failed
    frame = session.metrics
    assert set(frame["source"].unique()) == {
        "batch_probe",
        "jsonl",
        "lightning",
        "nvidia_smi",
        "tensorboard",
    }
    assert len(frame) == sum(len(log.metrics) for log in session)
    assert "5 log(s) read, 0 failed, 2 path(s) skipped" in session.summary()
    assert "skipped train.py: not a log: source code" in session.summary()


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_read_single_log_paths_stay_runlogs():
    lit = M.read(SESSION / "lightning")
    assert isinstance(lit, M.RunLog)
    assert lit.info.source == "lightning"
    probe = M.read(SESSION / "probe.csv")
    assert probe.info.source == "batch_probe"
    assert M.read(DATA / "ray_tune" / "tune_asha").info.source == "ray"


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_read_ray_folder_returns_the_ray_experiments():
    session = M.read(DATA / "ray_tune")
    assert {log.info.source for log in session} == {"ray"}
    experiments = sorted(d.name for d in (DATA / "ray_tune").iterdir() if d.is_dir())
    assert sorted(s.run for s in session.sources) == experiments
    assert {"tune_asha", "tune_pbt_error"} <= set(experiments)


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_ray_result_json_preferred_over_its_tensorboard_copy(tmp_path):
    exp = tmp_path / "exp"
    shutil.copytree(DATA / "ray_tune" / "tune_asha", exp)
    trial = sorted(d for d in exp.iterdir() if d.is_dir())[0]
    event = next((SESSION / "tb").iterdir())
    shutil.copy(event, trial / event.name)
    (trial / "params.pkl").write_bytes(b"\x80\x05")
    sources = M.discover(tmp_path)
    assert [(s.kind, s.path) for s in sources] == [("ray", exp)]
    assert "1 TensorBoard copy of the trial results written by Ray" in sources[0].preferred_over[0]
    skipped = {s.path.name: s.reason for s in sources.skipped}
    assert skipped[event.name] == "TensorBoard copy of this trial's result.json (result.json read)"
    assert skipped["params.pkl"] == "Ray trial file, not read: a pickle (chartkit never unpickles)"
    assert M.read(tmp_path).info.source == "ray"


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_event_files_beside_a_ray_experiment_are_read_alone(tmp_path):
    shutil.copytree(DATA / "ray_tune" / "tune_asha", tmp_path / "exp")
    event = next((SESSION / "tb").iterdir())
    shutil.copy(event, tmp_path / event.name)
    session = M.read(tmp_path)
    kinds = sorted(log.info.source for log in session)
    assert kinds == ["ray", "tensorboard"]
    tb = next(log for log in session if log.info.source == "tensorboard")
    assert len(tb.info.files) == 1  # not the trials' files below


def test_content_over_name(tmp_path):
    (tmp_path / "steps.log").write_text('{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.5}\n')
    smi = (SESSION / "nvidia_smi_query.csv").read_text()
    (tmp_path / "gpu.txt").write_text(smi)
    (tmp_path / "array.json").write_text('[{"step": 1}, {"step": 2}]')
    (tmp_path / "blank.csv").write_text("")
    (tmp_path / "words.csv").write_text("a,b\nx,y\n")
    sources = M.discover(tmp_path)
    assert {(s.path.name, s.kind) for s in sources} == {
        ("steps.log", "jsonl"),
        ("gpu.txt", "nvidia_smi"),
    }
    skipped = {s.path.name: s.reason for s in sources.skipped}
    assert skipped == {
        "array.json": "JSON but not one object per line (not a JSON-lines log)",
        "blank.csv": "empty file",
        "words.csv": "CSV without a recognisable header and numeric rows",
    }


@pytest.mark.filterwarnings("ignore:missing 7 entries")  # ranks 3-9 absent, reported
def test_per_rank_files_form_one_source(tmp_path):
    for r in (0, 1, 10, 2):
        (tmp_path / f"rank{r}.jsonl").write_text(f'{{"step": 1, "loss": {r}}}\n')
    (tmp_path / "summary.jsonl").write_text('{"step": 1, "best": 0.1}\n')
    sources = M.discover(tmp_path)
    assert len(sources) == 2
    ranks = next(s for s in sources if len(s.files) > 1)
    assert [f.name for f in ranks.files] == [
        "rank0.jsonl",
        "rank1.jsonl",
        "rank2.jsonl",
        "rank10.jsonl",
    ]
    log = M.read_source(ranks)
    assert sorted(log.metrics["rank"].unique().tolist()) == [0, 1, 2, 10]
    session = M.read(tmp_path)
    assert len(session.metrics) == 5


def test_links_never_multiply_a_log(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "rank0.jsonl").write_text('{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.5}\n')
    for k in range(6):  # six self-links: a walk that follows them never ends or multiplies
        os.symlink(".", run / f"loop{k}")
    os.symlink(run / "rank0.jsonl", tmp_path / "copy.jsonl")
    os.symlink(tmp_path / "absent.jsonl", tmp_path / "broken.jsonl")
    os.link(run / "rank0.jsonl", tmp_path / "hard.jsonl")  # a hard link is the same file too
    sources = M.discover(tmp_path)
    assert len(sources) == 1
    assert len(sources[0].files) == 1
    reasons = [s.reason for s in sources.skipped]
    assert sum("(a link): read once" in r for r in reasons) == 8
    assert "broken symlink" in reasons
    assert len(M.read(tmp_path).metrics) == 2


def test_unreadable_file_and_folder_are_reported_and_the_rest_read(tmp_path, monkeypatch):
    shutil.copy(SESSION / "probe.csv", tmp_path / "probe.csv")
    shutil.copy(SESSION / "train_steps.jsonl", tmp_path / "steps.jsonl")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.jsonl").write_text('{"step": 1}\n')
    real_head, real_scandir = S._head, os.scandir

    def head(path, n=S._HEAD):
        if Path(path).name == "steps.jsonl":
            raise PermissionError(13, "Permission denied")
        return real_head(path, n)

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(S, "_head", head)
    monkeypatch.setattr(D.os, "scandir", scandir)
    sources = M.discover(tmp_path)
    assert [s.path.name for s in sources] == ["probe.csv"]
    skipped = {s.path.name: s.reason for s in sources.skipped}
    assert skipped == {
        "steps.jsonl": "not readable: Permission denied",
        "locked": "folder not readable: Permission denied",
    }


@pytest.mark.filterwarnings("ignore:deduplicated")  # the probe reader's own note
def test_a_log_that_fails_to_read_does_not_stop_the_others(tmp_path, monkeypatch):
    for name in ("probe.csv", "nvidia_smi_query.csv"):
        shutil.copy(SESSION / name, tmp_path / name)

    def refuse(path, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(M, "read_nvidia_smi", refuse)
    with pytest.warns(DataWarning, match=r"1 of 2 logs under .* could not be read: nvidia_smi: "):
        session = M.read(tmp_path)
    assert [log.info.source for log in session] == ["batch_probe"]
    assert session.failed[0][1].startswith("PermissionError: [Errno 13] Permission denied")


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")  # readers' own notes
def test_read_keywords_with_several_logs(tmp_path):
    for name in ("probe.csv", "train_steps.jsonl"):
        shutil.copy(SESSION / name, tmp_path / name)
    session = M.read(tmp_path, keep="all")
    assert len(session) == 2
    with pytest.raises(
        TypeError, match=r"no reader of the logs under .* takes \['grace_period'\]"
    ):
        M.read(tmp_path, grace_period=1)


def test_nothing_found_names_what_was_skipped(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    (tmp_path / "model.pt").write_bytes(b"\x80\x02")
    with pytest.raises(
        ValueError,
        match=r"no training log found under .*; looked for ray: .* Skipped: "
        r"model.pt: not a log: a PyTorch checkpoint .*; notes.md: not a log: text notes\.",
    ):
        M.read(tmp_path)


def test_detect_format_of_a_mixed_folder_names_the_kinds():
    with pytest.raises(ValueError, match=r"holds 5 logs of 5 kinds \(batch_probe, jsonl, "):
        M.detect_format(SESSION)


def test_ray_files_the_reader_reads_are_taken_not_skipped(tmp_path):
    exp = tmp_path / "exp"
    shutil.copytree(DATA / "ray_tune" / "tune_pbt_error", exp)
    (exp / "pbt_global.txt").write_text("[]\n")
    (exp / "pbt_policy_6e82b_00001.txt").write_text("[]\n")
    sources = M.discover(exp)
    assert sources[0].reason.endswith(", PBT exploit log (pbt_*.txt)")
    names = {f.name for f in sources[0].files}
    assert {"pbt_global.txt", "pbt_policy_6e82b_00001.txt", "error.txt"} <= names
    assert not [s for s in sources.skipped if s.path.name.startswith(("pbt_", "error"))]


def test_an_unreadable_single_file_says_so(tmp_path, monkeypatch):
    f = tmp_path / "probe.csv"
    shutil.copy(SESSION / "probe.csv", f)

    def head(path, n=S._HEAD):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(S, "_head", head)
    with pytest.raises(ValueError, match=r"^cannot read '.*probe.csv': Permission denied$"):
        M.read(f)


def test_tensorboard_rank_and_version_folders_form_one_source(tmp_path):
    event = next((SESSION / "tb").iterdir())
    for sub in ("lightning_logs/version_0", "lightning_logs/version_1", "tb/rank0", "tb/rank1"):
        (tmp_path / sub).mkdir(parents=True)
        shutil.copy(event, tmp_path / sub / event.name)
    (tmp_path / "lightning_logs" / "version_0" / "hparams.yaml").write_text("lr: 0.1\n")
    sources = M.discover(tmp_path)
    assert [(s.path.name, s.kind, len(s.files)) for s in sources] == [
        ("lightning_logs", "tensorboard", 2),
        ("tb", "tensorboard", 2),
    ]


def test_profiler_traces_are_one_source_per_folder():
    sources = M.discover(DATA / "profiler")
    assert [(s.kind, s.path.name, len(s.files)) for s in sources] == [
        ("jsonl", "world2", 2),
        ("trace", "world2", 2),
    ]
    assert sources[1].reason == "2 torch.profiler trace(s) (one per rank)"
    pytest.importorskip("msgspec")
    session = M.read(DATA / "profiler")
    trace = session[1]
    assert type(trace).__name__ == "TraceLog"
    assert trace.ranks == [0, 1]
    assert set(session.metrics["source"].unique()) == {"jsonl"}  # traces are events, not metrics
