"""read_wandb: real W&B offline runs written by wandb 0.31 (gen_wandb_offline.py).

The framing is checked against the files wandb wrote: a writer built here from the
documented format (LevelDB-log chunks, zlib CRC-32 seeded with the type byte) re-frames their
records byte for byte, then writes the hostile variants (bad CRC, a record spanning blocks,
records and values a newer wandb might write).
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import pytest

import chartkit

pytest.importorskip("wandb")

from chartkit.errors import DataWarning, LogFormatError
from chartkit.metrics import discover, read, sample_path
from chartkit.metrics.readers._wandb_framing import wandb_records
from chartkit.metrics.readers.wandb import find_wandb_files, read_wandb
from chartkit.metrics.schema import LogInfo

DATA = Path(__file__).parent / "data" / "wandb"


def _file(variant: str) -> Path:
    """The (first, by start time) run file of a fixture variant."""
    return sorted((DATA / variant / "wandb").glob("offline-run-*/run-*.wandb"))[0]


def _read(path: Path, **kw):
    """read_wandb, and the messages of every DataWarning it emitted."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", DataWarning)
        log = read_wandb(path, **kw)
    return log, [str(w.message) for w in rec if issubclass(w.category, DataWarning)]


def _frame(payloads: list[bytes]) -> bytes:
    """W&B's framing, written from its description: header, 32 KiB blocks, 7-byte chunks."""
    out = bytearray(b":W&B\xe1\xbe\x00")
    for p in payloads:
        p = bytes(p)
        first = True
        while True:
            room = 32768 - len(out) % 32768
            if room < 7:
                out += b"\0" * room
                continue
            n = min(len(p), room - 7)
            last = n == len(p)
            kind = (1 if last else 2) if first else (4 if last else 3)
            out += struct.pack("<IHB", zlib.crc32(bytes([kind]) + p[:n]), n, kind) + p[:n]
            p, first = p[n:], False
            if last:
                break
    return bytes(out)


def _records(path: Path) -> list[bytes]:
    info = LogInfo()
    out = [bytes(r) for r in wandb_records(path.read_bytes(), path, info)]
    assert not info.entries
    return out


def _pb():
    from wandb.proto import wandb_internal_pb2

    return wandb_internal_pb2


def test_framing_reproduces_the_files_wandb_wrote():
    for f in sorted(DATA.glob("*/wandb/offline-run-*/*.wandb")):
        if "crashed" in f.parts:
            continue
        assert _frame(_records(f)) == f.read_bytes(), f


def test_plain_run_counts_names_steps_and_times():
    with pytest.warns(DataWarning, match=r"non-finite values kept: 1 NaN, 1 \+inf"):
        log = read_wandb(DATA / "plain")
    m = log.metrics
    counts = m.groupby("metric", observed=True).size().to_dict()
    # loss, lr every step; grad_norm logged with commit=False merged into the same rows;
    # {"eval": {"acc": a}} every 5 steps -> eval/acc; epoch/epoch_acc every 10 steps
    assert counts == {
        "grad_norm": 30,
        "loss": 30,
        "lr": 30,
        "eval/acc": 6,
        "epoch": 3,
        "epoch_acc": 3,
    }
    assert set(m["run"]) == {"plain"}
    assert "_runtime" not in counts
    assert "_step" not in counts
    assert "_timestamp" not in counts
    loss = m[m["metric"] == "loss"].set_index("step")["value"]
    assert loss.index.tolist() == list(range(30))
    assert math.isnan(loss[17])
    assert loss[23] == math.inf
    assert loss[0] == 2.0
    assert m[m["metric"] == "eval/acc"]["step"].tolist() == [4, 9, 14, 19, 24, 29]
    assert m[m["metric"] == "grad_norm"].set_index("step")["value"][3] == 0.25
    wall = m[m["metric"] == "loss"]["wall_time"]
    assert wall.notna().all()
    assert wall.is_monotonic_increasing
    assert wall.iloc[0] > 1.7e9
    assert log.info.rows == 30
    assert log.info.extra["step_metrics"] == {"plain": {"epoch_acc": "epoch"}}


def test_config_summary_and_exit_as_facts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read_wandb(DATA / "plain")
    p = log.params.iloc[0]
    assert p["run"] == "plain"
    assert p["batch_size"] == 32
    assert p["optimizer/name"] == "adam"
    assert p["optimizer/lr"] == 0.01
    assert p["optimizer/betas"] == "[0.9, 0.999]"
    assert p["model/layers"] == 2
    assert not any(c.startswith("_wandb") for c in log.params.columns)
    summary = log.info.extra["summary"]["plain"]
    assert summary["best_acc"] == 0.91
    assert summary["_step"] == 29
    assert summary["eval/acc"] == pytest.approx(0.9142857142857144)
    assert "_wandb" not in summary
    assert "_runtime" not in summary
    runs = log.info.extra["runs"]
    assert runs[["name", "status"]].values.tolist() == [["plain", "finished"]]
    assert runs["exit_code"].tolist() == [0]
    assert runs["project"].tolist() == ["chartkit"]


def test_config_value_form_is_unwrapped():
    from chartkit.metrics.readers.wandb import _flatten

    out: dict = {}
    _flatten(("lr",), {"value": 0.1, "desc": None}, out)
    _flatten(("opt",), {"value": {"name": "sgd", "momentum": 0.9}}, out)
    _flatten(("sizes",), [1, 2], out)
    assert out == {"lr": 0.1, "opt/name": "sgd", "opt/momentum": 0.9, "sizes": "[1, 2]"}


def test_images_tables_and_text_are_skipped_and_counted():
    with pytest.warns(DataWarning) as rec:
        log = read_wandb(DATA / "media")
    (msg,) = [str(w.message) for w in rec]
    assert msg == (
        "skipped 8 entries: non-numeric history values (images, tables, text...) are not "
        "series: 1 image-file, 1 table-file, 6 text"
    )
    assert log.metrics["metric"].unique().tolist() == ["loss"]
    assert len(log.metrics) == 6
    assert log.info.extra["skipped_values"] == {"text": 6, "image-file": 1, "table-file": 1}
    summary = log.info.extra["summary"]["media"]
    assert summary["sample"] == "image-file"
    assert summary["preds"] == "table-file"
    assert not any(k.startswith("sample/") for k in summary)


def test_several_runs_of_one_folder_in_start_order():
    log = read_wandb(DATA / "multi" / "wandb")
    counts = log.metrics.groupby(["run", "metric"], observed=True).size().to_dict()
    assert counts == {
        ("lr0.01", "loss"): 20,
        ("lr0.01", "val_loss"): 20,
        ("lr0.03", "loss"): 20,
        ("lr0.03", "val_loss"): 20,
        ("lr0.1", "loss"): 10,  # logged with step= every 2 steps
        ("lr0.1", "val_loss"): 10,
    }
    assert list(log.metrics["run"].cat.categories) == ["lr0.01", "lr0.03", "lr0.1"]
    lr01 = log.metrics[(log.metrics["run"] == "lr0.1") & (log.metrics["metric"] == "loss")]
    assert lr01["step"].tolist() == list(range(0, 20, 2))
    assert log.params[["run", "lr", "seed"]].values.tolist() == [
        ["lr0.01", 0.01, 0],
        ["lr0.03", 0.03, 1],
        ["lr0.1", 0.1, 2],
    ]
    assert len(log.info.files) == 3  # the latest-run link is not read again


def test_resumed_run_is_one_run_and_relogged_steps_follow_the_resume_rule():
    with pytest.warns(DataWarning, match=r"deduplicated 4 entries: steps written again"):
        log = read_wandb(DATA / "resumed")
    loss = log.metrics.set_index("step")["value"]
    assert loss.index.tolist() == list(range(16))
    assert loss[9] == pytest.approx(0.9 / 10)  # the second process's write wins
    assert loss[7] == pytest.approx(1 / 8)
    assert len(log.info.segments) == 1
    runs = log.info.extra["runs"]
    assert runs["id"].tolist() == ["resume01"]
    assert runs["status"].tolist() == ["finished"]  # the resumed process exited 0
    assert runs["files"].iloc[0].count("run-resume01.wandb") == 2
    both = read_wandb(DATA / "resumed", keep="all")  # every write kept: nothing to report
    assert len(both.metrics) == 20


def test_killed_run_keeps_what_is_whole():
    f = _file("crashed")
    assert f.stat().st_size == 32768  # wandb-core had flushed one block when SIGKILL came
    with pytest.warns(DataWarning) as rec:
        log = read_wandb(f)
    (msg,) = [str(w.message) for w in rec]
    assert msg.startswith(f"truncated 1 entry in {str(f)!r}: the file ends inside a record")
    counts = log.metrics.groupby("metric", observed=True).size().to_dict()
    assert counts == {"loss": 102, "lr": 102}
    assert log.metrics["step"].max() == 101
    assert log.info.extra["runs"]["status"].tolist() == ["no exit record"]
    assert log.info.count("marked") == 1


def test_cut_inside_a_chunk_and_inside_a_chunk_header(tmp_path):
    data = _file("plain").read_bytes()
    cut = tmp_path / "cut.wandb"
    cut.write_bytes(data[:-20])  # inside the exit record's chunk
    log, msgs = _read(cut)
    assert any(m.startswith("truncated 1 entry") and "the last record is cut" in m for m in msgs)
    assert len(log.metrics) == 102
    assert log.info.extra["runs"]["status"].tolist() == ["no exit record"]
    recs = _records(_file("plain"))
    cut.write_bytes(_frame(recs)[: len(_frame(recs[:-1])) + 3])  # 3 bytes of a chunk header
    _log, msgs = _read(cut)
    assert any("the file ends inside a chunk header (3 of 7 bytes)" in m for m in msgs), msgs


def test_bad_checksum_skips_that_record_only(tmp_path):
    pb = _pb()
    recs = _records(_file("plain"))
    steps = {}
    for i, r in enumerate(recs):
        rec = pb.Record.FromString(r)
        if rec.WhichOneof("record_type") == "history":
            steps[i] = {it.nested_key[0]: it.value_json for it in rec.history.item}["_step"]
    target = next(i for i, s in steps.items() if s == "10")
    data = bytearray(_frame(recs))
    at = len(_frame(recs[:target])) + 7 + 20  # a byte inside the step-10 row's payload
    data[at] ^= 0x01
    f = tmp_path / "flipped.wandb"
    f.write_bytes(bytes(data))
    with pytest.warns(DataWarning) as rec:
        log = read_wandb(f)
    msgs = [str(w.message) for w in rec]
    assert any(
        m.startswith(f"skipped 1 entry in {str(f)!r} (first at byte offset ")
        and "checksum (CRC-32) does not match" in m
        for m in msgs
    ), msgs
    loss = log.metrics[log.metrics["metric"] == "loss"]
    assert 10 not in set(loss["step"])
    assert len(loss) == 29
    assert len(log.metrics) == 102 - 3  # grad_norm, loss and lr of step 10


def test_a_record_spanning_blocks(tmp_path):
    pb = _pb()
    recs = _records(_file("multi"))
    big = pb.Record()
    big.history.item.add(nested_key=["_step"], value_json="100")
    big.history.item.add(nested_key=["loss"], value_json="0.5")
    big.history.item.add(nested_key=["notes"], value_json='"' + "x" * 70000 + '"')
    data = _frame([*recs[:-1], big.SerializeToString(), recs[-1]])
    assert len(data) > 2 * 32768
    f = tmp_path / "big.wandb"
    f.write_bytes(data)
    with pytest.warns(DataWarning, match=r"skipped 1 entry: non-numeric .*: 1 text"):
        log = read_wandb(f)
    loss = log.metrics[log.metrics["metric"] == "loss"]
    assert loss["step"].max() == 100
    assert loss["value"].iloc[-1] == 0.5
    assert log.info.extra["runs"]["status"].tolist() == ["finished"]


def test_newer_wandb_records_and_values_are_counted_and_the_rest_read(tmp_path):
    pb = _pb()
    recs = _records(_file("multi"))
    unknown_record = b"\xfa\x3e\x03abc"  # field 999, length-delimited: no known record type
    row = pb.Record()
    row.history.item.add(nested_key=["_step"], value_json="50")
    row.history.item.add(nested_key=["loss"], value_json="0.25")
    row.history.item.add(nested_key=["future_kind"])  # a value in no form this wandb knows
    extra = row.SerializeToString() + b"\xa0\x3e\x01"  # plus an unknown varint field 996
    f = tmp_path / "newer.wandb"
    f.write_bytes(_frame([*recs[:-1], unknown_record, extra, recs[-1]]))
    with pytest.warns(DataWarning) as rec:
        log = read_wandb(f)
    msgs = sorted(str(w.message) for w in rec)
    assert msgs == [
        (
            f"skipped 1 entry in {str(f)!r}: fields of records the installed wandb does not "
            "know (written by a newer wandb?) were not read; the records' known fields were"
        ),
        (
            f"skipped 1 entry in {str(f)!r}: records of a kind the installed wandb does not "
            "know (written by a newer wandb?)"
        ),
        "skipped 1 entry: history values in a form the installed wandb does not know",
    ]
    loss = log.metrics[log.metrics["metric"] == "loss"]
    assert loss["step"].max() == 50


def test_not_a_wandb_file_and_no_run_name_the_path(tmp_path):
    bad = tmp_path / "run-x.wandb"
    bad.write_bytes(b"not a W&B file at all")
    with pytest.raises(
        LogFormatError, match=r"'.*run-x\.wandb' is not a Weights & Biases run file: it does not"
    ):
        read_wandb(bad)
    with pytest.raises(LogFormatError, match=r"'.*' holds no Weights & Biases run file; looked"):
        read_wandb(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LogFormatError, match=r"empty' holds no Weights & Biases run file"):
        read_wandb(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        read_wandb(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"'sometimes' is not a valid value for keep"):
        read_wandb(DATA / "multi", keep="sometimes")
    # beside good runs, a file named *.wandb without the header is skipped and counted
    shutil.copytree(DATA / "multi", tmp_path / "m")
    (tmp_path / "m" / "wandb" / "stray.wandb").write_bytes(b"junk")
    with pytest.warns(DataWarning, match=r"stray\.wandb': named \*\.wandb but without"):
        log = read_wandb(tmp_path / "m")
    assert len(log.metrics) == 100


def test_missing_wandb_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb.proto.wandb_internal_pb2", None)
    with pytest.raises(ImportError, match=r'pip install "chartkit\[wandb\]"'):
        read_wandb(DATA / "multi")


def test_reading_leaves_warning_filters_and_import_chartkit_imports_no_wandb():
    code = (
        "import sys, warnings; import chartkit, chartkit.metrics; "
        "assert 'wandb' not in sys.modules; before = list(warnings.filters); "
        "from chartkit.metrics import read_wandb, sample_path; "
        "assert 'wandb' not in sys.modules; "
        "read_wandb(sample_path('wandb_offline')); "
        "assert 'wandb' in sys.modules; assert warnings.filters == before, warnings.filters"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_discovery_by_content_nested_and_beside_other_logs(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(sample_path("lightning"), root / "lightning_run")
    shutil.copytree(DATA / "multi" / "wandb", root / "lightning_run" / "wandb", symlinks=True)
    (root / "deep" / "er").mkdir(parents=True)
    shutil.copy(_file("plain"), root / "deep" / "er" / "renamed.bin")  # found by its header
    (root / "not_wandb.wandb").write_bytes(b"junk")
    sources = discover(root)
    kinds = sorted((s.kind, s.run) for s in sources)
    assert kinds == [("lightning", "lightning_run"), ("wandb", "er"), ("wandb", "lightning_run")]
    w = next(s for s in sources if s.run == "lightning_run" and s.kind == "wandb")
    assert len(w.files) == 3
    skipped = {p.path.name: p.reason for p in sources.skipped}
    assert skipped["latest-run"].startswith("W&B's link to its newest run")
    assert skipped["not_wandb.wandb"] == (
        "named *.wandb but without the ':W&B' header of a W&B run file"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        session = read(root)
    assert sorted(s.kind for s in session.sources) == ["lightning", "wandb", "wandb"]
    assert not session.failed
    wl = session[[s.run for s in session.sources].index("er")]
    assert len(wl.metrics) == 102


def test_read_and_find_files_take_one_run_folder():
    run_dir = _file("plain").parent
    assert find_wandb_files(run_dir) == list(run_dir.glob("*.wandb"))
    with pytest.warns(DataWarning, match="non-finite"):
        log = read(run_dir)
    with pytest.warns(DataWarning, match="non-finite"):
        assert len(read(_file("plain")).metrics) == 102
    assert log.info.source == "wandb"
    assert len(log.metrics) == 102


def test_plot_logs_charts_every_run_with_no_failed_chart(tmp_path):
    from chartkit.metrics.report import plot_logs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with open(tmp_path / "log.txt", "w") as stream:
            units = plot_logs(DATA, tmp_path / "out", stream=stream)
    assert len(units) == 5
    assert not [u.error for u in units if u.error]
    charts = [c for u in units for c in u.charts]
    assert len(charts) >= 10
    assert all(c.ok for c in charts), [c.error for c in charts if not c.ok]
    names = {u.label: sorted(c.name for c in u.charts) for u in units}
    multi = next(v for k, v in names.items() if "multi" in k)
    assert "curves_loss" in multi
    assert "curves_val_loss" in multi
    assert (tmp_path / "out" / "index.html").is_file()


def test_every_cut_and_random_byte_flips_never_crash(tmp_path):
    import random

    data = _file("plain").read_bytes()
    f = tmp_path / "m.wandb"
    full = 102
    last = 0
    for cut in range(7, len(data), 211):  # a cut anywhere: only whole records are read
        f.write_bytes(data[:cut])
        log, _msgs = _read(f)
        assert last <= len(log.metrics) <= full
        last = len(log.metrics)
    rng = random.Random(0)
    for _ in range(60):  # a flipped byte anywhere after the header: skipped and counted
        b = bytearray(data)
        at = rng.randrange(7, len(b))
        b[at] ^= 1 << rng.randrange(8)
        f.write_bytes(bytes(b))
        log, msgs = _read(f)
        assert len(log.metrics) <= full
        if len(log.metrics) < full:
            assert any(m.startswith("skipped") for m in msgs), (at, msgs)


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default"))
def test_real_wandb_run_curves_image():
    import matplotlib.pyplot as plt

    from chartkit.audit import check_figure
    from chartkit.metrics.plots import plot_curves

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read_wandb(DATA / "plain")
        runs = read_wandb(DATA / "multi")
    fig, axs = plt.subplots(1, 2, figsize=(8, 3.2), dpi=100, layout="constrained")
    plot_curves(log, "loss", smooth=None, ax=axs[0])  # NaN at step 17, inf at 23: marked
    plot_curves(runs, "val_loss", by="run", smooth=None, ax=axs[1])
    axs[0].set_title("W&B run 'plain': loss")
    axs[1].set_title("3 runs of one wandb/ folder")
    assert check_figure(fig).ok
    return fig


def test_wandbs_debug_log_links_are_not_read_as_logs(tmp_path):
    # wandb writes debug.log and debug-internal.log (JSON lines of its own) beside its run
    # folders as links into the newest run's logs/: not a training log, never a source
    root = tmp_path / "wandb"
    shutil.copytree(DATA / "plain" / "wandb", root, symlinks=True)
    run = next(p for p in root.iterdir() if p.name.startswith("offline-run-"))
    (run / "logs").mkdir(exist_ok=True)
    (run / "logs" / "debug-internal.log").write_text(
        '{"time":"2026-11-29T08:57:50Z","level":"INFO","msg":"stream: starting"}\n'
    )
    (root / "debug-internal.log").symlink_to(f"{run.name}/logs/debug-internal.log")
    sources = discover(tmp_path)
    assert [s.kind for s in sources] == ["wandb"]
    skipped = {p.path.name: p.reason for p in sources.skipped}
    assert skipped["debug-internal.log"].startswith("W&B's link into a run folder")
