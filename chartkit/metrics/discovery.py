"""Find the training logs under a path: one discovery for `read`, ``logs info`` and ``plot-logs``.

`discover` walks a file or folder (recursively), recognises each log by its content as well
as its name, groups the files of one run into one `Source` and lists every file it did not
take, with the reason, in `Sources.skipped`. What it recognises:

* ``ray``: a Ray Tune experiment folder (trial folders holding ``params.json`` with
  ``result.json`` or ``progress.csv``, or an ``experiment_state-*.json``) or one trial folder.
  The trials' TensorBoard copies (``events.out.tfevents.*`` written by Ray) are not read
  again: ``result.json`` is preferred (`Source.preferred_over` says so).
* ``lightning``: a ``CSVLogger`` run folder (``version_N/metrics.csv``) or one version.
* ``tensorboard``: event files, checked by their record framing (an empty file just created
  by a writer is taken by name); the ``rank<R>/`` folders of one run form one source.
* ``jsonl``: files whose first line is a JSON object (any suffix among ``.jsonl``,
  ``.ndjson``, ``.json``, ``.log``, ``.txt`` or none); per-rank files of one folder form one
  source.
* ``nvidia_smi``, ``batch_probe``, ``csv``: CSV files told apart by their header (or, for
  nvidia-smi's ``noheader`` form, by the first row).
* ``wandb``: W&B run files (``run-<id>.wandb``, by their ``:W&B`` header); the run folders
  of one ``wandb/`` folder form one source, their other files (media, requirements) and
  W&B's links into them (``latest-run``, ``debug.log``, ``debug-internal.log``) are listed as
  skipped.

Each real file is considered once: symlinks are resolved and a second path to the same file
or folder is listed as skipped, so link loops cannot multiply a log. A file or folder that
cannot be opened is listed as skipped with the error, and the walk goes on.

This module imports neither pyplot nor a reader.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chartkit.metrics._sniff import sniff_file

__all__ = ["FORMATS", "Skipped", "Source", "Sources", "discover", "looked_for", "sniff_file"]

#: Formats `discover` recognises, with what it looks for.
FORMATS: dict[str, str] = {
    "ray": "a Ray Tune experiment folder (trial folders with params.json and result.json or "
    "progress.csv) or one trial folder",
    "tensorboard": "a TensorBoard event file (events.out.tfevents.*) or a folder holding some",
    "lightning": "a Lightning CSVLogger metrics.csv, a version_* folder or a folder of them",
    "jsonl": "*.jsonl / *.ndjson files (one JSON object per line, one file per rank) or a "
    "folder of them",
    "nvidia_smi": "an nvidia-smi --query-gpu CSV (timestamp, index, utilization.gpu [%], ...)",
    "batch_probe": "a batch-size probe CSV (batch_size, status ok/oom, ...)",
    "csv": "*.csv files with a header row (one per rank) or a folder of them",
    "trace": "torch.profiler Chrome traces (*.pt.trace.json[.gz], one per rank) or a folder "
    "of them",
    "optuna": "an Optuna study's SQLite storage (*.db / *.sqlite with Optuna's tables)",
    "hf_trainer": "a Hugging Face Trainer output_dir (trainer_state.json at its top or in "
    "checkpoint-*/)",
    "mlflow": "an MLflow file store (mlruns/), experiment or run folder (meta.yaml, metrics/)",
    "wandb": "Weights & Biases runs: a wandb/ folder of offline-run-*/run-<id>.wandb, one run "
    "folder or one *.wandb file (by its ':W&B' header)",
}

_TB = "tfevents"
_MAX_DEPTH = 16
_RANK = re.compile(r"(?:^|[^a-z])(?:rank|local_rank|proc|process|gpu|worker)[_\-.]?(\d+)", re.I)
_RANK_DIR = re.compile(r"^rank[_-]?\d+$", re.I)
_VERSION = re.compile(r"^version_\d+$")
#: Experiment-level files the Ray reader reads (state JSON, PBT exploit logs).
_RAY_READ = re.compile(r"^(experiment_state-.*\.json|pbt_global\.txt|pbt_policy_.*\.txt)$")
_GENERIC = {"tb", "tensorboard", "runs", "logs", "events", "tb_logs", "summaries"}
_WANDB_RUN = re.compile(r"^(offline-)?run-\d{8}_\d{6}-.+$")


@dataclass(frozen=True)
class Source:
    """One log found by `discover`.

    Attributes
    ----------
    kind : str
        A key of `FORMATS`: the reader that reads it.
    path : pathlib.Path
        What to give the reader: a file, or a folder whose reader picks exactly `files`.
    files : tuple of pathlib.Path
        The files it covers (resolved, each real file once).
    run : str
        The run's name (folder name for a folder, file stem for a file).
    reason : str
        Why it was recognised ("header has batch_size and status", ...).
    preferred_over : tuple of str
        Other copies of the same run that are not read, and why this one was preferred.
    """

    kind: str
    path: Path
    files: tuple[Path, ...]
    run: str
    reason: str
    preferred_over: tuple[str, ...] = ()

    def describe(self, root: Path | None = None) -> str:
        """One line: kind, path (relative to *root*), number of files and reason."""
        where = _rel(self.path, root)
        n = len(self.files)
        files = f", {n} files" if n > 1 else ""
        text = f"{self.kind}: {where}{files} ({self.reason})"
        if self.preferred_over:
            text += "; preferred over " + "; ".join(self.preferred_over)
        return text


@dataclass(frozen=True)
class Skipped:
    """A file or folder `discover` did not take, and why."""

    path: Path
    reason: str

    def describe(self, root: Path | None = None) -> str:
        """``path: reason``."""
        return f"{_rel(self.path, root)}: {self.reason}"


class Sources(list):
    """The `Source` list `discover` returns; `skipped` lists what was left out, and why."""

    def __init__(self, items: Iterable[Source], root: Path, skipped: list[Skipped]) -> None:
        super().__init__(items)
        self.root = root
        self.skipped = skipped

    def summary(self) -> str:
        """Plain text: every source with its reason, then every skipped path with its reason."""
        out = [f"{len(self)} log(s) found under {str(self.root)!r}:"]
        out.extend("  " + s.describe(self.root) for s in self)
        if self.skipped:
            out.append(f"{len(self.skipped)} path(s) skipped:")
            out.extend("  " + s.describe(self.root) for s in self.skipped)
        return "\n".join(out)


def _rel(path: Path, root: Path | None) -> str:
    if root is None:
        return str(path)
    try:
        rel = path.relative_to(root if root.is_dir() else root.parent)
    except ValueError:
        return str(path)
    return rel.as_posix() if str(rel) != "." else path.name


# --------------------------------------------------------------------------- folder rules


def _is_trial_dir(names: set[str]) -> bool:
    return "params.json" in names and ("result.json" in names or "progress.csv" in names)


class _Walk:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: list[Source] = []
        self.skipped: list[Skipped] = []
        self.seen_files: dict[tuple[int, int], Path] = {}
        self.seen_dirs: dict[tuple[int, int], Path] = {}
        self.events: dict[Path, list[Path]] = {}  # group folder -> event files
        self.traces: dict[Path, list[Path]] = {}  # folder -> profiler traces
        self.wandb: dict[Path, list[Path]] = {}  # wandb/ folder -> run files
        self.loose: list[tuple[Path, str, str]] = []  # (file, kind, reason)

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(Skipped(path, reason))

    def listdir(self, d: Path) -> list[os.DirEntry] | None:
        try:
            with os.scandir(d) as it:
                return sorted(it, key=lambda e: _natural(e.name))
        except OSError as err:
            self.skip(d, f"folder not readable: {err.strerror or err}")
            return None

    def claim_file(self, p: Path) -> bool:
        """True the first time a real file is seen; False (and skipped) for another path to it.

        A file is known by its device and inode (symlinks followed, hard links too).
        """
        return self._claim(p, self.seen_files, "not readable", "same file")

    def claim_dir(self, d: Path) -> bool:
        """`claim_file` for folders (link loops cannot walk a folder twice)."""
        return self._claim(d, self.seen_dirs, "folder not readable", "same folder")

    def _claim(self, p: Path, seen: dict, unreadable: str, same: str) -> bool:
        try:
            st = os.stat(p)
        except OSError as err:
            self.skip(p, f"{unreadable}: {err.strerror or err}")
            return False
        key = (st.st_dev, st.st_ino)
        if key in seen:
            self.skip(p, f"{same} as {seen[key]} (a link): read once")
            return False
        seen[key] = p
        return True

    # -- walk ---------------------------------------------------------------------------
    def visit(self, d: Path, depth: int) -> None:
        if not self.claim_dir(d):
            return
        entries = self.listdir(d)
        if entries is None:
            return
        names = {e.name for e in entries}
        subdirs = [Path(e.path) for e in entries if _is_dir(e)]
        if self.ray_experiment(d, names, subdirs):
            return
        if self.lightning(d, names, subdirs):
            return
        if self.mlflow(d, names, subdirs):
            return
        if self.wandb_run(d, entries):
            return
        files = []
        for e in entries:
            p = Path(e.path)
            if _is_dir(e):
                continue
            if e.is_symlink() and not p.exists():
                self.skip(p, "broken symlink")
                continue
            if not _is_file(e):
                self.skip(p, "not a regular file")
                continue
            if self.wandb_link(p):
                continue
            files.append(p)
        self.files_of(d, files)
        for sub in subdirs:
            if self.wandb_link(sub):
                continue
            if depth >= _MAX_DEPTH:
                self.skip(sub, f"deeper than {_MAX_DEPTH} folders below the path given")
                continue
            self.visit(sub, depth + 1)

    def files_of(self, d: Path, files: list[Path]) -> None:
        for p in files:
            try:
                kind, reason = sniff_file(p)
            except OSError as err:
                self.skip(p, f"not readable: {err.strerror or err}")
                continue
            if kind is None:
                self.skip(p, reason)
                continue
            if not self.claim_file(p):
                continue
            if kind == "trace":
                self.traces.setdefault(d, []).append(p)
            elif kind == "wandb":
                grouped = _WANDB_RUN.match(d.name) and d != self.root
                self.wandb.setdefault(d.parent if grouped else d, []).append(p)
            elif kind == "tensorboard":
                # rank<R>/ folders of one run, and the version_<N>/ folders a resumed
                # Lightning TensorBoardLogger run writes, form one source
                grouped = _RANK_DIR.match(d.name) or _VERSION.match(d.name)
                key = d.parent if grouped and d != self.root else d
                self.events.setdefault(key, []).append(p)
            else:
                self.loose.append((p, kind, reason))

    def ray_experiment(self, d: Path, names: set[str], subdirs: list[Path]) -> bool:
        trials = []
        for sub in subdirs:
            try:
                if _is_trial_dir(set(os.listdir(sub))):
                    trials.append(sub)
            except OSError as err:
                self.skip(sub, f"folder not readable: {err.strerror or err}")
        is_trial = _is_trial_dir(names)
        has_state = any(n.startswith("experiment_state-") and n.endswith(".json") for n in names)
        if not (trials or is_trial or (has_state and subdirs)):
            return False
        if is_trial:
            trials = [d]
            why = "a Ray Tune trial folder (params.json with result.json or progress.csv)"
        else:
            why = f"a Ray Tune experiment: {len(trials)} trial folder(s)"
            if has_state:
                why += " and experiment_state-*.json"
        taken: list[Path] = []
        copies: list[Path] = []
        for t in trials:
            self.claim_dir(t) if t != d else None
            self.ray_trial_files(t, taken, copies)
        for n in sorted(names):
            p = d / n
            if p.is_file() and _RAY_READ.match(n):
                if self.claim_file(p):
                    taken.append(p)
                if n.startswith("pbt_") and "PBT" not in why:
                    why += ", PBT exploit log (pbt_*.txt)"
            elif p.is_file():
                self.skip(p, "Ray bookkeeping file, not read: " + _ray_reason(n))
        for sub in subdirs:
            if sub not in trials:
                self.skip(sub, "folder inside a Ray experiment that is not a trial folder")
        preferred = ()
        if copies:
            copy = "copy" if len(copies) == 1 else "copies"
            text = (
                f"{len(copies)} TensorBoard {copy} of the trial results written by Ray "
                "(result.json holds every key and the config)"
            )
            preferred = (text,)
        self.sources.append(Source("ray", d, tuple(taken), d.name, why, preferred))
        return True

    def ray_trial_files(self, t: Path, taken: list[Path], copies: list[Path]) -> None:
        entries = self.listdir(t)
        for e in entries or []:
            p = Path(e.path)
            if e.name in ("result.json", "progress.csv", "params.json", "error.txt"):
                if self.claim_file(p):
                    taken.append(p)
            elif _TB in e.name:
                self.claim_file(p)
                copies.append(p)
                self.skip(p, "TensorBoard copy of this trial's result.json (result.json read)")
            elif _is_dir(e):
                self.skip(p, "trial sub-folder (checkpoint or artifacts), not a log")
            else:
                self.skip(p, "Ray trial file, not read: " + _ray_reason(e.name))

    def lightning(self, d: Path, names: set[str], subdirs: list[Path]) -> bool:
        versions = [s for s in subdirs if _VERSION.match(s.name) and (s / "metrics.csv").is_file()]
        is_version = "metrics.csv" in names and (_VERSION.match(d.name) or "hparams.yaml" in names)
        if not (versions or is_version):
            return False
        if is_version and not versions:
            versions = [d]
        taken = []
        for v in versions:
            if v != d and not self.claim_dir(v):
                continue
            f = v / "metrics.csv"
            try:
                kind, _ = sniff_file(f)
            except OSError as err:
                self.skip(f, f"not readable: {err.strerror or err}")
                continue
            if kind is None:
                self.skip(f, "metrics.csv without a header and numeric rows")
                continue
            if self.claim_file(f):
                taken.append(f)
            rest = [Path(e.path) for e in self.listdir(v) or [] if e.name != "metrics.csv"]
            for p in rest:
                if p.name == "hparams.yaml":
                    if self.claim_file(p):
                        taken.append(p)
                    continue
                if p.is_dir():
                    self.visit(p, 1)
                else:
                    self.files_of(v, [p])
        run = d.parent.name if d in versions else d.name
        n = sum(1 for f in taken if f.name == "metrics.csv")
        why = (
            "a Lightning CSVLogger version folder (metrics.csv)"
            if d in versions
            else f"a Lightning CSVLogger run: {n} version_N/metrics.csv"
        )
        if taken:
            self.sources.append(Source("lightning", d, tuple(taken), run, why))
        for s in subdirs:  # other folders beside the versions are walked as usual
            if s not in versions and s.name not in ("checkpoints",):
                self.visit(s, 1)
            elif s.name == "checkpoints":
                self.skip(s, "Lightning checkpoints folder (pickles), not read")
        for n in sorted(names):
            p = d / n
            if d not in versions and p.is_file():
                self.files_of(d, [p])
        return True

    # -- grouping -------------------------------------------------------------------------
    def mlflow(self, d: Path, names: set[str], subdirs: list[Path]) -> bool:
        """An MLflow file store, experiment or run folder: one source, every file claimed."""

        def is_run(p: Path) -> bool:
            has_data = (p / "metrics").is_dir() or (p / "params").is_dir()
            return (p / "meta.yaml").is_file() and has_data

        if "meta.yaml" in names and ("metrics" in names or "params" in names):
            why = "an MLflow run folder (meta.yaml, metrics/)"
        elif "meta.yaml" in names and any(is_run(s) for s in subdirs):
            why = "an MLflow experiment folder (meta.yaml, run folders)"
        elif any((s / "meta.yaml").is_file() and any(map(is_run, _dirs(s))) for s in subdirs):
            why = "an MLflow file store (experiment folders of run folders)"
        else:
            return False
        taken = [p for p in sorted(d.rglob("*")) if p.is_file() and self.claim_file(p)]
        self.sources.append(Source("mlflow", d, tuple(taken), d.name, why))
        return True

    def wandb_link(self, p: Path) -> bool:
        """Skip W&B's links into its run folders (``latest-run``, ``debug.log``,
        ``debug-internal.log`` beside them): the run is read in its own folder."""
        if not p.is_symlink():
            return False
        try:
            target = p.resolve()
        except OSError:
            return False
        if not any(_WANDB_RUN.match(q.name) for q in (target, *target.parents)):
            return False
        what = "to its newest run" if _WANDB_RUN.match(target.name) else "into a run folder"
        self.skip(p, f"W&B's link {what} (the run is read in its own folder)")
        return True

    def wandb_run(self, d: Path, entries: list[os.DirEntry]) -> bool:
        """A W&B run folder (``offline-run-*``): its ``.wandb`` file is the log; its other
        files (``files/`` media, requirements, debug logs) are listed as skipped."""
        runs = [Path(e.path) for e in entries if e.name.endswith(".wandb") and _is_file(e)]
        if not (_WANDB_RUN.match(d.name) and runs):
            return False
        self.files_of(d, runs)
        for e in entries:
            p = Path(e.path)
            if p not in runs:
                self.skip(
                    p,
                    "W&B run folder content, not read (the history, config and "
                    "summary are in its run-<id>.wandb)",
                )
        return True

    def hf_trainer(self) -> None:
        """The Trainer files of one output_dir (its checkpoint-*/ copies too): one source."""
        runs: dict[Path, list[Path]] = {}
        for p, _kind, _reason in [x for x in self.loose if x[1] == "hf_trainer"]:
            ckpt = re.match(r"^checkpoint-\d+$", p.parent.name) and p.parent != self.root
            d = p.parent.parent if ckpt else p.parent
            runs.setdefault(d, []).append(p)
        self.loose = [x for x in self.loose if x[1] != "hf_trainer"]
        sweeps: dict[Path, list[Path]] = {}
        for d, files in runs.items():
            if not any(f.name == "trainer_state.json" for f in files):
                for f in files:
                    self.skip(f, "Trainer run facts without a trainer_state.json")
                continue
            sweeps.setdefault(d.parent, []).append(d)
        for parent, dirs in sweeps.items():
            # output_dirs side by side (a sweep) are the runs of ONE log, read in one pass,
            # as a Ray experiment's trials or an MLflow experiment's runs are
            if len(dirs) > 1 and parent not in runs:
                dirs = sorted(dirs, key=lambda d: _natural(d.name))
                files = [f for d in dirs for f in sorted(runs[d], key=lambda f: _natural(str(f)))]
                n = sum(1 for f in files if f.name == "trainer_state.json")
                why = (
                    f"{len(dirs)} Hugging Face Trainer runs (output_dirs side by side): "
                    f"{n} trainer_state.json"
                )
                self.sources.append(Source("hf_trainer", parent, tuple(files), parent.name, why))
                continue
            for d in dirs:
                files = sorted(runs[d], key=lambda f: _natural(str(f)))
                n = sum(1 for f in files if f.name == "trainer_state.json")
                why = f"a Hugging Face Trainer run: {n} trainer_state.json (top, checkpoint-*/)"
                self.sources.append(Source("hf_trainer", d, tuple(files), d.name, why))

    def group(self) -> None:
        self.hf_trainer()
        by_dir: dict[tuple[Path, str], list[tuple[Path, str]]] = {}
        for p, kind, reason in self.loose:
            by_dir.setdefault((p.parent, kind), []).append((p, reason))
        for (d, kind), items in by_dir.items():
            ranked = [(p, r) for p, r in items if _RANK.search(p.stem)]
            if kind in ("jsonl", "csv") and len(ranked) >= 2:
                files = tuple(p for p, _ in ranked)
                path = d if len(ranked) == len(items) else _glob_of(d, files)
                why = f"{len(files)} per-rank files; {ranked[0][1]}"
                self.sources.append(Source(kind, path, files, d.name, why))
                items = [(p, r) for p, r in items if (p, r) not in ranked]
            for p, reason in items:
                self.sources.append(Source(kind, p, (p,), p.stem, reason))
        # read_trace reads a folder recursively: traces below another trace folder join it
        for d in sorted(self.traces, key=lambda p: len(p.parts)):
            if d not in self.traces:
                continue
            for other in [o for o in self.traces if o != d and d in o.parents]:
                self.traces[d].extend(self.traces.pop(other))
        for d, files in self.traces.items():
            files = sorted(files, key=lambda f: _natural(str(f)))
            why = f"{len(files)} torch.profiler trace(s) (one per rank)"
            path = d if len(files) > 1 else files[0]
            self.sources.append(Source("trace", path, tuple(files), d.name, why))
        for d, files in self.wandb.items():
            files = sorted(files, key=lambda f: _natural(str(f)))
            n = len(files)
            why = f"{n} W&B run file(s) (':W&B' header)"
            path = d if n > 1 or files[0].parent != d else files[0]
            run = d.parent.name if d.name == "wandb" and d != self.root else d.name
            self.sources.append(Source("wandb", path, tuple(files), run, why))
        for d, files in self.events.items():
            files = sorted(files, key=lambda f: _natural(str(f)))
            why = (
                f"{len(files)} event file(s); TFRecord framing"
                if len(files) > 1
                else "event file: TFRecord framing"
            )
            path = d if len(files) > 1 or files[0].parent != d else files[0]
            run = d.parent.name if d.name.lower() in _GENERIC and d != self.root else d.name
            self.sources.append(Source("tensorboard", path, tuple(files), run, why))


def _dirs(d: Path) -> list[Path]:
    try:
        return [p for p in d.iterdir() if p.is_dir()]
    except OSError:
        return []


def _ray_reason(name: str) -> str:
    if name.endswith(".pkl") or name.startswith("basic-variant-state"):
        return "a pickle (chartkit never unpickles)"
    if name.startswith("."):
        return "a hidden marker file"
    if name == "error.pkl":
        return "a pickle of the trial's error (error.txt is read instead)"
    return "not a result file"


def _glob_of(d: Path, files: tuple[Path, ...]) -> Path:
    import glob

    names = [f.name for f in files]
    prefix = os.path.commonprefix(names)  # noqa: RUF071 - names, not paths
    suffix = os.path.commonprefix([n[::-1] for n in names])[::-1]  # noqa: RUF071
    return Path(glob.escape(str(d))) / f"{glob.escape(prefix)}*{glob.escape(suffix)}"


def _is_dir(e: os.DirEntry) -> bool:
    try:
        return e.is_dir()
    except OSError:
        return False


def _is_file(e: os.DirEntry) -> bool:
    try:
        return e.is_file()
    except OSError:
        return False


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def discover(
    path: str | os.PathLike[str], *, storage_options: dict | None = None
) -> Sources:
    """Find every training log under *path*.

    Parameters
    ----------
    path : str or path-like
        A log file or a folder, walked recursively (up to 16 folders deep), or an fsspec
        URL (``s3://``, ``gs://``, ``http(s)://``, ``memory://``, ``file://``): its files
        are mirrored locally first (`chartkit.metrics.remote.fetch`).
    storage_options : dict, optional
        Passed to fsspec for a URL (credentials, endpoint).

    Returns
    -------
    Sources
        A list of `Source` (kind, path, files, run name, why it was recognised, which
        copies it was preferred over), in path order; ``.skipped`` lists every file or folder
        not taken, with the reason (not a log, a pickle, a second link to a file already
        seen, not readable, ...).

    Raises
    ------
    FileNotFoundError
        *path* does not exist.

    Notes
    -----
    A Ray trial's ``result.json`` is preferred over the TensorBoard copy Ray writes beside
    it. Per-rank files of one kind in one folder (``rank0.jsonl``, ``rank1.jsonl``) are one
    source; the ``rank<R>/`` folders of TensorBoard event files are one source. nvidia-smi
    and probe CSVs are one source each.
    """
    from chartkit.metrics.remote import fetch, is_url, local_path
    from chartkit.metrics.schema import check_path

    path = local_path(path)
    if is_url(path):
        path = fetch(path, storage_options=storage_options)
    root = check_path(path)
    walk = _Walk(root)
    if root.is_dir():
        walk.visit(root, 0)
        walk.group()
        sources = sorted(walk.sources, key=lambda s: _natural(str(s.path)))
        return Sources(sources, root, walk.skipped)
    try:
        kind, reason = sniff_file(root)
    except OSError as err:
        return Sources([], root, [Skipped(root, f"not readable: {err.strerror or err}")])
    d = root.parent
    if root.name in ("result.json", "progress.csv", "params.json") and _is_trial_dir(
        set(os.listdir(d))
    ):
        files = tuple(d / n for n in ("result.json", "progress.csv", "params.json"))
        files = tuple(f for f in files if f.is_file())
        why = f"{root.name} of a Ray Tune trial folder (the trial folder is read)"
        return Sources([Source("ray", d, files, d.name, why)], root, [])
    if kind is None:
        return Sources([], root, [Skipped(root, reason)])
    if (
        kind == "csv"
        and root.name == "metrics.csv"
        and (_VERSION.match(d.name) or (d / "hparams.yaml").is_file())
    ):
        kind, reason = "lightning", "metrics.csv of a Lightning version folder"
    run = d.name if _RANK.search(root.stem) else root.stem
    return Sources([Source(kind, root, (root,), run, reason)], root, [])


def looked_for() -> str:
    """``kind: what is looked for; ...`` for error messages."""
    return "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
