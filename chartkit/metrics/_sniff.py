"""Recognise one file as a training log by its name and content (`sniff_file`).

Used by `chartkit.metrics.discover`: a CSV's header (nvidia-smi query fields, a probe's
``batch_size`` + ``status``, other named columns over numeric rows), a JSON-lines file's first
record, a TensorBoard event file's record framing, a W&B run file's header, a
torch.profiler trace's name or ``traceEvents``. Only the first few kilobytes are read (up to
1 MB for a long first JSON line). This module imports neither pyplot nor pandas nor a reader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = ["sniff_file"]

_TB = "tfevents"
_HEAD = 8192
_LONG_LINE = 1 << 20  # a JSONL record may be long: look this far for its end
_SMI_TIME = re.compile(rb"^\s*\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\s*,")
_SMI_ROW = re.compile(
    rb"gpu-[0-9a-f]{8}-[0-9a-f]{4}-|\[requested functionality has been deprecated\]"
    rb"|, nvidia [a-z]"
)
_SMI_FIELDS = ("utilization.gpu", "memory.used", "memory.total", "temperature.gpu", "power.draw")
_NUMBER = re.compile(rb"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_BINARY = {
    ".pkl": "a pickle (chartkit never unpickles)",
    ".pickle": "a pickle (chartkit never unpickles)",
    ".pt": "a PyTorch checkpoint (a pickle; never read)",
    ".pth": "a PyTorch checkpoint (a pickle; never read)",
    ".ckpt": "a checkpoint (a pickle; never read)",
    ".png": "an image",
    ".jpg": "an image",
    ".pdf": "a document",
    ".svg": "an image",
    ".html": "a web page",
    ".py": "source code",
    ".sh": "a shell script",
    ".md": "text notes",
    ".yaml": "a config file",
    ".yml": "a config file",
    ".toml": "a config file",
}
_TEXT_SUFFIXES = {"", ".txt", ".log", ".out", ".csv", ".tsv", ".jsonl", ".ndjson", ".json"}


def _head(path: Path, n: int = _HEAD) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n).lstrip(b"\xef\xbb\xbf")


def _first_line(head: bytes) -> bytes:
    for line in head.split(b"\n"):
        if line.strip():
            return line.strip()
    return b""


def _csv_kind(head: bytes, name: str) -> tuple[str, str] | None:
    lines = [ln.strip() for ln in head.replace(b"\r", b"\n").split(b"\n") if ln.strip()]
    if not lines:
        return None
    first = lines[0].lower()
    if _SMI_TIME.match(first) or any(f.encode() in first for f in _SMI_FIELDS):
        return "nvidia_smi", "header has nvidia-smi query fields"
    if _SMI_ROW.search(first):  # --format=csv,noheader (as GPUtil asks)
        return "nvidia_smi", "headerless nvidia-smi rows (GPU UUID / name fields)"
    for sep in (b",", b"\t"):
        fields = [f.strip().strip(b'"') for f in first.split(sep)]
        if len(fields) >= 2:
            break
    else:
        return None
    from chartkit.metrics.readers.probe import probe_header_reason

    why = probe_header_reason(f.decode("utf-8", "replace") for f in fields)
    if why is not None:  # found by meaning: bs/result, per_device_train_batch_size/outcome...
        return "batch_probe", why
    if len(lines) < 2:
        return None
    row = [f.strip() for f in lines[1].split(sep)]
    if not any(_NUMBER.match(f) for f in row):
        return None
    if any(_NUMBER.match(f) for f in fields):  # a header of numbers is no header
        return None
    if name == "metrics.csv" and b"step" in fields:
        return "lightning", "metrics.csv with a step column (Lightning CSVLogger)"
    return "csv", f"CSV header of {len(fields)} named columns and numeric rows"


def _is_jsonl(head: bytes, size: int) -> bool:
    line = _first_line(head)
    if not line.startswith(b"{"):
        return False
    if len(head) == size or b"\n" in head.strip():
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            return False
        return isinstance(obj, dict)
    return False


def sniff_file(path: Path) -> tuple[str | None, str]:
    """Recognise one file by name and content.

    Returns
    -------
    (kind, reason)
        *kind* is a key of `FORMATS`, or None with the reason it is not a log.

    Raises
    ------
    OSError
        The file cannot be opened.
    """
    name = path.name
    suffix = path.suffix.lower()
    if _TB in name and not name.endswith((".tmp", ".lock")):
        head = _head(path, 64)
        if not head:
            return "tensorboard", "event file name (empty so far: no record yet)"
        if len(head) >= 16 and b"brain.Event" in _head(path, 96):
            return "tensorboard", "TFRecord framing with a brain.Event version record"
        if len(head) >= 12:
            return "tensorboard", "event file name and TFRecord framing"
        return None, "named like a TensorBoard event file but too short for a record"
    if suffix == ".wandb" or (suffix not in _TEXT_SUFFIXES and suffix not in _BINARY):
        from chartkit.metrics.readers._wandb_framing import MAGIC

        if _head(path, len(MAGIC)) == MAGIC:
            return "wandb", "a W&B run file (':W&B' header, LevelDB-log records)"
        if suffix == ".wandb":
            return None, "named *.wandb but without the ':W&B' header of a W&B run file"
    if name.endswith((".pt.trace.json", ".pt.trace.json.gz")):
        return "trace", "torch.profiler trace (*.pt.trace.json)"
    if suffix in (".db", ".sqlite", ".sqlite3", ".optuna"):
        from chartkit.metrics.readers.optuna import sniff_optuna

        found = sniff_optuna(path)
        if found is not None:
            return found
    if name == "trainer_state.json" and b'"log_history"' in _head(path):
        return "hf_trainer", "a Hugging Face Trainer state (trainer_state.json, log_history)"
    if name in ("all_results.json", "train_results.json", "eval_results.json"):
        return "hf_trainer", "a Hugging Face Trainer's run facts (trainer.save_metrics)"
    if name == "chartkit.toml":
        return None, "chartkit settings for plot-logs (batch_size, columns), not a log"
    if suffix in _BINARY:
        return None, f"not a log: {_BINARY[suffix]}"
    if suffix not in _TEXT_SUFFIXES:
        return None, f"not a log format chartkit reads (suffix {suffix})"
    size = path.stat().st_size
    if size == 0:
        return None, "empty file"
    head = _head(path)
    if head.lstrip().startswith(b"{") and b"\n" not in head and size > len(head):
        head = _head(path, _LONG_LINE)
    if b"\x00" in head[:4096]:
        return None, "binary content"
    if _is_jsonl(head, size):
        return "jsonl", "first line is a JSON object"
    if suffix in (".jsonl", ".ndjson"):
        # the name says JSON lines: the reader reports what in it is not
        return "jsonl", f"named *{suffix}, though its first line is not a JSON object"
    if suffix == ".json":
        if b'"traceEvents"' in head:
            return "trace", "a Chrome trace (traceEvents)"
        return None, "JSON but not one object per line (not a JSON-lines log)"
    found = _csv_kind(head, name)
    if found is None:
        what = "CSV" if suffix in (".csv", ".tsv") else "text"
        return None, f"{what} without a recognisable header and numeric rows"
    kind, reason = found
    if suffix not in (".csv", ".tsv") and kind == "csv":
        return None, f"plain text ({suffix or 'no suffix'}), not taken as a CSV log"
    return kind, reason
