"""The canonical frame and the data rules every reader shares (chartkit.metrics.schema)."""

from __future__ import annotations

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics.schema import (
    COLUMNS,
    DTYPES,
    ColumnNotFoundError,
    LogInfo,
    RunLog,
    check_path,
    coerce_numeric,
    concat_frames,
    dedupe,
    drop_unterminated,
    empty_frame,
    finish,
    first_nonfinite,
    make_frame,
    natural_key,
    read_bytes,
    unknown_column,
)


def _frame(steps, values, rank=0, metric="loss", run="r"):
    return make_frame("test", run=run, rank=rank, step=steps, metric=metric, value=values)


def test_make_frame_has_fixed_columns_and_dtypes():
    f = _frame([1, 2], [0.5, 0.25])
    assert tuple(f.columns) == COLUMNS
    assert {c: str(t) for c, t in f.dtypes.items()} == {c: str(DTYPES[c]) for c in COLUMNS}
    assert f["trial"].isna().all()
    assert f["wall_time"].isna().all()
    e = empty_frame()
    assert tuple(e.columns) == COLUMNS
    assert len(e) == 0
    assert {c: str(t) for c, t in e.dtypes.items()} == {c: str(DTYPES[c]) for c in COLUMNS}


def test_rank_missing_is_na_not_zero():
    f = make_frame("t", rank=None, step=[1], metric="m", value=[1.0])
    assert f["rank"].isna().all()


def test_concat_keeps_dtypes_and_unions_categories():
    a = _frame([1], [1.0], metric="loss")
    b = _frame([1], [2.0], metric="acc", rank=None)
    c = concat_frames([a, b])
    assert list(c["metric"].astype(str)) == ["loss", "acc"]
    assert str(c["rank"].dtype) == "Int32"
    assert c["rank"].isna().tolist() == [False, True]


def test_dedupe_keep_last_records_resume_point():
    # steps 1..3, crash, resume from 2: the second writes of 2 and 3 win
    f = _frame([1, 2, 3, 2, 3, 4], [1.0, 2.0, 3.0, 20.0, 30.0, 40.0])
    info = LogInfo()
    out = dedupe(f, info, keep="last")
    assert out["step"].tolist() == [1, 2, 3, 4]
    assert out["value"].tolist() == [1.0, 20.0, 30.0, 40.0]
    assert info.segments["step"].tolist() == [2]
    assert info.segments["position"].tolist() == [3]
    assert info.count("deduplicated") == 2


def test_dedupe_keep_first_and_all():
    f = _frame([1, 2, 3, 2, 3, 4], [1.0, 2.0, 3.0, 20.0, 30.0, 40.0])
    first = dedupe(f, LogInfo(), keep="first")
    assert first["value"].tolist() == [1.0, 2.0, 3.0, 40.0]
    info = LogInfo()
    every = dedupe(f, info, keep="all")
    assert every["step"].tolist() == [1, 2, 2, 3, 3, 4]
    assert every["value"].tolist() == [1.0, 2.0, 20.0, 3.0, 30.0, 40.0]
    assert info.count("deduplicated") == 0
    assert len(info.segments) == 1


def test_dedupe_is_per_series():
    # the same step in two ranks is not a duplicate
    f = concat_frames([_frame([1, 2], [1.0, 2.0], rank=0), _frame([1, 2], [3.0, 4.0], rank=1)])
    info = LogInfo()
    assert len(dedupe(f, info)) == 4
    assert len(info.segments) == 0


def test_dedupe_bad_keep_names_it():
    with pytest.raises(ValueError, match="'newest' is not a valid value for keep"):
        dedupe(_frame([1], [1.0]), LogInfo(), keep="newest")


def test_first_nonfinite_per_series_and_kept():
    f = concat_frames(
        [
            _frame([1, 2, 3, 4], [1.0, np.nan, np.inf, 2.0], rank=0),
            _frame([1, 2], [1.0, 2.0], rank=1),
        ]
    )
    nf = first_nonfinite(f)
    assert nf["rank"].tolist() == [0]
    assert nf["step"].tolist() == [2]
    assert nf["count"].tolist() == [2]
    # a mix of NaN and inf: ONE warning counting each kind
    with pytest.warns(DataWarning, match=r"non-finite values kept: 1 NaN, 1 \+inf, 0 -inf in 1 "
                      r"series \(first at step 2 of 'loss'\)") as rec:
        log = finish(f, LogInfo())
    assert len(rec) == 1
    assert len(log.metrics) == 6  # non-finite values are kept
    assert log.info.nonfinite["step"].tolist() == [2]


def test_finish_stores_info_in_attrs_and_warns_once_per_problem():
    info = LogInfo(source="t")
    info.add("skipped", "a.jsonl", "malformed JSON", line=4, count=1)
    info.add("skipped", "a.jsonl", "malformed JSON", line=9, count=1)
    with pytest.warns(DataWarning) as rec:
        log = finish(_frame([1], [1.0]), info)
    assert len(rec) == 1
    assert "skipped 2 entries in 'a.jsonl' (first at line 4): malformed JSON" in str(
        rec[0].message
    )
    assert log.metrics.attrs["chartkit"] is info
    assert isinstance(log, RunLog)


def test_empty_data_gives_typed_frame_and_one_warning():
    info = LogInfo(source="t", files=["x.jsonl"])
    with pytest.warns(DataWarning, match="no data found in 'x.jsonl'"):
        log = finish(empty_frame(), info)
    assert len(log.metrics) == 0
    assert str(log.metrics["value"].dtype) == "float64"


def test_unknown_column_lists_available_with_close_match():
    err = unknown_column("lsos", ["loss", "lr", "epoch"], "metric")
    assert isinstance(err, KeyError)
    assert isinstance(err, ColumnNotFoundError)
    with pytest.raises(
        KeyError,
        match=r"'lsos' is not a valid value for metric; supported values are "
        r"'epoch', 'loss', 'lr'\. Did you mean 'loss'\?",
    ):
        raise err


def test_check_path_names_missing_path(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(FileNotFoundError, match=r"nope\.jsonl"):
        check_path(missing)


def test_read_bytes_replaces_bad_utf8_once_with_offset(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_bytes(b'{"a": 1}\n{"a": "caf\xe9"}\n{"b": "\xff"}\n')
    info = LogInfo()
    data = read_bytes(p, info)
    assert "\ufffd" in data.decode("utf-8")
    entries = info.of_kind("replaced")
    assert len(entries) == 1
    assert entries[0].byte_offset == 19  # the \xe9 after `{"a": 1}` + newline + `{"a": "caf`
    assert entries[0].line == 2
    assert entries[0].count == 2
    assert "byte offset 19" in entries[0].message()


def test_read_bytes_strips_bom_and_transcodes(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_bytes(p, LogInfo()) == b"a,b\n"
    q = tmp_path / "y.csv"
    q.write_bytes("é\n".encode("latin-1"))
    assert read_bytes(q, LogInfo(), encoding="latin-1") == "é\n".encode()


def test_drop_unterminated_counts_cut_line():
    info = LogInfo()
    assert drop_unterminated(b"a\nb\n4,0.", "f.csv", info) == b"a\nb\n"
    assert info.of_kind("truncated")[0].line == 3
    info2 = LogInfo()
    assert drop_unterminated(b"a\nb\n", "f.csv", info2) == b"a\nb\n"
    assert info2.entries == []


def test_coerce_numeric_counts_bad_cells_and_names_first_line():
    info = LogInfo()
    s = pd.Series([1, "x", "nan", None, "null", "Infinity", 2.5, "oops"], dtype=object)
    out = coerce_numeric(
        s, column="loss", file="f.jsonl", info=info, line_numbers=np.arange(10, 18)
    )
    np.testing.assert_array_equal(out, [1.0, np.nan, np.nan, np.nan, np.nan, np.inf, 2.5, np.nan])
    (e,) = info.of_kind("coerced")
    assert e.count == 2
    assert e.line == 11
    assert "non-numeric cells in 'loss' became NaN (first: 'x')" in e.message()


def test_natural_key_sorts_rank2_before_rank10():
    names = ["rank10.jsonl", "rank2.jsonl", "rank1.jsonl"]
    assert sorted(names, key=natural_key) == ["rank1.jsonl", "rank2.jsonl", "rank10.jsonl"]


def test_runlog_wide_one_metric_and_all():
    f = concat_frames(
        [
            _frame([1, 2], [1.0, 2.0], rank=0),
            _frame([1, 2], [3.0, 4.0], rank=1),
            _frame([1, 2], [0.1, 0.1], rank=0, metric="lr"),
        ]
    )
    log = finish(f, LogInfo())
    w = log.wide(metric="loss")
    assert w.index.tolist() == [1, 2]
    assert w[0].tolist() == [1.0, 2.0]
    assert w[1].tolist() == [3.0, 4.0]
    allm = log.wide()
    assert list(allm.columns) == ["loss", "lr"]
    assert len(allm) == 4
    with pytest.raises(KeyError, match=r"'acc' is not a valid value for metric"):
        log.wide(metric="acc")


def test_loginfo_summary_lists_problems():
    info = LogInfo(source="jsonl", files=["a"], rows=3)
    info.add("truncated", "a", "cut", line=3)
    text = info.summary()
    assert "records read: 3" in text
    assert "truncated 1 entry in 'a' (first at line 3): cut" in text
    with pytest.raises(ValueError, match="'lost' is not a valid value for kind"):
        info.add("lost", "a", "x")


def test_frames_of_two_reads_concatenate():
    # pandas compares attrs when concatenating: LogInfo must not compare DataFrames
    a = finish(_frame([1, 2, 1], [1.0, 2.0, 3.0]), LogInfo(source="t"), keep="all")
    b = finish(_frame([1, 3, 2], [1.0, 2.0, 3.0]), LogInfo(source="t"), keep="all")
    both = pd.concat([a.metrics, b.metrics])
    assert len(both) == 6
    assert "chartkit" not in both.attrs


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(
    rows=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 6)),
        min_size=1,
        max_size=40,
    ),
    keep=st.sampled_from(["last", "first"]),
)
def test_dedupe_matches_pandas_drop_duplicates(rows, keep):
    ranks, metrics, steps = (list(x) for x in zip(*rows, strict=True))
    values = [float(i) for i in range(len(rows))]  # the read order, to see which write won
    f = make_frame(
        "t",
        run="r",
        rank=ranks,
        step=steps,
        metric=[("loss", "acc")[m] for m in metrics],
        value=values,
    )
    out = dedupe(f, LogInfo(), keep=keep)
    ref = (
        f.drop_duplicates(["rank", "metric", "step"], keep=keep)
        .sort_values(["rank", "metric", "step"])
        .reset_index(drop=True)
    )
    got = out.sort_values(["rank", "metric", "step"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref)


def test_data_warnings_point_at_the_users_line(tmp_path):
    """A DataWarning raised deep inside a reader names the caller's file and line."""
    import warnings

    from chartkit.metrics import read

    (tmp_path / "rank0.jsonl").write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "lo')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read(tmp_path)  # this line
    assert caught, "the cut line was not reported"
    assert {w.filename for w in caught} == {__file__}


# ---------------------------------------------------------------- issue 11.6 / 17: shared rules


def test_same_step_again_is_not_a_resume():
    """Rows at one step from several hooks (epoch repeated, validation rows) are no resume."""
    f = concat_frames(
        [
            _frame([1, 2, 2, 2, 3], [0.0, 0.0, 0.0, 0.0, 0.0], metric="epoch"),
            _frame([2, 2], [0.5, 0.7], metric="val_loss"),
        ]
    )
    info = LogInfo()
    out = dedupe(f, info)
    with pytest.warns(DataWarning, match=r"deduplicated 1 entry: a step written twice with "
                      r"different values, not after a resume .* \(in 1 series\)") as rec:
        info.warn()
    assert len(rec) == 1
    assert len(info.segments) == 0  # no resume point
    assert out["value"].tolist() == [0.0, 0.0, 0.0, 0.7]  # epoch 1,2,3 once each; last val


def test_resume_is_a_step_going_back_after_a_later_step():
    f = _frame([1, 2, 3, 3, 2, 3, 3, 4, 2, 5], [float(i) for i in range(10)])
    info = LogInfo()
    out = dedupe(f, info)
    # 3 again right after 3: same step (not a resume); 2 after 3: resume; 2 after 4: resume
    assert info.segments["step"].tolist() == [2, 2]
    assert info.segments["position"].tolist() == [4, 8]
    assert out["step"].tolist() == [1, 2, 3, 4, 5]
    assert out["value"].tolist() == [0.0, 8.0, 6.0, 7.0, 9.0]
    msgs = [e.reason for e in info.entries]
    assert msgs == [
        (
            "steps written again after a resume: kept the last write of each "
            "(in 1 series, 2 resume point(s))"
        ),
    ]
    assert [e.count for e in info.entries] == [5]


def test_real_lightning_devicestats_log_has_no_resume():
    """Lightning 2.6 CSVLogger with DeviceStatsMonitor and validation every 25 steps
    (tests/data/generators/gen_lightning_devstats.py): no resume, every metric kept."""
    from chartkit.metrics.readers.lightning import read_lightning

    log = read_lightning("tests/data/lightning_devstats/lit_devstats")
    assert len(log.info.segments) == 0
    assert log.info.count("deduplicated") == 0
    names = log.metric_names
    assert "DeviceStatsMonitor.on_validation_batch_end/cpu_percent" in names
    assert "DeviceStatsMonitor.on_train_batch_start/cpu_percent" in names
    m = log.metrics
    at24 = set(m.loc[m["step"] == 24, "metric"].astype(str))
    assert {"val_loss", "val_acc", "train_loss_step", "epoch"} <= at24
    assert (m.groupby("metric", observed=True)["step"].nunique()
            == m.groupby("metric", observed=True).size()).all()


def test_missing_ranks_reported_as_ranges():
    f = concat_frames([_frame([1], [1.0], rank=r) for r in (0, 1, 2, 3, 5)])
    with pytest.warns(DataWarning, match=r"missing 5 entries: no data for rank\(s\) 4, 6–9 "
                      r"of 0–9"):
        finish(f, LogInfo(), expected_ranks=range(10))
    ws = concat_frames([_frame([1], [4.0], rank=r, metric="world_size") for r in (0, 2)])
    with pytest.warns(DataWarning, match=r"no data for rank\(s\) 1, 3 of 0–3"):
        finish(ws, LogInfo())


def test_nesting_depth_and_deep_lines():
    from chartkit.metrics.schema import MAX_NESTING, deep_lines, nesting_depth

    assert nesting_depth(b'{"a": [1, "[[[{", {"b": 2}]}') == 3
    assert nesting_depth('{"a": "\\"[["}') == 1
    assert nesting_depth(b"[" * 20000, stop=100) == 101
    wide = b'{"x": [' + b"{}," * 300 + b"{}]}"  # many brackets, depth 3
    data = b'{"a": 1}\n' + b"[" * 20000 + b"\n" + wide + b"\n" + b'{"s": "' + b"[" * 500 + b'"}\n'
    assert deep_lines(data) == [2]
    assert deep_lines(data, limit=2) == [2, 3]
    assert MAX_NESTING == 100


def test_unknown_encoding_named(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"step": 1}\n')
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for encoding; expected "
                       r"a Python codec name"):
        read_bytes(p, LogInfo(), "nope")
