"""The columns of many Trainer states at once: one vectorised pass for a whole sweep.

`read_hf_trainer` flattens each state's ``log_history`` as soon as it is decoded
(`flatten`: lengths, key codes and values by C-level iteration, ``itertools.chain`` into
``numpy.fromiter``, the metric names coded through one dictionary shared by every file),
then hands all files here at once (runs in order, each run's files in merge order): the
steps are checked, the totals taken out, and the checkpoint merge (the later file wins for
one metric at one step; repeated and replaced values counted per file) is one stable sort
and a comparison of neighbours. No Python code runs per value.

Pure computation: no pyplot, no file access.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Columns", "StateFile", "columns_of", "flatten", "new_keymap"]


def new_keymap() -> defaultdict[str, int]:
    """Metric name -> code, a new code for each new name; ``"step"`` is code 0."""
    keymap: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    keymap["step"]  # code 0
    return keymap


def flatten(
    entries: list[dict[str, Any]], keymap: defaultdict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lengths, key codes, values)`` of one state's entries (dicts of numbers).

    Called on each state as soon as it is decoded, so its dicts are freed while the memory
    is still in cache (keeping every state of a sweep alive first costs more than the
    flattening itself).
    """
    chain = itertools.chain.from_iterable
    lens = np.fromiter(map(len, entries), np.int64, len(entries))
    n = int(lens.sum())
    codes = np.fromiter(map(keymap.__getitem__, chain(entries)), np.int32, n)
    values = np.fromiter(chain(map(dict.values, entries)), np.float64, n)
    return lens, codes, values


@dataclass
class StateFile:
    """One parsed ``trainer_state.json``: its run, merge rank and flattened entries.

    ``lens``, ``codes`` and ``values`` come from `flatten`; entries without exactly one
    integral ``"step"`` are found by `columns_of` and counted per file in ``skipped``.
    """

    run: int
    path: Any
    global_step: int
    top: bool
    facts: dict[str, Any]
    lens: np.ndarray
    codes: np.ndarray
    values: np.ndarray
    skipped: int = field(default=0, init=False)
    repeated: int = field(default=0, init=False)
    replaced: int = field(default=0, init=False)


@dataclass
class Columns:
    """The merged rows of every run (sorted by run, metric name, step) and the totals."""

    run: np.ndarray
    metric: pd.Categorical
    step: np.ndarray
    value: np.ndarray
    totals: list[dict[str, Any]]
    rows: int


def _counts(mask: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """How many True values of *mask* fall in each ``[bounds[i], bounds[i + 1])``."""
    cs = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    return cs[bounds[1:]] - cs[bounds[:-1]]


def columns_of(
    files: Sequence[StateFile],
    n_runs: int,
    totals_keys: set[str],
    keymap: defaultdict[str, int],
) -> Columns:
    """Check and merge the flattened entries of *files* (in merge order) into columns.

    Parameters
    ----------
    files : sequence of StateFile
        Runs in order, each run's files in merge order (earlier first).
    n_runs : int
    totals_keys : set of str
        Keys marking the last entry of a run (its totals): such an entry is a fact, not rows.
    keymap : defaultdict
        The `new_keymap` every file was flattened with.

    Returns
    -------
    Columns
        Each file's ``skipped``, ``repeated`` and ``replaced`` are set.
    """
    per_file = np.fromiter((len(f.lens) for f in files), np.int64, len(files))
    n_ent = int(per_file.sum())
    file_of_entry = np.repeat(np.arange(len(files), dtype=np.int32), per_file)
    lens = np.concatenate([f.lens for f in files]) if files else np.zeros(0, np.int64)
    codes = np.concatenate([f.codes for f in files]) if files else np.zeros(0, np.int32)
    values = np.concatenate([f.values for f in files]) if files else np.zeros(0)
    bounds = np.concatenate(([0], np.cumsum(lens)))
    is_step = codes == 0
    n_step = _counts(is_step, bounds)
    if (n_step == 1).all():  # the usual case: the step values are the entries' steps
        step_e = values[is_step]
    else:
        step_e = np.full(n_ent, np.nan)
        step_e[np.repeat(np.arange(n_ent), lens)[is_step]] = values[is_step]
    with np.errstate(invalid="ignore"):
        ok = (n_step == 1) & (step_e == np.floor(step_e)) & (np.abs(step_e) < 2.0**62)
    bad = np.bincount(file_of_entry[~ok], minlength=len(files))
    for f, b in zip(files, bad.tolist(), strict=True):
        f.skipped = b
    names = list(keymap)
    total_codes = [keymap[k] for k in totals_keys if k in keymap]
    is_total = ok & (_counts(np.isin(codes, total_codes), bounds) > 0)
    totals: list[dict[str, Any]] = [{} for _ in range(n_runs)]
    for i in np.flatnonzero(is_total).tolist():
        a, b = int(bounds[i]), int(bounds[i + 1])
        keys = [names[c] for c in codes[a:b].tolist()]
        facts = dict(zip(keys, values[a:b].tolist(), strict=True))
        facts.pop("step", None)
        totals[files[int(file_of_entry[i])].run].update(facts)
    # per row, by repeating per-entry facts (sequential), then one compress
    rows = np.flatnonzero(np.repeat(ok & ~is_total, lens) & ~is_step)
    order = np.argsort(np.array(names, dtype=object))
    alpha = np.empty(len(names), dtype=np.int32)
    alpha[order] = np.arange(len(names), dtype=np.int32)
    run_of_file = np.fromiter((f.run for f in files), np.int32, len(files))
    src = {
        "metric": alpha[codes[rows]],
        "step": np.repeat(step_e, lens)[rows].astype(np.int64),
        "file": np.repeat(file_of_entry, lens)[rows],
    }
    src["run"] = run_of_file[src["file"]]
    take = _merge(src, files, values, rows)
    metric = src["metric"][take]
    used = np.bincount(metric, minlength=len(names)) > 0
    remap = (np.cumsum(used) - 1).astype(np.int32)
    cats = [names[i] for i in order.tolist() if used[alpha[i]]]
    return Columns(
        src["run"][take],
        pd.Categorical.from_codes(remap[metric], categories=cats),
        src["step"][take],
        values[rows[take]],
        totals,
        int(ok.sum()),
    )


def _merge(
    src: dict[str, np.ndarray], files: Sequence[StateFile], values: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Positions in *src* of the rows kept, in (run, metric, step) order: the last write of
    each (run, metric, step) (file order, then entry order); repeats and replacements by a
    later file are counted on that file (``values[rows]`` are the rows' values)."""
    metric, step, run = src["metric"], src["step"], src["run"]
    n_m = int(metric.max()) + 1 if len(metric) else 1
    group = run.astype(np.int64) * n_m + metric
    order = None
    if len(step) and int(group.max()) < 2**15:
        # the usual case: each state file's steps never go back. Grouping the rows by series
        # is then a radix sort (int16), after which they are in (series, step) order
        order = np.argsort(group.astype(np.int16), kind="stable")
        g2, s2 = group[order], step[order]
        if not ((s2[1:] >= s2[:-1]) | (g2[1:] != g2[:-1])).all():
            order = None  # a series goes back (checkpoint copies): sort by step too
    if order is None:
        lo = int(step.min()) if len(step) else 0
        span = int(step.max()) - lo + 1 if len(step) else 1
        if (int(group.max()) + 1 if len(group) else 1) * span < 2**62:
            order = np.argsort(group * span + (step - lo), kind="stable")
        else:
            order = np.lexsort((step, group))  # stable too
        g2, s2 = group[order], step[order]
    # stable sorts keep file order (then entry order) among rows of one (series, step)
    dup = (g2[1:] == g2[:-1]) & (s2[1:] == s2[:-1])
    if not dup.any():
        return order
    later = np.flatnonzero(dup) + 1
    f_later, f_before = src["file"][order[later]], src["file"][order[later - 1]]
    other = f_later != f_before
    a, b = values[rows[order[later - 1]]], values[rows[order[later]]]
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    nf = len(files)
    rep = np.bincount(f_later[other & same], minlength=nf)
    new = np.bincount(f_later[other & ~same], minlength=nf)
    for f, r, x in zip(files, rep.tolist(), new.tolist(), strict=True):
        f.repeated, f.replaced = r, x
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = ~dup
    return order[keep]
