"""The columns of many Trainer states at once: one vectorised pass for a whole sweep.

`read_hf_trainer` hands every ``log_history`` of every state file of every run here, in
one list (runs in order, each run's files in merge order). The keys, values and steps of
all entries are flattened with C-level iteration (``itertools.chain``, ``numpy.fromiter``),
the metric names coded once through one dictionary, and the checkpoint merge (the later
file wins for one metric at one step; repeated and replaced values counted per file) is
one stable sort and a comparison of neighbours. No Python code runs per value.

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

__all__ = ["Columns", "StateFile", "columns_of"]


@dataclass
class StateFile:
    """One parsed ``trainer_state.json``: its run, merge rank and entries.

    ``entries`` are dicts of numbers (``int`` or ``float``) holding a ``"step"``; entries
    that break this (no step, a fractional step) are found here and counted per file.
    """

    run: int
    path: Any
    global_step: int
    top: bool
    facts: dict[str, Any]
    entries: list[dict[str, Any]]
    pre_rows: int = 0  # entries the slow path already dropped (counted by it)
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


def columns_of(files: Sequence[StateFile], n_runs: int, totals_keys: set[str]) -> Columns:
    """Flatten, check and merge the entries of *files* (in merge order) into columns.

    Parameters
    ----------
    files : sequence of StateFile
        Runs in order, each run's files in merge order (earlier first).
    n_runs : int
    totals_keys : set of str
        Keys marking the last entry of a run (its totals): such an entry is a fact, not rows.

    Returns
    -------
    Columns
        Each file's ``skipped``, ``repeated`` and ``replaced`` are set.
    """
    entries = list(itertools.chain.from_iterable(f.entries for f in files))
    n_ent = len(entries)
    per_file = np.fromiter((len(f.entries) for f in files), np.int64, len(files))
    file_of_entry = np.repeat(np.arange(len(files), dtype=np.int64), per_file)
    lens = np.fromiter(map(len, entries), np.int64, n_ent)
    bounds = np.concatenate(([0], np.cumsum(lens)))
    n = int(bounds[-1])
    keymap: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    keymap["step"]  # code 0
    codes = np.fromiter(
        map(keymap.__getitem__, itertools.chain.from_iterable(entries)), np.int64, n
    )
    values = np.fromiter(itertools.chain.from_iterable(map(dict.values, entries)), np.float64, n)
    entry_of_row = np.repeat(np.arange(n_ent, dtype=np.int64), lens)
    is_step = codes == 0
    step_e = np.full(n_ent, np.nan)
    step_e[entry_of_row[is_step]] = values[is_step]
    with np.errstate(invalid="ignore"):
        ok = (
            (_counts(is_step, bounds) == 1)
            & np.isfinite(step_e)
            & (step_e == np.floor(step_e))
            & (np.abs(step_e) < 2.0**62)
        )
    bad = np.bincount(file_of_entry[~ok], minlength=len(files))
    for f, b in zip(files, bad.tolist(), strict=True):
        f.skipped = b
    total_codes = [keymap[k] for k in totals_keys if k in keymap]
    is_total = ok & (_counts(np.isin(codes, total_codes), bounds) > 0)
    totals: list[dict[str, Any]] = [{} for _ in range(n_runs)]
    for i in np.flatnonzero(is_total).tolist():
        run = files[int(file_of_entry[i])].run
        totals[run].update({k: v for k, v in entries[i].items() if k != "step"})
    keep_e = ok & ~is_total
    keep = keep_e[entry_of_row] & ~is_step
    file_of_row = file_of_entry[entry_of_row[keep]]
    run_of_file = np.fromiter((f.run for f in files), np.int64, len(files))
    names = list(keymap)
    order = np.argsort(np.array(names, dtype=object))
    alpha = np.empty(len(names), dtype=np.int64)
    alpha[order] = np.arange(len(names))
    metric = alpha[codes[keep]]
    step = step_e[entry_of_row[keep]].astype(np.int64)
    value = values[keep]
    run = run_of_file[file_of_row]
    metric, step, value, run = _merge(metric, step, value, run, file_of_row, files)
    used = np.bincount(metric, minlength=len(names)) > 0
    remap = np.cumsum(used) - 1
    cats = [names[i] for i in order.tolist() if used[alpha[i]]]
    cat = pd.Categorical.from_codes(remap[metric].astype(np.int32), categories=cats)
    return Columns(run, cat, step, value, totals, int(ok.sum()))


def _merge(metric, step, value, run, file_of_row, files):
    """Keep the last write of each (run, metric, step); count repeats and replacements."""
    n_m = int(metric.max()) + 1 if len(metric) else 1
    group = run * n_m + metric
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
    metric, step, value, run, file_of_row = (
        a[order] for a in (metric, step, value, run, file_of_row)
    )
    if dup.any():
        later = np.flatnonzero(dup) + 1
        other = file_of_row[later] != file_of_row[later - 1]
        a, b = value[later - 1], value[later]
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        nf = len(files)
        rep = np.bincount(file_of_row[later[other & same]], minlength=nf)
        new = np.bincount(file_of_row[later[other & ~same]], minlength=nf)
        for f, r, x in zip(files, rep.tolist(), new.tolist(), strict=True):
            f.repeated, f.replaced = r, x
        keep = np.ones(len(step), dtype=bool)
        keep[:-1] = ~dup
        metric, step, value, run = (a[keep] for a in (metric, step, value, run))
    return metric, step, value, run
