"""Lightning CSVLogger runs (chartkit.metrics.read_lightning)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import read_lightning, sample_path

LIT = sample_path("lightning")
HEADER = "epoch,lr-SGD,step,train_loss_epoch,train_loss_step,val_acc,val_loss"


def test_sample_keeps_crlf_line_ends():
    data = (LIT / "version_0" / "metrics.csv").read_bytes()
    assert data.count(b"\r\n") == 69  # header + 68 rows, as CSVLogger wrote them


@pytest.mark.parametrize("which", ["run", "version", "file"])
def test_fixture_sparse_rows_collapse(which):
    path = {
        "run": LIT,
        "version": LIT / "version_0",
        "file": LIT / "version_0" / "metrics.csv",
    }[which]
    log = read_lightning(path)
    m = log.metrics
    counts = m.groupby("metric", observed=True).size().to_dict()
    # 75 steps/epoch, log_every_n_steps=10: 30 step rows (lr and train_loss_step), one
    # validation row and one epoch row per epoch; epoch is logged once per distinct step
    assert counts == {
        "epoch": 32,
        "lr-SGD": 30,
        "train_loss_epoch": 4,
        "train_loss_step": 30,
        "val_acc": 4,
        "val_loss": 4,
    }
    assert log.info.rows == 68
    assert log.info.entries == []
    assert m["run"].unique().tolist() == ["lit_mlp"]
    assert m["rank"].isna().all()
    assert m["wall_time"].isna().all()
    val = m[m["metric"] == "val_acc"]
    assert val["step"].tolist() == [74, 149, 224, 299]
    lr = m[m["metric"] == "lr-SGD"].set_index("step")["value"]
    assert lr[9] == 0.05
    assert lr[299] == 0.025  # StepLR(2, 0.5)


def test_hparams_in_params():
    log = read_lightning(LIT)
    p = log.params
    assert len(p) == 1
    assert p.loc[0, "hidden"] == 64
    assert p.loc[0, "lr"] == 0.05
    assert p.loc[0, "version"] == "version_0"
    assert p.loc[0, "start_step"] == 9


def _resumed(tmp_path):
    run = tmp_path / "lit_mlp"
    shutil.copytree(LIT, run)
    v1 = run / "version_1"
    v1.mkdir()
    # resumed at step 149: re-logs 149 with a new value and continues
    rows = [HEADER, ",0.025,149,,,,", "1,,149,,0.5,,", ",0.025,309,,,,", "4,,309,,0.09,,"]
    (v1 / "metrics.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode())
    (v1 / "hparams.yaml").write_text("hidden: 64\nlr: 0.05\nresumed: true\n")
    return run


def test_versions_merged_with_resume_rule(tmp_path):
    run = _resumed(tmp_path)
    with pytest.warns(DataWarning, match="deduplicated 3 entries"):
        log = read_lightning(run)
    m = log.metrics
    tl = m[m["metric"] == "train_loss_step"].set_index("step")["value"]
    assert tl[149] == 0.5  # the newer version's write wins
    assert tl[309] == 0.09
    assert len(tl) == 31
    assert log.params["version"].tolist() == ["version_0", "version_1"]
    assert log.params["start_step"].tolist() == [9, 149]
    assert log.params["resumed"].tolist()[1]
    assert set(log.info.segments["step"]) == {149}
    with pytest.warns(DataWarning):
        first = read_lightning(run, keep="first")
    ft = first.metrics[first.metrics["metric"] == "train_loss_step"].set_index("step")
    assert ft.loc[149, "value"] != 0.5


def test_version_10_after_version_9(tmp_path):
    run = tmp_path / "r"
    for v, val in ((9, 1.0), (10, 2.0)):
        d = run / f"version_{v}"
        d.mkdir(parents=True)
        (d / "metrics.csv").write_text(f"step,loss\n{v},{val}\n")
    log = read_lightning(run)
    assert log.params["version"].tolist() == ["version_9", "version_10"]
    assert log.metrics["step"].tolist() == [9, 10]


def test_hparams_unsafe_yaml_refused(tmp_path):
    pytest.importorskip("yaml")
    d = tmp_path / "version_0"
    d.mkdir()
    (d / "metrics.csv").write_text("step,loss\n1,1.0\n")
    (d / "hparams.yaml").write_text("model: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.warns(DataWarning, match="hparams.yaml could not be read safely"):
        log = read_lightning(d)
    assert "model" not in log.params.columns
    assert log.metrics["value"].tolist() == [1.0]


def test_wide_device_stats_columns_kept(tmp_path):
    rng = np.random.default_rng(0)
    keys = [f"DeviceStatsMonitor.on_train_batch_start/memory_stats.k{i}" for i in range(300)]
    header = ",".join(["epoch", "step", "train_loss", *keys])
    rows = [header]
    for s in range(50):
        if s % 2:
            rows.append(f"0,{s},{rng.random():.4f}" + "," * len(keys))
        else:
            rows.append(f",{s},," + ",".join(str(int(x)) for x in rng.integers(0, 1000, 300)))
    d = tmp_path / "version_0"
    d.mkdir()
    (d / "metrics.csv").write_text("\n".join(rows) + "\n")
    log = read_lightning(d)
    assert len(log.metric_names) == 302
    assert len(log.metrics) == 25 * 300 + 25 * 2


def test_missing_and_empty(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no metrics\.csv and no version_"):
        read_lightning(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"gone"):
        read_lightning(tmp_path / "gone")
    d = tmp_path / "version_0"
    d.mkdir()
    (d / "metrics.csv").write_text(HEADER + "\n")
    with pytest.warns(DataWarning, match="header but no rows"):
        log = read_lightning(d)
    assert len(log.metrics) == 0


def test_unknown_metric():
    with pytest.raises(KeyError, match=r"'val_acc_' is not a valid value for metric.*'val_acc'"):
        read_lightning(LIT, metrics=["val_acc_"])
    assert read_lightning(LIT, metrics="val_acc").metric_names == ["val_acc"]


# --------------------------------------------------------------------------- hostile input


def _version(tmp_path, hparams: str):
    d = tmp_path / "version_0"
    d.mkdir()
    (d / "metrics.csv").write_text("step,loss\n1,1.0\n2,0.5\n")
    (d / "hparams.yaml").write_text(hparams)
    return d


def _read_recording(path):
    import warnings

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        log = read_lightning(path)
    assert all(issubclass(w.category, DataWarning) for w in rec), [str(w) for w in rec]
    return log, [str(w.message) for w in rec]


@pytest.mark.parametrize(
    "deep",
    [
        "a: " + "[" * 20_000 + "]" * 20_000 + "\n",  # flow style
        "".join(" " * i + f"k{i}:\n" for i in range(3000)) + " " * 3000 + "v: 1\n",  # block
    ],
    ids=["flow", "block"],
)
def test_deep_yaml_skipped(tmp_path, deep):
    pytest.importorskip("yaml")
    d = _version(tmp_path, deep)
    log, msgs = _read_recording(d)  # RecursionError before the bound
    assert msgs == [
        (
            f"skipped 1 entry in {str(d / 'hparams.yaml')!r}: hparams.yaml was not read: it nests "
            "more than 100 levels deep"
        )
    ]
    assert log.metrics["value"].tolist() == [1.0, 0.5]
    assert list(log.params.columns) == ["run", "trial", "segment", "start_step", "version"]


def _alias_bomb(kind: str) -> str:
    """The 1 KB 'billion laughs' of YAML: 9 levels of 9 aliases to the level below."""
    if kind == "dict":  # expanded 9**9 keys: the 8.4M-column params frame of issue 17
        lines = ["l0: &l0 {" + ", ".join(f"x{j}: 1" for j in range(9)) + "}"]
        for i in range(1, 9):
            body = ", ".join(f"x{j}: *l{i - 1}" for j in range(9))
            lines.append(f"l{i}: &l{i} {{{body}}}")
    else:
        lines = ["l0: &l0 [" + ", ".join(["lol"] * 9) + "]"]
        for i in range(1, 9):
            lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    assert len(text) < 1100
    return text


@pytest.mark.parametrize("kind", ["dict", "list"])
def test_yaml_alias_bomb_refused(tmp_path, kind):
    pytest.importorskip("yaml")
    d = _version(tmp_path, _alias_bomb(kind))
    log, msgs = _read_recording(d)
    assert msgs == [
        (
            f"skipped 1 entry in {str(d / 'hparams.yaml')!r}: hparams.yaml was not read: it "
            "expands to more than 100,000 values through aliases (an alias bomb?)"
        )
    ]
    assert log.params.shape == (1, 5)


def test_yaml_alias_containing_itself_refused(tmp_path):
    pytest.importorskip("yaml")
    d = _version(tmp_path, "a: &a [1, *a]\n")
    _log, msgs = _read_recording(d)
    assert msgs == [
        (
            f"skipped 1 entry in {str(d / 'hparams.yaml')!r}: hparams.yaml was not read: an "
            "alias contains itself"
        )
    ]


def test_yaml_aliases_within_bounds_expanded(tmp_path):
    pytest.importorskip("yaml")
    d = _version(tmp_path, "base: &b {lr: 0.1, wd: 0}\nopt: *b\nlayers: &l [64, 32]\nhead: *l\n")
    log, msgs = _read_recording(d)
    assert msgs == []
    row = log.params.iloc[0]
    assert (row["base/lr"], row["opt/lr"], row["opt/wd"]) == (0.1, 0.1, 0)
    assert row["head"] == "[64, 32]"


def test_hparams_wider_than_the_cap_cut(tmp_path):
    pytest.importorskip("yaml")
    from chartkit.metrics.readers._ray_files import MAX_CONFIG_KEYS

    n = MAX_CONFIG_KEYS + 5
    d = _version(tmp_path, "".join(f"k{i}: {i}\n" for i in range(n)))
    log, msgs = _read_recording(d)
    assert msgs == [
        (
            f"skipped 1 entry in {str(d / 'hparams.yaml')!r}: hparams.yaml holds more than "
            f"{MAX_CONFIG_KEYS} keys: only the first {MAX_CONFIG_KEYS} are kept in params"
        )
    ]
    assert log.params.shape[1] == 5 + MAX_CONFIG_KEYS
    assert log.params.iloc[0][f"k{MAX_CONFIG_KEYS - 1}"] == MAX_CONFIG_KEYS - 1


def test_unreadable_version_others_kept(tmp_path, monkeypatch):
    import builtins
    from pathlib import Path

    run = tmp_path / "lit"
    for v in (0, 1, 2):
        d = run / f"version_{v}"
        d.mkdir(parents=True)
        (d / "metrics.csv").write_text(f"step,loss\n{v},{v / 10}\n")
    bad = run / "version_1" / "metrics.csv"
    real_open = builtins.open

    def deny(file, *a, **k):  # what chmod 000 does for a user other than root
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", deny)
    log, msgs = _read_recording(run)
    assert msgs == [
        f"skipped 1 entry in {str(bad)!r}: the file could not be read (Permission denied)"
    ]
    assert log.metrics["step"].tolist() == [0, 2]
    # a version folder that cannot even be searched
    real_is_file = Path.is_file

    def no_search(self):
        if self.parent.name == "version_2":
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", no_search)
    log, msgs = _read_recording(run)
    assert (
        f"skipped 1 entry in {str(run / 'version_2')!r}: the folder could not be read "
        "(Permission denied)"
    ) in msgs
    assert log.metrics["step"].tolist() == [0]


def test_unbalanced_quote_read_as_plain_character(tmp_path):
    """A stray quote (found by the fuzz test) made pandas raise 'EOF inside string'."""
    d = tmp_path / "version_0"
    d.mkdir()
    (d / "metrics.csv").write_bytes(b'step,loss\r\n1,1.0\r\n2,"0.5\r\n3,0.25\r\n4,0.1')
    log, msgs = _read_recording(d)
    f = str(d / "metrics.csv")
    assert len(msgs) == 3
    assert msgs[0].startswith(f"truncated 1 entry in {f!r} (first at line 5)")
    assert msgs[1] == (
        f"replaced 1 entry in {f!r}: quotes were read as plain characters: the file does not "
        "parse with them (EOF inside string starting at row 2)"
    )
    assert "non-numeric cells in 'loss' became NaN (first: '\"0.5')" in msgs[2]
    assert log.metrics["step"].tolist() == [1, 2, 3]
    assert log.info.files == [str(d / "metrics.csv")]
