"""read_hf_trainer: real transformers.Trainer output folders (JSON files only)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import discover, read
from chartkit.metrics.readers.hf_trainer import read_hf_trainer

DATA = Path(__file__).parent / "data" / "hf_trainer"
PLAIN = DATA / "run_plain"  # 40 steps, logging every 2, eval + checkpoint every 10
RESUMED = DATA / "run_resumed"  # stopped at 32, resumed from checkpoint-20


@pytest.mark.parametrize("run", [PLAIN, RESUMED], ids=["plain", "resumed"])
def test_counts_of_a_real_run(run):
    log = read_hf_trainer(run)
    counts = log.metrics.groupby("metric", observed=True).size().to_dict()
    assert counts == {
        "epoch": 20,
        "eval_loss": 4,
        "eval_runtime": 4,
        "eval_samples_per_second": 4,
        "eval_steps_per_second": 4,
        "grad_norm": 20,
        "learning_rate": 20,
        "loss": 20,
    }
    loss = log.metrics[log.metrics["metric"] == "loss"]
    assert loss["step"].tolist() == list(range(2, 41, 2))
    assert log.metrics[log.metrics["metric"] == "eval_loss"]["step"].tolist() == [10, 20, 30, 40]
    assert log.info.entries == []  # cumulative checkpoint copies are not problems
    ckpts = log.info.extra["checkpoints"]
    assert [c["file"] for c in ckpts] == [
        "checkpoint-10/trainer_state.json",
        "checkpoint-20/trainer_state.json",
        "checkpoint-30/trainer_state.json",
        "checkpoint-40/trainer_state.json",
        "trainer_state.json",
    ]
    assert [c["repeated"] for c in ckpts] == [0, 24, 48, 72, 96]
    assert log.info.extra["trainer"]["logging_steps"] == 2
    assert log.metrics["run"].iloc[0] == run.name


def test_the_same_numbers_as_json_load():
    log = read_hf_trainer(PLAIN)
    history = json.loads((PLAIN / "trainer_state.json").read_text())["log_history"]
    want = {(e["step"], e["loss"]) for e in history if "loss" in e}
    loss = log.metrics[log.metrics["metric"] == "loss"]
    assert set(zip(loss["step"], loss["value"], strict=True)) == want


def test_run_facts_from_the_results_files_and_the_totals():
    p = read_hf_trainer(PLAIN).params
    assert len(p) == 1
    row = p.iloc[0]
    facts = json.loads((PLAIN / "all_results.json").read_text())
    for k in ("train_runtime", "eval_loss", "total_flos"):
        assert row[k] == pytest.approx(facts[k])
    resumed = read_hf_trainer(RESUMED).params.iloc[0]
    assert resumed["train_runtime"] < row["train_runtime"]  # only the resumed part was timed


def test_a_later_checkpoint_wins_and_is_reported(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(RESUMED, run)
    f = run / "checkpoint-40" / "trainer_state.json"
    state = json.loads(f.read_text())
    state["log_history"][0]["loss"] = 9.5  # step 2, also in checkpoint-10..30
    f.write_text(json.dumps(state))
    top = run / "trainer_state.json"
    top.unlink()
    with pytest.warns(DataWarning, match=r"replaced 1 entry in .*checkpoint-40.*later file"):
        log = read_hf_trainer(run)
    loss = log.metrics[(log.metrics["metric"] == "loss") & (log.metrics["step"] == 2)]
    assert loss["value"].tolist() == [9.5]


def test_a_cut_state_file_is_skipped_when_others_remain(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(PLAIN, run)
    top = run / "trainer_state.json"
    top.write_bytes(top.read_bytes()[:900])
    with pytest.warns(DataWarning, match=r"skipped 1 entry in '.*run/trainer_state\.json'.*cut"):
        log = read_hf_trainer(run)
    assert len(log.metrics[log.metrics["metric"] == "loss"]) == 20  # checkpoint-40 has all


def test_errors_name_the_file(tmp_path):
    one = tmp_path / "only"
    (one / "checkpoint-5").mkdir(parents=True)
    (one / "checkpoint-5" / "trainer_state.json").write_text('{"log_history": [{"loss": 1.0, "st')
    with pytest.raises(
        ValueError, match=r"checkpoint-5/trainer_state\.json' is not a valid value .*cut"
    ):
        read_hf_trainer(one)
    deep = tmp_path / "deep" / "trainer_state.json"
    deep.parent.mkdir()
    deep.write_text('{"log_history": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(ValueError, match="nested deeper than 100 levels"):
        read_hf_trainer(deep)
    with pytest.raises(ValueError, match="expected a Trainer output folder"):
        read_hf_trainer(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_hf_trainer(tmp_path / "nope")


def test_non_numeric_values_and_entries_without_step_are_counted(tmp_path):
    f = tmp_path / "trainer_state.json"
    hist = [
        {"loss": 1.0, "step": 1},
        {"loss": "nan?", "step": 2},
        {"loss": 0.5},
        {"loss": float("nan"), "step": 3},
    ]
    f.write_text(json.dumps({"global_step": 3, "log_history": hist}))
    with pytest.warns(DataWarning) as rec:
        log = read_hf_trainer(f)
    text = " | ".join(str(w.message) for w in rec)
    assert "skipped 1 entry" in text
    assert "non-numeric value of 'loss'" in text
    assert "without an integer step" in text
    np.testing.assert_array_equal(log.metrics["step"], [1, 3])


def test_discovered_as_one_source_per_output_dir(tmp_path):
    found = discover(PLAIN)
    assert [(s.kind, s.run, len(s.files)) for s in found] == [("hf_trainer", "run_plain", 8)]
    log = read(PLAIN)
    assert log.info.source == "hf_trainer"
    assert read(PLAIN / "checkpoint-20").info.extra["trainer"]["global_step"] == 20
    alone = tmp_path / "sweep" / "only"
    shutil.copytree(RESUMED, alone)
    assert [s.path for s in discover(tmp_path)] == [alone]  # one run: its own source


def test_output_dirs_side_by_side_are_one_log_of_runs():
    found = discover(DATA)
    assert [(s.kind, s.path, len(s.files)) for s in found] == [("hf_trainer", DATA, 15)]
    assert "2 Hugging Face Trainer runs" in found[0].reason
    log = read(DATA)
    assert log.info.source == "hf_trainer"
    assert list(log.metrics["run"].cat.categories) == ["run_plain", "run_resumed"]
    for run in (PLAIN, RESUMED):
        one = read_hf_trainer(run).metrics
        part = log.metrics[log.metrics["run"] == run.name]
        cols = ["step", "metric", "value"]
        got = part[cols].astype({"metric": str}).reset_index(drop=True)
        want = one[cols].astype({"metric": str}).reset_index(drop=True)
        assert got.equals(want)
    runs = log.info.extra["runs"]
    assert runs["run"].tolist() == ["run_plain", "run_resumed"]
    assert runs["global_step"].tolist() == [40, 40]
    assert runs["files"].tolist() == [5, 5]
    ckpts = log.info.extra["checkpoints"]
    assert len(ckpts) == 10
    assert ckpts[4] == {
        "run": "run_plain",
        "file": "trainer_state.json",
        "global_step": 40,
        "repeated": 96,
        "replaced": 0,
    }
    assert log.params["run"].tolist() == ["run_plain", "run_resumed"]
    assert read_hf_trainer(DATA, run="sweep").params["run"].tolist() == [
        "sweep/run_plain",
        "sweep/run_resumed",
    ]


def test_a_sweep_leaves_out_an_unreadable_run_and_says_so(tmp_path):
    shutil.copytree(PLAIN, tmp_path / "a")
    bad = tmp_path / "b"
    bad.mkdir()
    (bad / "trainer_state.json").write_text('{"log_history": [{"loss": 1.0, "st')
    with pytest.warns(DataWarning) as rec:
        log = read_hf_trainer(tmp_path)
    text = " | ".join(str(w.message) for w in rec)
    assert "cut (a half-written file)" in text
    assert re.search(r"skipped 1 entry in '.*/b': Trainer run without a readable state", text)
    assert list(log.metrics["run"].unique()) == ["a"]


def test_the_standard_parser_reads_the_same(monkeypatch):
    from chartkit.metrics.readers import hf_trainer

    fast = read_hf_trainer(DATA)
    monkeypatch.setattr(hf_trainer, "_fast_decoder", lambda: None)
    slow = read_hf_trainer(DATA)
    assert slow.metrics.equals(fast.metrics)
    assert slow.info.extra["checkpoints"] == fast.info.extra["checkpoints"]


def test_plot_logs_charts_the_runs_together(tmp_path):
    from chartkit.metrics.report import plot_logs

    plot_logs(DATA, tmp_path)
    names = sorted(p.name for p in (tmp_path / "hf_trainer").glob("*.png"))
    assert "curves_loss.png" in names
    assert "curves_eval_loss.png" in names


def test_the_bundled_sample_is_one_log_of_two_runs():
    from chartkit.metrics import sample_path

    log = read(sample_path("hf_trainer_runs"))
    assert list(log.metrics["run"].cat.categories) == ["run_plain", "run_resumed"]
    assert [c["repeated"] for c in log.info.extra["checkpoints"]] == [0, 48, 0, 48]
    assert log.metrics.groupby("run", observed=True).size().tolist() == [96, 96]


@pytest.mark.mpl_image_compare(remove_text=True)
def test_image_loss_of_two_trainer_runs():
    import matplotlib.pyplot as plt

    from chartkit.audit import check_figure
    from chartkit.metrics import sample_path
    from chartkit.metrics.plots import plot_curves

    log = read(sample_path("hf_trainer_runs"))
    fig, ax = plt.subplots(figsize=(6, 4), dpi=80, layout="constrained")
    plot_curves(log, "loss", by="run", ax=ax)
    assert check_figure(fig).ok
    return fig


def test_entries_without_an_integral_step_in_a_numbers_only_state(tmp_path):
    f = tmp_path / "trainer_state.json"
    hist = [
        {"loss": 1.0, "step": 1},
        {"loss": 0.5},
        {"loss": 0.4, "step": 2.5},
        {"loss": 0.3, "step": 3},
    ]
    f.write_text(json.dumps({"global_step": 3, "log_history": hist}))
    with pytest.warns(DataWarning, match=r"skipped 2 entries in .*without an integer step"):
        log = read_hf_trainer(f)
    assert log.metrics["step"].tolist() == [1, 3]
    assert log.info.rows == 2


def test_a_sweep_mixing_plain_and_nan_states(tmp_path):
    shutil.copytree(PLAIN, tmp_path / "a")
    b = tmp_path / "b"
    b.mkdir()
    hist = [{"loss": 1.0, "step": 1}, {"loss": float("nan"), "step": 2}, {"loss": 0.5, "step": 3}]
    (b / "trainer_state.json").write_text(json.dumps({"global_step": 3, "log_history": hist}))
    log = read_hf_trainer(tmp_path)
    part = log.metrics[log.metrics["run"] == "b"]
    np.testing.assert_array_equal(part["value"], [1.0, np.nan, 0.5])
    assert log.info.nonfinite[["run", "step"]].values.tolist() == [["b", 2]]
    a = log.metrics[log.metrics["run"] == "a"]
    assert len(a) == len(read_hf_trainer(PLAIN).metrics)
