"""Lightning ``CSVLogger`` runs: ``<save_dir>/<name>/version_<N>/{metrics.csv,hparams.yaml}``.

``metrics.csv`` has one column per logged key and sparse rows: each ``self.log`` call with
its own timing (``on_step``, ``on_epoch``, validation, a ``LearningRateMonitor``) writes rows
that fill only its own columns. Empty cells are "not logged here", so each column becomes its
own series in the long frame and the row kinds collapse. A resumed run writes a new
``version_N`` whose steps overlap the old one: versions are read in natural order and merged
under the resume rule (``keep=``). ``hparams.yaml`` is read with ``yaml.safe_load``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.readers._common import (
    ColumnData,
    csv_columns,
    long_part,
    parts_to_frame,
    read_csv_file,
    select_metrics,
)
from chartkit.metrics.schema import (
    Keep,
    LogInfo,
    RunLog,
    check_path,
    finish,
    natural_key,
    params_frame,
    unknown_column,
)

__all__ = ["read_lightning"]

_VERSION = re.compile(r"^version_\d+")


def _versions(path: Path) -> list[Path]:
    """metrics.csv files of *path*: the file, a version folder, or a folder of versions."""
    if path.is_file():
        return [path]
    if (path / "metrics.csv").is_file():
        return [path / "metrics.csv"]
    found = [
        d / "metrics.csv"
        for d in path.iterdir()
        if d.is_dir() and _VERSION.match(d.name) and (d / "metrics.csv").is_file()
    ]
    if not found:
        raise FileNotFoundError(f"no metrics.csv and no version_*/metrics.csv in {str(path)!r}")
    return sorted(found, key=lambda f: natural_key(f.parent.name))


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "/"))
        elif isinstance(v, (list, tuple)):
            out[key] = str(list(v))
        else:
            out[key] = v
    return out


def _hparams(path: Path, info: LogInfo) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        import yaml
    except ImportError:
        info.add(
            "skipped",
            path,
            'hparams.yaml not read: it needs PyYAML (pip install "chartkit[logs]")',
        )
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as err:
        # safe_load refuses python/object tags (pickled objects): never executed
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        info.add("skipped", path, f"hparams.yaml could not be read safely ({first})")
        return None
    info.files.append(str(path))
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        info.add("skipped", path, "hparams.yaml does not hold a mapping")
        return None
    return _flatten(data)


def read_lightning(
    path: str | os.PathLike[str],
    *,
    run: str | None = None,
    metrics: Iterable[str] | None = None,
    keep: Keep = "last",
    encoding: str = "utf-8",
) -> RunLog:
    """Read a Lightning ``CSVLogger`` run into the canonical frame.

    Parameters
    ----------
    path : str or path-like
        A ``metrics.csv`` file, one ``version_N`` folder, or the logger's run folder holding
        several ``version_N`` folders (merged in natural order, so ``version_10`` comes after
        ``version_9``).
    run : str, optional
        Run name; default: the logger name (the folder above ``version_N``).
    metrics : list of str, optional
        Columns to keep (default: all but ``step``). ``epoch`` is kept as a metric.
    keep : {"last", "first", "all"}, default: "last"
        Which write of a step logged again by a resumed version to keep.
    encoding : str, default: "utf-8"

    Returns
    -------
    RunLog
        ``wall_time`` is NaN (CSVLogger writes no time). ``params`` has one row per version
        read: ``segment`` is the version's position, ``start_step`` its first step, then the
        ``hparams.yaml`` keys (nested keys joined with ``/``).

    Raises
    ------
    FileNotFoundError
        *path* does not exist or holds no ``metrics.csv``.
    KeyError
        An asked-for metric that is not in the files (close matches suggested).

    Warns
    -----
    DataWarning
        One per problem (cut last line, bad lines, text in numeric columns, empty file,
        steps deduplicated across versions, unreadable ``hparams.yaml``).

    See Also
    --------
    read_csv : plain per-rank CSV logs.
    """
    p = check_path(path)
    files = _versions(p)
    if run is None:
        top = files[0].parent
        run = top.parent.name if _VERSION.match(top.name) else top.name
    info = LogInfo(source="lightning")
    parts, prow = [], []
    seen_metrics: set[str] = set()
    for seg, f in enumerate(files):
        df = read_csv_file(f, info, encoding)
        hp = _hparams(f.parent / "hparams.yaml", info)
        start = None
        if df is not None:
            if "step" not in df.columns:
                raise unknown_column("step", df.columns, "step column")
            cols = csv_columns(df, f, info)
            sv, sp, _ = cols.pop("step")
            ok = np.isfinite(sv) if sp is None else sp & np.isfinite(sv)
            if not ok.all():
                bad = np.flatnonzero(~ok)
                lines = df.attrs["chartkit_lines"]
                info.add(
                    "skipped",
                    f,
                    "rows without a step",
                    count=len(bad),
                    line=int(lines[bad[0]]),
                )
            candidates = [k for k, v in cols.items() if v[2] == "num"]
            seen_metrics.update(candidates)
            chosen = (
                candidates
                if metrics is None
                else [m for m in _as_list(metrics) if m in candidates]
            )
            step = np.where(ok, sv, 0).astype(np.int64)
            parts.append(
                long_part(
                    [_same_step_once(m, cols[m][0], cols[m][1], step, ok) for m in chosen],
                    step=step,
                    run=run,
                    row_mask=None if ok.all() else ok,
                )
            )
            start = int(step[ok].min()) if ok.any() else None
        row = {"run": run, "trial": None, "segment": seg, "start_step": start}
        row["version"] = f.parent.name if f.name == "metrics.csv" else f.stem
        if hp:
            row.update(hp)
        prow.append(row)
    if metrics is not None:
        select_metrics(sorted(seen_metrics), metrics, sorted(seen_metrics))
    frame = parts_to_frame("lightning", parts)
    return finish(frame, info, params=params_frame(prow), keep=keep)


def _same_step_once(
    name: str, values: np.ndarray, present: np.ndarray | None, step: np.ndarray, ok: np.ndarray
) -> ColumnData:
    """Column data where a step repeated with the same value counts once.

    Several row kinds of one step all carry ``epoch`` (the ``train_loss_step`` row, the
    validation row and the ``*_epoch`` row): one point, not a resume.
    """
    mask = ok.copy() if present is None else (present & ok)
    idx = np.flatnonzero(mask)
    if len(idx) < 2:
        return ColumnData(name, values, mask)
    s = step[idx]
    d = np.diff(s)
    if (d > 0).all():  # the usual case (hundreds of DeviceStatsMonitor columns): no repeat
        return ColumnData(name, values, mask)
    if (d >= 0).all():  # repeats are neighbours: drop a write equal to the next one
        v = values[idx]
        same = (v[:-1] == v[1:]) | (np.isnan(v[:-1]) & np.isnan(v[1:]))
        dup = np.append((d == 0) & same, False)
    else:
        key = pd.DataFrame({"s": s, "v": values[idx]})
        dup = key.duplicated(keep="last").to_numpy()
    mask[idx[dup]] = False
    return ColumnData(name, values, mask)


def _as_list(metrics: Iterable[str]) -> list[str]:
    return [metrics] if isinstance(metrics, str) else list(metrics)
