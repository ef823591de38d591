"""Format detection and dispatch (chartkit.metrics.read), the summary CLI, and the
guarantee that reading never unpickles nor imports ray/cloudpickle."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import chartkit.metrics as M
from chartkit.cli import main as cli_main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent

SAMPLES = {
    "ddp_world2": ("jsonl", "read_jsonl"),
    "ddp_world4": ("jsonl", "read_jsonl"),
    "gpu_train_steps": ("jsonl", "read_jsonl"),
    "lightning": ("lightning", "read_lightning"),
    "nvidia_smi": ("nvidia_smi", "read_nvidia_smi"),
    "gpu_bs_probe": ("batch_probe", "read_batch_probe"),
    "bs_probe_cpu": ("batch_probe", "read_batch_probe"),
    "ray_asha": ("ray", "read_ray"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detect_and_dispatch(name):
    kind, reader = SAMPLES[name]
    path = M.sample_path(name)
    assert M.detect_format(path) == kind
    via_read = M.read(path).metrics
    direct = getattr(M, reader)(path).metrics
    pd.testing.assert_frame_equal(via_read, direct)


def test_detect_lightning_file_and_version_folder():
    lit = M.sample_path("lightning")
    assert M.detect_format(lit / "version_0") == "lightning"
    assert M.detect_format(lit / "version_0" / "metrics.csv") == "lightning"


def test_detect_other_formats(tmp_path):
    (tmp_path / "rank0.csv").write_text("step,loss\n1,1.0\n")
    assert M.detect_format(tmp_path) == "csv"
    assert M.detect_format(tmp_path / "rank0.csv") == "csv"
    tb = tmp_path / "tb" / "rank0"
    tb.mkdir(parents=True)
    (tb / "events.out.tfevents.1.host.1.0").write_bytes(b"")
    assert M.detect_format(tmp_path / "tb") == "tensorboard"
    trial = tmp_path / "exp" / "trial_1"
    trial.mkdir(parents=True)
    (trial / "params.json").write_text("{}")
    (trial / "result.json").write_text("")
    assert M.detect_format(tmp_path / "exp") == "ray"
    assert M.detect_format(trial) == "ray"
    assert M.detect_format(trial / "result.json") == "ray"


def test_unrecognised_path_lists_what_was_looked_for(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(
        ValueError,
        match=r"no training log found under .*; looked for ray: .*tensorboard: .*"
        r"lightning: .*jsonl: .*nvidia_smi: .*batch_probe: .*csv: .* Skipped: notes.md: ",
    ):
        M.read(tmp_path)
    with pytest.raises(ValueError, match=r"cannot tell the log format of .*notes.md'; looked"):
        M.read(tmp_path / "notes.md")


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such file or directory: .*absent"):
        M.read(tmp_path / "absent")


def test_sample_path_unknown_name():
    with pytest.raises(ValueError, match=r"'lightnin' is not a valid value for name.*"):
        M.sample_path("lightnin")


def test_read_passes_keywords(tmp_path):
    p = tmp_path / "rank0.jsonl"
    p.write_text("\n".join(json.dumps({"step": s, "loss": float(s)}) for s in (1, 2, 1)) + "\n")
    log = M.read(p, keep="all", run="mine")
    assert len(log.metrics) == 3
    assert log.metrics["run"].unique().tolist() == ["mine"]


def _cut_log(tmp_path):
    p = tmp_path / "rank0.jsonl"
    p.write_bytes(b'{"step": 1, "loss": 1.0}\n{"step": 2, "loss": NaN}\n{"step": 3, "lo')
    return p


def test_module_cli_prints_read_and_skipped(tmp_path, capsys):
    p = _cut_log(tmp_path)
    assert M.main([str(p)]) == 0
    out = capsys.readouterr().out
    assert "(jsonl) ==" in out
    assert "records read: 2" in out
    assert "truncated 1 entry" in out
    assert "(first at line 3)" in out
    assert "first non-finite step per series" in out
    assert M.main([str(tmp_path / "nope")]) == 2
    assert "nope: error: [Errno 2] No such file or directory" in capsys.readouterr().err


def test_chartkit_logs_info(tmp_path, capsys):
    p = _cut_log(tmp_path)
    assert cli_main(["logs", "info", str(p), str(M.sample_path("lightning"))]) == 0
    out = capsys.readouterr().out
    assert "truncated 1 entry" in out
    assert "(lightning) ==" in out
    assert "val_acc" in out


@pytest.mark.slow
def test_python_m_chartkit_metrics_runs(tmp_path):
    p = _cut_log(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "chartkit.metrics", str(p)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "truncated 1 entry" in proc.stdout
    assert proc.stderr == ""  # problems are in the summary, not repeated as warnings


_NO_PICKLE = textwrap.dedent(
    r"""
    import pickle, sys, warnings

    BLOCK = sys.argv[1] == "block"
    if BLOCK:
        # readers must work where these cannot even be imported
        for name in ("ray", "cloudpickle", "dill"):
            sys.modules[name] = None
    import pandas as pd  # with pyarrow installed, pyarrow itself imports cloudpickle here

    def refuse(*args, **kwargs):
        raise AssertionError("a reader tried to unpickle")

    pickle.load = pickle.loads = refuse
    pickle.Unpickler = refuse
    pd.read_pickle = refuse
    warnings.simplefilter("ignore")
    before = set(sys.modules)
    import chartkit.metrics as M

    paths = sys.argv[2:]
    for p in paths:
        M.read(p)
    heavy = ("ray", "cloudpickle", "dill")
    new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in heavy)
    ray = sorted(m for m in sys.modules if m.split(".")[0] == "ray" and sys.modules[m])
    print(len(paths), new, ray)
    """
)


def _every_fixture() -> list[str]:
    paths = [str(M.sample_path(n)) for n in sorted(M._SAMPLES)]
    paths.append(str(M.sample_path("lightning") / "version_0" / "metrics.csv"))
    ray_available = importlib.util.find_spec("chartkit.metrics.readers.ray") is not None
    tb_available = importlib.util.find_spec("chartkit.metrics.readers.tensorboard") is not None
    for d in sorted((DATA / "ray_tune").glob("*")) if (DATA / "ray_tune").is_dir() else []:
        if d.is_dir() and ray_available:
            paths.append(str(d))
    if tb_available and importlib.util.find_spec("tensorboard") is not None:
        for d in sorted((DATA / "ddp").glob("world*/tb")):
            paths.append(str(d))
    return paths


@pytest.mark.slow
def test_reading_every_fixture_never_unpickles_nor_imports_ray():
    paths = _every_fixture()
    assert len(paths) >= 9
    for mode in ("block", "plain"):
        proc = subprocess.run(
            [sys.executable, "-c", _NO_PICKLE, mode, *paths],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"{len(paths)} [] []"


def test_ruff_s301_is_on():
    tomllib = pytest.importorskip("tomllib")
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "S301" in cfg["tool"]["ruff"]["lint"]["select"]
