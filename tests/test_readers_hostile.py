"""Hostile input for the JSONL/CSV readers (issue 17): every case is the documented error or
a counted, located skip — never a crash, never a silent change of values."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chartkit.metrics.readers._common as common_mod
import chartkit.metrics.readers.jsonl as jsonl_mod
from chartkit.errors import DataWarning, LogFormatError
from chartkit.metrics import read_csv, read_jsonl


@pytest.fixture(params=["pyarrow", "python"])
def engine(request, monkeypatch):
    if request.param == "pyarrow":
        pytest.importorskip("pyarrow")
    monkeypatch.setattr(jsonl_mod, "USE_PYARROW", request.param == "pyarrow")
    return request.param


def _lines(path, rows):
    path.write_text("".join(r + "\n" for r in rows))
    return path


def _rec(**kw):
    return json.dumps(kw)


# ---------------------------------------------------------------- crashes


def test_deeply_nested_line_is_skipped_with_its_line(tmp_path, engine):
    """20,000 nested brackets segfaulted pyarrow.json (the whole process)."""
    p = _lines(
        tmp_path / "rank0.jsonl",
        [
            _rec(step=1, loss=1.0),
            "[" * 20000,
            '{"step": 2, "loss": ' + "[" * 5000,
            _rec(step=3, loss=0.5),
        ],
    )
    with pytest.warns(
        DataWarning,
        match=r"skipped 2 entries in .*rank0\.jsonl' \(first at line "
        r"2\): lines nested deeper than chartkit's bound",
    ) as rec:
        log = read_jsonl(p)
    assert len(rec) == 1
    assert log.metrics["step"].tolist() == [1, 3]
    assert log.metrics["value"].tolist() == [1.0, 0.5]


def test_rank_beyond_int32_becomes_missing(tmp_path, engine):
    p = _lines(tmp_path / "a.jsonl", [_rec(step=1, rank=2147483648, loss=1.0)])
    with pytest.warns(
        DataWarning,
        match=r"'rank' values that are not ranks \(integers "
        r"0\.\.2147483647\) became missing \(first: 2147483648\)",
    ):
        log = read_jsonl(p)
    assert log.metrics["rank"].isna().all()
    assert log.metrics["value"].tolist() == [1.0]


def test_unknown_encoding_is_named(tmp_path):
    p = _lines(tmp_path / "a.jsonl", [_rec(step=1, loss=1.0)])
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for encoding"):
        read_jsonl(p, encoding="nope")
    c = tmp_path / "a.csv"
    c.write_text("step,loss\n1,2\n")
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for encoding"):
        read_csv(c, encoding="nope")


def test_unreadable_rank_file_skipped_others_read(tmp_path, monkeypatch, engine):
    for r in range(10):
        _lines(tmp_path / f"rank{r}.jsonl", [_rec(step=1, loss=float(r))])
    locked = {f"rank{r}.jsonl" for r in (4, 6, 7, 8, 9)}
    real = common_mod.unreadable

    def fake(path):  # chmod 000 does not stop root, who runs CI containers
        if path.name in locked:
            return PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(common_mod, "unreadable", fake)
    with pytest.warns(DataWarning) as rec:
        log = read_jsonl(tmp_path)
    msgs = [str(w.message) for w in rec]
    assert sum("could not be read (PermissionError: Permission denied)" in m for m in msgs) == 5
    assert any("missing 5 entries: no data for rank(s) 4, 6–9 of 0–9" in m for m in msgs)
    assert sorted(log.metrics["rank"].tolist()) == [0, 1, 2, 3, 5]


def test_every_file_unreadable_raises_naming_it(tmp_path, monkeypatch):
    _lines(tmp_path / "rank0.jsonl", [_rec(step=1, loss=1.0)])
    _lines(tmp_path / "rank1.jsonl", [_rec(step=1, loss=1.0)])
    monkeypatch.setattr(
        common_mod, "unreadable", lambda p: PermissionError(13, "Permission denied", str(p))
    )
    with pytest.raises(PermissionError, match=r"Permission denied: '.*rank0\.jsonl'"):
        read_jsonl(tmp_path)


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
    reason="root reads chmod 000 files",
)
def test_chmod_000_rank_file(tmp_path):
    for r in range(2):
        _lines(tmp_path / f"rank{r}.jsonl", [_rec(step=1, loss=float(r))])
    (tmp_path / "rank1.jsonl").chmod(0)
    with pytest.warns(DataWarning, match="could not be read"):
        log = read_jsonl(tmp_path)
    assert log.metrics["rank"].tolist() == [0]


# ---------------------------------------------------------------- silent corruption


def test_fractional_steps_refused(tmp_path, engine):
    p = _lines(tmp_path / "a.jsonl", [_rec(step=s / 4, loss=1.0) for s in range(1, 13)])
    with pytest.raises(
        LogFormatError,
        match=r"the step field 'step' holds fractional values "
        r"\(first 0\.25 at line 1; 9 in all\).*pass step=None",
    ):
        read_jsonl(p)
    log = read_jsonl(p, step=None)
    assert log.metrics["metric"].astype(str).tolist().count("step") == 12  # kept as a metric


def test_huge_float_step_skipped_not_wrapped(tmp_path, engine):
    p = _lines(
        tmp_path / "a.jsonl",
        [_rec(step=1, loss=1.0), _rec(step=1e30, loss=2.0), _rec(step=2, loss=3.0)],
    )
    with pytest.warns(
        DataWarning,
        match=r"skipped 1 entry .*\(first at line 2\): records whose "
        r"'step' is beyond the int64 range \(first: 1e\+30\)",
    ):
        log = read_jsonl(p)
    assert log.metrics["step"].tolist() == [1, 2]
    assert log.metrics["value"].tolist() == [1.0, 3.0]


def test_numeric_strings_parsed_and_counted(tmp_path, engine):
    p = _lines(
        tmp_path / "a.jsonl", [_rec(step=s, acc=str(s / 10), status="ok") for s in (1, 2, 3)]
    )
    with pytest.warns(
        DataWarning,
        match=r"coerced 3 entries .*\(first at line 1\): numbers "
        r"written as text in 'acc' \(\"0\.1\"\) were read as numbers",
    ):
        log = read_jsonl(p)
    assert log.metric_names == ["acc"]
    assert log.metrics["value"].tolist() == [0.1, 0.2, 0.3]


def test_json_array_file_is_not_jsonl(tmp_path, engine):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps([{"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5}]) + "\n")
    with pytest.raises(LogFormatError, match=r"a\.jsonl' holds one JSON array, not a JSONL log"):
        read_jsonl(p)
    p.write_text(json.dumps([{"step": 1, "loss": 1.0}], indent=2) + "\n")
    with pytest.raises(LogFormatError, match="holds one JSON array"):
        read_jsonl(p)
    p.write_text(json.dumps({"step": 1, "loss": 1.0}, indent=2) + "\n")
    with pytest.raises(LogFormatError, match="one JSON object spread over several lines"):
        read_jsonl(p)


def test_bad_line_in_a_big_file_costs_its_stretch_only(tmp_path, monkeypatch):
    """Chunked reading: lines in every chunk, a bad line in two of them, all others kept."""
    pytest.importorskip("pyarrow")
    import chartkit.metrics.readers._jsonl_chunks as chunks

    monkeypatch.setattr(chunks, "CHUNK", 4096)
    rows = [_rec(step=s, loss=float(s)) for s in range(1, 2001)]
    rows[99] = '{"step": 100, "loss": '
    rows[1499] = "garbage"
    rows[700] = '{"step": 701, "loss": NaN}'  # a token pyarrow refuses, in another chunk
    rows[1200] = '{"step": 1201, "loss": "oops"}'  # valid JSON, a field changing type
    rows[1300] = ""  # a blank line: numbers after it still right
    p = _lines(tmp_path / "rank0.jsonl", rows)
    with pytest.warns(DataWarning) as rec:
        log = read_jsonl(p)
    msgs = sorted(str(w.message) for w in rec)
    assert len(msgs) == 2
    assert "non-numeric cells in 'loss' became NaN (first: 'oops')" in msgs[0]
    assert "(first at line 1201)" in msgs[0]
    assert "skipped 2 entries" in msgs[1]
    assert log.info.of_kind("skipped")[0].lines == [100, 1500]
    m = log.metrics
    steps = m["step"].to_numpy()
    assert len(steps) == 1997
    assert 100 not in steps
    assert 1500 not in steps
    assert 1301 not in steps
    ok = np.isfinite(m["value"].to_numpy())
    assert np.array_equal(m["value"].to_numpy()[ok], steps[ok].astype(float))
    assert steps[~ok].tolist() == [701, 1201]


def test_metrics_filter_keeps_only_asked(tmp_path, engine):
    p = _lines(tmp_path / "a.jsonl", [_rec(step=1, loss=1.0, acc=0.5)])
    assert read_jsonl(p, metrics=["loss"]).metric_names == ["loss"]
    with pytest.raises(KeyError, match=r"'lsos' is not a valid value for metric.*'acc', 'loss'"):
        read_jsonl(p, metrics=["lsos"])


# ---------------------------------------------------------------- CSV field counts


def _csv(path, text, end="\n"):
    path.write_bytes(text.replace("\n", end).encode())
    return path


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_csv_trailing_comma_on_every_row_does_not_shift(tmp_path, end):
    p = _csv(tmp_path / "rank0.csv", "step,loss,acc\n1,0.5,0.9,\n2,0.4,0.95,\n", end)
    with pytest.warns(
        DataWarning,
        match=r"skipped 2 entries .*\(first at line 2\): every row "
        r"ends with an empty field the header does not name \(a trailing ','\)",
    ):
        log = read_csv(p)
    w = log.wide()
    assert w["loss"].tolist() == [0.5, 0.4]
    assert w["acc"].tolist() == [0.9, 0.95]
    assert log.metrics["step"].unique().tolist() == [1, 2]


def test_csv_short_and_long_rows_skipped_not_padded(tmp_path):
    p = _csv(tmp_path / "rank0.csv", "step,loss,acc\n1,0.5,0.9\n2,0.4\n3,0.3,0.8,7\n4,0.2,0.7\n")
    with pytest.warns(
        DataWarning,
        match=r"skipped 2 entries .*\(first at line 3\): lines whose "
        r"field count does not match the header \(expected 3 fields, saw 2\)",
    ):
        log = read_csv(p)
    assert log.metrics["step"].unique().tolist() == [1, 4]
    assert log.info.of_kind("skipped")[0].lines == [3, 4]


def test_csv_header_shorter_than_rows_refused(tmp_path):
    p = _csv(tmp_path / "rank0.csv", "step,loss\n1,0.5,0.9\n2,0.4,0.8\n")
    with pytest.raises(
        LogFormatError,
        match=r"the header names 2 fields but every row holds 3: "
        r"the header does not describe the rows",
    ):
        read_csv(p)


def test_csv_quoted_separator_is_one_field(tmp_path):
    p = _csv(tmp_path / "rank0.csv", 'step,loss,note\n1,0.5,"a, b"\n2,0.4,c\n')
    log = read_csv(p)
    assert log.metrics["value"].tolist() == [0.5, 0.4]
    assert log.info.entries == []


def test_largest_double_kept_beside_nan_tokens(tmp_path, engine):
    """Found by the fuzz test: the NaN/Infinity tokens are rewritten into the largest doubles
    for pyarrow; a log holding those very numbers keeps them."""
    big = 1.7976931348623155e308
    p = _lines(
        tmp_path / "a.jsonl",
        [
            _rec(step=1, acc=big, loss=float("nan")),
            _rec(step=2, acc=-1.7976931348623157e308, loss=1.0),
        ],
    )
    log = read_jsonl(p)
    w = log.wide()
    assert w["acc"].tolist() == [big, -1.7976931348623157e308]
    assert np.isnan(w["loss"].tolist()[0])
