"""A Parquet cache of a read log: the canonical frame partitioned by run, rank and metric.

``chartkit logs convert PATH --out DIR`` (or ``chartkit.metrics.read(PATH, cache=DIR)``)
writes what a reader returned — the canonical long frame, the params and the `LogInfo` —
to *DIR*, and later reads come from there: Parquet columns instead of parsing JSON text or
protobuf records again.

Layout of *DIR*::

    metrics/run=<run>/rank=<rank>/metric=<metric>/part-0.parquet   (Hive partitions)
    params.parquet                                                 (the configs)
    chartkit-cache.json      format version, chartkit version, the sources (path, size,
                             modification time) and the LogInfo (entries, counts)

A cache is **fresh** when every source file still has the size and modification time it
had, and no file was added or removed; it is **stale** otherwise, and `read` rebuilds it
with a `DataWarning` naming the changed file. A cache written by another chartkit version
(or cache format) is rebuilt with a warning too. pyarrow is needed (the ``logs`` extra).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit._optional import import_optional
from chartkit.metrics.schema import COLUMNS, DTYPES, LogEntry, LogInfo, RunLog

__all__ = ["FORMAT", "cache_status", "read_cache", "source_files", "write_cache"]

#: Version of the cache layout; a cache of another format is rebuilt.
FORMAT = 2  # 2: rows kept in the reader's order (format 1 could interleave them)
_META = "chartkit-cache.json"


def _version() -> str:
    import chartkit

    return str(getattr(chartkit, "__version__", "0"))


def source_files(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every file under *path* (or *path* itself) with its size and modification time."""
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    out = []
    for f in files:
        st = f.stat()
        out.append({"path": str(f.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return out


def _info_dict(info: LogInfo) -> dict[str, Any]:
    return {
        "source": info.source,
        "files": list(info.files),
        "rows": int(info.rows),
        "entries": [asdict(e) for e in info.entries],
    }


def _info_from(d: dict[str, Any]) -> LogInfo:
    info = LogInfo(source=d.get("source", ""), files=list(d.get("files", [])))
    info.rows = int(d.get("rows", 0))
    info.entries = [LogEntry(**e) for e in d.get("entries", [])]
    return info


def _split_extra(info: LogInfo) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """LogInfo's tables (segments, non-finite steps, extra frames) apart from JSON values."""
    frames: dict[str, pd.DataFrame] = {}
    for name in ("segments", "nonfinite"):
        value = getattr(info, name, None)
        if isinstance(value, pd.DataFrame):
            frames[name] = value
    plain: dict[str, Any] = {}
    for key, value in (info.extra or {}).items():
        if isinstance(value, pd.DataFrame):
            frames[f"extra_{key}"] = value
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue  # not representable: the reader recomputes it when the cache is stale
        plain[key] = value
    return plain, frames


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = frame.copy()
    frame.attrs = {}  # chartkit's attrs hold a LogInfo: kept in the JSON metadata instead
    for col in frame.columns:  # mixed-type columns as text (Parquet needs one type)
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def write_cache(
    log: RunLog,
    out: str | os.PathLike[str],
    source: str | os.PathLike[str],
    options: dict[str, Any] | None = None,
) -> Path:
    """Write *log* (read from *source*) as a Parquet cache in *out* (replaced if present).

    *options* are the reader's keywords (``keep=``...): a later read with other options is
    not served from this cache.

    Returns
    -------
    pathlib.Path
        *out*.
    """
    pa = import_optional("pyarrow", "the Parquet cache of logs", "logs")
    import pyarrow.dataset as pads

    out = Path(out)
    if out.exists():
        if not (out / _META).exists() and any(out.iterdir()):
            from chartkit._validate import invalid_value_message

            raise ValueError(
                invalid_value_message(
                    str(out), "cache", expected="an empty folder or a chartkit cache"
                )
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    frame = log.metrics[list(COLUMNS)].copy()
    frame.attrs = {}  # the LogInfo goes into the JSON metadata
    table = pa.Table.from_pandas(
        frame.assign(
            run=frame["run"].astype(str).where(frame["run"].notna(), "__none__"),
            metric=frame["metric"].astype(str),
            rank=frame["rank"].fillna(-1).astype("int64"),
        ),
        preserve_index=False,
    )
    part = pads.partitioning(
        pa.schema([("run", pa.string()), ("rank", pa.int64()), ("metric", pa.string())]),
        flavor="hive",
    )
    pads.write_dataset(
        table, out / "metrics", format="parquet", partitioning=part,
        basename_template="part-{i}.parquet", existing_data_behavior="overwrite_or_ignore",
        preserve_order=True,  # rows of a series stay in the reader's order (not step-sorted
        # after a resume read with keep="all"); without it, threads interleave row batches
    )
    if len(log.params.columns):
        _write_frame(log.params, out / "params.parquet")
    extra_json, extra_frames = _split_extra(log.info)
    for name, table_frame in extra_frames.items():
        _write_frame(table_frame, out / f"info_{name}.parquet")
    meta = {
        "format": FORMAT,
        "chartkit": _version(),
        "source": str(Path(source).resolve()),
        "options": _options(options),
        "sources": source_files(source),
        "info": {**_info_dict(log.info), "extra": extra_json,
                 "frames": sorted(extra_frames)},
        "param_types": {c: str(t) for c, t in log.params.dtypes.items()},
        # category order as the reader set it (natural order of runs, metrics...)
        "categories": {
            c: [str(v) for v in log.metrics[c].cat.categories]
            for c in ("source", "run", "trial", "metric")
            if isinstance(log.metrics[c].dtype, pd.CategoricalDtype)
        },
    }
    (out / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return out


def _options(options: dict[str, Any] | None) -> dict[str, str]:
    return {k: repr(v) for k, v in sorted((options or {}).items())}


def cache_status(
    out: str | os.PathLike[str],
    source: str | os.PathLike[str],
    options: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """``("fresh" | "stale" | "other-version" | "missing", why)`` of the cache in *out*."""
    meta_file = Path(out) / _META
    if not meta_file.exists():
        return "missing", f"no cache in {out}"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return "other-version", f"unreadable cache metadata ({err})"
    if meta.get("format") != FORMAT or meta.get("chartkit") != _version():
        return "other-version", (
            f"written by chartkit {meta.get('chartkit')} (cache format {meta.get('format')}), "
            f"this is {_version()} (format {FORMAT})"
        )
    if meta.get("source") != str(Path(source).resolve()):
        return "stale", f"the cache is of {meta.get('source')}, not of {source}"
    if meta.get("options", {}) != _options(options):
        return "stale", f"read with {meta.get('options')}, now with {_options(options)}"
    then = {s["path"]: s for s in meta.get("sources", [])}
    now = {s["path"]: s for s in source_files(source)}
    for path in sorted(set(then) | set(now)):
        a, b = then.get(path), now.get(path)
        if a is None:
            return "stale", f"{path} was added"
        if b is None:
            return "stale", f"{path} was removed"
        if (a["size"], a["mtime_ns"]) != (b["size"], b["mtime_ns"]):
            return "stale", f"{path} changed"
    return "fresh", "every source file unchanged"


def read_cache(out: str | os.PathLike[str]) -> RunLog:
    """The `RunLog` stored in the cache *out* (its dtypes and `LogInfo` as written)."""
    import_optional("pyarrow", "the Parquet cache of logs", "logs")
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    out = Path(out)
    meta = json.loads((out / _META).read_text(encoding="utf-8"))
    # run and metric come back dictionary-encoded (categoricals), rank as integers
    part = pads.HivePartitioning.discover(infer_dictionary=True)
    frame = pads.dataset(out / "metrics", format="parquet", partitioning=part).to_table()
    frame = frame.to_pandas()
    rank = np.asarray(frame["rank"].astype("int64"))  # dictionary-encoded too
    frame["rank"] = pd.arrays.IntegerArray(
        np.where(rank >= 0, rank, 0).astype(np.int32), rank < 0
    )
    if "__none__" in frame["run"].cat.categories:
        frame["run"] = frame["run"].cat.remove_categories(["__none__"])
    for col, cats in meta.get("categories", {}).items():
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].cat.set_categories(cats)
        elif frame[col].isna().all():  # no trials: codes only, no factorizing of 10^6 NaN
            frame[col] = pd.Categorical.from_codes(np.full(len(frame), -1), categories=cats)
        else:
            frame[col] = pd.Categorical(frame[col], categories=cats)
    frame = frame[list(COLUMNS)]
    # Each file holds one (run, rank, metric) series already in step order: ordering the
    # series (one integer key, stable sort over long sorted runs) restores the reader's order.
    key = np.zeros(len(frame), dtype=np.int64)
    for col in ("run", "rank", "trial", "metric"):
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            codes = frame[col].cat.codes.to_numpy().astype(np.int64)
        else:
            codes = frame[col].fillna(-1).to_numpy(dtype=np.int64)
        codes = codes - codes.min(initial=0) if len(codes) else codes
        key = key * (int(codes.max(initial=0)) + 2) + codes + 1
    if len(key) > 1 and not (key[1:] >= key[:-1]).all():
        frame = frame.take(np.argsort(key, kind="stable")).reset_index(drop=True)
    wrong = {c: t for c, t in DTYPES.items() if str(frame[c].dtype) != str(t)}
    if wrong:
        frame = frame.astype(wrong)
    params = pd.DataFrame()
    if (out / "params.parquet").exists():
        params = pq.read_table(out / "params.parquet").to_pandas()
    info = _info_from(meta.get("info", {}))
    for name in meta.get("info", {}).get("frames", []):
        table_frame = pq.read_table(out / f"info_{name}.parquet").to_pandas()
        if name in ("segments", "nonfinite"):
            setattr(info, name, table_frame)
        else:
            info.extra[name.removeprefix("extra_")] = table_frame
    info.extra.update(meta.get("info", {}).get("extra", {}))
    info.extra["cache"] = str(out)
    return RunLog(frame, params, info)
