"""Training logs in one canonical long frame: readers, format detection and sample data.

``chartkit.metrics.read(path)`` detects the format of *path* and returns a
`~chartkit.metrics.schema.RunLog` (``.metrics`` long frame, ``.params``, ``.info``). The
readers it dispatches to are public:

========================  =============================================================
`read_ray`                Ray Tune experiment folder (JSON/CSV only, never pickles)
`read_tensorboard`        TensorBoard log dir or event file (every point)
`read_jsonl`              per-rank JSON-lines files
`read_csv`                per-rank CSV files with a header
`read_lightning`          Lightning ``CSVLogger`` ``version_*`` folder(s) or ``metrics.csv``
`read_nvidia_smi`         ``nvidia-smi --query-gpu ... --format=csv[,nounits][,noheader]``
`read_batch_probe`        batch-size probe CSV (ok/oom rows, peak memory, step time)
========================  =============================================================

``python -m chartkit.metrics PATH`` (or ``chartkit logs info PATH``) prints what was read
and what was skipped. Nothing here imports pyplot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from chartkit.metrics.readers.jsonl import read_csv, read_jsonl
from chartkit.metrics.readers.lightning import read_lightning
from chartkit.metrics.readers.nvidia_smi import read_nvidia_smi
from chartkit.metrics.readers.probe import read_batch_probe
from chartkit.metrics.schema import COLUMNS, LogInfo, RunLog

__all__ = [
    "COLUMNS",
    "FORMATS",
    "LogInfo",
    "RunLog",
    "describe",
    "detect_format",
    "main",
    "read",
    "read_batch_probe",
    "read_csv",
    "read_jsonl",
    "read_lightning",
    "read_nvidia_smi",
    "read_ray",
    "read_tensorboard",
    "sample_path",
]

#: Formats `read` recognises, with what it looks for.
FORMATS: dict[str, str] = {
    "ray": "a Ray Tune experiment folder (trial folders with params.json and result.json or "
    "progress.csv) or one trial folder",
    "tensorboard": "a TensorBoard event file (events.out.tfevents.*) or a folder holding some",
    "lightning": "a Lightning CSVLogger metrics.csv, a version_* folder or a folder of them",
    "jsonl": "*.jsonl / *.ndjson files (one per rank) or a folder of them",
    "nvidia_smi": "an nvidia-smi --query-gpu CSV (timestamp, index, utilization.gpu [%], ...)",
    "batch_probe": "a batch-size probe CSV (batch_size, status ok/oom, ...)",
    "csv": "*.csv files with a header row (one per rank) or a folder of them",
}

_LAZY = {
    "read_ray": "chartkit.metrics.readers.ray",
    "read_tensorboard": "chartkit.metrics.readers.tensorboard",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'chartkit.metrics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


_TB = "events.out.tfevents"
_SMI_TIME = re.compile(rb"^\s*\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\s*,")
_SMI_ROW = re.compile(
    rb"gpu-[0-9a-f]{8}-[0-9a-f]{4}-|\[requested functionality has been deprecated\]"
    rb"|, nvidia [a-z]"
)
_SMI_FIELDS = ("utilization.gpu", "memory.used", "memory.total", "temperature.gpu", "power.draw")


def _head(path: Path, n: int = 4096) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n).lstrip(b"\xef\xbb\xbf")


def _csv_kind(path: Path) -> str:
    first = _head(path).split(b"\n", 1)[0].strip().lower()
    if _SMI_TIME.match(first) or any(f.encode() in first for f in _SMI_FIELDS):
        return "nvidia_smi"
    if _SMI_ROW.search(first):  # a headerless row (--format=csv,noheader, as GPUtil asks)
        return "nvidia_smi"
    fields = [f.strip() for f in first.split(b",")]
    if b"batch_size" in fields and b"status" in fields:
        return "batch_probe"
    if path.name == "metrics.csv" and b"step" in fields:
        return "lightning"
    return "csv"


def _is_trial_dir(p: Path) -> bool:
    return (p / "params.json").is_file() and (
        (p / "result.json").is_file() or (p / "progress.csv").is_file()
    )


def _is_lightning_version(p: Path) -> bool:
    return (p / "metrics.csv").is_file() and (
        p.name.startswith("version_") or (p / "hparams.yaml").is_file()
    )


def _has_event_file(p: Path, depth: int = 4) -> bool:
    for root, dirs, files in os.walk(p):
        if any(f.startswith(_TB) for f in files):
            return True
        if Path(root).relative_to(p).parts.__len__() >= depth:
            dirs[:] = []
    return False


def detect_format(path: str | os.PathLike[str]) -> str:
    """Name the log format of *path* (a key of `FORMATS`).

    A file is recognised by its name (``events.out.tfevents.*``, ``metrics.csv``, a Ray
    trial's ``result.json``/``progress.csv``), its suffix and, for CSV, its header line. A
    folder is tried in this order: Ray experiment or trial folder, Lightning run or
    ``version_*`` folder, ``*.jsonl``/``*.ndjson`` files, ``*.csv`` files of one kind, then
    event files anywhere below (so a DDP folder holding ``rank*.jsonl`` and ``tb/`` reads
    the JSONL; pass ``tb/`` to read the events). A folder mixing formats gives the first
    match: pass the file itself to read another.

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        Nothing recognisable; the message lists what was looked for.
    """
    from chartkit.metrics.schema import check_path

    p = check_path(path)
    if p.is_file():
        name = p.name
        if name.startswith(_TB):
            return "tensorboard"
        if _is_trial_dir(p.parent) and name in ("result.json", "progress.csv", "params.json"):
            return "ray"
        suffix = p.suffix.lower()
        if suffix in (".jsonl", ".ndjson", ".json"):
            return "jsonl"
        if suffix in (".csv", ".txt", ".tsv") or suffix == "":
            return _csv_kind(p)
    else:
        if _is_trial_dir(p) or any(_is_trial_dir(c) for c in p.iterdir() if c.is_dir()):
            return "ray"
        if any(p.glob("experiment_state-*.json")):
            return "ray"
        if _is_lightning_version(p) or any(
            _is_lightning_version(c) for c in p.iterdir() if c.is_dir()
        ):
            return "lightning"
        if any(p.glob("*.jsonl")) or any(p.glob("*.ndjson")):
            return "jsonl"
        csvs = sorted(p.glob("*.csv"))
        if csvs:
            kinds = {_csv_kind(c) for c in csvs}
            if len(kinds) == 1:
                return kinds.pop()
        if _has_event_file(p):
            return "tensorboard"
    looked = "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
    raise ValueError(f"cannot tell the log format of {str(p)!r}; looked for {looked}.")


def read(path: str | os.PathLike[str], **kwargs: Any) -> RunLog:
    """Read a training log of any supported format into a `RunLog`.

    The format is detected from the path (see `detect_format`); *kwargs* go to the reader
    it picks: `read_ray`, `read_tensorboard`, `read_lightning`, `read_jsonl`,
    `read_nvidia_smi`, `read_batch_probe` or `read_csv`.

    Parameters
    ----------
    path : str or path-like
        A file or a folder.
    **kwargs
        Passed to the chosen reader (``keep=``, ``run=``, ``encoding=``, ...).

    Returns
    -------
    RunLog

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        The format is not recognised; the message lists what was looked for.

    Examples
    --------
    >>> log = chartkit.metrics.read(chartkit.metrics.sample_path("ddp_world2"))  # doctest: +SKIP
    >>> log.wide(metric="loss")  # doctest: +SKIP
    """
    kind = detect_format(path)
    if kind == "ray":
        p = Path(path)
        return __getattr__("read_ray")(p.parent if p.is_file() else p, **kwargs)
    if kind == "tensorboard":
        return __getattr__("read_tensorboard")(path, **kwargs)
    reader = {
        "lightning": read_lightning,
        "jsonl": read_jsonl,
        "nvidia_smi": read_nvidia_smi,
        "batch_probe": read_batch_probe,
        "csv": read_csv,
    }[kind]
    return reader(path, **kwargs)


_SAMPLES = {
    "ddp_world2": "ddp/world2",
    "ddp_world4": "ddp/world4",
    "lightning": "lightning/lit_mlp",
    "nvidia_smi": "gpu_h100/nvidia_smi_query.csv",
    "gpu_bs_probe": "gpu_h100/gpu_bs_probe.csv",
    "gpu_train_steps": "gpu_h100/gpu_train_steps.jsonl",
    "bs_probe_cpu": "bs_probe_cpu/bs_probe_cpu.csv",
    "ray_asha": "ray_tune/tune_asha",
}


def sample_path(name: str) -> Path:
    """Path of a bundled sample log (real logs written by the real tools, kept small).

    Parameters
    ----------
    name : str
        One of ``"ddp_world2"``, ``"ddp_world4"`` (folders of ``rank*.jsonl``),
        ``"lightning"`` (a CSVLogger run folder), ``"nvidia_smi"``, ``"gpu_bs_probe"``,
        ``"gpu_train_steps"`` (an H100 run), ``"bs_probe_cpu"``, ``"ray_asha"`` (a Ray Tune
        ASHA experiment, 16 trials, JSON/CSV files only).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        An unknown *name* (close matches suggested).
    """
    from chartkit._validate import check_in_list

    check_in_list(sorted(_SAMPLES), name=name)
    return Path(__file__).parent / "sample_data" / _SAMPLES[name]


def describe(log: RunLog) -> str:
    """Plain-text summary of a `RunLog`: what was read, per metric, and what was skipped."""
    m = log.metrics
    info = log.info
    out = [info.summary()]
    out.append(f"points: {len(m)}")
    if len(m):
        runs = m["run"].nunique()
        ranks = m["rank"].nunique()
        trials = m["trial"].nunique()
        out.append(f"runs: {runs}, ranks: {ranks}, trials: {trials}")
        import numpy as np

        tmp = m[["metric", "step"]].assign(non_finite=~np.isfinite(m["value"].to_numpy()))
        table = tmp.groupby("metric", observed=True).agg(
            points=("step", "size"),
            first_step=("step", "min"),
            last_step=("step", "max"),
            non_finite=("non_finite", "sum"),
        )
        out.append("metrics:")
        out.extend("  " + line for line in table.to_string().splitlines())
    if info.nonfinite is not None and len(info.nonfinite):
        out.append("first non-finite step per series:")
        out.extend("  " + line for line in info.nonfinite.to_string(index=False).splitlines())
    if len(log.params):
        out.append(f"params: {len(log.params)} row(s), columns {list(log.params.columns)}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m chartkit.metrics PATH [PATH ...]``: print what was read and skipped."""
    import argparse
    import sys
    import warnings

    ap = argparse.ArgumentParser(
        prog="python -m chartkit.metrics",
        description="Read training logs and print what was read and what was skipped.",
    )
    ap.add_argument("paths", nargs="+", type=Path, help="log files or folders")
    ap.add_argument(
        "--keep",
        choices=["last", "first", "all"],
        default="last",
        help="which write of a step repeated after a resume to keep (default: last)",
    )
    args = ap.parse_args(argv)
    status = 0
    for path in args.paths:
        try:
            with warnings.catch_warnings():
                # every problem is listed in the summary; no second copy on stderr
                from chartkit.errors import DataWarning

                warnings.simplefilter("ignore", DataWarning)
                kind = detect_format(path)
                log = read(path, keep=args.keep)
        except (FileNotFoundError, ValueError, KeyError, ImportError) as err:
            print(f"{path}: error: {err}", file=sys.stderr)
            status = 2
            continue
        print(f"== {path} ({kind}) ==")
        print(describe(log))
    return status
