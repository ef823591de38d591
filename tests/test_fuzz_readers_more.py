"""Mutated copies of real logs through the TensorBoard, Ray Tune and Lightning readers.

Every case starts from a real fixture (a ``torch.utils.tensorboard`` event file of the DDP run,
trial folders of three Ray Tune runs (ASHA, PBT with a failing trial, no scheduler), the Lightning
``CSVLogger`` sample) and applies one seeded mutation: truncation, byte flips, changed record
lengths, added or removed CSV fields, bare carriage returns, deep nesting, huge steps. The
reader must return a `RunLog` (what it skipped counted in ``info``) or raise one of the errors
its docstring documents, raised by chartkit itself: never another exception, never a warning
other than a `~chartkit.errors.ChartkitWarning`, never a hang (each case runs under an alarm).

For TensorBoard, the checksums make a stronger promise, checked too: every point read from a
mutated file is a point of the original file (a flipped bit is never read as a value).

The cases are derandomized (fixed seeds); the whole module runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import signal
import traceback
import warnings
from pathlib import Path

import pytest

import chartkit
from chartkit.errors import ChartkitWarning, ColumnNotFoundError
from chartkit.metrics import read_lightning, sample_path
from chartkit.metrics.readers.ray import read_ray
from chartkit.metrics.readers.tensorboard import read_tensorboard
from chartkit.metrics.schema import RunLog

DATA = Path(__file__).parent / "data"
TB_FILE = next((DATA / "ddp" / "world4" / "tb" / "rank3").iterdir())
ASHA = DATA / "ray_tune" / "tune_asha"
LIT = sample_path("lightning") / "version_0"
_CHARTKIT_DIR = str(Path(chartkit.__file__).resolve().parent)
_HANG_SECONDS = 60  # a generous bound: a case takes well under a second


@contextlib.contextmanager
def _no_hang(what: str):
    """Fail (instead of hanging CI) when one read runs past _HANG_SECONDS."""

    def alarm(signum, frame):
        raise AssertionError(f"{what}: still reading after {_HANG_SECONDS} s (a hang?)")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(_HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _read(reader, path, documented: tuple[type[BaseException], ...], what: str):
    """*reader(path)*: a RunLog, or None after a documented error raised by chartkit."""
    caught = None
    with warnings.catch_warnings(), _no_hang(what):
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ChartkitWarning)
        try:
            log = reader(path)
        except documented as err:
            caught = err
        except Exception as err:  # pragma: no cover - the failure this test exists for
            raise AssertionError(
                f"{what}: undocumented {type(err).__name__}: {err}\n{traceback.format_exc()}"
            ) from err
    if caught is not None:
        origin = str(Path(traceback.extract_tb(caught.__traceback__)[-1].filename).resolve())
        assert origin.startswith(_CHARTKIT_DIR), (
            f"{what}: {type(caught).__name__} raised by {origin}, not by chartkit: {caught}"
        )
        return None
    assert isinstance(log, RunLog), what
    return log


# --------------------------------------------------------------------------- mutations


def _flip(data: bytes, rnd: random.Random, n: int) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(n):
        i = rnd.randrange(len(b))
        b[i] ^= 1 << rnd.randrange(8)
    return bytes(b)


def _truncate(data: bytes, rnd: random.Random) -> bytes:
    return data[: rnd.randrange(len(data))] if data else data


def _splice(data: bytes, rnd: random.Random) -> bytes:
    """Copy a random chunk of the file to another random place (a torn write)."""
    if not data:
        return data
    a = rnd.randrange(len(data))
    chunk = data[a : a + rnd.randrange(1, 200)]
    at = rnd.randrange(len(data))
    return data[:at] + chunk + data[at:]


def _record_offsets(data: bytes) -> list[int]:
    pos, out = 0, []
    while pos + 12 <= len(data):
        out.append(pos)
        pos += 12 + int.from_bytes(data[pos : pos + 8], "little") + 4
    return out


def _set_length(data: bytes, rnd: random.Random) -> bytes:
    """Give one record a new length field (CRC left as it was)."""
    pos = rnd.choice(_record_offsets(data))
    new = rnd.choice([0, 1, 7, 2**31, 2**63 - 1, 2**64 - 1, rnd.randrange(10**6)])
    return data[:pos] + new.to_bytes(8, "little") + data[pos + 8 :]


def _csv_fields(text: str, rnd: random.Random) -> str:
    """Add or remove fields on a few rows, or in the header (trailing commas, lost cells)."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(lines) - 1)
        line = lines[i]
        op = rnd.choice(["comma", "drop", "dup", "cr", "quote"])
        if op == "comma":
            lines[i] = line.rstrip("\r") + "," + ("\r" if line.endswith("\r") else "")
        elif op == "drop" and "," in line:
            k = rnd.randrange(line.count(","))
            parts = line.split(",")
            del parts[k]
            lines[i] = ",".join(parts)
        elif op == "dup":
            lines.insert(i, line)
        elif op == "cr":
            j = rnd.randrange(len(line) + 1)
            lines[i] = line[:j] + "\r" + line[j:]
        else:
            j = rnd.randrange(len(line) + 1)
            lines[i] = line[:j] + '"' + line[j:]
    return "\n".join(lines)


def _deep(rnd: random.Random) -> str:
    n = rnd.choice([150, 3000, 30_000])
    return "[" * n + "]" * n


def _json_line(line: str, rnd: random.Random) -> str:
    """One JSON result line with a value made hostile."""
    try:
        row = json.loads(line)
    except ValueError:
        return line
    key = rnd.choice([*row, "training_iteration", "config"])
    hostile = rnd.choice(
        [2**63, -(2**70), 2.5, 1e308 * 10, "nan", None, [0, 64], {"a": {"b": 1}}, "x" * 50]
    )
    if rnd.random() < 0.3:
        text = json.dumps({**row, key: 0})
        return text.replace(f'"{key}": 0', f'"{key}": {_deep(rnd)}', 1)
    row[key] = hostile
    return json.dumps(row)


# --------------------------------------------------------------------------- TensorBoard


def _points(log) -> set:
    m = log.metrics
    return set(zip(m["metric"].astype(str), m["step"], m["value"].astype(str), strict=True))


@pytest.fixture(scope="module")
def tb_original():
    return TB_FILE.read_bytes(), _points(read_tensorboard(TB_FILE))


_TB_MUTATIONS = {
    "truncate": lambda d, r: _truncate(d, r),
    "flip1": lambda d, r: _flip(d, r, 1),
    "flip8": lambda d, r: _flip(d, r, 8),
    "splice": _splice,
    "length": _set_length,
}


@pytest.mark.parametrize("kind", list(_TB_MUTATIONS))
def test_tensorboard_mutations(tmp_path, tb_original, kind):
    data, original = tb_original
    for seed in range(10):
        rnd = random.Random(f"tb-{kind}-{seed}")
        f = tmp_path / f"{kind}{seed}" / TB_FILE.name
        f.parent.mkdir()
        f.write_bytes(_TB_MUTATIONS[kind](data, rnd))
        what = f"tensorboard {kind} seed {seed}"
        log = _read(read_tensorboard, f, (ValueError,), what)
        assert log is not None, what
        # checksummed records: no value is ever invented by a mutation
        assert _points(log) <= original, what
        if kind != "truncate" and log.info.entries == []:
            assert _points(log) == original, what


# --------------------------------------------------------------------------- Ray Tune

# two trials and the state of the ASHA run; the whole PBT run with a failing trial; the
# whole run without a scheduler (list-valued configs)
_RAY_SOURCES = (
    (ASHA, ("75cd2_00001", "75cd2_00010")),
    (DATA / "ray_tune" / "tune_pbt_error", None),
    (DATA / "ray_tune" / "tune_none", None),
)


def _ray_copy(dst: Path, seed: int) -> Path:
    src, trials = _RAY_SOURCES[seed % len(_RAY_SOURCES)]
    exp = dst / src.name
    exp.mkdir(parents=True)
    for p in src.iterdir():
        if p.is_file() and p.name.startswith("experiment_state"):
            shutil.copy(p, exp / p.name)
        elif p.is_dir() and (trials is None or any(f"_{t}_" in p.name for t in trials)):
            shutil.copytree(p, exp / p.name)
    return exp


def _mutate_ray(exp: Path, rnd: random.Random) -> str:
    trials = sorted(p for p in exp.iterdir() if p.is_dir())
    trial = rnd.choice(trials)
    target = rnd.choice(["result.json", "progress.csv", "params.json", "state"])
    if target == "progress.csv" or rnd.random() < 0.2:
        (trial / "result.json").write_bytes(b"")  # makes progress.csv and params.json count
    if rnd.random() < 0.3:  # an unfinished trial: its status is asked of the state
        other = trial / "result.json"
        if other.exists() and other.stat().st_size:
            other.write_text("".join(other.read_text().splitlines(keepends=True)[:3]))
    states = list(exp.glob("experiment_state-*.json"))
    if target == "state" and not states:
        target = "params.json"
    f = states[0] if target == "state" else trial / target
    if not f.exists():
        f.write_bytes(b"")
    data = f.read_bytes()
    op = rnd.choice(["truncate", "flip", "splice", "fields", "hostile", "deep"])
    if op == "truncate":
        data = _truncate(data, rnd)
    elif op == "flip":
        data = _flip(data, rnd, rnd.randint(1, 16))
    elif op == "splice":
        data = _splice(data, rnd)
    elif op == "fields":
        data = _csv_fields(data.decode("utf-8", "replace"), rnd).encode()
    elif op == "hostile":
        lines = data.decode("utf-8", "replace").split("\n")
        i = rnd.randrange(len(lines))
        lines[i] = _json_line(lines[i], rnd)
        data = "\n".join(lines).encode()
    else:
        at = rnd.randrange(len(data) + 1)
        data = data[:at] + _deep(rnd).encode() + data[at:]
    f.write_bytes(data)
    return f"{f.name} {op}"


@pytest.mark.parametrize("block", range(3))
def test_ray_mutations(tmp_path, block):
    for seed in range(block * 15, block * 15 + 15):
        rnd = random.Random(f"ray-{seed}")
        exp = _ray_copy(tmp_path / str(seed), seed)
        what = f"ray seed {seed}: " + _mutate_ray(exp, rnd)
        log = _read(read_ray, exp, (ValueError,), what)
        assert log is not None, what
        assert set(log.info.extra["trials"]["dir"]) == {
            p.name for p in exp.iterdir() if p.is_dir()
        }


# --------------------------------------------------------------------------- Lightning


def _lit_copy(dst: Path) -> Path:
    d = dst / "lit" / "version_0"
    shutil.copytree(LIT, d)
    return d


@pytest.mark.parametrize("block", range(3))
def test_lightning_mutations(tmp_path, block):
    pytest.importorskip("yaml")
    for seed in range(block * 15, block * 15 + 15):
        rnd = random.Random(f"lit-{seed}")
        d = _lit_copy(tmp_path / str(seed))
        target = rnd.choice(["metrics.csv"] * 3 + ["hparams.yaml"])
        f = d / target
        data = f.read_bytes()
        op = rnd.choice(["truncate", "flip", "splice", "fields", "deep"])
        if op == "truncate":
            data = _truncate(data, rnd)
        elif op == "flip":
            data = _flip(data, rnd, rnd.randint(1, 16))
        elif op == "splice":
            data = _splice(data, rnd)
        elif op == "fields":
            data = _csv_fields(data.decode("utf-8", "replace"), rnd).encode()
        else:
            deep = (
                _deep(rnd)
                if rnd.random() < 0.5
                else "".join(" " * i + f"k{i}:\n" for i in range(rnd.choice([150, 2000])))
                + "x: 1\n"
            )
            data = (
                data + b"\ndeep: " + deep.encode() + b"\n"
                if target == "hparams.yaml"
                else (data + deep.encode() + b"\n")
            )
        f.write_bytes(data)
        what = f"lightning seed {seed}: {target} {op}"
        # documented: a metrics.csv without a step column (KeyError, ColumnNotFoundError)
        log = _read(read_lightning, d.parent, (ColumnNotFoundError,), what)
        if log is not None:
            assert set(log.params["version"]) == {"version_0"}, what
