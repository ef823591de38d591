"""The Dask engine: a log as a lazy Dask frame over the canonical schema.

``chartkit.metrics.read(path, engine="dask")`` returns a `LazyLog`: ``.metrics`` is a
`dask.dataframe.DataFrame` with the columns and dtypes of `chartkit.metrics.schema`,
``.params`` the configs, ``.info`` the `LogInfo` when it is known (a Parquet cache keeps
it), and ``.compute()`` the `RunLog` pandas would have read. The plots that take a log
(`plot_curves`, `plot_rank_spread`, `plot_trials`) accept a `LazyLog` or a plain Dask frame
of the canonical schema; they reduce it with `chartkit.metrics.reduce` on the workers, so
only what is drawn comes back to the client.

Partitions hold whole series (the reductions smooth and decimate each series inside its
partition), built in one of two ways:

* from a Parquet cache (``cache=DIR``, or *path* being a cache folder): one partition per
  file of the ``metrics/run=/rank=/metric=`` hive layout, that is per series. The files are
  read with pyarrow by `dask.dataframe.from_map` rather than `dask.dataframe.read_parquet`,
  which cannot rebuild the all-missing ``trial`` categorical of the pandas metadata
  ("Categorical categories cannot be null") and warns under pandas 3.1; the partition
  columns are restored to the canonical names and dtypes (``rank=-1`` is ``<NA>``), with
  the category order the reader set;
* from the log files (`dask.dataframe.from_map`): one partition per file for per-rank
  JSONL/CSV logs, one per log for the other formats (a TensorBoard run whose resume wrote a
  second event file, a Ray experiment: their series span files). The read report is then
  made inside the workers and not gathered (``.info`` is None; one `DataWarning` says so):
  read through ``cache=`` to keep it, and the resume points the smoothing restarts at.

dask is imported lazily (the ``scale`` extra); ``import chartkit.metrics`` does not import
it. No pyplot here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit._optional import import_optional
from chartkit.metrics.schema import COLUMNS, DTYPES, LogInfo, RunLog, empty_frame

__all__ = ["ENGINES", "LazyLog", "as_lazy", "read_lazy"]

#: The engines `chartkit.metrics.read` takes.
ENGINES = ("pandas", "dask")

_PURPOSE = "the Dask engine (read(..., engine='dask'))"
_META = "chartkit-cache.json"


def dask_dataframe():
    """`dask.dataframe`, or an ImportError naming ``chartkit[scale]``."""
    import_optional("dask", _PURPOSE, "scale")
    return import_optional("dask.dataframe", _PURPOSE, "scale")


class LazyLog:
    """A log read by the Dask engine: lazy metrics, configs and (when known) the read report.

    Attributes
    ----------
    metrics : dask.dataframe.DataFrame
        The canonical long frame (`chartkit.metrics.schema.COLUMNS`), one partition per
        series (cache) or per file (logs).
    params : pandas.DataFrame
        The configs (``run, trial, segment, start_step`` then the keys); empty when unknown.
    info : LogInfo or None
        The read report kept by the cache; None when read from the log files (it is made
        in the workers).
    where : str
        The cache folder or the log path it reads.
    """

    def __init__(self, metrics, params: pd.DataFrame, info: LogInfo | None, where: str,
                 metric_names: list[str] | None = None) -> None:
        self.metrics = metrics
        self.params = params
        self.info = info
        self.where = where
        self._names = metric_names
        self._stats: dict[str, pd.DataFrame] = {}

    @property
    def metric_names(self) -> list[str]:
        """The metrics present (from the cache's metadata, else one pass over the data)."""
        if self._names is None:
            col = self.metrics["metric"]
            self._names = sorted(str(v) for v in col.dropna().unique().compute())
        return list(self._names)

    def series_stats(self, metric: str) -> pd.DataFrame:
        """`chartkit.metrics.reduce.series_stats` of *metric*, computed once per log.

        A reduction that computes them on its way (`chartkit.metrics.reduce.curve_pass`)
        stores them here, so the next chart of the same metric skips that pass.
        """
        if metric not in self._stats:
            from chartkit.metrics.reduce import series_stats

            self._stats[metric] = series_stats(self.metrics, metric)
        return self._stats[metric]

    def compute(self) -> RunLog:
        """The `RunLog` of everything (in memory on the client): series in the reader's order."""
        return compute_log(self.metrics, self.params, self.info)

    def __repr__(self) -> str:
        return (
            f"<LazyLog of {self.where!r}: {self.metrics.npartitions} partitions, "
            f"{len(self.params)} param rows, read report "
            f"{'kept' if self.info is not None else 'not gathered'}>"
        )


def compute_log(metrics, params=None, info: LogInfo | None = None) -> RunLog:
    """Compute a canonical Dask frame into a `RunLog` (the series in the reader's order)."""
    frame = metrics.compute()
    frame = frame[list(COLUMNS)].reset_index(drop=True)
    frame = frame.sort_values(
        ["run", "rank", "trial", "metric"], kind="stable", na_position="first"
    ).reset_index(drop=True)
    wrong = {c: t for c, t in DTYPES.items() if str(frame[c].dtype) != str(t)}
    if wrong:
        frame = frame.astype(wrong)
    info = info if info is not None else LogInfo(source="dask")
    frame.attrs["chartkit"] = info
    return RunLog(frame, pd.DataFrame() if params is None else params.copy(), info)


def as_lazy(data) -> LazyLog | None:
    """*data* as a `LazyLog` when it is one or a Dask frame of the canonical schema, else None.

    Pandas input (a `RunLog`, a frame) returns None without importing dask.
    """
    if isinstance(data, LazyLog):
        return data
    if not type(data).__module__.startswith("dask"):
        return None
    dd = dask_dataframe()
    if not isinstance(data, dd.DataFrame):
        raise TypeError(
            f"'data' must be a RunLog, a pandas or Dask DataFrame or a LazyLog, not "
            f"{type(data).__name__}"
        )
    missing = [c for c in COLUMNS if c not in data.columns]
    if missing:
        from chartkit.metrics.schema import unknown_column

        raise unknown_column(missing[0], data.columns, "column of the canonical frame")
    return LazyLog(data, pd.DataFrame(), None, "a Dask DataFrame")


# --------------------------------------------------------------------------- reading


def read_lazy(path, cache, kwargs: dict[str, Any]) -> LazyLog:
    """`read(path, engine="dask", cache=cache, **kwargs)`: see `chartkit.metrics.read`."""
    dask_dataframe()  # the install hint before any work
    if cache is None and (Path(path) / _META).is_file():
        return _from_cache_folder(Path(path), kwargs)
    if cache is not None:
        from chartkit.metrics import _read_cached
        from chartkit.metrics.cache import cache_status

        status, _why = cache_status(cache, path, kwargs)
        if status != "fresh":
            _read_cached(path, cache, kwargs)  # rebuilt, with the warning saying why
        return open_cache(cache)
    return _from_sources(path, kwargs)


def _from_cache_folder(folder: Path, kwargs: dict[str, Any]) -> LazyLog:
    """*folder* is a cache: read it, rebuilding it first when another version wrote it."""
    from chartkit.metrics.cache import FORMAT, _version

    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        meta = {"error": str(err)}
    if meta.get("format") != FORMAT or meta.get("chartkit") != _version():
        source = meta.get("source")
        why = (
            f"written by chartkit {meta.get('chartkit')} (cache format {meta.get('format')}), "
            f"this is {_version()} (format {FORMAT})"
        )
        if not source or not Path(source).exists():
            from chartkit._validate import invalid_value_message

            raise ValueError(
                invalid_value_message(
                    str(folder), "path",
                    expected=f"a chartkit cache this version reads; it was {why} and its "
                    f"source {source!r} is not there to rebuild it from: read the logs again "
                    "with read(LOGS, cache=DIR)",
                )
            )
        from chartkit.metrics import _read_cached

        _read_cached(source, folder, kwargs)  # warns "other-version ... rebuilt"
    return open_cache(folder)


def open_cache(folder: str | os.PathLike[str]) -> LazyLog:
    """A `LazyLog` over the Parquet cache in *folder*: one partition per series file."""
    import_optional("pyarrow", "the Parquet cache of logs", "logs")
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    from chartkit.metrics.cache import _info_from

    dd = dask_dataframe()
    folder = Path(folder)
    meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    cats = {c: list(v) for c, v in meta.get("categories", {}).items()}
    for c in ("source", "run", "trial", "metric"):
        cats.setdefault(c, [])
    files, keys = [], []
    root = folder / "metrics"
    if root.exists():
        ds = pads.dataset(root, format="parquet", partitioning="hive")
        for fragment in ds.get_fragments():
            files.append(fragment.path)
            keys.append(pads.get_partition_keys(fragment.partition_expression))
    empty = _typed_empty(cats)
    if not files:
        ddf = dd.from_pandas(empty, npartitions=1)
    else:
        ddf = dd.from_map(
            _read_series_file, files, keys, cats=cats, meta=empty,
            label="chartkit-cache", enforce_metadata=False,
        )
    params = pd.DataFrame()
    if (folder / "params.parquet").exists():
        params = pq.read_table(folder / "params.parquet").to_pandas()
    info = _info_from(meta.get("info", {}))
    for name in meta.get("info", {}).get("frames", []):
        table = pq.read_table(folder / f"info_{name}.parquet").to_pandas()
        if name in ("segments", "nonfinite"):
            setattr(info, name, table)
        else:
            info.extra[name.removeprefix("extra_")] = table
    info.extra.update(meta.get("info", {}).get("extra", {}))
    info.extra["cache"] = str(folder)
    return LazyLog(ddf, params, info, str(folder), sorted(cats["metric"]))


def _typed_empty(cats: dict[str, list[str]]) -> pd.DataFrame:
    frame = empty_frame()
    for c, values in cats.items():
        frame[c] = frame[c].cat.set_categories(values)
    return frame


def _codes(n: int, value, categories: list[str]) -> pd.Categorical:
    code = categories.index(value) if value in categories else -1
    return pd.Categorical.from_codes(np.full(n, code, dtype=np.int32), categories=categories)


def _read_series_file(path: str, keys: dict, *, cats: dict[str, list[str]]) -> pd.DataFrame:
    """One cache file (one series) as a canonical frame (runs on a worker)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pandas(ignore_metadata=True)
    n = len(table)
    rank = int(keys.get("rank", -1))
    run = keys.get("run")
    return pd.DataFrame(
        {
            "source": _recode(table["source"], cats["source"]),
            "run": _codes(n, None if run == "__none__" else run, cats["run"]),
            "rank": pd.arrays.IntegerArray(
                np.full(n, max(rank, 0), dtype=np.int32), np.full(n, rank < 0)
            ),
            "trial": _recode(table["trial"], cats["trial"]),
            "step": table["step"].to_numpy(dtype=np.int64),
            "wall_time": table["wall_time"].to_numpy(dtype=np.float64),
            "metric": _codes(n, keys.get("metric"), cats["metric"]),
            "value": table["value"].to_numpy(dtype=np.float64),
        }
    )


def _recode(column: pd.Series, categories: list[str]) -> pd.Categorical:
    """*column* as a categorical of *categories* (a dictionary column: its codes remapped)."""
    if column.isna().all():
        return pd.Categorical.from_codes(np.full(len(column), -1, dtype=np.int32), categories)
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return pd.Categorical(column.astype(object), categories=categories)
    where = {c: i for i, c in enumerate(categories)}
    lookup = np.array([where.get(str(c), -1) for c in column.cat.categories] + [-1])
    codes = column.cat.codes.to_numpy()
    return pd.Categorical.from_codes(lookup[codes].astype(np.int32), categories)


def _from_sources(path, kwargs: dict[str, Any]) -> LazyLog:
    """One partition per per-rank JSONL/CSV file, one per log for the other formats."""
    from chartkit.metrics import _nothing_found, discover

    dd = dask_dataframe()
    sources = discover(path)
    if not sources:
        raise ValueError(_nothing_found(sources))
    parts: list[tuple[str, str, str | None]] = []
    for s in sources:
        if s.kind == "trace":
            continue  # profiler events, not metrics
        if s.kind in ("jsonl", "csv") and len(s.files) > 1:
            parts.extend((s.kind, str(f), s.run) for f in s.files)
        else:
            parts.append((s.kind, str(s.path), None))
    if not parts:
        raise ValueError(_nothing_found(sources))
    from dask.dataframe.utils import clear_known_categories

    meta = clear_known_categories(empty_frame())
    ddf = dd.from_map(
        _read_part, parts, kwargs=dict(kwargs), meta=meta, label="chartkit-read",
        enforce_metadata=False,
    )
    from chartkit.errors import DataWarning, warn_external

    warn_external(
        f"reading {str(path)!r} with engine='dask' from the log files: the readers run on the "
        "workers, so what they skip or deduplicate (cut lines, resumes) is not reported and "
        "smoothing does not restart at resumes; read with cache=DIR to keep the read report",
        DataWarning,
    )
    return LazyLog(ddf, pd.DataFrame(), None, str(path))


def _read_part(part: tuple[str, str, str | None], *, kwargs: dict[str, Any]) -> pd.DataFrame:
    """Read one file (or one log) with its reader (runs on a worker)."""
    import warnings

    from chartkit.errors import DataWarning
    from chartkit.metrics import _reader

    kind, path, run = part
    kw = dict(kwargs)
    if run is not None:
        kw.setdefault("run", run)
    with warnings.catch_warnings():
        # the read report is not gathered from workers (see the module docstring)
        warnings.simplefilter("ignore", DataWarning)
        log = _reader(kind)(path, **kw)
    frame = log.metrics[list(COLUMNS)].copy()
    frame.attrs = {}
    return frame
