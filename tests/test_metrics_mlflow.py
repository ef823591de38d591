"""read_mlflow: a real MLflow file store (a nested sweep with a FAILED run), read from files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import discover, read
from chartkit.metrics.readers.mlflow import read_mlflow

STORE = Path(__file__).parent / "data" / "mlflow" / "mlruns"
SWEEP = STORE / "283237555570238500"  # experiment "sweep": a parent and 4 nested runs


def test_counts_runs_trials_and_statuses():
    log = read_mlflow(STORE)
    counts = log.metrics.groupby(["run", "metric"], observed=True).size().to_dict()
    assert counts == {
        ("single/baseline", "loss"): 5,
        ("sweep/sweep-parent", "loss"): 42,  # 3 x 12 steps + 6 before the failure
        ("sweep/sweep-parent", "val_loss"): 14,
    }
    trials = log.info.extra["trials"].set_index("trial")
    assert sorted(trials.index) == ["lr0.001", "lr0.01", "lr0.1", "lr0.3"]
    assert trials.loc["lr0.3", "status"] == "ERROR"
    assert trials.loc["lr0.3", "last_iteration"] == 5
    assert (trials.drop("lr0.3")["status"] == "TERMINATED").all()
    runs = log.info.extra["runs"]
    assert len(runs) == 6
    assert runs["parent"].notna().sum() == 4
    p = log.params.set_index("trial").loc["lr0.1"]
    assert p["lr"] == 0.1
    assert p["batch_size"] == 32
    assert p["tags/family"] == "mlp"
    assert log.info.count("marked") == 1
    assert "mlflow" not in sys.modules  # read from the files only


def test_values_and_times_as_written():
    log = read_mlflow(SWEEP)
    run_id = "5fc26fbd31a74ad2b9d0b2fc6982c16a"
    lines = (SWEEP / run_id / "metrics" / "loss").read_text().split()
    rows = log.metrics[(log.metrics["trial"] == "lr0.01") & (log.metrics["metric"] == "loss")]
    assert rows["value"].tolist() == [float(x) for x in lines[1::3]]
    assert rows["step"].tolist() == [int(x) for x in lines[2::3]]
    assert rows["wall_time"].iloc[0] == int(lines[0]) / 1000


def test_bad_and_cut_lines_are_skipped_and_counted(tmp_path):
    store = tmp_path / "mlruns"
    shutil.copytree(STORE, store)
    f = store / SWEEP.name / "5fc26fbd31a74ad2b9d0b2fc6982c16a" / "metrics" / "loss"
    text = f.read_text().splitlines()
    text.insert(3, "garbage line")
    text.insert(5, "1795928953796 notanumber 4")
    f.write_text("\n".join(text) + "\n1795928953799 0.1")  # a cut last line
    with pytest.warns(DataWarning) as rec:
        log = read_mlflow(store)
    msgs = " | ".join(str(w.message) for w in rec)
    assert "skipped 2 entries" in msgs
    assert "(first at line 4)" in msgs
    assert "truncated 1 entry" in msgs
    rows = log.metrics[(log.metrics["trial"] == "lr0.01") & (log.metrics["metric"] == "loss")]
    assert len(rows) == 12


def test_deleted_runs_are_left_out_and_counted(tmp_path):
    store = tmp_path / "mlruns"
    shutil.copytree(STORE, store)
    meta = store / SWEEP.name / "62aa7dceb7d54f3d8c3e38041928234a" / "meta.yaml"
    meta.write_text(
        meta.read_text().replace("lifecycle_stage: active", "lifecycle_stage: deleted")
    )
    with pytest.warns(DataWarning, match=r"skipped 1 entry .*deleted run"):
        log = read_mlflow(store)
    assert "lr0.001" not in set(log.info.extra["trials"]["trial"])


def test_errors_name_the_path(tmp_path):
    with pytest.raises(ValueError, match=r"'.*' is not a valid value for read_mlflow's path"):
        read_mlflow(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_mlflow(tmp_path / "nope")


def test_discovered_as_one_store_and_charted(tmp_path):
    (src,) = discover(STORE.parent)
    assert src.kind == "mlflow"
    assert src.path == STORE
    assert read(SWEEP).info.source == "mlflow"
    from chartkit.metrics.report import plot_logs

    plot_logs(STORE, tmp_path)
    assert list(tmp_path.rglob("curves_loss.png"))


def test_meta_yaml_flat_form_and_the_bounded_loader(tmp_path):
    yaml = pytest.importorskip("yaml")
    from chartkit.metrics.readers.mlflow import _flat_yaml

    for f in STORE.rglob("meta.yaml"):
        text = f.read_text()
        assert _flat_yaml(text) == yaml.safe_load(text)
    assert _flat_yaml("tags: {a: 1}") is None  # not the flat form: the YAML parser reads it
    store = tmp_path / "mlruns"
    shutil.copytree(STORE, store)
    meta = store / SWEEP.name / "62aa7dceb7d54f3d8c3e38041928234a" / "meta.yaml"
    meta.write_text("run_id: x\nnested: " + "[" * 500 + "]" * 500 + "\n")
    with pytest.warns(DataWarning, match=r"meta\.yaml not read: .*nests more than 100"):
        read_mlflow(store)


def test_the_bundled_sweep_sample():
    from chartkit.metrics import sample_path

    log = read(sample_path("mlflow_sweep"))
    trials = log.info.extra["trials"].set_index("trial")
    assert len(trials) == 10
    assert trials["status"].value_counts().to_dict() == {"TERMINATED": 9, "ERROR": 1}
    assert trials.loc["lr0.003_bs16", "last_iteration"] == 4
    assert sorted(log.metric_names) == ["loss", "val_acc", "val_loss"]
    assert len(log.metrics) == 9 * 45 + 12


@pytest.mark.mpl_image_compare(remove_text=True)
def test_image_trials_of_an_mlflow_sweep():
    import matplotlib.pyplot as plt

    from chartkit.audit import check_figure
    from chartkit.metrics import sample_path
    from chartkit.metrics.plots import plot_trials

    log = read(sample_path("mlflow_sweep"))
    fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
    plot_trials(log, "val_loss", color_by="lr", ax=ax)
    assert check_figure(fig).ok
    return fig
