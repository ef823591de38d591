"""Ray Tune folder reader: counts on the real ASHA fixture, bad input, never unpickling.

``tests/data/ray_tune/tune_asha`` is the shared fixture (Ray 2.60, ASHA, 16 trials) without
checkpoints, events and pickles, except ``basic-variant-state-*.json``, a pickle despite its
name, kept to prove it is never opened. ``tune_pbt_error`` is a real PBT run with one failing
trial made by ``make_pbt_error.py`` beside it.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics.readers.ray import asha_milestones, read_ray

DATA = Path(__file__).parent / "data" / "ray_tune"
ASHA = DATA / "tune_asha"
PBT = DATA / "tune_pbt_error"


def _trial_dir(root: Path, trial_id: str) -> Path:
    (d,) = [p for p in root.iterdir() if p.is_dir() and f"_{trial_id}_" in p.name]
    return d


def _read_recording(path, **kw):
    """read_ray, returning the log and the messages of the DataWarnings it emitted."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        log = read_ray(path, **kw)
    assert all(issubclass(w.category, DataWarning) for w in rec), [str(w) for w in rec]
    return log, [str(w.message) for w in rec]


@pytest.fixture
def asha_copy(tmp_path):
    dst = tmp_path / "tune_asha"
    shutil.copytree(ASHA, dst)
    return dst


# --------------------------------------------------------------------------- ASHA fixture


def test_asha_counts():
    log = read_ray(ASHA)  # no warning: warnings are errors
    m = log.metrics
    trials = log.info.extra["trials"]
    assert len(trials) == 16
    assert trials["trial"].tolist() == [f"75cd2_{i:05d}" for i in range(16)]
    assert set(trials["status"]) == {"TERMINATED"}
    assert trials["error"].isna().all()
    assert (trials["source_file"] == "result.json").all()
    # 47 reports in all; loss and accuracy once per report
    assert log.info.rows == 47
    assert (m["metric"] == "loss").sum() == 47
    assert (m["metric"] == "accuracy").sum() == 47
    assert set(m["source"]) == {"ray"}
    assert set(m["run"]) == {"tune_asha"}
    assert m["rank"].isna().all()
    assert not any(str(x).startswith("config") for x in log.metric_names)
    assert {"pid", "timestamp", "done", "training_iteration"}.isdisjoint(log.metric_names)
    # iterations reached: 7 trials 1, 3 trials 2, 4 trials 4, 1 trial 8, 1 trial 10
    assert trials["last_iteration"].value_counts().sort_index().to_dict() == {
        1: 7,
        2: 3,
        4: 4,
        8: 1,
        10: 1,
    }


def test_asha_rungs_inferred():
    log = read_ray(ASHA)
    sched = log.info.extra["scheduler"]
    assert (sched["grace_period"], sched["reduction_factor"], sched["max_t"]) == (1, 2, 10)
    assert set(sched["how"]) == {"grace_period", "reduction_factor", "max_t"}
    assert sched["milestones"] == [1, 2, 4, 8, 10]
    # ASHA survivors per rung: 16 -> 9 -> 6 -> 2 -> 1
    assert list(sched["survivors"].values()) == [16, 9, 6, 2, 1]
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00001", "rung"] == 10
    assert trials.loc["75cd2_00010", "rung"] == 8
    assert trials.loc["75cd2_00006", "rung"] == 4
    assert trials["rung"].value_counts().to_dict() == {1: 7, 2: 3, 4: 4, 8: 1, 10: 1}


def test_asha_rungs_from_arguments():
    log = read_ray(ASHA, grace_period=1, reduction_factor=3, max_t=10)
    sched = log.info.extra["scheduler"]
    assert sched["how"] == {}
    assert sched["milestones"] == [1, 3, 9, 10]
    assert list(sched["survivors"].values()) == [16, 6, 1, 1]
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "rung"] == 3  # stopped at 8: last rung reached is 3


def test_asha_milestones():
    assert asha_milestones(1, 2, 10) == [1, 2, 4, 8, 10]
    assert asha_milestones(1, 4, 100) == [1, 4, 16, 64, 100]
    assert asha_milestones(10, 3, 90) == [10, 30, 90]
    with pytest.raises(ValueError, match=r"1 is not a valid value for reduction_factor; expected"):
        asha_milestones(1, 1, 10)
    with pytest.raises(ValueError, match=r"20 is not a valid value for grace_period"):
        asha_milestones(20, 2, 10)


def test_asha_values_and_params():
    log = read_ray(ASHA)
    best = log.metrics[(log.metrics["trial"] == "75cd2_00001")]
    loss = best[best["metric"] == "loss"].sort_values("step")
    assert loss["step"].tolist() == list(range(1, 11))
    assert loss["value"].iloc[-1] == pytest.approx(0.118, abs=5e-4)
    first = json.loads(
        (_trial_dir(ASHA, "75cd2_00001") / "result.json").read_text().split("\n")[0]
    )
    assert loss["value"].iloc[0] == first["loss"]
    assert loss["wall_time"].iloc[0] == first["timestamp"]
    p = log.params.set_index("trial")
    assert len(p) == 16
    assert (p["segment"] == 0).all()
    assert p.loc["75cd2_00001", ["l1", "l2", "batch_size"]].tolist() == [128, 16, 64]
    assert p.loc["75cd2_00001", "lr"] == pytest.approx(0.0348, abs=1e-4)
    assert p.loc["75cd2_00001", "start_step"] == 1


def test_trial_id_from_contents_not_folder(asha_copy):
    src = _trial_dir(asha_copy, "75cd2_00001")
    src.rename(asha_copy / "renamed,with=odd,chars")
    log = read_ray(asha_copy)
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00001", "dir"] == "renamed,with=odd,chars"
    assert trials.loc["75cd2_00001", "last_iteration"] == 10


def test_single_trial_folder():
    log = read_ray(_trial_dir(ASHA, "75cd2_00010"))
    assert set(log.metrics["trial"]) == {"75cd2_00010"}
    assert (log.metrics["metric"] == "loss").sum() == 8
    assert log.info.extra["trials"]["status"].tolist() == ["TERMINATED"]


def test_progress_csv_fallback_same_values(asha_copy):
    ref = read_ray(ASHA).metrics
    for d in asha_copy.iterdir():
        if d.is_dir():
            (d / "result.json").write_bytes(b"")
    log = read_ray(asha_copy)
    assert set(log.info.extra["trials"]["source_file"]) == {"progress.csv"}
    key = ["trial", "metric", "step"]
    a = ref.sort_values(key).reset_index(drop=True)
    b = log.metrics.sort_values(key).reset_index(drop=True)
    assert len(a) == len(b) == 47 * 6  # loss, accuracy and 4 timing keys per report
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert a["trial"].astype(str).tolist() == b["trial"].astype(str).tolist()


def test_status_without_experiment_state(asha_copy):
    for f in asha_copy.glob("experiment_state-*.json"):
        f.unlink()
    log = read_ray(asha_copy)
    # the last result of every trial says done=true (ASHA-stopped ones too)
    assert set(log.info.extra["trials"]["status"]) == {"TERMINATED"}


# --------------------------------------------------------------------------- bad input


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?i)no such file or directory: '.*nowhere'"):
        read_ray(tmp_path / "nowhere")


def test_not_a_ray_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(ValueError, match=r"is not a Ray Tune folder: none of its sub-folders"):
        read_ray(tmp_path)


def test_bad_keep():
    with pytest.raises(ValueError, match=r"'newest' is not a valid value for keep"):
        read_ray(ASHA, keep="newest")


def test_progress_csv_column_count_changes_after_restart(asha_copy):
    d = _trial_dir(asha_copy, "75cd2_00010")
    (d / "result.json").write_bytes(b"")
    csv_path = d / "progress.csv"
    lines = csv_path.read_text().splitlines()
    # A restart whose results carry one more key: Ray appends without a new header.
    extra = [row + ",0.5" for row in lines[5:]]
    csv_path.write_text("\n".join(lines[:5] + extra) + "\n")
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert "skipped 4 entries" in msgs[0]
    assert "(first at line 6)" in msgs[0]
    assert (
        "rows with 17 fields where the header has 16 (the columns changed after a restart)"
        in (msgs[0])
    )
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "last_iteration"] == 4
    assert log.info.count("skipped") == 4


def test_result_json_cut_last_line(asha_copy):
    f = _trial_dir(asha_copy, "75cd2_00001") / "result.json"
    data = f.read_bytes()
    f.write_bytes(data[:-200])  # a crash in the middle of the 10th line
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0].startswith("truncated 1 entry in ")
    assert "(first at line 10): last line has no line end" in msgs[0]
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00001", "last_iteration"] == 9


def test_result_json_malformed_middle_line_and_mixed_types(asha_copy):
    f = _trial_dir(asha_copy, "75cd2_00010") / "result.json"
    lines = f.read_text().split("\n")
    lines[2] = lines[2][:40]  # malformed middle line
    row = json.loads(lines[4])
    row["loss"] = "diverged"  # a string in a numeric metric
    row["accuracy"] = None  # JSON null: missing, not an error
    lines[4] = json.dumps(row)
    f.write_text("\n".join(lines))
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 2
    assert any(
        "skipped 1 entry" in s and "(first at line 3): malformed JSON line" in s for s in msgs
    )
    assert any(
        "coerced 1 entry" in s
        and "(first at line 5): non-numeric cells in metric columns became NaN" in s
        for s in msgs
    )
    t = log.metrics[log.metrics["trial"] == "75cd2_00010"]
    loss = t[t["metric"] == "loss"].set_index("step")["value"]
    assert len(loss) == 7
    assert math.isnan(loss.loc[5])
    assert math.isnan(t[(t["metric"] == "accuracy") & (t["step"] == 5)]["value"].iloc[0])
    nf = log.info.nonfinite.set_index("metric")
    assert nf.loc["loss", "step"] == 5


def test_non_utf8_bytes(asha_copy):
    f = _trial_dir(asha_copy, "75cd2_00002") / "result.json"
    data = f.read_bytes().replace(b'"hostname": "vm"', b'"hostname": "v\xff"', 1)
    f.write_bytes(data)
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert "replaced 1 entry" in msgs[0]
    offset = data.index(b"\xff")
    assert f"(first at byte offset {offset})" in msgs[0]
    assert (log.metrics["trial"] == "75cd2_00002").sum() > 0


def test_error_trial_first_line_ansi_stripped(asha_copy):
    d = _trial_dir(asha_copy, "75cd2_00006")  # 4 reports: keep 2, as if it crashed
    result = d / "result.json"
    result.write_text("".join(result.read_text().splitlines(keepends=True)[:2]))
    (d / "error.txt").write_text(
        "\n\x1b[36mray::ImplicitFunc.train()\x1b[39m (pid=1, ip=192.0.2.2)\nTraceback ...\n"
    )
    for f in asha_copy.glob("experiment_state-*.json"):
        f.unlink()
    trials = read_ray(asha_copy).info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00006", "status"] == "ERROR"
    assert trials.loc["75cd2_00006", "error"] == "ray::ImplicitFunc.train() (pid=1, ip=192.0.2.2)"
    assert trials.loc["75cd2_00006", "exception"] == "Traceback ..."
    assert trials.loc["75cd2_00006", "last_iteration"] == 2
    # a trial whose last result says done is TERMINATED, as Ray reports ASHA-stopped ones
    assert (trials.drop("75cd2_00006")["status"] == "TERMINATED").all()


# --------------------------------------------------------------------------- PBT + ERROR


def test_pbt_error_fixture():
    log, msgs = _read_recording(PBT)
    trials = log.info.extra["trials"].set_index("trial")
    assert len(trials) == 4
    assert trials["status"].to_dict() == {
        "6e82b_00000": "TERMINATED",
        "6e82b_00001": "TERMINATED",
        "6e82b_00002": "TERMINATED",
        "6e82b_00003": "ERROR",
    }
    assert trials["last_iteration"].tolist() == [10, 10, 10, 2]
    assert trials["n_rows"].tolist() == [16, 10, 10, 2]
    assert trials.loc["6e82b_00003", "error"] == "Failure # 1 (occurred at 2026-11-27_04-39-19)"
    assert trials.loc["6e82b_00003", "exception"] == (
        "RuntimeError: simulated divergence at iteration 3"
    )
    assert (trials.loc[trials["status"] != "ERROR", "status"] == "TERMINATED").all()
    # lineage: the initial config and one segment per exploit
    p = log.params
    assert (p.groupby("trial").size() == trials["n_segments"]).all()
    assert p["segment"].max() >= 1
    changed = p[p["segment"] > 0]
    assert len(changed) >= 2
    # trial 0 (fast, always worst) kept exploiting slower trials: 6 segments, 3 rewinds;
    # segment 0 holds the initial config (Ray rewrote params.json with the newest one)
    seg0 = p[p["trial"] == "6e82b_00000"]
    assert seg0["start_step"].tolist() == [1, 3, 5, 5, 7, 9]
    assert seg0["lr"].tolist() == [0.01, 0.05, 0.3, 0.1, 0.3, 0.2]
    params_json = json.loads((_trial_dir(PBT, "6e82b_00000") / "params.json").read_text())
    assert params_json["lr"] == 0.2
    assert p[p["segment"] == 0].set_index("trial")["lr"].to_dict() == {
        "6e82b_00000": 0.01,
        "6e82b_00001": 0.05,
        "6e82b_00002": 0.2,
        "6e82b_00003": 0.3,
    }
    # the ERROR trial is a fact kept in the data: listed in the summary, no warning
    assert not [s for s in msgs if "ERROR" in s]
    assert (
        "marked 1 entry: trial(s) ended in ERROR, kept with their rows (first: 6e82b_00003: "
        "RuntimeError: simulated divergence at iteration 3)"
    ) in log.info.summary()
    rewinds = [s for s in msgs if "went back" in s]
    assert len(rewinds) == 1
    assert rewinds[0].startswith("marked ")
    assert "'training_iteration' went back (PBT restored an older checkpoint)" in rewinds[0]


def test_pbt_keep_all_has_every_row():
    log_all, _ = _read_recording(PBT, keep="all")
    log_last, msgs = _read_recording(PBT)
    n_all = (log_all.metrics["metric"] == "loss").sum()
    n_last = (log_last.metrics["metric"] == "loss").sum()
    assert n_all == log_all.info.rows
    assert n_last < n_all
    assert any(s.startswith("deduplicated") for s in msgs)
    # keep="last": every (trial, step) once, the newest write
    assert not log_last.metrics.duplicated(["trial", "metric", "step"]).any()


# --------------------------------------------------------------------------- no pickles


def test_never_opens_pickles(monkeypatch):
    opened = []
    real_open = builtins.open

    def spy(file, *a, **k):
        opened.append(os.fspath(file) if not isinstance(file, int) else file)
        return real_open(file, *a, **k)

    def refuse(*a, **k):
        raise AssertionError("a reader tried to unpickle")

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    _read_recording(ASHA)
    _read_recording(PBT)
    assert any(str(f).endswith("result.json") for f in opened)
    assert list(ASHA.glob("basic-variant-state-*.json"))  # the pickle is there...
    assert not [f for f in opened if "basic-variant-state" in str(f) or str(f).endswith(".pkl")]


def test_reading_imports_neither_ray_nor_cloudpickle():
    # pyarrow (under pandas) imports cloudpickle when it is installed, so cloudpickle is
    # made unimportable first: if a reader imported it, the read would fail.
    code = (
        "import sys, warnings\n"
        "sys.modules['cloudpickle'] = None\n"
        "warnings.simplefilter('ignore')\n"
        "from chartkit.metrics.readers.ray import read_ray\n"
        "from chartkit.metrics.readers.tensorboard import read_tensorboard\n"
        f"a = read_ray({str(ASHA)!r}); b = read_ray({str(PBT)!r})\n"
        f"c = read_tensorboard({str(DATA.parent / 'ddp')!r})\n"
        "print(len(a.metrics), len(b.metrics), len(c.metrics))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray'"
        " or m == 'matplotlib.pyplot'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    counts, mods = out.stdout.strip().splitlines()
    assert counts == "282 192 12306"
    assert mods == "[]"


# --------------------------------------------------------------------------- against Ray


def test_same_rows_and_values_as_ray(tmp_path):
    pytest.importorskip("ray.tune")
    from ray.tune import ExperimentAnalysis

    for src in (ASHA, PBT):
        root = tmp_path / src.name
        shutil.copytree(src, root)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ea = ExperimentAnalysis(str(root))
            frames = ea.trial_dataframes
            statuses = {t.trial_id: t.status for t in ea.trials}
        log, _ = _read_recording(root, keep="all")
        trials = log.info.extra["trials"].set_index("trial")
        assert sorted(frames) == sorted(trials.index)
        for trial_id, df in frames.items():
            assert trials.loc[trial_id, "status"] == statuses[trial_id]
            assert trials.loc[trial_id, "n_rows"] == len(df)
            mine = log.metrics[log.metrics["trial"] == trial_id]
            for metric in ("loss", "time_this_iter_s", "iterations_since_restore"):
                ours = mine[mine["metric"] == metric]
                if metric not in df:
                    assert len(ours) == 0
                    continue
                ours = ours.sort_values(["step", "wall_time"], kind="stable")
                theirs = df.sort_values("training_iteration", kind="stable")
                np.testing.assert_array_equal(
                    ours["step"].to_numpy(), theirs["training_iteration"].to_numpy()
                )
                np.testing.assert_allclose(
                    ours["value"].to_numpy(), theirs[metric].to_numpy(dtype=float), rtol=0
                )


def test_frame_dtypes():
    m = read_ray(ASHA).metrics
    assert list(m.columns) == [
        "source",
        "run",
        "rank",
        "trial",
        "step",
        "wall_time",
        "metric",
        "value",
    ]
    assert m["step"].dtype == np.int64
    assert m["value"].dtype == np.float64
    assert isinstance(m["trial"].dtype, pd.CategoricalDtype)


def test_status_of_unfinished_trial_from_experiment_state(asha_copy):
    d = _trial_dir(asha_copy, "75cd2_00010")
    result = d / "result.json"
    result.write_text("".join(result.read_text().splitlines(keepends=True)[:5]))
    (state_path,) = asha_copy.glob("experiment_state-*.json")
    state = json.loads(state_path.read_text())
    for pair in state["trial_data"]:
        trial = json.loads(pair[0])
        if trial["trial_id"] == "75cd2_00010":
            trial["status"] = "PAUSED"
            pair[0] = json.dumps(trial)
    state_path.write_text(json.dumps(state))
    trials = read_ray(asha_copy).info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "status"] == "PAUSED"
    assert trials.loc["75cd2_00010", "last_iteration"] == 5
    state_path.unlink()
    trials = read_ray(asha_copy).info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "status"] == "UNKNOWN"


# --------------------------------------------------------------------------- hostile input


def _deny_open(monkeypatch, bad: Path):
    """Make opening *bad* fail as chmod 000 does for a user other than root."""
    real_open = builtins.open

    def deny(file, *a, **k):
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", deny)


def test_deep_json_line_in_result_json_skipped(asha_copy):
    f = _trial_dir(asha_copy, "75cd2_00001") / "result.json"
    lines = f.read_text().split("\n")
    lines[3] = "[" * 20_000 + "]" * 20_000  # RecursionError in json before the bound
    f.write_text("\n".join(lines))
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(f)!r} (first at line 4): the line nests")
    assert "brackets more than 100 levels deep" in msgs[0]
    steps = log.metrics[
        (log.metrics["trial"] == "75cd2_00001") & (log.metrics["metric"] == "loss")
    ]["step"]
    assert steps.tolist() == [1, 2, 3, 5, 6, 7, 8, 9, 10]


def test_deep_params_json_skipped(asha_copy):
    d = _trial_dir(asha_copy, "75cd2_00003")
    (d / "result.json").write_bytes(b"")  # progress.csv carries no config: params.json is read
    (d / "params.json").write_text('{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0] == (
        f"skipped 1 entry in {str(d / 'params.json')!r}: the file nests brackets more than "
        "100 levels deep (no log does; a parser would recurse until it fails), so it was not "
        "parsed"
    )
    assert (log.metrics["trial"] == "75cd2_00003").sum() > 0


def test_deep_experiment_state_skipped(asha_copy):
    (state,) = asha_copy.glob("experiment_state-*.json")
    state.write_text('{"trial_data": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _unfinished(asha_copy)
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(state)!r}: the file nests brackets")
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "status"] == "UNKNOWN"
    assert trials.loc["75cd2_00010", "last_iteration"] == 5


def _unfinished(root: Path) -> None:
    """Cut trial 00010 to 5 results (done=false), so its status is asked of the state."""
    result = _trial_dir(root, "75cd2_00010") / "result.json"
    result.write_text("".join(result.read_text().splitlines(keepends=True)[:5]))


def test_deep_trial_entry_in_experiment_state(asha_copy):
    (state,) = asha_copy.glob("experiment_state-*.json")
    doc = json.loads(state.read_text())
    doc["trial_data"][0][0] = "[" * 3000 + "]" * 3000
    state.write_text(json.dumps(doc))
    _unfinished(asha_copy)
    _log, msgs = _read_recording(asha_copy)
    assert msgs == [
        (
            f"skipped 1 entry in {str(state)!r}: trial entries that are not JSON (or nest more "
            "than 100 levels)"
        )
    ]


def test_bare_carriage_return_in_progress_csv(asha_copy):
    d = _trial_dir(asha_copy, "75cd2_00010")
    (d / "result.json").write_bytes(b"")
    f = d / "progress.csv"
    lines = f.read_text().split("\n")
    lines[3] = lines[3].replace(",", ",\r", 1)  # csv raised _csv.Error on it
    f.write_text("\n".join(lines))
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(f)!r} (first at line 4): rows holding")
    assert "a bare carriage return (\\r) inside a field" in msgs[0]
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00010", "n_rows"] == 7


@pytest.mark.parametrize(
    ("value", "shown"), [(2**63, "9223372036854775808"), (2.5, "2.5"), (-(2**64), "-1844")]
)
def test_step_not_an_int64_integer_skipped(asha_copy, value, shown):
    f = _trial_dir(asha_copy, "75cd2_00001") / "result.json"
    lines = f.read_text().split("\n")
    row = json.loads(lines[9])
    row["training_iteration"] = value  # 2**63 raised TypeError
    lines[9] = json.dumps(row)
    f.write_text("\n".join(lines))
    log, msgs = _read_recording(asha_copy)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(f)!r} (first at line 10): rows whose")
    assert "'training_iteration' is not an integer in the int64 range (" + shown in msgs[0]
    trials = log.info.extra["trials"].set_index("trial")
    assert trials.loc["75cd2_00001", "last_iteration"] == 9


def test_unreadable_result_json_trial_others_kept(asha_copy, monkeypatch):
    f = _trial_dir(asha_copy, "75cd2_00001") / "result.json"
    every = read_ray(asha_copy).info.extra["trials"]["n_rows"].sum()
    _deny_open(monkeypatch, f)
    log, msgs = _read_recording(asha_copy)
    assert msgs == [
        f"skipped 1 entry in {str(f)!r}: the file could not be read (Permission denied)"
    ]
    assert log.metrics["trial"].nunique() == 15  # every other trial read
    trials = log.info.extra["trials"].set_index("trial", drop=False)
    assert trials["n_rows"].sum() == every - 10
    assert trials.loc["75cd2_00001", "n_rows"] == 0


def test_unreadable_params_json_reported(asha_copy, monkeypatch):
    d = _trial_dir(asha_copy, "75cd2_00003")
    (d / "result.json").write_bytes(b"")
    _deny_open(monkeypatch, d / "params.json")
    log, msgs = _read_recording(asha_copy)
    assert msgs == [
        (
            f"skipped 1 entry in {str(d / 'params.json')!r}: the file could not be read "
            "(Permission denied)"
        )
    ]
    assert (log.metrics["trial"] == "75cd2_00003").sum() > 0


def test_config_wider_than_the_cap_is_cut(asha_copy):
    from chartkit.metrics.readers._ray_files import MAX_CONFIG_KEYS

    f = _trial_dir(asha_copy, "75cd2_00004") / "result.json"
    rows = [json.loads(x) for x in f.read_text().splitlines()]
    wide = {f"k{i}": {"a": i, "b": i} for i in range(MAX_CONFIG_KEYS)}
    for r in rows:
        r["config"] = wide
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    log, msgs = _read_recording(asha_copy)
    assert msgs == [
        (
            f"skipped 1 entry in {str(f)!r}: a config with {2 * MAX_CONFIG_KEYS} keys: only the "
            f"first {MAX_CONFIG_KEYS} are kept in params"
        )
    ]
    p = log.params.set_index("trial").loc["75cd2_00004"]
    assert p.notna().sum() == MAX_CONFIG_KEYS + 3  # run, segment, start_step + the cut config


def test_unsearchable_trial_folder_reported(asha_copy, monkeypatch):
    locked = _trial_dir(asha_copy, "75cd2_00002")
    real_isfile, real_listdir = os.path.isfile, os.listdir

    def isfile(p):  # chmod 000 on the folder, for a user other than root
        return False if os.path.dirname(os.fspath(p)) == str(locked) else real_isfile(p)

    def listdir(p="."):
        if os.fspath(p) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_listdir(p)

    monkeypatch.setattr(os.path, "isfile", isfile)
    monkeypatch.setattr(os, "listdir", listdir)
    log, msgs = _read_recording(asha_copy)
    assert msgs == [
        f"skipped 1 entry in {str(locked)!r}: the folder could not be read (Permission denied)"
    ]
    assert log.metrics["trial"].nunique() == 15
