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

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chartkit.metrics.readers._hf_columns import StateFile, columns_of, flatten, new_keymap
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


def _listing(d: str) -> tuple[list[str], set[str]] | None:
    """``(state files, names at the top)`` of a Trainer output folder *d*, or None.

    The checkpoints' copies come first (in natural order), the top-level file last.
    """
    try:
        with os.scandir(d) as it:
            entries = list(it)
    except OSError:
        return None
    names = {e.name for e in entries}
    ckpts = sorted(
        (e.name for e in entries if _CHECKPOINT.match(e.name) and e.is_dir()), key=natural_key
    )
    files = [os.path.join(d, c, STATE) for c in ckpts]
    files = [f for f in files if os.path.isfile(f)]
    if STATE in names:
        files.append(os.path.join(d, STATE))
    return (files, names) if files else None


def _runs_of(root: Path) -> tuple[list[tuple[Path, list[str], bool, set[str]]], bool]:
    """``([(run folder, state files, whole run, names at its top)], sweep)`` for *root*.

    *root* is one ``trainer_state.json``, one ``checkpoint-*`` folder, one output_dir, or a
    folder of output_dirs (a sweep: each of its sub-folders holding a state file is a run).
    """
    if root.is_file():
        if root.name != STATE:
            raise _bad(root, f"a Trainer output folder or its {STATE}")
        run_dir = root.parent
        if _CHECKPOINT.match(run_dir.name):
            run_dir = run_dir.parent
        return [(run_dir, [str(root)], root.parent == run_dir, set())], False
    if not root.is_dir():
        raise _bad(root, f"a Trainer output folder or its {STATE}")
    if _CHECKPOINT.match(root.name) and (root / STATE).is_file():
        return [(root.parent, [str(root / STATE)], False, set())], False
    own = _listing(str(root))
    if own is not None:
        return [(root, own[0], True, own[1])], False
    runs = []
    with os.scandir(root) as it:
        subs = sorted(it, key=lambda e: natural_key(e.name))
    for sub in subs:
        if sub.is_dir() and not _CHECKPOINT.match(sub.name):
            got = _listing(sub.path)
            if got is not None:
                runs.append((Path(sub.path), got[0], True, got[1]))
    if not runs:
        raise _bad(
            root,
            f"a Trainer output folder ({STATE} at its top or in checkpoint-*/) or a folder "
            "of them",
        )
    return runs, True


def _load(path: str | Path, info: LogInfo, data: bytes | None = None) -> Any:
    """Parsed JSON of *path* (the standard library's parser, which also reads the bare
    ``NaN`` Python writes), or None (recorded) when it is cut, too deep or not JSON."""
    if data is None:
        with open(path, "rb") as fh:
            data = fh.read()
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


@functools.lru_cache(maxsize=1)
def _fast_decoder() -> Any:
    """msgspec's typed decoder of a state (entries: numbers only), or None without msgspec.

    Any other state (a string or null value, a non-object entry, ``NaN`` written bare by
    Python's json) fails this schema and is read by `_load` and `_clean` instead. msgspec
    raises `RecursionError` on deep nesting (it never crashes), which is caught.
    """
    try:
        import msgspec
    except ImportError:
        return None
    fields: list[tuple[str, Any, Any]] = [("log_history", list[dict[str, float]])]
    fields += [(k, Any, None) for k in _STATE_FACTS]
    state = msgspec.defstruct("TrainerState", fields)
    return msgspec, msgspec.json.Decoder(state)


def _read_state(f: str, info: LogInfo) -> tuple[dict[str, Any], list[dict]] | None:
    """``(facts, entries)`` of one state file, or None (recorded) when it cannot be read."""
    try:
        with open(f, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None  # a checkpoint folder without a state
    fast = _fast_decoder()
    if fast is not None:
        msgspec, dec = fast
        try:
            st = dec.decode(data)
            facts = {k: getattr(st, k) for k in _STATE_FACTS if getattr(st, k) is not None}
            return facts, st.log_history
        except RecursionError:
            info.add("skipped", f, f"JSON nested deeper than {MAX_NESTING} levels; not parsed")
            return None
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass  # not numbers only, bare NaN, cut: the standard parser says which
    state = _load(f, info, data)
    if state is None:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        info.add("skipped", f, "no log_history list: not a Trainer state")
        return None
    return {k: state[k] for k in _STATE_FACTS if k in state}, _clean(state["log_history"], f, info)


def _clean(history: list, f: str, info: LogInfo) -> list[dict[str, Any]]:
    """The entries of a state that is not numbers only, as numbers (the rest recorded)."""
    out = []
    for entry in history:
        if not isinstance(entry, dict):
            info.add("skipped", f, "log_history entry that is not an object", count=1)
            continue
        step = _number(entry.get("step"))
        if step is None or not step.is_integer():
            out.append({})  # counted as an entry without an integer step
            continue
        clean: dict[str, Any] = {}
        for key, v in entry.items():
            x = _number(v)
            if x is None:
                if v is not None:
                    info.add("skipped", f, f"non-numeric value of {key!r}")
                continue
            clean[key] = x
        out.append(clean)  # a missing or fractional step is counted with the others
    return out


def read_hf_trainer(path: str | os.PathLike[str], *, run: str | None = None) -> RunLog:
    """Read a Hugging Face ``Trainer`` run, or a folder of runs, into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        The Trainer's ``output_dir`` (its ``checkpoint-*/trainer_state.json`` and top-level
        ``trainer_state.json`` are merged), one ``checkpoint-*`` folder, one
        ``trainer_state.json``, or a folder of output_dirs (a sweep: every sub-folder
        holding a state file is a run, all read in one pass into one log).
    run : str, optional
        The ``run`` column; default: the ``output_dir`` folder's name. For a folder of runs,
        a prefix: ``<run>/<output_dir name>``.

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame, ``source="hf_trainer"``, ``step`` = the
        entry's ``step`` (the global step), one row per numeric key of each ``log_history``
        entry (``loss``, ``grad_norm``, ``learning_rate``, ``epoch``, ``eval_*``...);
        ``wall_time`` is NaN (the Trainer records none). The last entry's totals
        (``train_runtime``, ``total_flos``, ``train_loss``...) are facts, not series.
        ``params``: one row per run: the totals, then the ``*_results.json`` keys.
        ``info.extra["checkpoints"]``: the files merged, in order, with their
        ``global_step``, how many values they ``repeated`` (an earlier copy had the same:
        checkpoints are cumulative) and ``replaced`` (and ``run``, for a folder of runs).
        One run: ``info.extra["trainer"]``: the newest state's ``global_step``,
        ``max_steps``, ``logging_steps``, ``best_metric``... A folder of runs:
        ``info.extra["runs"]``: a frame of those facts, one row per run (``run``, ``dir``,
        ``files``, then the facts).

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
        another one is read), entries without an integral ``step``, non-numeric values;
        one per file whose values at steps an earlier file also has differ (``replaced``:
        the later file wins); in a folder of runs, one per run that has no readable state
        (left out). Identical repeats (each checkpoint holds the history so far) are not
        problems: they are counted in ``info.extra["checkpoints"]``.

    Notes
    -----
    State files are decoded with msgspec's typed decoder when msgspec is installed (the
    ``logs`` extra), else with the standard library's ``json``; the columns of every run are
    collected, coded and merged in one vectorised pass (`_hf_columns`).
    """
    root = check_path(path)
    runs, sweep = _runs_of(root)
    info = LogInfo(source="hf_trainer")
    if sweep:
        names = [d.name if run is None else f"{run}/{d.name}" for d, *_ in runs]
    else:
        names = [runs[0][0].name if run is None else run]
    states: list[StateFile] = []
    kept: list[int] = []
    keymap = new_keymap()
    for i, (run_dir, files, _whole, _names) in enumerate(runs):
        mine = []
        top_dir = os.fspath(run_dir)
        for f in files:
            got = _read_state(f, info)
            if got is None:
                continue
            info.files.append(f)
            gs = got[0].get("global_step")
            gs = gs if isinstance(gs, int) and not isinstance(gs, bool) else -1
            top = os.path.dirname(f) == top_dir and os.path.basename(f) == STATE
            mine.append(StateFile(len(kept), f, gs, top, got[0], *flatten(got[1], keymap)))
        if not mine:
            if not sweep:
                first = info.entries[0].message() if info.entries else ""
                raise _bad(files[-1], f"a readable {STATE} ({first})")
            info.add("skipped", run_dir, "Trainer run without a readable state: left out")
            continue
        mine.sort(key=lambda s: (s.global_step, s.top))
        states.extend(mine)
        kept.append(i)
    if not kept:
        raise _bad(root, f"a Trainer output folder or a folder of them, with a readable {STATE}")
    cols = columns_of(states, len(kept), _TOTALS, keymap)
    info.rows += cols.rows
    return _finish(root, runs, kept, names, states, cols, info, sweep)


def _finish(root, runs, kept, names, states, cols, info, sweep) -> RunLog:
    """The frame, the run facts and the merge record of `read_hf_trainer`."""
    for s in states:
        if s.skipped:
            info.add(
                "skipped", s.path, "log_history entry without an integer step", count=s.skipped
            )
        if s.replaced:
            info.add(
                "replaced",
                s.path,
                "values of steps an earlier state file also has differ: the later file's "
                "are kept (a resumed run)",
                count=s.replaced,
            )
    run_names = [names[i] for i in kept]
    frame = make_frame(
        "hf_trainer",
        run=pd.Categorical.from_codes(cols.run.astype(np.int32), categories=run_names),
        step=cols.step,
        metric=cols.metric,
        value=cols.value,
    )
    rows, checkpoints, facts_rows = [], [], []
    by_run: list[list[StateFile]] = [[] for _ in kept]
    for s in states:
        by_run[s.run].append(s)
    for j, i in enumerate(kept):
        run_dir, _files, whole, top_names = runs[i]
        mine = by_run[j]
        facts = dict(cols.totals[j])
        for name in RESULT_FILES if whole else ():  # one checkpoint: not the run's results
            if top_names and name not in top_names:
                continue
            p = run_dir / name
            if p.is_file():
                got = _load(p, info)
                if isinstance(got, dict):
                    info.files.append(str(p))
                    facts.update(got)
        rows.append({"run": run_names[j], "segment": 0, "start_step": 0, **facts})
        for s in mine:
            rec = {
                "file": STATE if s.top else os.path.relpath(s.path, run_dir),
                "global_step": s.global_step,
                "repeated": s.repeated,
                "replaced": s.replaced,
            }
            checkpoints.append({"run": run_names[j], **rec} if sweep else rec)
        newest = mine[-1].facts
        facts_rows.append({"run": run_names[j], "dir": run_dir.name, "files": len(mine), **newest})
    if sweep:
        info.extra["runs"] = pd.DataFrame(facts_rows)
    else:
        info.extra["trainer"] = {
            k: v for k, v in facts_rows[0].items() if k not in ("run", "dir", "files")
        }
    info.extra["checkpoints"] = checkpoints
    return finish(frame, info, params=params_frame(rows), keep="last")
