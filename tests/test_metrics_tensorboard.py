"""TensorBoard event reader: every point of the real DDP logs, tensor scalars, bad input.

``tests/data/ddp/world2/tb`` and ``world4/tb`` are the shared fixture's event files written by
``torch.utils.tensorboard.SummaryWriter`` (one ``rank<R>`` folder per process). Small extra
files are written here with the tensorboard package's own record writer.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from tensorboard.compat.proto import event_pb2
from tensorboard.summary.writer.record_writer import RecordWriter
from tensorboard.util import tensor_util

from chartkit.errors import DataWarning
from chartkit.metrics.readers.tensorboard import find_event_files, read_tensorboard

DDP = Path(__file__).parent / "data" / "ddp"
W2 = DDP / "world2" / "tb"
W4 = DDP / "world4" / "tb"


def _read_recording(path, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        log = read_tensorboard(path, **kw)
    assert all(issubclass(w.category, DataWarning) for w in rec), [str(w) for w in rec]
    return log, [str(w.message) for w in rec]


def _scalar_event(step, tag, value, wall=1.7e9):
    ev = event_pb2.Event(wall_time=wall + step, step=step)
    ev.summary.value.add(tag=tag, simple_value=value)
    return ev


def _tensor_event(step, tag, array, plugin="scalars", wall=1.7e9):
    ev = event_pb2.Event(wall_time=wall + step, step=step)
    v = ev.summary.value.add(tag=tag)
    v.tensor.CopyFrom(tensor_util.make_tensor_proto(array))
    v.metadata.plugin_data.plugin_name = plugin
    return ev


def _write(path: Path, events) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        w = RecordWriter(fh)
        w.write(event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString())
        for ev in events:
            w.write(ev.SerializeToString())
    return path


# --------------------------------------------------------------------------- real fixture


def test_world2_every_point():
    log = read_tensorboard(W2)  # no warning: warnings are errors
    m = log.metrics
    # 2 ranks x (1536 train/loss + 1536 perf/samples_per_sec + 3 epoch/last_loss)
    assert len(m) == 6150
    assert log.metric_names == ["epoch/last_loss", "perf/samples_per_sec", "train/loss"]
    counts = m.groupby(["rank", "metric"], observed=True).size()
    assert counts.to_dict() == {
        (0, "epoch/last_loss"): 3,
        (0, "perf/samples_per_sec"): 1536,
        (0, "train/loss"): 1536,
        (1, "epoch/last_loss"): 3,
        (1, "perf/samples_per_sec"): 1536,
        (1, "train/loss"): 1536,
    }
    assert set(m["source"]) == {"tensorboard"}
    assert set(m["run"]) == {"tb"}
    assert m["trial"].isna().all()
    # rank 0's text summary run/config is not a scalar: counted, not read
    assert log.info.extra["non_scalar"] == {"text": 1}
    assert log.info.rows == 2 * 3077 - 1  # events incl. file_version, minus rank 1's text
    loss = m[(m["metric"] == "train/loss") & (m["rank"] == 0)]
    assert loss["step"].tolist() == list(range(1, 1537))
    assert loss["value"].iloc[0] == pytest.approx(2.0794, abs=1e-4)
    assert (np.diff(loss["wall_time"].to_numpy()) >= 0).all()


def test_world4_ranks_and_counts():
    log = read_tensorboard(W4)
    m = log.metrics
    assert len(m) == 4 * (768 * 2 + 3)
    assert sorted(m["rank"].unique().tolist()) == [0, 1, 2, 3]
    assert (m.groupby("rank", observed=True).size() == 1539).all()


def test_same_points_as_tensorboard_accumulator():
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log = read_tensorboard(W4)
    for rank in range(4):
        acc = EventAccumulator(str(W4 / f"rank{rank}"), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            ref = acc.Scalars(tag)
            ours = log.metrics[(log.metrics["rank"] == rank) & (log.metrics["metric"] == tag)]
            assert ours["step"].tolist() == [e.step for e in ref]
            np.testing.assert_array_equal(ours["value"].to_numpy(), [e.value for e in ref])
            np.testing.assert_array_equal(ours["wall_time"].to_numpy(), [e.wall_time for e in ref])


def test_single_event_file_rank_from_folder():
    (f,) = (W4 / "rank3").iterdir()
    log = read_tensorboard(f)
    assert set(log.metrics["rank"]) == {3}
    assert set(log.metrics["run"]) == {"tb"}
    assert len(log.metrics) == 1539


def test_run_argument():
    log = read_tensorboard(W2 / "rank1", run="world2")
    assert set(log.metrics["run"]) == {"world2"}
    assert set(log.metrics["rank"]) == {1}


# --------------------------------------------------------------------------- layouts


def test_natural_rank_order(tmp_path):
    for r in (10, 2, 1):
        _write(tmp_path / f"rank{r}" / "events.out.tfevents.1.host", [_scalar_event(0, "x", r)])
    files = find_event_files(tmp_path)
    assert [Path(f).parent.name for f in files] == ["rank1", "rank2", "rank10"]
    # ranks 0 and 3-9 hold no data: reported by the shared rules (issue 17)
    with pytest.warns(DataWarning, match=r"no data for rank\(s\) 0, 3–9 of 0–10"):
        log = read_tensorboard(tmp_path)
    assert log.metrics["rank"].tolist() == [1, 2, 10]
    assert log.metrics["value"].tolist() == [1.0, 2.0, 10.0]
    assert set(log.metrics["run"]) == {tmp_path.name}


def test_resumed_writer_several_files(tmp_path):
    d = tmp_path / "run_a"
    _write(
        d / "events.out.tfevents.100.host.1.0", [_scalar_event(s, "loss", s) for s in range(10)]
    )
    # the resumed process logs steps 5.. again (no purge_step) with new values
    _write(
        d / "events.out.tfevents.200.host.2.0",
        [_scalar_event(s, "loss", 100 + s) for s in range(5, 15)],
    )
    log, msgs = _read_recording(tmp_path)
    assert len(msgs) == 1
    assert msgs[0].startswith("deduplicated 5 entries")
    loss = log.metrics.set_index("step")["value"]
    assert loss.index.tolist() == list(range(15))
    assert loss.loc[4] == 4.0
    assert loss.loc[5] == 105.0  # the newest write wins
    assert log.info.segments["step"].tolist() == [5]
    first, _ = _read_recording(tmp_path, keep="first")
    assert first.metrics.set_index("step")["value"].loc[5] == 5.0
    every, _ = _read_recording(tmp_path, keep="all")
    assert len(every.metrics) == 20
    assert set(log.metrics["run"]) == {"run_a"}


def test_tensor_summaries(tmp_path):
    events = [
        _tensor_event(1, "tf2/float", np.float32(0.25)),  # float_val
        _tensor_event(2, "tf2/double", np.float64(1e-12)),  # double_val
        _tensor_event(3, "tf2/int", np.int64(7)),
        _tensor_event(4, "tf2/vector", np.arange(3.0)),  # not a scalar
        _tensor_event(5, "notes", np.array(b"hello", dtype=object), plugin="text"),
    ]
    content = _tensor_event(6, "tf2/content", np.float32(0))
    content.summary.value[0].tensor.ClearField("float_val")
    content.summary.value[0].tensor.tensor_content = np.float32(3.5).tobytes()
    events.append(content)
    events.append(_scalar_event(7, "plain", float("nan")))
    f = _write(tmp_path / "events.out.tfevents.1.host", events)
    log = read_tensorboard(f)
    got = dict(zip(log.metrics["metric"].astype(str), log.metrics["value"], strict=True))
    assert got.pop("plain") != got.get("plain")  # NaN kept, never dropped
    assert got == {"tf2/float": 0.25, "tf2/double": 1e-12, "tf2/int": 7.0, "tf2/content": 3.5}
    assert log.info.extra["non_scalar"] == {"scalars": 1, "text": 1}
    assert log.info.nonfinite["step"].tolist() == [7]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cut", [5, 14])
def test_truncated_last_record(tmp_path, cut):
    (src,) = (W2 / "rank1").iterdir()
    dst = tmp_path / "rank1" / src.name
    dst.parent.mkdir()
    data = src.read_bytes()
    dst.write_bytes(data[:-cut])
    log, msgs = _read_recording(tmp_path)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"truncated 1 entry in {str(dst)!r} (first at byte offset ")
    assert "the last record is cut" in msgs[0]
    assert "the points before it were read" in msgs[0]
    (entry,) = log.info.of_kind("truncated")
    assert 0 < entry.byte_offset < len(data)
    # every point but the one in the cut record
    assert len(log.metrics) == 3075 - 1
    assert log.info.rows == 3075  # file_version + 3074 intact events


def test_cut_inside_header(tmp_path):
    f = _write(
        tmp_path / "events.out.tfevents.1.host", [_scalar_event(s, "x", s) for s in range(3)]
    )
    f.write_bytes(f.read_bytes() + b"\x10\x00\x00")
    log, msgs = _read_recording(f)
    assert len(msgs) == 1
    assert "the last record is cut (3 header bytes of 12 present)" in msgs[0]
    assert len(log.metrics) == 3


def _record_offsets(data: bytes) -> list[int]:
    pos, out = 0, []
    while pos < len(data):
        out.append(pos)
        pos += 12 + int.from_bytes(data[pos : pos + 8], "little") + 4
    return out


def _masked_crc(data: bytes) -> bytes:
    import crc32c

    crc = crc32c.crc32c(data)
    return ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF).to_bytes(4, "little")


def test_bit_flip_in_a_value_is_caught_by_the_crc(tmp_path):
    """One flipped bit turned 0.139 into 4.7e37 silently before the checksums were checked."""
    f = _write(
        tmp_path / "events.out.tfevents.1.host",
        [_scalar_event(s, "loss", 0.139 + s) for s in range(5)],
    )
    data = bytearray(f.read_bytes())
    pos = _record_offsets(bytes(data))[3]  # the record of step 2
    length = int.from_bytes(data[pos : pos + 8], "little")
    data[pos + 12 + length - 1] ^= 0x40  # the top byte of the float32 simple_value
    f.write_bytes(bytes(data))
    log, msgs = _read_recording(f)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(f)!r} (first at byte offset {pos})")
    assert "corrupt records: the payload checksum (masked CRC32C) does not match" in msgs[0]
    assert f"(byte offsets {pos})" in msgs[0]
    # the records after the corrupt one are kept, every value is a written one
    assert log.metrics["step"].tolist() == [0, 1, 3, 4]
    np.testing.assert_allclose(log.metrics["value"], [0.139, 1.139, 3.139, 4.139], rtol=1e-6)
    (entry,) = log.info.of_kind("skipped")
    assert (entry.count, entry.byte_offset, entry.file) == (1, pos, str(f))


def test_several_corrupt_payloads_counted_in_one_entry(tmp_path):
    f = _write(
        tmp_path / "events.out.tfevents.1.host", [_scalar_event(s, "x", s) for s in range(6)]
    )
    data = bytearray(f.read_bytes())
    offsets = _record_offsets(bytes(data))
    for k in (2, 4, 5):
        data[offsets[k] + 13] ^= 0x01
    f.write_bytes(bytes(data))
    log, msgs = _read_recording(f)
    assert len(msgs) == 1
    assert msgs[0].startswith("skipped 3 entries")
    assert f"(byte offsets {offsets[2]}, {offsets[4]}, {offsets[5]})" in msgs[0]
    assert log.metrics["step"].tolist() == [0, 2, 5]


def test_payload_with_right_crc_that_is_no_event(tmp_path):
    f = _write(
        tmp_path / "events.out.tfevents.1.host", [_scalar_event(s, "x", s) for s in range(5)]
    )
    data = bytearray(f.read_bytes())
    pos = _record_offsets(bytes(data))[2]  # the 3rd record (step 1)
    length = int.from_bytes(data[pos : pos + 8], "little")
    payload = b"\xff" * length  # checksummed correctly, but no protobuf
    data[pos + 12 : pos + 12 + length] = payload
    data[pos + 12 + length : pos + 16 + length] = _masked_crc(payload)
    f.write_bytes(bytes(data))
    log, msgs = _read_recording(f)
    assert len(msgs) == 1
    assert "skipped 1 entry" in msgs[0]
    assert "records whose payload is not a valid Event protocol buffer" in msgs[0]
    assert log.metrics["step"].tolist() == [0, 2, 3, 4]


@pytest.mark.parametrize("where", ["length", "length_crc"])
def test_corrupt_length_in_the_middle_stops_the_file(tmp_path, where):
    f = _write(
        tmp_path / "events.out.tfevents.1.host", [_scalar_event(s, "x", s) for s in range(5)]
    )
    data = bytearray(f.read_bytes())
    pos = _record_offsets(bytes(data))[2]  # the 3rd record (step 1)
    if where == "length":
        data[pos : pos + 8] = (10**9).to_bytes(8, "little")
    else:
        data[pos + 9] ^= 0x10
    f.write_bytes(bytes(data))
    log, msgs = _read_recording(f)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"skipped 1 entry in {str(f)!r} (first at byte offset {pos})")
    assert "a record's length checksum (masked CRC32C) does not match" in msgs[0]
    assert f"the {len(data) - pos} bytes from there to the end were not read" in msgs[0]
    assert log.metrics["step"].tolist() == [0]


def test_unreadable_event_file_others_kept(tmp_path, monkeypatch):
    import builtins

    import chartkit.metrics.readers.tensorboard as tb

    for r in (0, 1):
        _write(tmp_path / f"rank{r}" / "events.out.tfevents.1.host", [_scalar_event(0, "x", r)])
    bad = tmp_path / "rank1" / "events.out.tfevents.1.host"

    def deny(file, *a, **k):  # what chmod 000 does for a user other than root
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *a, **k)

    monkeypatch.setattr(tb, "open", deny, raising=False)
    log, msgs = _read_recording(tmp_path)
    assert len(msgs) == 1
    assert msgs[0] == (
        f"skipped 1 entry in {str(bad)!r}: the file could not be read (Permission denied)"
    )
    assert log.metrics["rank"].tolist() == [0]


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?i)no such file or directory: '.*nope'"):
        read_tensorboard(tmp_path / "nope")


def test_folder_without_event_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"holds no TensorBoard event file; looked for files"):
        read_tensorboard(tmp_path)


def test_bad_keep():
    with pytest.raises(ValueError, match=r"'latest' is not a valid value for keep"):
        read_tensorboard(W2, keep="latest")


def test_empty_event_file(tmp_path):
    f = tmp_path / "events.out.tfevents.1.host"
    f.write_bytes(b"")
    log, msgs = _read_recording(f)
    assert len(log.metrics) == 0
    assert len(msgs) == 1
    assert msgs[0].startswith("empty 1 entry")
    assert str(f) in msgs[0]


def test_without_event_protobufs_installed(monkeypatch, tmp_path):
    f = _write(tmp_path / "events.out.tfevents.1.host", [])
    for pkg in ("tensorboardX", "tensorboard.compat"):
        for name in (pkg, f"{pkg}.proto", f"{pkg}.proto.event_pb2"):
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(
        ImportError,
        match=r"reading TensorBoard event files needs the optional dependency "
        r"'tensorboardX.proto.event_pb2'; install it with: pip install "
        r'"chartkit\[tensorboard\]"',
    ):
        read_tensorboard(f)


def test_without_crc32c_installed(monkeypatch, tmp_path):
    f = _write(tmp_path / "events.out.tfevents.1.host", [])
    monkeypatch.setitem(sys.modules, "crc32c", None)
    with pytest.raises(
        ImportError,
        match=r"\(record checksums\) needs the optional dependency 'crc32c'; install it with: "
        r'pip install "chartkit\[tensorboard\]"',
    ):
        read_tensorboard(f)


@pytest.mark.parametrize("which", ["world2", "world4"])
def test_tensorboard_protobufs_alone_read_the_same_points(monkeypatch, tmp_path, which):
    """tensorboardX's classes (the extra) and tensorboard's give every point equal."""
    import pandas as pd
    from tensorboard.util import tensor_util

    src = DDP / which / "tb"
    # plus TF2-style tensor summaries and a text summary
    extra = [
        _tensor_event(1, "tf2/float", np.float32(0.25)),
        _tensor_event(2, "tf2/half", np.float16(1.5)),
        _tensor_event(3, "tf2/int", np.int64(7)),
        _tensor_event(4, "notes", np.array(b"hi", dtype=object), plugin="text"),
    ]
    assert tensor_util.make_ndarray(extra[1].summary.value[0].tensor) == 1.5
    shutil.copytree(src, tmp_path / "tb")
    _write(tmp_path / "tb" / "rank0" / "events.out.tfevents.9.host", extra)
    with_x = read_tensorboard(tmp_path / "tb")
    for name in ("tensorboardX", "tensorboardX.proto", "tensorboardX.proto.event_pb2"):
        monkeypatch.setitem(sys.modules, name, None)
    alone = read_tensorboard(tmp_path / "tb")
    pd.testing.assert_frame_equal(alone.metrics, with_x.metrics)
    assert alone.info.extra == with_x.info.extra
    assert len(with_x.metrics) == (6150 if which == "world2" else 6156) + 3
    assert with_x.metrics.set_index("metric")["value"]["tf2/half"] == 1.5


def test_ray_trial_folders_as_runs(tmp_path):
    """A Ray trial's tensorboardX events read as one run per trial folder."""
    d = tmp_path / "exp" / "train_fn_1_a=1,b=2"
    _write(
        d / "events.out.tfevents.1.vm", [_scalar_event(s, "ray/tune/loss", 1 / s) for s in (1, 2)]
    )
    shutil.copytree(d, tmp_path / "exp" / "train_fn_2_a=3,b=4")
    log = read_tensorboard(tmp_path / "exp")
    assert sorted(set(log.metrics["run"])) == ["train_fn_1_a=1,b=2", "train_fn_2_a=3,b=4"]
    assert log.metrics["rank"].isna().all()


def test_unlistable_rank_folder_reported(tmp_path, monkeypatch):
    import os

    for r in (0, 1):
        _write(tmp_path / f"rank{r}" / "events.out.tfevents.1.host", [_scalar_event(0, "x", r)])
    locked = tmp_path / "rank1"
    real_scandir = os.scandir

    def scandir(p="."):  # chmod 000 on the folder, for a user other than root
        if os.fspath(p) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(p)

    monkeypatch.setattr(os, "scandir", scandir)
    log, msgs = _read_recording(tmp_path)
    assert msgs == [
        f"skipped 1 entry in {str(locked)!r}: the folder could not be read (Permission denied)"
    ]
    assert log.metrics["rank"].tolist() == [0]
