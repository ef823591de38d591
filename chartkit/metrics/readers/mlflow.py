"""Read an MLflow file store (``mlruns/``) from its files, without importing mlflow.

The file store keeps one folder per experiment (``<experiment_id>/meta.yaml`` with its
``name``) and one per run (``<experiment_id>/<run_id>/``): ``meta.yaml`` (``run_name``,
``status``, ``start_time``, ``lifecycle_stage``...), ``metrics/<key>`` (one line per logged
value: ``<timestamp ms> <value> <step>``; keys with ``/`` are sub-folders), ``params/<key>``
and ``tags/<key>`` (one value per file). ``meta.yaml`` in MLflow's flat ``key: scalar``
form is read line by line; any other YAML goes to PyYAML's safe loader under chartkit's
bounds (depth, aliases; the ``logs`` extra). A metric line that does not
parse is skipped and counted; a cut last line is dropped and counted.

Runs nested under a parent run (the ``mlflow.parentRunId`` tag: a sweep) are the parent's
trials: ``run`` = ``<experiment>/<parent run name>``, ``trial`` = the child's run name;
the others are runs of their own (``run`` = ``<experiment>/<run name>``).

This module imports neither pyplot nor mlflow.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from chartkit.metrics.schema import (
    LogInfo,
    RunLog,
    check_path,
    drop_unterminated,
    finish,
    make_frame,
    natural_key,
    params_frame,
)

__all__ = ["MLFLOW_STATUS", "read_mlflow"]

#: MLflow's RunStatus numbers (as meta.yaml stores them) -> the status the tuning plots know.
MLFLOW_STATUS: dict[Any, str] = {
    1: "RUNNING",
    2: "PENDING",
    3: "TERMINATED",
    4: "ERROR",
    5: "KILLED",
    "RUNNING": "RUNNING",
    "SCHEDULED": "PENDING",
    "FINISHED": "TERMINATED",
    "FAILED": "ERROR",
    "KILLED": "KILLED",
}


def _bad(path: Any, expected: str) -> ValueError:
    from chartkit._validate import invalid_value_message

    return ValueError(invalid_value_message(str(path), "read_mlflow's path", expected=expected))


_FLAT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*): ?(.*)$")
_PLAIN = re.compile(r"^[A-Za-z0-9_.:/+-]*$")


def _flat_yaml(text: str) -> dict[str, Any] | None:
    """The flat ``key: scalar`` mapping MLflow writes, or None for anything else (the YAML
    parser then reads it). Scalars: ints, ``null``, ``[]``, single-quoted and plain words."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        m = _FLAT.match(line)
        if m is None:
            return None
        key, v = m.groups()
        if v in ("null", "~", ""):
            out[key] = None
        elif v == "[]":
            out[key] = []
        elif len(v) >= 2 and v[0] == v[-1] == "'" and "'" not in v[1:-1]:
            out[key] = v[1:-1]
        elif v.lstrip("-").isdigit():
            out[key] = int(v)
        elif _PLAIN.match(v) and v.lower() not in ("true", "false", "yes", "no", "on", "off"):
            out[key] = v
        else:
            return None
    return out


def _meta(path: Path, info: LogInfo) -> dict[str, Any] | None:
    flat = _flat_yaml(path.read_text(encoding="utf-8", errors="replace"))
    if flat is not None:
        return flat
    from chartkit._optional import import_optional
    from chartkit.metrics.readers.lightning import _safe_yaml

    yaml = import_optional("yaml", "reading MLflow meta.yaml files", "logs")
    try:
        data = _safe_yaml(path.read_text(encoding="utf-8", errors="replace"), yaml)
    except Exception as err:
        info.add("skipped", path, f"meta.yaml not read: {str(err).splitlines()[0]}")
        return None
    return data if isinstance(data, dict) else None


def _is_run(d: Path) -> bool:
    return (d / "meta.yaml").is_file() and any((d / s).is_dir() for s in ("metrics", "params"))


def _runs_of(root: Path) -> list[tuple[Path, Path | None]]:
    """``(run folder, experiment folder)`` pairs under *root*."""
    if _is_run(root):
        return [(root, root.parent if (root.parent / "meta.yaml").is_file() else None)]
    exps = [root] if (root / "meta.yaml").is_file() else []
    if not exps:
        exps = [
            d
            for d in sorted(root.iterdir(), key=lambda p: natural_key(p.name))
            if d.is_dir() and (d / "meta.yaml").is_file()
        ]
    out = []
    for e in exps:
        for r in sorted(e.iterdir(), key=lambda p: natural_key(p.name)):
            if r.is_dir() and _is_run(r):
                out.append((r, e))
    return out


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _read_values(folder: Path) -> dict[str, str]:
    out = {}
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                out[p.relative_to(folder).as_posix()] = p.read_text("utf-8", "replace").strip()
    return out


def _metric_file(p: Path, info: LogInfo):
    data = drop_unterminated(p.read_bytes(), p, info)
    steps, times, values = [], [], []
    bad, first = 0, None
    for n, line in enumerate(data.split(b"\n"), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            ts = int(parts[0])
            v = float(parts[1])
            step = int(parts[2]) if len(parts) > 2 else 0
            if len(parts) > 3:
                raise ValueError(line)
        except (ValueError, IndexError):
            bad += 1
            first = first or n
            continue
        steps.append(step), times.append(ts / 1000.0), values.append(v)
    if bad:
        info.add(
            "skipped",
            p,
            "metric line that is not '<timestamp> <value> <step>'",
            line=first,
            count=bad,
        )
    return steps, times, values


def read_mlflow(path: str | os.PathLike[str]) -> RunLog:
    """Read an MLflow file store (``mlruns/``), one experiment or one run into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        The ``mlruns`` folder (every experiment), one experiment folder or one run folder.

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame, ``source="mlflow"``: one row per metric line,
        ``step`` and ``wall_time`` (the line's timestamp, in seconds) as logged; ``run`` is
        ``<experiment>/<run name>``; runs nested under a parent run (a sweep) are its
        trials (``run`` = the parent's, ``trial`` = the child's name).
        ``params``: one row per run (``trial`` set for nested runs): its params (numbers
        converted), then ``tags/<key>`` for the user's tags (``mlflow.*`` tags left out).
        ``info.extra["trials"]``: one row per nested run: ``trial, dir, status, state,
        last_iteration, ...`` (``FINISHED`` -> ``TERMINATED``, ``FAILED`` -> ``ERROR``, as
        `MLFLOW_STATUS`); ``info.extra["runs"]``: every run's id, name, experiment, status,
        parent and start/end times.

    Raises
    ------
    FileNotFoundError
        If *path* does not exist.
    ValueError
        A path holding no MLflow run (no ``meta.yaml`` with ``metrics/`` or ``params/``).

    Warns
    -----
    DataWarning
        One per file: metric lines that do not parse (skipped and counted), a cut last line,
        a ``meta.yaml`` that cannot be read; one for deleted runs left out.
    """
    import numpy as np
    import pandas as pd

    root = check_path(path)
    if not root.is_dir():
        raise _bad(root, "an MLflow mlruns folder, experiment folder or run folder")
    found = _runs_of(root)
    if not found:
        raise _bad(root, "an MLflow file store: folders with meta.yaml and metrics/ or params/")
    info = LogInfo(source="mlflow")
    exp_names: dict[Path | None, str] = {}
    runs = []
    deleted = 0
    for run_dir, exp_dir in found:
        if exp_dir not in exp_names:
            em = _meta(exp_dir / "meta.yaml", info) if exp_dir is not None else None
            exp_names[exp_dir] = str((em or {}).get("name") or (exp_dir.name if exp_dir else ""))
        meta = _meta(run_dir / "meta.yaml", info) or {}
        if meta.get("lifecycle_stage") == "deleted":
            deleted += 1
            continue
        tags = _read_values(run_dir / "tags")
        runs.append(
            {
                "id": str(meta.get("run_id") or run_dir.name),
                "name": tags.get("mlflow.runName") or str(meta.get("run_name") or run_dir.name),
                "experiment": exp_names[exp_dir],
                "status": MLFLOW_STATUS.get(meta.get("status"), str(meta.get("status"))),
                "parent": tags.get("mlflow.parentRunId"),
                "start": meta.get("start_time"),
                "end": meta.get("end_time"),
                "dir": run_dir,
                "tags": {k: v for k, v in tags.items() if not k.startswith("mlflow.")},
                "params": {k: _value(v) for k, v in _read_values(run_dir / "params").items()},
            }
        )
    if deleted:
        info.add(
            "skipped", root, "deleted run(s) (lifecycle_stage: deleted) left out", count=deleted
        )
    by_id = {r["id"]: r for r in runs}
    for r in runs:
        parent = by_id.get(r["parent"]) if r["parent"] else None
        r["run"] = f"{r['experiment']}/{(parent or r)['name']}"
        r["trial"] = r["name"] if parent else None
    cols: dict[str, list] = {
        k: [] for k in ("run", "trial", "step", "wall_time", "metric", "value")
    }
    for r in runs:
        mdir = r["dir"] / "metrics"
        last = None
        for p in sorted(mdir.rglob("*")) if mdir.is_dir() else []:
            if not p.is_file():
                continue
            info.files.append(str(p))
            steps, times, values = _metric_file(p, info)
            n = len(steps)
            info.rows += n
            key = p.relative_to(mdir).as_posix()
            cols["run"] += [r["run"]] * n
            cols["trial"] += [r["trial"]] * n
            cols["step"] += steps
            cols["wall_time"] += times
            cols["metric"] += [key] * n
            cols["value"] += values
            if steps:
                last = max(steps) if last is None else max(last, max(steps))
        r["last"] = last
    frame = make_frame(
        "mlflow",
        run=pd.Categorical(cols["run"]),
        trial=pd.Categorical(cols["trial"]) if any(cols["trial"]) else None,
        step=np.asarray(cols["step"], dtype=np.int64),
        wall_time=np.asarray(cols["wall_time"], dtype=np.float64),
        metric=pd.Categorical(cols["metric"]),
        value=np.asarray(cols["value"], dtype=np.float64),
    )
    params = params_frame(
        [
            {
                "run": r["run"],
                "trial": r["trial"],
                "segment": 0,
                "start_step": 0,
                **r["params"],
                **{f"tags/{k}": v for k, v in r["tags"].items()},
            }
            for r in runs
        ]
    )
    info.extra["runs"] = pd.DataFrame(
        [
            {k: r[k] for k in ("id", "name", "experiment", "status", "parent", "start", "end")}
            for r in runs
        ]
    )
    trials = [r for r in runs if r["trial"] is not None]
    info.extra["trials"] = (
        pd.DataFrame(
            {
                "trial": [r["trial"] for r in trials],
                "dir": [r["dir"].name for r in trials],
                "status": [r["status"] for r in trials],
                "last_iteration": pd.array([r["last"] for r in trials], dtype="Int64"),
                "rung": pd.array([None] * len(trials), dtype="Int64"),
                "error": [None] * len(trials),
                "exception": [None] * len(trials),
                "n_rows": [0] * len(trials),
                "n_segments": [1] * len(trials),
                "source_file": ["metrics/"] * len(trials),
            }
        )
        if trials
        else None
    )
    if info.extra["trials"] is None:
        del info.extra["trials"]
    info.extra["scheduler"] = {
        "kind": None,
        "evidence": None,
        "reason": "MLflow records no scheduler",
    }
    log = finish(frame, info, params=params, keep="last")
    failed = [r for r in runs if r["status"] == "ERROR"]
    if failed:
        info.add(
            "marked",
            None,
            f"run(s) ended FAILED, kept with their rows (first: {failed[0]['name']})",
            count=len(failed),
        )
    return log
