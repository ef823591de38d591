"""Per-rank JSONL and CSV logs (chartkit.metrics.read_jsonl / read_csv)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import chartkit.metrics.readers.jsonl as jsonl_mod
from chartkit.errors import DataWarning
from chartkit.metrics import read_csv, read_jsonl, sample_path


@pytest.fixture(params=["pyarrow", "python"])
def engine(request, monkeypatch):
    """Run a test on the pyarrow fast path and on the line-by-line path."""
    if request.param == "pyarrow":
        pytest.importorskip("pyarrow")
    monkeypatch.setattr(jsonl_mod, "USE_PYARROW", request.param == "pyarrow")
    return request.param


def _write(path, lines, end="\n"):
    path.write_bytes(end.join(lines).encode() + end.encode())
    return path


# ---------------------------------------------------------------- real DDP fixtures


def test_ddp_world2_counts(engine):
    log = read_jsonl(sample_path("ddp_world2"))
    m = log.metrics
    # 2 ranks x 1536 steps x 5 numeric fields (epoch, loss, samples_per_sec, world_size, lr)
    assert len(m) == 2 * 1536 * 5
    assert log.metric_names == ["epoch", "loss", "lr", "samples_per_sec", "world_size"]
    assert m["rank"].unique().tolist() == [0, 1]
    assert m["run"].unique().tolist() == ["world2"]
    assert (m.groupby(["rank", "metric"], observed=True)["step"].max() == 1536).all()
    assert log.info.rows == 3072
    assert log.info.entries == []
    first = m[(m["rank"] == 0) & (m["metric"] == "loss")].iloc[0]
    assert first["step"] == 1
    assert first["value"] == pytest.approx(2.0794243812561035)
    assert first["wall_time"] == pytest.approx(1795752032.791738)


def test_ddp_world4_counts_and_wide():
    log = read_jsonl(sample_path("ddp_world4"))
    assert len(log.metrics) == 4 * 768 * 5
    w = log.wide(metric="loss")
    assert w.shape == (768, 4)
    assert list(w.columns) == [0, 1, 2, 3]


def test_pyarrow_and_python_paths_agree(monkeypatch):
    pytest.importorskip("pyarrow")
    fast = read_jsonl(sample_path("ddp_world2")).metrics
    monkeypatch.setattr(jsonl_mod, "USE_PYARROW", False)
    slow = read_jsonl(sample_path("ddp_world2")).metrics
    import pandas as pd

    pd.testing.assert_frame_equal(fast, slow)


# ---------------------------------------------------------------- ranks and files


def test_rank_from_file_name_natural_order(tmp_path, engine):
    for r in (10, 2, 1):
        _write(tmp_path / f"rank{r}.jsonl", [json.dumps({"step": 1, "loss": float(r)})])
    with pytest.warns(DataWarning, match=r"missing 8 entries: no data for rank\(s\) 0, 3–9 of"):
        log = read_jsonl(tmp_path)
    m = log.metrics
    assert m["rank"].tolist() == [1, 2, 10]
    assert m["value"].tolist() == [1.0, 2.0, 10.0]
    assert [f.rsplit("/", 1)[-1] for f in log.info.files] == [
        "rank1.jsonl",
        "rank2.jsonl",
        "rank10.jsonl",
    ]


def test_rank_field_wins_over_name_and_glob_path(tmp_path):
    _write(tmp_path / "worker_a.jsonl", [json.dumps({"step": 1, "rank": 3, "x": 1.0})])
    log = read_jsonl(str(tmp_path / "worker_*.jsonl"))
    assert log.metrics["rank"].tolist() == [3]


def test_no_step_field_uses_record_order(tmp_path, engine):
    _write(tmp_path / "a.jsonl", [json.dumps({"loss": v}) for v in (3.0, 2.0, 1.0)])
    log = read_jsonl(tmp_path / "a.jsonl")
    assert log.metrics["step"].tolist() == [1, 2, 3]
    assert log.metrics["rank"].isna().all()
    assert log.metrics["run"].tolist() == ["a"] * 3


# ---------------------------------------------------------------- crash / NaN / bad lines


def test_cut_last_line_dropped_and_counted(tmp_path, engine):
    p = tmp_path / "rank0.jsonl"
    p.write_bytes(b'{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.5}\n{"step": 3, "lo')
    with pytest.warns(DataWarning, match=r"truncated 1 entry in .*rank0\.jsonl.*line 3"):
        log = read_jsonl(p)
    assert log.metrics["step"].tolist() == [1, 2]
    assert log.info.count("truncated") == 1


def test_nan_and_infinity_tokens_become_floats(tmp_path, engine):
    lines = [
        '{"step": 1, "loss": NaN, "g": Infinity, "h": -Infinity}',
        '{"step": 2, "loss": "nan", "g": "null", "h": 1.5}',
        '{"step": 3, "loss": 0.25, "g": 2.0, "h": "-inf"}',
    ]
    with pytest.warns(DataWarning, match=r"3 NaN, 1 \+inf, 2 -inf in 3 series") as rec:
        log = read_jsonl(_write(tmp_path / "x.jsonl", lines))
    assert len(rec) == 1
    w = log.wide()
    assert np.isnan(w["loss"].tolist()[:2]).all()
    assert w["loss"].tolist()[2] == 0.25
    assert w["g"].tolist()[0] == np.inf
    assert np.isnan(w["g"].tolist()[1])
    assert w["h"].tolist() == [-np.inf, 1.5, -np.inf]
    # kept, not dropped; the first non-finite step per series is recorded
    assert len(log.metrics) == 9
    nf = log.info.nonfinite.set_index("metric")
    assert nf.loc["loss", "step"] == 1
    assert nf.loc["loss", "count"] == 2
    assert nf.loc["h", "step"] == 1


def test_null_and_absent_give_no_point(tmp_path, engine):
    lines = ['{"step": 1, "loss": 1.0, "acc": null}', '{"step": 2, "loss": 0.5}']
    log = read_jsonl(_write(tmp_path / "x.jsonl", lines))
    assert log.metric_names == ["loss"]
    assert len(log.metrics) == 2


def test_malformed_middle_lines_skipped_with_line_numbers(tmp_path, monkeypatch):
    lines = [
        '{"step": 1, "loss": 1.0}',
        '{"step": 2, "loss": 0.9',
        "",
        '{"step": 3, "loss": 0.8}',
        "garbage",
        '{"step": 4, "loss": 0.7}',
    ]
    p = _write(tmp_path / "rank0.jsonl", lines)
    with pytest.warns(
        DataWarning,
        match=r"skipped 2 entries in .*rank0\.jsonl' \(first at line 2\): .*malformed JSON",
    ):
        log = read_jsonl(p)
    assert log.metrics["step"].tolist() == [1, 3, 4]
    (entry,) = log.info.of_kind("skipped")
    assert entry.lines == [2, 5]


def test_mixed_types_coerced_with_one_warning(tmp_path, engine):
    lines = [
        '{"step": 1, "loss": 1.0}',
        '{"step": 2, "loss": "diverged"}',
        '{"step": 3, "loss": 0.5}',
        '{"step": 4, "loss": "oops"}',
    ]
    p = _write(tmp_path / "x.jsonl", lines)
    with pytest.warns(DataWarning) as rec:
        log = read_jsonl(p)
    assert len(rec) == 1
    assert "coerced 2 entries" in str(rec[0].message)
    assert "(first at line 2)" in str(rec[0].message)
    assert "'diverged'" in str(rec[0].message)
    assert len(log.metrics) == 4
    assert np.isnan(log.metrics["value"].tolist()[1])


def test_bom_crlf_and_encoding(tmp_path, engine):
    p = tmp_path / "x.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"step": 1, "loss": 1.0}\r\n{"step": 2, "loss": 0.5}\r\n')
    assert read_jsonl(p).metrics["value"].tolist() == [1.0, 0.5]
    q = tmp_path / "y.jsonl"
    q.write_bytes('{"step": 1, "note": "é", "loss": 2.0}\n'.encode("latin-1"))
    log = read_jsonl(q, encoding="latin-1")
    assert log.metrics["value"].tolist() == [2.0]
    assert log.info.entries == []


def test_non_utf8_replaced_with_one_warning(tmp_path, engine):
    q = tmp_path / "y.jsonl"
    q.write_bytes(b'{"step": 1, "note": "\xe9", "loss": 2.0}\n')
    with pytest.warns(DataWarning, match=r"replaced 1 entry .*byte offset 21"):
        log = read_jsonl(q)
    assert log.metrics["value"].tolist() == [2.0]


def test_empty_file_typed_frame_and_one_warning(tmp_path, engine):
    p = tmp_path / "rank0.jsonl"
    p.write_bytes(b"")
    with pytest.warns(DataWarning, match=r"empty 1 entry in .*rank0\.jsonl'") as rec:
        log = read_jsonl(p)
    assert len(rec) == 1
    assert len(log.metrics) == 0
    assert str(log.metrics["step"].dtype) == "int64"


def test_resume_dedupe_across_lines(tmp_path, engine):
    lines = [json.dumps({"step": s, "loss": float(s)}) for s in (1, 2, 3)]
    lines += [json.dumps({"step": s, "loss": 10.0 * s}) for s in (2, 3, 4)]
    p = _write(tmp_path / "rank0.jsonl", lines)
    with pytest.warns(DataWarning, match="deduplicated 2 entries"):
        log = read_jsonl(p)
    assert log.metrics["value"].tolist() == [1.0, 20.0, 30.0, 40.0]
    assert log.info.segments["step"].tolist() == [2]
    with pytest.warns(DataWarning, match="deduplicated 2 entries"):
        first = read_jsonl(p, keep="first")
    assert first.metrics["value"].tolist() == [1.0, 2.0, 3.0, 40.0]
    assert len(read_jsonl(p, keep="all").metrics) == 6


# ---------------------------------------------------------------- bad arguments


def test_missing_path_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothere\.jsonl"):
        read_jsonl(tmp_path / "nothere.jsonl")
    with pytest.raises(FileNotFoundError, match=r"no file matching '\*\.csv' in"):
        read_csv(tmp_path)


def test_unknown_metric_lists_available():
    with pytest.raises(
        KeyError,
        match=r"'lsos' is not a valid value for metric; supported values are .*"
        r"Did you mean 'loss'\?",
    ):
        read_jsonl(sample_path("ddp_world2"), metrics=["lsos"])
    log = read_jsonl(sample_path("ddp_world2"), metrics=["loss"])
    assert log.metric_names == ["loss"]


def test_unknown_step_field(tmp_path):
    with pytest.raises(KeyError, match=r"'stpe' is not a valid value for step.*'step'"):
        read_jsonl(sample_path("ddp_world2"), step="stpe")


# ---------------------------------------------------------------- per-rank CSV


def test_per_rank_csv(tmp_path):
    for r in (0, 1):
        _write(
            tmp_path / f"rank{r}.csv",
            ["step,loss,acc,phase", *[f"{s},{1.0 / s + r},0.{s},train" for s in (1, 2, 3)]],
        )
    log = read_csv(tmp_path)
    assert len(log.metrics) == 2 * 3 * 2
    assert log.metric_names == ["acc", "loss"]
    assert log.info.extra["ignored_columns"]
    assert log.metrics["rank"].unique().tolist() == [0, 1]


def test_csv_cut_mid_number_is_not_read_as_value(tmp_path):
    p = tmp_path / "rank0.csv"
    p.write_bytes(b"step,loss\n1,4.5\n2,4.0\n3,0.")
    with pytest.warns(DataWarning, match="truncated 1 entry"):
        log = read_csv(p)
    assert log.metrics["value"].tolist() == [4.5, 4.0]


def test_csv_bad_field_count_and_text_cells(tmp_path):
    p = tmp_path / "rank0.csv"
    _write(p, ["step,loss", "1,1.0", "2,0.5,extra", "3,nan", "4,oops", "5,inf"], end="\r\n")
    with pytest.warns(DataWarning) as rec:
        log = read_csv(p)
    messages = sorted(str(w.message) for w in rec)
    assert len(messages) == 3
    assert "coerced 1 entry" in messages[0]
    assert "(first at line 5)" in messages[0]
    assert "2 NaN, 1 +inf, 0 -inf" in messages[1]
    assert "skipped 1 entry" in messages[2]
    assert "(first at line 3)" in messages[2]
    vals = log.metrics["value"].to_numpy()
    assert log.metrics["step"].tolist() == [1, 3, 4, 5]
    assert vals[0] == 1.0
    assert np.isnan(vals[1:3]).all()
    assert vals[3] == np.inf


def test_csv_header_only_is_empty_with_warning(tmp_path):
    p = tmp_path / "rank0.csv"
    p.write_bytes(b"step,loss\n")
    with pytest.warns(DataWarning, match="header but no rows"):
        log = read_csv(p)
    assert len(log.metrics) == 0


def test_sample_copy_is_byte_identical_to_a_fresh_copy(tmp_path):
    # reading does not depend on the package location
    dst = tmp_path / "w2"
    shutil.copytree(sample_path("ddp_world2"), dst)
    assert len(read_jsonl(dst).metrics) == 15360


def test_files_without_rank_are_runs_not_ranks(tmp_path, engine):
    _write(tmp_path / "train.jsonl", [json.dumps({"step": 1, "loss": 1.0})])
    _write(tmp_path / "val.jsonl", [json.dumps({"step": 1, "loss": 2.0})])
    m = read_jsonl(tmp_path).metrics
    assert m["run"].astype(str).tolist() == ["train", "val"]
    assert m["rank"].isna().all()


def test_time_field_is_wall_time_only_when_epoch_seconds(tmp_path, engine):
    lines = [json.dumps({"step": s, "time": 0.12 * s, "loss": 1.0}) for s in (1, 2)]
    log = read_jsonl(_write(tmp_path / "a.jsonl", lines))
    assert log.metric_names == ["loss", "time"]
    assert log.metrics["wall_time"].isna().all()
    lines = [json.dumps({"step": s, "time": 1.7e9 + s, "loss": 1.0}) for s in (1, 2)]
    log = read_jsonl(_write(tmp_path / "b.jsonl", lines))
    assert log.metric_names == ["loss"]
    assert log.metrics["wall_time"].tolist() == [1.7e9 + 1, 1.7e9 + 2]


def test_nested_objects_become_dotted_metrics(tmp_path, engine):
    lines = [
        json.dumps({"step": 1, "train": {"loss": 1.0, "acc": 0.5}, "lr": 0.1}),
        json.dumps({"step": 2, "train": {"loss": 0.5}, "val": {"loss": 0.7}}),
    ]
    log = read_jsonl(_write(tmp_path / "x.jsonl", lines))
    assert log.metric_names == ["lr", "train.acc", "train.loss", "val.loss"]
    assert len(log.metrics) == 5


# ---------------------------------------------------------------- follow=True (issue 17)


def test_follow_reads_only_appended_complete_lines(tmp_path, engine):
    p = tmp_path / "rank0.jsonl"
    p.write_bytes(b"")
    follower = read_jsonl(tmp_path, follow=True)
    with pytest.warns(DataWarning, match="the file holds no records"):
        assert len(follower.poll().metrics) == 0
    with open(p, "ab") as fh:
        fh.write(b'{"step": 1, "loss": 1.0}\n{"step": 2, "lo')  # line 2 still being written
    log = follower.poll()
    assert log.metrics["step"].tolist() == [1]
    assert log.info.count("truncated") == 0  # a line being written is not a crash
    assert follower.offsets == {str(p): 25}
    with open(p, "ab") as fh:
        fh.write(b'ss": 0.5}\n{"step": 3, "loss": 0.25}\nnot json\n')
    with pytest.warns(DataWarning, match=r"skipped 1 entry .*\(first at line 4\)"):
        log = follower.poll()
    assert log.metrics["step"].tolist() == [1, 2, 3]
    assert log.metrics["value"].tolist() == [1.0, 0.5, 0.25]
    # a new rank file appears
    (tmp_path / "rank1.jsonl").write_text('{"step": 1, "loss": 2.0}\n')
    with pytest.warns(DataWarning, match="skipped 1 entry"):
        log = follower.poll()
    assert sorted(log.metrics["rank"].tolist()) == [0, 0, 0, 1]


def test_follow_file_rewritten_is_read_again(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.5}\n')
    follower = read_jsonl(p, follow=True)
    assert len(follower.poll().metrics) == 2
    p.write_text('{"step": 1, "loss": 9.0}\n')
    with pytest.warns(DataWarning, match=r"the file shrank from 50 to 25 bytes: read again"):
        log = follower.poll()
    assert log.metrics["value"].tolist() == [9.0]


def test_follow_csv(tmp_path):
    p = tmp_path / "rank0.csv"
    p.write_text("step,loss\n1,1.0\n2,0.")
    follower = read_csv(p, follow=True)
    assert follower.poll().metrics["step"].tolist() == [1]
    with open(p, "a") as fh:
        fh.write("5\n3,0.25\n")
    log = follower.poll()
    assert log.metrics["value"].tolist() == [1.0, 0.5, 0.25]


def test_follow_refuses_utf16():
    with pytest.raises(ValueError, match=r"'utf-16' is not a valid value for encoding; expected "
                       r"an ASCII-compatible encoding with follow=True"):
        read_jsonl("x.jsonl", follow=True, encoding="utf-16")
