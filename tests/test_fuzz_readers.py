"""Property and fuzz tests of the JSONL and CSV readers (issue 17).

Generated logs and mutated copies of real fixtures (the DDP JSONL of the sample data, the
Lightning DeviceStatsMonitor CSV in tests/data) are truncated at any position, have one byte
flipped, a field added or removed in one row, or a deeply nested line inserted. The reader
must then either return a RunLog holding every value of every complete line the mutation
did not touch, or raise chartkit's documented `~chartkit.errors.LogFormatError` — never
another exception. Derandomized, so CI runs the same cases every time.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import hypothesis
import hypothesis.strategies as st
import pytest

import chartkit.metrics.readers.jsonl as jsonl_mod
from chartkit.errors import LogFormatError
from chartkit.metrics import read_csv, read_jsonl, sample_path

SETTINGS = hypothesis.settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
IDS = ("step", "wall_time", "rank")

_DDP = (sample_path("ddp_world2") / "rank0.jsonl").read_bytes().split(b"\n")[:60]
DDP_LINES = b"\n".join(_DDP) + b"\n"
LIT_CSV = (
    Path(__file__).parent / "data/lightning_devstats/lit_devstats/version_0/metrics.csv"
).read_bytes()


def _read(kind, path):
    """The reader's result, or None when it raised the documented error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if kind == "jsonl":
                return read_jsonl(path, keep="all")
            return read_csv(path, keep="all", wall_time=None)
        except LogFormatError:
            return None


def _points(log):
    m = log.metrics
    out = set()
    for s, name, v in zip(m["step"], m["metric"].astype(str), m["value"], strict=True):
        out.add((int(s), name, "nan" if math.isnan(v) else float(v)))
    return out


def _spans(data: bytes):
    """(start, end) of each line (end: index of its newline, or len for a cut last line)."""
    out, pos = [], 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            out.append((pos, len(data), False))
            break
        out.append((pos, end, True))
        pos = end + 1
    return out


def _untouched(original: bytes, lo: int, hi: int) -> list[int]:
    """Indices of complete lines of *original* lying wholly outside bytes [lo, hi)."""
    return [
        i
        for i, (a, b, complete) in enumerate(_spans(original))
        if complete and (b < lo or a > hi) and not (a <= lo <= b)
    ]


def _expect_jsonl(line: bytes):
    rec = json.loads(line)
    step = rec["step"]
    return {
        (int(step), k, "nan" if isinstance(v, float) and math.isnan(v) else float(v))
        for k, v in rec.items()
        if k not in IDS and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _expect_csv(header: list[str], line: bytes):
    cells = line.decode().rstrip("\r").split(",")
    row = dict(zip(header, cells, strict=True))
    out = set()
    for k, v in row.items():
        if k in IDS or v == "":
            continue
        f = float(v)
        out.add((int(row["step"]), k, "nan" if math.isnan(f) else f))
    return out


def _check(kind, tmp_path, original: bytes, mutated: bytes, lo: int, hi: int, name="rank0"):
    p = tmp_path / f"{name}.{kind}"
    p.write_bytes(mutated)
    log = _read(kind, p)
    if log is None:
        return
    got = _points(log)
    lines = original.split(b"\n")
    header = lines[0].decode().rstrip("\r").split(",") if kind == "csv" else None
    if kind == "csv" and lo <= len(lines[0]):
        return  # the header itself was hit: any documented outcome is fine
    for i in _untouched(original, lo, hi):
        if kind == "csv" and i == 0:
            continue
        want = _expect_jsonl(lines[i]) if kind == "jsonl" else _expect_csv(header, lines[i])
        assert want <= got, (i, lines[i], sorted(want - got)[:3])


# ---------------------------------------------------------------- generated logs

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-(10**6), 10**6),
)
_records = st.lists(
    st.fixed_dictionaries({"loss": _values, "acc": _values}), min_size=1, max_size=25
)


def _jsonl_bytes(records) -> bytes:
    return b"".join(
        json.dumps({"step": i + 1, **r}).encode() + b"\n" for i, r in enumerate(records)
    )


def _csv_bytes(records) -> bytes:
    rows = ["step,loss,acc"] + [
        f"{i + 1},{r['loss']!r},{r['acc']!r}" for i, r in enumerate(records)
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(params=["pyarrow", "python"])
def engine(request, monkeypatch):
    monkeypatch.setattr(jsonl_mod, "USE_PYARROW", request.param == "pyarrow")
    return request.param


@SETTINGS
@hypothesis.given(records=_records, data=st.data())
def test_generated_jsonl_mutations(tmp_path, engine, records, data):
    original = _jsonl_bytes(records)
    mutated, lo, hi = data.draw(_mutation(original, "jsonl"))
    _check("jsonl", tmp_path, original, mutated, lo, hi)


@SETTINGS
@hypothesis.given(records=_records, data=st.data())
def test_generated_csv_mutations(tmp_path, records, data):
    original = _csv_bytes(records)
    mutated, lo, hi = data.draw(_mutation(original, "csv"))
    _check("csv", tmp_path, original, mutated, lo, hi)


# ---------------------------------------------------------------- mutations


@st.composite
def _mutation(draw, original: bytes, kind: str):
    """(mutated bytes, first byte touched, end of the bytes touched) of one mutation."""
    n = len(original)
    how = draw(st.sampled_from(["truncate", "flip", "fields", "deep", "none"]))
    if how == "none":
        return original, n + 1, n + 1
    if how == "truncate":
        cut = draw(st.integers(0, n))
        return original[:cut], cut, n + 1
    if how == "flip":
        pos = draw(st.integers(0, n - 1))
        byte = draw(st.integers(0, 255))
        return original[:pos] + bytes([byte]) + original[pos + 1 :], pos, pos + 1
    spans = _spans(original)
    i = draw(st.integers(0, len(spans) - 1))
    a, b, _ = spans[i]
    if how == "fields":
        line = original[a:b]
        sep = b"," if kind == "csv" else b', "x": 1'
        if kind == "csv" and draw(st.booleans()) and b"," in line:
            cut = line.rfind(b",")
            new = line[:cut]  # a field less
        else:
            new = line.rstrip(b"}") + sep + (b"}" if kind == "jsonl" else b"")  # one more
        return original[:a] + new + original[b:], a, b + 1
    deep = b"[" * draw(st.sampled_from([150, 20000])) + b"\n"
    return original[:a] + deep + original[a:], a, a


# ---------------------------------------------------------------- real fixtures


@SETTINGS
@hypothesis.given(data=st.data())
def test_real_ddp_jsonl_mutations(tmp_path, engine, data):
    mutated, lo, hi = data.draw(_mutation(DDP_LINES, "jsonl"))
    _check("jsonl", tmp_path, DDP_LINES, mutated, lo, hi)


@SETTINGS
@hypothesis.given(data=st.data())
def test_real_lightning_csv_mutations(tmp_path, data):
    mutated, lo, hi = data.draw(_mutation(LIT_CSV, "csv"))
    _check("csv", tmp_path, LIT_CSV, mutated, lo, hi, name="metrics")


def _byte_class(b: int) -> str:
    c = chr(b)
    return "d" if c.isdigit() else "a" if c.isalpha() else c


def test_every_truncation_class_of_a_real_log(tmp_path, engine):
    """Cut the real DDP log at every position class (inside a key, a number, a string, at
    each separator, before and after each line end): complete lines survive."""
    head = b"\n".join(_DDP[:3]) + b"\n"
    second = head.index(b"\n") + 1
    cuts = {0, len(head)}
    for i in range(second + 1, head.index(b"\n", second)):  # every class change in a line
        if _byte_class(head[i]) != _byte_class(head[i - 1]):
            cuts.add(i)
    for i, b in enumerate(head):  # around each line end
        if b == 10:
            cuts.update((i - 1, i, i + 1))
    assert len(cuts) > 60
    for cut in sorted(cuts):
        _check("jsonl", tmp_path, head, head[:cut], cut, len(head) + 1)
