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
`read_optuna`             Optuna study in its SQLite/RDB storage (read-only; ``chartkit[optuna]``)
`read_hf_trainer`         Hugging Face ``Trainer`` output_dir (``trainer_state.json`` files)
`read_mlflow`             MLflow file store ``mlruns/`` (its files; mlflow is not imported)
`read_wandb`              W&B runs: ``wandb/offline-run-*/run-<id>.wandb`` (``chartkit[wandb]``)
========================  =============================================================

``python -m chartkit.metrics PATH`` (or ``chartkit logs info PATH``) prints what was read
and what was skipped. Nothing here imports pyplot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chartkit.metrics.discovery import FORMATS, Skipped, Source, Sources, discover, looked_for
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
    "Session",
    "Skipped",
    "Source",
    "Sources",
    "check_encoding",
    "describe",
    "detect_format",
    "discover",
    "main",
    "one_line",
    "read",
    "read_batch_probe",
    "read_csv",
    "read_hf_trainer",
    "read_jsonl",
    "read_lightning",
    "read_mlflow",
    "read_nvidia_smi",
    "read_optuna",
    "read_ray",
    "read_source",
    "read_tensorboard",
    "read_trace",
    "read_wandb",
    "sample_path",
]

_LAZY = {
    "read_hf_trainer": "chartkit.metrics.readers.hf_trainer",
    "read_mlflow": "chartkit.metrics.readers.mlflow",
    "read_optuna": "chartkit.metrics.readers.optuna",
    "read_ray": "chartkit.metrics.readers.ray",
    "read_tensorboard": "chartkit.metrics.readers.tensorboard",
    "read_trace": "chartkit.metrics.readers.trace",
    "read_wandb": "chartkit.metrics.readers.wandb",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'chartkit.metrics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def detect_format(path: str | os.PathLike[str]) -> str:
    """Name the log format of *path* (a key of `FORMATS`), as `discover` recognises it.

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        Nothing recognisable (the message lists what was looked for and what was skipped),
        or a folder holding logs of several kinds (they are named: use `discover`).
    """
    sources = discover(path)
    if not sources:
        raise ValueError(_nothing_found(sources))
    kinds = sorted({s.kind for s in sources})
    if len(kinds) > 1:
        from chartkit._validate import invalid_value_message

        held = f"it holds {len(sources)} logs of {len(kinds)} kinds ({', '.join(kinds)})"
        raise ValueError(
            invalid_value_message(
                str(path),
                "detect_format's path",
                expected=f"one log; {held}: discover(path) lists them, read(path) reads them all",
            )
        )
    return kinds[0]


def _nothing_found(sources: Sources) -> str:
    what = "no training log found under"
    if sources.root.is_file():
        what = "cannot tell the log format of"
        reason = sources.skipped[0].reason if sources.skipped else ""
        if reason.startswith("not readable: "):
            return f"cannot read {str(sources.root)!r}: {reason.removeprefix('not readable: ')}"
    msg = f"{what} {str(sources.root)!r}; looked for {looked_for()}."
    if sources.skipped:
        shown = sources.skipped[:10]
        msg += " Skipped: " + "; ".join(s.describe(sources.root) for s in shown)
        if len(sources.skipped) > 10:
            msg += f"; ... ({len(sources.skipped) - 10} more)"
        msg += "."
    return msg


def read_source(source: Source, **kwargs: Any) -> RunLog:
    """Read one `Source` found by `discover` with the reader of its kind.

    *kwargs* go to that reader (``keep=``, ``encoding=``, ...).
    """
    reader = _reader(source.kind)
    if source.kind == "tensorboard" and source.path.is_dir():
        from chartkit.metrics.readers.tensorboard import find_event_files

        below = {os.path.realpath(f) for f in find_event_files(source.path)}
        if below != {os.path.realpath(f) for f in source.files}:
            # the folder also holds event files of other sources: read ours one by one
            return _merge([reader(f, **kwargs) for f in source.files])
    if source.kind == "wandb" and source.path.is_dir():
        from chartkit.metrics.readers.wandb import find_wandb_files

        below = {os.path.realpath(f) for f in find_wandb_files(source.path)}
        if below != {os.path.realpath(f) for f in source.files}:
            return _merge([reader(f, **kwargs) for f in source.files])
    return reader(source.path, **kwargs)


def _reader(kind: str):
    return {
        "ray": lambda p, **kw: __getattr__("read_ray")(p, **kw),
        "tensorboard": lambda p, **kw: __getattr__("read_tensorboard")(p, **kw),
        "lightning": read_lightning,
        "jsonl": read_jsonl,
        "nvidia_smi": read_nvidia_smi,
        "batch_probe": read_batch_probe,
        "csv": read_csv,
        "trace": lambda p, **kw: __getattr__("read_trace")(p, **kw),
        "optuna": lambda p, **kw: __getattr__("read_optuna")(p, **kw),
        "hf_trainer": lambda p, **kw: __getattr__("read_hf_trainer")(p, **kw),
        "mlflow": lambda p, **kw: __getattr__("read_mlflow")(p, **kw),
        "wandb": lambda p, **kw: __getattr__("read_wandb")(p, **kw),
    }[kind]


def _accepts(kind: str) -> set[str]:
    import inspect

    fn = {
        "ray": "read_ray",
        "tensorboard": "read_tensorboard",
        "trace": "read_trace",
        "optuna": "read_optuna",
        "hf_trainer": "read_hf_trainer",
        "mlflow": "read_mlflow",
        "wandb": "read_wandb",
    }.get(kind)
    func = __getattr__(fn) if fn else _reader(kind)
    return set(inspect.signature(func).parameters) - {"path"}


def _merge(logs: list[RunLog]) -> RunLog:
    from chartkit.metrics.schema import concat_frames

    info = LogInfo(source=logs[0].info.source)
    for log in logs:
        info.merge(log.info)
    metrics = concat_frames([log.metrics for log in logs])
    metrics.attrs["chartkit"] = info
    import pandas as pd

    params = pd.concat([log.params for log in logs], ignore_index=True)
    return RunLog(metrics, params, info)


class Session(list):
    """Every log `read` found in a folder holding several: a list of `RunLog`.

    ``session[i]`` is the `RunLog` of ``session.sources[i]`` (a `Source`: kind, path, run
    name, why it was recognised). ``session.skipped`` lists the files `discover` left out
    and ``session.failed`` the sources that could not be read, each with its error message;
    nothing is dropped silently. ``session.metrics`` is one long frame of all logs (the
    canonical columns; ``source`` names the reader, ``run`` the run); torch.profiler traces
    are in the list as `~chartkit.metrics.readers.trace.TraceLog` (events, not metrics) and
    not in that frame.
    """

    def __init__(self, logs, sources, skipped, failed, root=None) -> None:
        super().__init__(logs)
        self.root = root
        self.sources: list[Source] = list(sources)
        self.skipped = list(skipped)
        self.failed: list[tuple[Source, str]] = list(failed)

    @property
    def metrics(self):
        """All logs' metrics in one canonical long frame."""
        from chartkit.metrics.schema import concat_frames, empty_frame

        frames = [log.metrics for log in self if isinstance(log, RunLog)]
        return concat_frames(frames) if frames else empty_frame()

    def __repr__(self) -> str:
        kinds = ", ".join(f"{s.kind}: {s.run}" for s in self.sources)
        extra = f", {len(self.failed)} failed" if self.failed else ""
        return f"<Session of {len(self)} logs ({kinds}){extra}; {len(self.skipped)} skipped>"

    def summary(self) -> str:
        """What was read (per source), what failed and what was skipped."""
        n_failed, n_skipped = len(self.failed), len(self.skipped)
        out = [f"{len(self)} log(s) read, {n_failed} failed, {n_skipped} path(s) skipped"]
        root = self.root
        out.extend(f"  read {s.describe(root)}" for s in self.sources)
        out.extend(f"  FAILED {s.describe(root)}: {err}" for s, err in self.failed)
        out.extend(f"  skipped {s.describe(root)}" for s in self.skipped)
        return "\n".join(out)


#: Errors a reader raises for a bad log (a chartkit error or the OS refusing a file).
READ_ERRORS = (ValueError, KeyError, OSError, ImportError, RecursionError, UnicodeError)


def read(
    path: str | os.PathLike[str],
    *,
    cache: str | os.PathLike[str] | None = None,
    storage_options: dict | None = None,
    engine: str = "pandas",
    **kwargs: Any,
) -> RunLog | Session:
    """Read the training log(s) at *path*: one `RunLog`, or a `Session` of several.

    The logs are found by `discover` (by content as well as name, recursively in folders).
    When *path* holds ONE log (a file, a DDP folder of per-rank files, a Ray experiment, a
    Lightning run), the result is that log's `RunLog`, exactly as its reader returns it.
    When it holds SEVERAL (a session folder with an nvidia-smi CSV, a step log, a probe CSV
    and a Lightning run; a folder of runs), the result is a `Session`: a list of `RunLog`,
    one per source, with ``.sources``, ``.skipped`` (files not taken, with reasons),
    ``.failed`` (logs that could not be read, with the error) and ``.metrics`` (all of them
    in one long frame). A log that cannot be read does not stop the others: it is listed
    in ``.failed`` and one `~chartkit.errors.DataWarning` counts the failures. torch.profiler
    traces are read with `read_trace` into a `~chartkit.metrics.readers.trace.TraceLog`
    (events, not metrics): alone, that is what `read` returns; in a `Session` they are in the
    list but not in ``.metrics``.

    Parameters
    ----------
    path : str or path-like
        A file or a folder, or an fsspec URL (``s3://``, ``gs://``, ``http(s)://``,
        ``memory://``; ``chartkit[remote]``): its files are mirrored locally and read as a
        local folder (`chartkit.metrics.remote`).
    storage_options : dict, optional
        Passed to fsspec for a URL (credentials, ``client_kwargs={"endpoint_url": ...}``).
    cache : str or path-like, optional
        A folder for a Parquet cache of the result (`chartkit.metrics.cache`): read from it
        when it is fresh (every source file unchanged, same options), else read *path* and
        (re)write it; a stale cache or one of another chartkit version is rebuilt with a
        `~chartkit.errors.DataWarning` saying why. For a path holding one log.
    engine : {"pandas", "dask"}, default: "pandas"
        ``"dask"`` (``chartkit[scale]``) returns a `~chartkit.metrics.lazy.LazyLog`: a lazy
        Dask frame over the same schema (``.metrics``), ``.params``, ``.info`` and
        ``.compute()``, read from the cache (*cache*, or *path* being a cache folder; one
        partition per series) or from the log files (one partition per per-rank file, or
        per log). `plot_curves`, `plot_rank_spread` and `plot_trials` reduce it on the
        workers (`chartkit.metrics.reduce`). See `chartkit.metrics.lazy`.
    **kwargs
        Passed to the reader (``keep=``, ``run=``, ``encoding=``, ...): `read_ray`,
        `read_tensorboard`, `read_lightning`, `read_jsonl`, `read_nvidia_smi`,
        `read_batch_probe` or `read_csv`. With several logs, each reader gets the keywords
        it takes; a keyword no reader takes raises TypeError.

    Returns
    -------
    RunLog or Session (or TraceLog for a path holding only profiler traces; LazyLog with
    ``engine="dask"``)

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        No log found (the message lists what was looked for and what was skipped), or the
        one log found is malformed (the reader's message).

    Examples
    --------
    >>> log = chartkit.metrics.read(chartkit.metrics.sample_path("ddp_world2"))  # doctest: +SKIP
    >>> log.wide(metric="loss")  # doctest: +SKIP
    >>> session = chartkit.metrics.read("runs/h100_session")  # doctest: +SKIP
    >>> [(s.kind, s.run) for s in session.sources]  # doctest: +SKIP
    """
    from chartkit._validate import check_in_list
    from chartkit.metrics.lazy import ENGINES
    from chartkit.metrics.remote import fetch, is_url

    check_in_list(ENGINES, engine=engine)
    if is_url(path):
        path = fetch(path, storage_options=storage_options)
    if engine == "dask":
        from chartkit.metrics.lazy import read_lazy

        return read_lazy(path, cache, kwargs)
    if cache is not None:
        return _read_cached(path, cache, kwargs)
    sources = discover(path)
    if not sources:
        raise ValueError(_nothing_found(sources))
    if len(sources) == 1:
        return read_source(sources[0], **kwargs)
    unused = set(kwargs) - set().union(*(_accepts(s.kind) for s in sources))
    if unused:
        raise TypeError(f"no reader of the logs under {str(path)!r} takes {sorted(unused)}")
    logs, kept, failed = [], [], []
    for source in sources:
        kw = {k: v for k, v in kwargs.items() if k in _accepts(source.kind)}
        try:
            logs.append(read_source(source, **kw))
            kept.append(source)
        except READ_ERRORS as err:
            failed.append((source, f"{type(err).__name__}: {err}"))
    if failed:
        from chartkit.errors import DataWarning, warn_external

        warn_external(
            f"{len(failed)} of {len(sources)} logs under {str(path)!r} could not be read: "
            + "; ".join(f"{s.describe(sources.root)}: {e}" for s, e in failed),
            DataWarning,
        )
    return Session(logs, kept, sources.skipped, failed, sources.root)


def _read_cached(path: str | os.PathLike[str], cache: str | os.PathLike[str], kwargs: dict):
    """`read` through the Parquet cache in *cache* (see `chartkit.metrics.cache`)."""
    from chartkit.errors import DataWarning, warn_external
    from chartkit.metrics.cache import cache_status, read_cache, write_cache

    status, why = cache_status(cache, path, kwargs)
    if status == "fresh":
        return read_cache(cache)
    if status != "missing":
        warn_external(f"the log cache in {str(cache)!r} is {status} ({why}): rebuilt", DataWarning)
    log = read(path, **kwargs)
    if not isinstance(log, RunLog):
        n = len(log) if isinstance(log, list) else 1
        from chartkit._validate import invalid_value_message

        raise ValueError(
            invalid_value_message(
                str(path), "path",
                expected=f"a path holding one log for cache=, not {n} (or a profiler trace): "
                "pass each log's own path with its own cache folder",
            )
        )
    write_cache(log, cache, path, kwargs)
    return log


_SAMPLES = {
    "ddp_world2": "ddp/world2",
    "ddp_world4": "ddp/world4",
    "lightning": "lightning/lit_mlp",
    "nvidia_smi": "gpu_h100/nvidia_smi_query.csv",
    "gpu_bs_probe": "gpu_h100/gpu_bs_probe.csv",
    "gpu_train_steps": "gpu_h100/gpu_train_steps.jsonl",
    "bs_probe_cpu": "bs_probe_cpu/bs_probe_cpu.csv",
    "ray_asha": "ray_tune/tune_asha",
    "ray_hyperband": "ray_tune/tune_hyperband",
    "ray_pbt": "ray_tune/tune_pbt_exploits",
    "profiler_world4": "profiler/world4_straggler",
    "compare_lr_seeds": "compare",
    "optuna_study": "optuna/study.db",
    "wandb_offline": "wandb/wandb",
    "hf_trainer_runs": "hf_trainer",
    "mlflow_sweep": "mlflow_sweep/mlruns",
}


def sample_path(name: str) -> Path:
    """Path of a bundled sample log (real logs written by the real tools, kept small).

    Parameters
    ----------
    name : str
        One of ``"ddp_world2"``, ``"ddp_world4"`` (folders of ``rank*.jsonl``),
        ``"lightning"`` (a CSVLogger run folder), ``"nvidia_smi"``, ``"gpu_bs_probe"``,
        ``"gpu_train_steps"`` (an H100 run), ``"bs_probe_cpu"``, ``"ray_asha"`` (a Ray Tune
        ASHA experiment, 16 trials, JSON/CSV files only), ``"profiler_world4"``
        (torch.profiler traces of 4 DDP ranks, rank 2 a data-loading straggler, gzipped,
        with each rank's JSONL), ``"compare_lr_seeds"`` (12 DDP runs, 2 ranks each:
        learning rates 0.01, 0.03 and 0.1 x seeds 0-3, folders ``lr<lr>_seed<seed>``),
        ``"optuna_study"`` (an Optuna SQLite storage: one study, MedianPruner, 24 trials,
        pruned and one failed), ``"wandb_offline"`` (a ``wandb/`` folder of 3 offline runs
        written by wandb 0.31: learning rates 0.01, 0.03, 0.1, 60 steps),
        ``"hf_trainer_runs"`` (two Hugging Face Trainer output_dirs side by side, one
        resumed from its checkpoint-20: one log of two runs), ``"mlflow_sweep"`` (an
        MLflow file store: 10 nested runs over lr, batch_size and weight_decay, one FAILED).

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


def add_read_arguments(ap: Any) -> None:
    """The options ``logs info`` and ``python -m chartkit.metrics`` share."""
    from chartkit.metrics.remote import path_or_url

    ap.add_argument(
        "paths", nargs="+", type=path_or_url, help="log files or folders, or fsspec URLs"
    )
    ap.add_argument(
        "--keep",
        choices=["last", "first", "all"],
        default="last",
        help="which write of a step repeated after a resume to keep (default: last)",
    )
    ap.add_argument(
        "--encoding",
        default="utf-8",
        help="text encoding of the log files (default: utf-8; e.g. cp949, latin-1)",
    )
    ap.add_argument(
        "--study",
        default=None,
        metavar="NAME",
        help="the study to read from an Optuna storage holding several (their names are "
        "listed when it is missing)",
    )
    ap.add_argument("--debug", action="store_true", help="show the full traceback of an error")


def info_main(args: Any) -> int:
    """Print, for each path, every log found (with why), what was read and what was skipped.

    Returns 0, or 2 when a path cannot be read or a log in it fails (each reported in one
    line; ``args.debug`` prints the traceback too).
    """
    import sys
    import traceback
    import warnings

    from chartkit.errors import DataWarning

    status = 0
    for path in args.paths:
        try:
            check_encoding(args.encoding)
            sources = discover(path)
        except READ_ERRORS as err:
            print(f"{path}: error: {one_line(err)}", file=sys.stderr)
            if args.debug:
                traceback.print_exc()
            status = 2
            continue
        if not sources:
            print(f"{path}: error: {_nothing_found(sources)}", file=sys.stderr)
            status = 2
            continue
        for source in sources:
            where = path if len(sources) == 1 else f"{path}/{_rel_path(source.path, sources.root)}"
            kw = {"keep": args.keep, "encoding": args.encoding}
            if getattr(args, "study", None) is not None:
                kw["study"] = args.study
            kw = {k: v for k, v in kw.items() if k in _accepts(source.kind)}
            try:
                with warnings.catch_warnings():
                    # every problem is listed in the summary; no second copy on stderr
                    warnings.simplefilter("ignore", DataWarning)
                    log = read_source(source, **kw)
            except READ_ERRORS as err:
                print(f"{where}: error: {one_line(err)}", file=sys.stderr)
                if args.debug:
                    traceback.print_exc()
                status = 2
                continue
            print(f"== {where} ({source.kind}) ==")
            print(f"recognised: {source.reason}")
            for other in source.preferred_over:
                print(f"preferred over: {other}")
            print(describe(log) if isinstance(log, RunLog) else f"{log!r}\n{log.info.summary()}")
        if sources.skipped:
            print(f"skipped under {path}: {len(sources.skipped)} path(s)")
            for s in sources.skipped:
                print("  " + s.describe(sources.root))
    return status


def _rel_path(p: Path, root: Path) -> str:
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return str(p)


def one_line(err: BaseException) -> str:
    """``Type: message`` of an error on one line (chartkit's own errors without the type)."""
    text = " ".join(str(err).split()) or type(err).__name__
    if isinstance(err, (ValueError, KeyError)) and type(err).__module__.startswith("chartkit"):
        return text
    if type(err) in (ValueError, FileNotFoundError):
        return text
    return f"{type(err).__name__}: {text}"


def check_encoding(encoding: str) -> str:
    """Return *encoding* when Python knows it, else raise ValueError naming it."""
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        from chartkit._validate import invalid_value_message

        codec = "a Python codec name such as 'utf-8', 'utf-8-sig', 'cp949' or 'latin-1'"
        raise ValueError(invalid_value_message(encoding, "encoding", expected=codec)) from None
    return encoding


def main(argv: list[str] | None = None) -> int:
    """``python -m chartkit.metrics PATH [PATH ...]``: print what was read and skipped."""
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m chartkit.metrics",
        description="Find the training logs under each path, read them and print what was "
        "read, what was skipped and why.",
    )
    add_read_arguments(ap)
    return info_main(ap.parse_args(argv))
