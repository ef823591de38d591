"""read_optuna: a real Optuna study (MedianPruner, a FAIL trial) read read-only from SQLite."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
import chartkit.metrics.plots
from chartkit.audit import check_figure
from chartkit.metrics import detect_format, discover, read, sample_path
from chartkit.metrics.tuning_tables import param_kinds, trial_table

optuna = pytest.importorskip("optuna")
from chartkit.metrics.readers import optuna as reader  # noqa: E402
from chartkit.metrics.readers.optuna import read_optuna  # noqa: E402

DATA = Path(__file__).parent / "data" / "optuna"
DB = DATA / "study.db"  # studies tiny_mlp (MedianPruner) and tiny_tpe (HyperbandPruner)


@pytest.fixture(scope="module")
def log():
    return read_optuna(DB, study="tiny_mlp")


def test_counts_states_and_statuses(log):
    trials = log.info.extra["trials"]
    assert len(trials) == 24
    assert trials["state"].value_counts().to_dict() == {"PRUNED": 14, "COMPLETE": 9, "FAIL": 1}
    status = dict(zip(trials["state"], trials["status"], strict=True))
    assert status == {"COMPLETE": "TERMINATED", "PRUNED": "PRUNED", "FAIL": "ERROR"}
    counts = log.metrics.groupby("metric", observed=True).size().to_dict()
    # every COMPLETE and PRUNED trial has a value (Optuna stores a pruned trial's last
    # report as its value); 9 x 8 epochs + the pruned trials' reports
    assert counts == {"intermediate_value": 118, "value": 23}
    assert log.info.extra["study"]["directions"] == ["minimize"]
    assert log.info.extra["how"] == "bulk queries"
    assert log.info.count("marked") == 1
    assert "FAIL" in log.info.of_kind("marked")[0].reason


def test_pruned_trials_have_curves_up_to_the_step_they_were_pruned(log):
    trials = log.info.extra["trials"].set_index("trial")
    inter = log.metrics[log.metrics["metric"] == "intermediate_value"]
    pruned = trials[trials["state"] == "PRUNED"]
    for t, row in pruned.iterrows():
        steps = inter.loc[inter["trial"] == t, "step"].to_numpy()
        assert len(steps) >= 1
        assert steps.max() == row["last_iteration"] == row["user_attrs/pruned_at"] <= 8
    # most were pruned mid-run; one at the last epoch still counts as stopped (PRUNED)
    assert (pruned["last_iteration"] < 8).sum() == 12
    complete = trials[trials["state"] == "COMPLETE"]
    assert (complete["last_iteration"] == 8).all()
    assert (complete["user_attrs/epochs_run"] == 8).all()
    assert set(trials["user_attrs/device"].dropna()) == {"cpu"}


def test_params_and_scales_from_the_distributions(log):
    assert log.info.extra["param_scales"] == {
        "lr": "log",
        "dropout": "linear",
        "hidden": "linear",
        "optimizer": "categorical",
    }
    assert log.info.extra["distributions"]["lr"]["log"] is True
    p = log.params.set_index("trial")
    assert len(p) == 24
    assert set(p["optimizer"]) == {"adam", "sgd"}
    assert all(isinstance(v, int) and v % 4 == 0 for v in p["hidden"])
    table = trial_table(log, "value")
    # without the distributions, 'hidden' (8 integer choices) would be guessed categorical
    assert param_kinds(table, ["lr", "hidden"]) == {"lr": "log", "hidden": "linear"}
    assert param_kinds(table, ["lr"], {"lr": "linear"}) == {"lr": "linear"}  # user wins
    assert table["outcome"].value_counts().to_dict() == {
        "stopped": 14,
        "completed": 9,
        "error": 1,
    }


def test_same_numbers_as_optunas_own_dataframe(log):
    study = optuna.load_study(study_name="tiny_mlp", storage=f"sqlite:///{DB}")
    df = study.trials_dataframe().set_index("number")
    ours = log.metrics[log.metrics["metric"] == "value"].set_index("trial")["value"]
    theirs = df["value"].dropna()
    assert sorted(ours.index.astype(int)) == sorted(theirs.index)
    np.testing.assert_allclose(ours.loc[[str(i) for i in theirs.index]], theirs.to_numpy())
    p = log.params.set_index("trial")
    np.testing.assert_allclose(p["lr"].astype(float), df["params_lr"].to_numpy())
    assert list(p["optimizer"]) == list(df["params_optimizer"])
    for t in study.trials[:8]:
        rows = log.metrics[
            (log.metrics["trial"] == str(t.number))
            & (log.metrics["metric"] == "intermediate_value")
        ]
        assert dict(zip(rows["step"], rows["value"], strict=True)) == t.intermediate_values


def test_get_trials_fallback_reads_the_same(log, monkeypatch):
    monkeypatch.setattr(reader, "_COLUMNS", (("no_such_column",),) * 6)
    other = read_optuna(DB, study="tiny_mlp")
    assert other.info.extra["how"] == "Study.get_trials"
    a = log.metrics.sort_values(["trial", "metric", "step"]).reset_index(drop=True)
    b = other.metrics.sort_values(["trial", "metric", "step"]).reset_index(drop=True)
    np.testing.assert_array_equal(a["value"], b["value"])
    np.testing.assert_allclose(a["wall_time"], b["wall_time"])
    assert other.params.equals(log.params)


def test_the_store_is_never_modified(tmp_path):
    db = tmp_path / "study.db"
    shutil.copyfile(DB, db)
    os.utime(db, ns=(1_000_000_000, 1_000_000_000))
    before = db.read_bytes()
    read_optuna(f"sqlite:///{db}", study="tiny_tpe")
    read(db, study="tiny_mlp")
    assert db.read_bytes() == before
    assert db.stat().st_mtime_ns == 1_000_000_000
    assert sorted(os.listdir(tmp_path)) == ["study.db"]  # no journal, no -wal/-shm


def test_several_studies_need_a_name():
    with pytest.raises(
        ValueError,
        match=r"None is not a valid value for study; expected one of 'tiny_mlp', 'tiny_tpe' "
        r"\(the 2 studies in '.*study\.db'\): pass --study NAME on the command line, "
        r"study=NAME in Python",
    ):
        read_optuna(DB)
    with pytest.raises(ValueError, match="'tiny' is not a valid value for study"):
        read_optuna(DB, study="tiny")
    hb = read_optuna(DB, study="tiny_tpe")
    assert len(hb.info.extra["trials"]) == 8
    assert hb.metrics["run"].iloc[0] == "tiny_tpe"


def test_a_locked_database_is_a_clear_error(tmp_path):
    db = tmp_path / "locked.db"
    shutil.copyfile(DB, db)
    con = sqlite3.connect(db)
    con.execute("BEGIN EXCLUSIVE")  # a writer in the middle of its commit
    try:
        with pytest.raises(
            ValueError,
            match=r"'.*locked\.db' is not a valid value for read_optuna's storage"
            r".*database is locked.*write lock",
        ):
            read_optuna(db, study="tiny_mlp", timeout=0.05)
    finally:
        con.rollback()
        con.close()


def test_cut_not_sqlite_and_other_sqlite_files(tmp_path):
    cut = tmp_path / "cut.db"
    data = DB.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(
        ValueError,
        match=r"'.*cut\.db' is not a valid value for read_optuna's storage; expected a readable",
    ):
        read_optuna(cut, study="tiny_mlp")
    text = tmp_path / "notes.db"
    text.write_text("hello")
    with pytest.raises(
        ValueError, match=r"notes\.db' is not a valid value .* expected an SQLite database"
    ):
        read_optuna(text)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.db' is not a valid value .* this one is empty"):
        read_optuna(empty)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(ValueError, match=r"other\.sqlite'.*not an Optuna storage"):
        read_optuna(other)
    with pytest.raises(FileNotFoundError, match=r"missing\.db"):
        read_optuna(tmp_path / "missing.db")
    found = discover(tmp_path)
    assert [s.kind for s in found] == []
    reasons = {s.path.name: s.reason for s in found.skipped}
    assert reasons["other.sqlite"] == "an SQLite database, not an Optuna storage"


def test_without_optuna_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r'pip install "chartkit\[optuna\]"'):
        read_optuna(DB)


def test_discovered_and_read_through_read():
    assert detect_format(DATA) == "optuna"
    (src,) = discover(DATA)
    assert src.kind == "optuna"
    assert src.run == "study"
    log = read(sample_path("optuna_study"))
    assert log.info.source == "optuna"
    assert len(log.info.extra["trials"]) == 24


CHARTS = {
    "trials": lambda log, ax: chartkit.metrics.plots.plot_trials(log, "intermediate_value", ax=ax),
    "parallel": lambda log, ax: chartkit.metrics.plots.plot_parallel(log, "value", ax=ax),
    "importance": lambda log, ax: chartkit.metrics.plots.plot_importance(log, "value", ax=ax),
    "history": lambda log, ax: chartkit.metrics.plots.plot_history(log, "value", ax=ax),
    "slice": lambda log, ax: chartkit.metrics.plots.plot_slice(log, "value", "lr", ax=ax),
    "contour": lambda log, ax: chartkit.metrics.plots.plot_contour(
        log, "value", x="lr", y="dropout", ax=ax
    ),
    "edf": lambda log, ax: chartkit.metrics.plots.plot_edf(log, "value", ax=ax),
}


# "parallel" includes the FAIL trial's "no value" slot, whose label once hid under the note.
@pytest.mark.parametrize("name", list(CHARTS))
def test_tuning_charts_draw_the_study_and_pass_the_audit(log, name):
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(8, 5))
        assert CHARTS[name](log, ax) is ax
        report = check_figure(fig)
    plt.close(fig)
    assert report.ok, str(report)


def test_slice_uses_a_log_axis_for_lr(log):
    fig, ax = plt.subplots()
    chartkit.metrics.plots.plot_slice(log, "value", "lr", ax=ax)
    assert ax.get_xscale() == "log"
    plt.close(fig)


@pytest.mark.mpl_image_compare(remove_text=True)
def test_image_trials_of_an_optuna_study(log):
    fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
    chartkit.metrics.plots.plot_trials(log, "intermediate_value", color_by="lr", ax=ax)
    return fig


def test_plot_logs_charts_the_study_as_a_tuning_log(tmp_path):
    from chartkit.metrics.report import plot_logs

    plot_logs(sample_path("optuna_study"), tmp_path)
    names = sorted(p.name for p in tmp_path.rglob("*.png"))
    assert names == ["importance.png", "parallel.png", "trials.png"]


def test_plot_logs_names_the_study_option_when_a_store_holds_several(tmp_path, capsys):
    from chartkit.cli import main

    assert main(["plot-logs", str(DB), "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert re.search(
        r"expected one of 'tiny_mlp', 'tiny_tpe' \(the 2 studies in '.*study\.db'\): "
        r"pass --study NAME on the command line",
        out,
    )
    assert not list(tmp_path.rglob("*.png"))


def test_plot_logs_and_logs_info_take_study(tmp_path, capsys):
    from chartkit.cli import main

    main(["plot-logs", str(DB), "--study", "tiny_tpe", "--out", str(tmp_path)])
    names = sorted(p.name for p in tmp_path.rglob("*.png"))
    assert names == ["importance.png", "parallel.png", "trials.png"]
    capsys.readouterr()
    assert main(["logs", "info", str(DB), "--study", "tiny_mlp"]) == 0
    out = capsys.readouterr().out
    assert "records read: " in out
    assert "params: 24 row(s)" in out  # tiny_mlp: 24 trials (tiny_tpe has 8)
    assert main(["logs", "info", str(DB), "--study", "nope"]) == 2
    assert "'nope' is not a valid value for study" in capsys.readouterr().err


def test_parallel_of_the_tpe_study_passes_the_audit():
    # a pruned trial without a value and no ERROR in the legend: the facts once went into
    # the upper left, under the outcome legend
    tpe = read_optuna(DB, study="tiny_tpe")
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(8, 5))
        chartkit.metrics.plots.plot_parallel(tpe, "value", ax=ax)
        report = check_figure(fig)
    plt.close(fig)
    assert report.ok, str(report)
