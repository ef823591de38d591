"""Read a Hugging Face ``Trainer`` output folder from its ``trainer_state.json`` files.

``Trainer`` keeps the run's log in ``trainer_state.json`` (``log_history``: one object per
``logging_steps`` with ``loss``, ``grad_norm``, ``learning_rate``, ``epoch``, ``step``; one
per evaluation with the ``eval_*`` keys; a last one with ``train_runtime`` and the other
totals), a copy in every ``checkpoint-<step>/`` folder and, after ``trainer.save_state()``,
one at the top of ``output_dir``. A resumed run starts from a checkpoint's copy, so the
copies overlap: they are merged in order of their ``global_step`` (the top-level file last
among equals) and, for one metric at one step, the later file wins; how many values each
later file repeated or replaced is recorded. ``all_results.json``, ``train_results.json``
and ``eval_results.json`` (``trainer.save_metrics``) and the last ``train_runtime`` entry
are the run's facts (``params``). Only JSON is read: the checkpoints' weights, optimizer
states and ``training_args.bin`` (pickles) are never opened.

This module imports neither pyplot nor transformers.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from chartkit.metrics.schema import (
    MAX_NESTING,
    LogInfo,
    RunLog,
    check_path,
    finish,
    make_frame,
    natural_key,
    nesting_depth,
    params_frame,
)

__all__ = ["RESULT_FILES", "read_hf_trainer"]

STATE = "trainer_state.json"
#: ``trainer.save_metrics`` files read as run facts, in this order (later keys win).
RESULT_FILES = ("train_results.json", "eval_results.json", "test_results.json", "all_results.json")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
#: Keys of the last ``log_history`` entry that are totals of the run, not a series.
_TOTALS = {
    "train_runtime",
    "train_samples_per_second",
    "train_steps_per_second",
    "total_flos",
    "train_loss",
}
#: Facts of the state kept in ``info.extra["trainer"]``.
_STATE_FACTS = (
    "global_step",
    "max_steps",
    "num_train_epochs",
    "epoch",
    "train_batch_size",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
)


def _bad(path: Any, expected: str) -> ValueError:
    from chartkit._validate import invalid_value_message

    return ValueError(
        invalid_value_message(str(path), "read_hf_trainer's path", expected=expected)
    )


def _state_files(root: Path) -> tuple[list[Path], Path]:
    """The ``trainer_state.json`` files of *root* and the run folder."""
    if root.is_file():
        if root.name != STATE:
            raise _bad(root, f"a Trainer output folder or its {STATE}")
        run_dir = root.parent
        if _CHECKPOINT.match(run_dir.name):
            run_dir = run_dir.parent
        return [root], run_dir
    if not root.is_dir():
        raise _bad(root, f"a Trainer output folder or its {STATE}")
    files = []
    if _CHECKPOINT.match(root.name) and (root / STATE).is_file():
        return [root / STATE], root.parent
    for sub in sorted(root.iterdir(), key=lambda p: natural_key(p.name)):
        if _CHECKPOINT.match(sub.name) and (sub / STATE).is_file():
            files.append(sub / STATE)
    if (root / STATE).is_file():
        files.append(root / STATE)
    if not files:
        raise _bad(root, f"a Trainer output folder: {STATE} at its top or in checkpoint-*/")
    return files, root


def _load(path: Path, info: LogInfo) -> Any:
    """Parsed JSON of *path*, or None (recorded) when it is cut, too deep or not JSON."""
    data = path.read_bytes()
    if nesting_depth(data, stop=MAX_NESTING) > MAX_NESTING:
        info.add("skipped", path, f"JSON nested deeper than {MAX_NESTING} levels; not parsed")
        return None
    try:
        return json.loads(data.decode("utf-8", "replace"))
    except ValueError as err:
        line = getattr(err, "lineno", None)
        what = "cut (a half-written file)" if not data.rstrip().endswith(b"}") else "not JSON"
        info.add("skipped", path, f"{what}: {getattr(err, 'msg', err)}", line=line)
        return None


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def read_hf_trainer(path: str | os.PathLike[str], *, run: str | None = None) -> RunLog:
    """Read a Hugging Face ``Trainer`` run into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        The Trainer's ``output_dir`` (its ``checkpoint-*/trainer_state.json`` and top-level
        ``trainer_state.json`` are merged), one ``checkpoint-*`` folder, or one
        ``trainer_state.json``.
    run : str, optional
        The ``run`` column; default: the ``output_dir`` folder's name.

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame, ``source="hf_trainer"``, ``step`` = the
        entry's ``step`` (the global step), one row per numeric key of each ``log_history``
        entry (``loss``, ``grad_norm``, ``learning_rate``, ``epoch``, ``eval_*``...);
        ``wall_time`` is NaN (the Trainer records none). The last entry's totals
        (``train_runtime``, ``total_flos``, ``train_loss``...) are facts, not series.
        ``params``: one row: the totals, then the ``*_results.json`` keys.
        ``info.extra["trainer"]``: the newest state's ``global_step``, ``max_steps``,
        ``logging_steps``, ``best_metric``... ; ``info.extra["checkpoints"]``: the files
        merged, in order, with their ``global_step``, how many values they ``repeated``
        (an earlier copy had the same: checkpoints are cumulative) and ``replaced``.

    Raises
    ------
    FileNotFoundError
        If *path* does not exist.
    ValueError
        A path that holds no ``trainer_state.json``, or whose every state file is cut, too
        deeply nested or not JSON (the message names the file).

    Warns
    -----
    DataWarning
        One per kind of problem and file: a cut or unreadable state file skipped (when
        another one is read), entries without a ``step``, non-numeric values; one per file
        whose values at steps an earlier file also has differ (``replaced``: the later file
        wins). Identical repeats (each checkpoint holds the history so far) are not
        problems: they are counted in ``info.extra["checkpoints"]``.
    """
    root = check_path(path)
    files, run_dir = _state_files(root)
    info = LogInfo(source="hf_trainer")
    states = []
    for f in files:
        state = _load(f, info)
        if state is None:
            continue
        if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
            info.add("skipped", f, "no log_history list: not a Trainer state")
            continue
        info.files.append(str(f))
        step = state.get("global_step")
        step = step if isinstance(step, int) and not isinstance(step, bool) else -1
        states.append((step, f.parent == run_dir, f, state))
    if not states:
        first = info.entries[0].message() if info.entries else ""
        raise _bad(files[-1], f"a readable {STATE} ({first})")
    states.sort(key=lambda s: (s[0], s[1]))
    merged: dict[tuple[str, int], tuple[float, int]] = {}
    totals: dict[str, Any] = {}
    counts: list[tuple[int, int]] = []  # per state file: values repeated, replaced
    for k, (_gs, _top, f, state) in enumerate(states):
        same = replaced = 0
        for entry in state["log_history"]:
            if not isinstance(entry, dict):
                info.add("skipped", f, "log_history entry that is not an object", count=1)
                continue
            step = entry.get("step")
            if isinstance(step, bool) or not isinstance(step, int):
                info.add("skipped", f, "log_history entry without an integer step", line=None)
                continue
            info.rows += 1
            if _TOTALS & entry.keys():
                totals.update({key: v for key, v in entry.items() if key != "step"})
                continue
            for key, v in entry.items():
                if key == "step":
                    continue
                x = _number(v)
                if x is None:
                    if v is not None:
                        info.add("skipped", f, f"non-numeric value of {key!r}")
                    continue
                old = merged.get((key, step))
                if old is not None and old[1] != k:
                    if old[0] == x or (math.isnan(old[0]) and math.isnan(x)):
                        same += 1
                    else:
                        replaced += 1
                merged[(key, step)] = (x, k)
        counts.append((same, replaced))
        if replaced:
            info.add(
                "replaced",
                f,
                "values of steps an earlier state file also has differ: the later file's "
                "are kept (a resumed run)",
                count=replaced,
            )
    newest = states[-1][3]
    info.extra["trainer"] = {k: newest.get(k) for k in _STATE_FACTS if k in newest}
    info.extra["checkpoints"] = [
        {
            "file": os.path.relpath(f, run_dir),
            "global_step": s,
            "repeated": same,
            "replaced": replaced,
        }
        for (s, _t, f, _st), (same, replaced) in zip(states, counts, strict=True)
    ]
    run_name = run if run is not None else run_dir.name
    items = sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    frame = make_frame(
        "hf_trainer",
        run=run_name,
        step=[k[1] for k, _v in items],
        metric=[k[0] for k, _v in items],
        value=[v[0] for _k, v in items],
    )
    facts = dict(totals)
    whole_run = (root.is_dir() and not _CHECKPOINT.match(root.name)) or root.parent == run_dir
    for name in RESULT_FILES if whole_run else ():  # one checkpoint: not the run's results
        p = run_dir / name
        if p.is_file():
            got = _load(p, info)
            if isinstance(got, dict):
                info.files.append(str(p))
                facts.update(got)
    params = params_frame([{"run": run_name, "segment": 0, "start_step": 0, **facts}])
    return finish(frame, info, params=params, keep="last")
