"""Where the step time goes, per rank: categories, step breakdown and stragglers (pure).

Everything here works on a `~chartkit.metrics.readers.trace.TraceLog` and returns tables;
nothing imports pyplot (the charts are in `chartkit.metrics.plots.trace`).

Categories
----------
`classify` gives every event one of `CATEGORIES` by its name and the profiler's ``cat``,
first matching rule of `CATEGORY_RULES` wins:

* **communication**: NCCL kernels (``ncclKernel_AllReduce_*``, ``ncclDevKernel_*``), gloo
  and MPI ranges (``gloo:all_reduce``), ``c10d::``/``record_param_comms`` ops and any name
  saying all-reduce, all-gather, reduce-scatter, broadcast, all-to-all or barrier;
* **memory copy**: ``gpu_memcpy``/``gpu_memset`` events and ``cudaMemcpy*``/``Memcpy``;
* **optimizer**: ``Optimizer.step#…``/``zero_grad`` ranges, a ``record_function`` named
  like ``optimizer*``, fused optimizer kernels (``multi_tensor_apply``, ``adam``…);
* **data loading**: ``enumerate(DataLoader)…``, ``__next__``, collate/prefetch and any
  ``record_function`` named like ``data*``/``*load*``/``batch``;
* **compute**: every other operator, kernel or runtime call (``cpu_op``, ``kernel``,
  ``cuda_runtime``…) and ranges named ``forward``/``backward``/``loss``;
* **other**: anything else, e.g. a ``record_function`` whose name says nothing.

Operators inside a ``record_function`` range of data loading or optimizer take the range's
category (the aten ops of a data-loading block are data loading). Ranges that only
structure the work (``ProfilerStep#N``, ``forward``, ``backward``, unknown user ranges) are
*containers*: their own time is not counted, the work inside them is.

Breakdown
---------
`step_breakdown` splits each rank's step window into exclusive time by priority
(`PRIORITY`: compute, optimizer, data loading, memory copy, communication, other, then
idle). The communication left after that is the **exposed** communication: time when the
rank did nothing but wait for or run a collective, which made the step longer.
Communication that ran while compute ran is reported apart as **overlapped**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES",
    "CATEGORY_RULES",
    "PRIORITY",
    "StragglerReport",
    "classify",
    "find_straggler",
    "step_breakdown",
]

CATEGORIES = ("compute", "optimizer", "data loading", "memory copy", "communication", "other")
#: Exclusive attribution order within a step (idle is what no category covers).
PRIORITY = ("compute", "optimizer", "data loading", "memory copy", "communication", "other")
_CONTAINER_CATS = {"user_annotation", "gpu_user_annotation", "python_function"}

#: (category, regular expression on the event name, profiler cats it applies to or None).
CATEGORY_RULES: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("step", r"^ProfilerStep#\d+$", None),  # matched case-insensitively, like every rule
    (
        "communication",
        (
            r"nccl|(^|[^a-z])(gloo|mpi|ucc)[:_]|c10d::|record_param_comms|all_?reduce|"
            r"all_?gather|reduce_?scatter|broadcast|all_?to_?all|\bbarrier\b"
        ),
        None,
    ),
    ("memory copy", r"memcpy|memset", None),
    ("memory copy", r".", frozenset({"gpu_memcpy", "gpu_memset"})),
    (
        "optimizer",
        (
            r"^optimizer|optimizer[._ ]?step|zero_grad|multi_tensor_apply|(^|[^a-z])"
            r"(adam|adamw|sgd|lamb|lion|adagrad|rmsprop)[_:.(]"
        ),
        None,
    ),
    (
        "data loading",
        (
            r"dataloader|data_?load|enumerate\(|__next__|_next_data|collate|prefetch|"
            r"^data\b|(^|_)batch$|load_batch|get_batch|fetch"
        ),
        None,
    ),
    ("compute", r"^(forward|backward|loss|model)\b|\.forward$|autograd", None),
    (
        "compute",
        r".",
        frozenset({"cpu_op", "kernel", "cuda_runtime", "cuda_driver", "cpu_instant_event"}),
    ),
)


def _category_of(name: str, cat: str) -> str:
    for category, pattern, cats in CATEGORY_RULES:
        if cats is not None and cat not in cats:
            continue
        if re.search(pattern, name, flags=re.IGNORECASE):
            return category
    return "other"


def _codes(col: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes and the values they stand for (categoricals are not re-read)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), [str(v) for v in col.cat.categories]
    codes, uniques = pd.factorize(col.astype(object))
    return codes, [str(v) for v in uniques]


def _is_range(c_codes: np.ndarray, c_values: list) -> np.ndarray:
    """Which events are ``record_function``-style ranges (user or python annotations)."""
    return np.isin(c_codes, [i for i, c in enumerate(c_values) if c in _CONTAINER_CATS])


def classify(events: pd.DataFrame) -> pd.Categorical:
    """The category of every event (see the module docstring for the rules).

    Parameters
    ----------
    events : pandas.DataFrame
        ``TraceLog.events``-shaped: ``rank, lane, name, cat, start, duration``.

    Returns
    -------
    pandas.Categorical
        Values of `CATEGORIES` plus ``"step"`` for the ``ProfilerStep#N`` ranges.
    """
    labels = [*CATEGORIES, "step"]
    n_codes, n_values = _codes(events["name"])
    c_codes, c_values = _codes(events["cat"])
    pair = n_codes.astype(np.int64) * (len(c_values) + 1) + c_codes
    uniq, inverse = np.unique(pair, return_inverse=True)
    table = np.array(
        [
            labels.index(_category_of(n_values[u // (len(c_values) + 1)],
                                      c_values[u % (len(c_values) + 1)]))
            for u in uniq
        ],
        dtype=np.int8,
    )
    category = table[inverse] if len(pair) else np.array([], dtype=np.int8)
    category = _inherit_from_ranges(events, category, _is_range(c_codes, c_values))
    return pd.Categorical.from_codes(category, categories=labels)


_L = {c: i for i, c in enumerate([*CATEGORIES, "step"])}


def _inherit_from_ranges(
    events: pd.DataFrame, category: np.ndarray, is_range: np.ndarray
) -> np.ndarray:
    """Operators inside a data-loading or optimizer range take the range's category."""
    out = category.copy()
    start = events["start"].to_numpy()
    end = start + events["duration"].to_numpy()
    plain = np.isin(category, (_L["compute"], _L["other"])) & ~is_range
    for _, idx in events.groupby(["rank", "lane"], observed=True, sort=False).indices.items():
        for cat_name in ("data loading", "optimizer"):
            r = idx[is_range[idx] & (category[idx] == _L[cat_name])]
            if not len(r):
                continue
            order = np.argsort(start[r], kind="stable")
            rs, re_ = start[r][order], end[r][order]
            re_ = np.maximum.accumulate(re_)  # nested ranges of one kind: the outer end holds
            members = idx[plain[idx]]
            k = np.searchsorted(rs, start[members], side="right") - 1
            inside = (k >= 0) & (end[members] <= re_[np.clip(k, 0, None)] + 1e-9)
            out[members[inside]] = _L[cat_name]
    return out


def _counted(events: pd.DataFrame) -> np.ndarray:
    """Events whose own time counts: leaves, and ranges of a non-compute category."""
    is_range = _is_range(*_codes(events["cat"]))
    category = events["category"].cat.codes.to_numpy()
    container = is_range & np.isin(category, (_L["compute"], _L["other"], _L["step"]))
    return ~container & (category != _L["step"])


def step_breakdown(trace) -> pd.DataFrame:
    """Exclusive milliseconds per category, per rank and step.

    Parameters
    ----------
    trace : TraceLog

    Returns
    -------
    pandas.DataFrame
        One row per rank and step: ``rank, step, step_time`` and one column per category
        of `PRIORITY` plus ``idle`` (they add up to ``step_time``), ``exposed
        communication`` (= the ``communication`` column) and ``overlapped communication``
        (communication that ran while compute, optimizer, data loading or copies ran).
    """
    ev = trace.events
    counted = _counted(ev)
    rows = []
    by_rank = {
        r: np.flatnonzero(counted & (ev["rank"].to_numpy() == r)) for r in trace.ranks
    }
    start_all = ev["start"].to_numpy()
    end_all = start_all + ev["duration"].to_numpy()
    labels = np.asarray([*CATEGORIES, "step"], dtype=object)
    cat_all = labels[ev["category"].cat.codes.to_numpy()]
    for row in trace.steps.itertuples(index=False):
        idx = by_rank[row.rank]
        s0, e0 = float(row.start), float(row.end)
        sel = idx[(start_all[idx] < e0) & (end_all[idx] > s0)]
        rows.append(
            {
                "rank": int(row.rank),
                "step": int(row.step),
                "step_time": e0 - s0,
                **_exclusive(
                    np.clip(start_all[sel], s0, e0), np.clip(end_all[sel], s0, e0), cat_all[sel],
                    s0, e0,
                ),
            }
        )
    cols = ["rank", "step", "step_time", *PRIORITY, "idle", "overlapped communication"]
    out = pd.DataFrame(rows, columns=cols)
    out["exposed communication"] = out["communication"]
    return out


def _exclusive(starts, ends, cats, s0: float, e0: float) -> dict[str, float]:
    """Sweep the step window: each elementary segment goes to its top-priority category."""
    edges = np.unique(np.concatenate([[s0, e0], starts, ends]))
    seg = np.diff(edges)
    active = {}
    for c in PRIORITY:
        m = cats == c
        delta = np.zeros(edges.size)
        np.add.at(delta, np.searchsorted(edges, starts[m]), 1)
        np.add.at(delta, np.searchsorted(edges, ends[m]), -1)
        active[c] = np.cumsum(delta)[:-1] > 0
    taken = np.zeros(seg.size, dtype=bool)
    out = {}
    for c in PRIORITY:
        mine = active[c] & ~taken
        out[c] = float(seg[mine].sum())
        taken |= mine
    out["idle"] = float(seg[~taken].sum())
    busy = active["compute"] | active["optimizer"] | active["data loading"] | active["memory copy"]
    out["overlapped communication"] = float(seg[active["communication"] & busy].sum())
    return out


@dataclass
class StragglerReport:
    """Which rank the others wait for, and why (`find_straggler`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per rank: mean milliseconds per step of ``step_time``, each category,
        ``idle``, ``exposed communication`` and ``overlapped communication``, over the
        steps every rank has; plus the per-rank metrics given (e.g. ``samples_per_sec``).
    straggler : int or None
        The rank the others wait for, or None when the ranks wait alike.
    cause : str or None
        The category in which the straggler spends more than the other ranks.
    excess_ms : float
        How much more, per step (straggler's mean minus the others' median).
    waiting_ranks : list of int
        Ranks that wait (exposed communication above the straggler's).
    wait_ms : float
        Median exposed communication per step of the waiting ranks.
    comm_name : str or None
        The collective they wait in (the longest communication event name).
    steps : list of int
        The steps compared.
    """

    table: pd.DataFrame
    straggler: int | None
    cause: str | None
    excess_ms: float
    waiting_ranks: list[int]
    wait_ms: float
    comm_name: str | None
    steps: list[int]

    def sentence(self) -> str:
        """One plain sentence: who waits for whom, in what, and why."""
        if self.straggler is None:
            return (
                f"no straggler: exposed communication differs by less than "
                f"{_MIN_SPREAD_MS:g} ms or 10 % of a step across ranks (steps {self.steps})."
            )
        others = ", ".join(map(str, self.waiting_ranks))
        where = f" inside {self.comm_name}" if self.comm_name else ""
        return (
            f"rank {self.straggler} is the straggler: its {self.cause} takes "
            f"{self.excess_ms:.1f} ms per step more than the other ranks', while rank(s) "
            f"{others} wait {self.wait_ms:.1f} ms per step{where}."
        )


_MIN_SPREAD_MS = 1.0


def find_straggler(trace, metrics=None) -> StragglerReport:
    """The rank the others wait for, and its cause, from the step breakdown.

    A straggler arrives last at the collectives, so it has the least exposed
    communication while the other ranks wait in it. It is named when the ranks' exposed
    communication differs by at least 1 ms and 10 % of the median step; its cause is the
    category (not communication, not idle) where it spends the most time above the other
    ranks' median.

    Parameters
    ----------
    trace : TraceLog
    metrics : RunLog or pandas.DataFrame, optional
        Per-rank step metrics (e.g. the JSONL written beside the traces): the mean of each
        metric over the compared steps is joined to the table.

    Returns
    -------
    StragglerReport
    """
    bd = step_breakdown(trace)
    common = set.intersection(*(set(g["step"]) for _, g in bd.groupby("rank")))
    steps = sorted(s for s in common if s >= 0)
    if steps:
        bd = bd[bd["step"].isin(steps)]
    value_cols = [c for c in bd.columns if c not in ("rank", "step")]
    table = bd.groupby("rank")[value_cols].mean()
    if metrics is not None:
        table = table.join(_metric_means(metrics, steps), how="left")
    exposed = table["exposed communication"]
    spread = float(exposed.max() - exposed.min()) if len(exposed) else 0.0
    median_step = float(table["step_time"].median()) if len(table) else 0.0
    comm = trace.events[trace.events["category"] == "communication"]
    comm_name = (
        str(comm.groupby("name", observed=True)["duration"].sum().idxmax())
        if len(comm)
        else None
    )
    if len(table) < 2 or spread < max(_MIN_SPREAD_MS, 0.1 * median_step):
        return StragglerReport(table.reset_index(), None, None, 0.0, [], 0.0, comm_name, steps)
    straggler = int(exposed.idxmin())
    others = table.drop(index=straggler)
    work = [c for c in PRIORITY if c != "communication"]
    excess = {c: float(table.loc[straggler, c] - others[c].median()) for c in work}
    cause = max(excess, key=excess.get)
    waiting = [int(r) for r in others.index if exposed[r] > exposed[straggler] + _MIN_SPREAD_MS]
    return StragglerReport(
        table=table.reset_index(),
        straggler=straggler,
        cause=cause,
        excess_ms=excess[cause],
        waiting_ranks=waiting,
        wait_ms=float(others.loc[waiting, "exposed communication"].median()) if waiting else 0.0,
        comm_name=comm_name,
        steps=steps,
    )


def _metric_means(metrics, steps: list[int]) -> pd.DataFrame:
    frame = getattr(metrics, "metrics", metrics)
    rows = frame[frame["step"].isin(steps)] if steps else frame
    table = rows.pivot_table(index="rank", columns="metric", values="value", aggfunc="mean")
    table.columns = [str(c) for c in table.columns]
    table.index = table.index.astype(int)
    drop = [c for c in ("step", "rank", "world_size", "wall_time") if c in table.columns]
    return table.drop(columns=drop)
