"""Lightning ``CSVLogger`` runs: ``<save_dir>/<name>/version_<N>/{metrics.csv,hparams.yaml}``.

``metrics.csv`` has one column per logged key and sparse rows: each ``self.log`` call with
its own timing (``on_step``, ``on_epoch``, validation, a ``LearningRateMonitor``) writes rows
that fill only its own columns. Empty cells are "not logged here", so each column becomes its
own series in the long frame and the row kinds collapse. A resumed run writes a new
``version_N`` whose steps overlap the old one: versions are read in natural order and merged
under the resume rule (``keep=``). ``hparams.yaml`` is read with PyYAML's safe loader, with
three bounds checked on the composed node graph before any value is built: nesting deeper than
`~chartkit.metrics._rules.MAX_NESTING` (PyYAML recurses once per level), more than
`MAX_YAML_VALUES` values once aliases are expanded (a 1 KB alias bomb expands to millions of
keys), and an alias that contains itself; such a file is skipped and reported. A config wider
than `~chartkit.metrics.readers._ray_files.MAX_CONFIG_KEYS` flattened keys is cut there and
reported. An unreadable version folder or file is reported and the others are read.
"""

from __future__ import annotations

import csv
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
from chartkit.metrics.readers._ray_files import MAX_CONFIG_KEYS
from chartkit.metrics.schema import (
    MAX_NESTING,
    Keep,
    LogInfo,
    RunLog,
    check_path,
    finish,
    natural_key,
    params_frame,
    unknown_column,
)

__all__ = ["MAX_YAML_VALUES", "read_lightning"]

_VERSION = re.compile(r"^version_\d+")
#: Most values an ``hparams.yaml`` may hold once its aliases are expanded.
MAX_YAML_VALUES = 100_000


def _is_file(path: Path, info: LogInfo) -> bool:
    """`Path.is_file`, reporting a folder that cannot be searched (permissions) as skipped."""
    try:
        return path.is_file()
    except OSError as err:
        info.add("skipped", path.parent, f"the folder could not be read ({err.strerror or err})")
        return False


def _versions(path: Path, info: LogInfo) -> list[Path]:
    """metrics.csv files of *path*: the file, a version folder, or a folder of versions."""
    if path.is_file():
        return [path]
    if _is_file(path / "metrics.csv", info):
        return [path / "metrics.csv"]
    found = [
        d / "metrics.csv"
        for d in path.iterdir()
        if d.is_dir() and _VERSION.match(d.name) and _is_file(d / "metrics.csv", info)
    ]
    if not found:
        raise FileNotFoundError(f"no metrics.csv and no version_*/metrics.csv in {str(path)!r}")
    return sorted(found, key=lambda f: natural_key(f.parent.name))


def _flatten(d: Mapping[str, Any], prefix: str = "", out: dict | None = None) -> dict[str, Any]:
    """Nested keys joined with ``/``; stops after ``MAX_CONFIG_KEYS + 1`` keys."""
    out = {} if out is None else out
    for k, v in d.items():
        if len(out) > MAX_CONFIG_KEYS:
            break
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            _flatten(v, key + "/", out)
        elif isinstance(v, (list, tuple)):
            out[key] = str(list(v))
        else:
            out[key] = v
    return out


class _YamlRefused(Exception):
    pass


def _bounded_loader(yaml: Any) -> type:
    """A `yaml.SafeLoader` whose composer refuses nesting deeper than MAX_NESTING."""

    class Loader(yaml.SafeLoader):
        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._depth += 1
            if self._depth > MAX_NESTING:
                raise _YamlRefused(f"it nests more than {MAX_NESTING} levels deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return Loader


def _expanded_size(node: Any, yaml: Any) -> int:
    """Values in the node graph with every alias expanded (shared nodes counted per use)."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(n: Any) -> int:
        key = id(n)
        if key in memo:
            return memo[key]
        if key in active:
            raise _YamlRefused("an alias contains itself")
        active.add(key)
        if isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(c) for c in n.value)
        elif isinstance(n, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in n.value)
        else:
            total = 1
        active.discard(key)
        memo[key] = total = min(total, MAX_YAML_VALUES + 1)
        return total

    return size(node)


def _safe_yaml(text: str, yaml: Any) -> Any:
    """``yaml.safe_load`` with the depth, alias-expansion and self-reference bounds."""
    loader = _bounded_loader(yaml)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, yaml) > MAX_YAML_VALUES:
            raise _YamlRefused(
                f"it expands to more than {MAX_YAML_VALUES:,} values through aliases "
                "(an alias bomb?)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


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
            text = fh.read()
    except OSError as err:
        info.add("skipped", path, f"hparams.yaml could not be read ({err.strerror or err})")
        return None
    try:
        data = _safe_yaml(text, yaml)
    except _YamlRefused as err:
        info.add("skipped", path, f"hparams.yaml was not read: {err}")
        return None
    except yaml.YAMLError as err:
        # the safe loader refuses python/object tags (pickled objects): never executed
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        info.add("skipped", path, f"hparams.yaml could not be read safely ({first})")
        return None
    info.files.append(str(path))
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        info.add("skipped", path, "hparams.yaml does not hold a mapping")
        return None
    flat = _flatten(data)
    if len(flat) > MAX_CONFIG_KEYS:
        info.add(
            "skipped",
            path,
            f"hparams.yaml holds more than {MAX_CONFIG_KEYS} keys: only the first "
            f"{MAX_CONFIG_KEYS} are kept in params",
        )
        flat = dict(list(flat.items())[:MAX_CONFIG_KEYS])
    return flat


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
    info = LogInfo(source="lightning")
    files = _versions(p, info)
    if run is None:
        top = files[0].parent
        run = top.parent.name if _VERSION.match(top.name) else top.name
    parts, prow = [], []
    seen_metrics: set[str] = set()
    for seg, f in enumerate(files):
        df = _read_metrics_csv(f, info, encoding)
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


def _read_metrics_csv(f: Path, info: LogInfo, encoding: str) -> pd.DataFrame | None:
    """`read_csv_file`, tolerant of an unreadable file and of an unbalanced quote.

    CSVLogger quotes a field only when it holds a comma or a quote; a stray ``"`` (a torn
    write) makes the parser read to the end of the file for the closing one. Such a file is
    read again with quotes as plain characters, and that is reported.
    """
    n_files, n_entries = len(info.files), len(info.entries)
    try:
        return read_csv_file(f, info, encoding)
    except OSError as err:
        info.add("skipped", f, f"the file could not be read ({err.strerror or err})")
        return None
    except pd.errors.ParserError as err:
        reason = str(err).split("C error: ")[-1].strip()
    # forget what the failed pass recorded (cut last line, bad bytes): the next one says it
    del info.files[n_files:], info.entries[n_entries:]
    df = read_csv_file(f, info, encoding, quoting=csv.QUOTE_NONE)
    info.add(
        "replaced",
        f,
        f"quotes were read as plain characters: the file does not parse with them ({reason})",
    )
    return df


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
