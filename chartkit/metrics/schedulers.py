"""Scheduler facts of a tuning run, only from evidence (no pyplot, no ray, no pickles).

A chart of ASHA/HyperBand rungs or of a PBT lineage states facts about the scheduler a run
used. Ray writes the scheduler itself only into pickles (``tuner.pkl``), which chartkit
never opens, so the facts come from what the run's plain files show, or from the user:

* **PBT**: ``pbt_global.txt`` / ``pbt_policy_<trial>.txt`` beside the trial folders (Ray's
  ``PopulationBasedTraining`` writes one JSON list per exploit: target trial, the trial it
  copied, both iterations, the copied config and the new one) -> `exploit_table`;
* **ASHA** (one bracket): trials that *ended normally before the others* at two or more
  distinct iterations that form a geometric ladder ``grace_period * reduction_factor**k``.
  The rungs are then inferred from those iterations, and the chart says so;
* **the user's arguments** (``scheduler="asha"|"hyperband"``, ``grace_period``,
  ``reduction_factor``, ``max_t``): they win over anything inferred. HyperBand (Ray's
  synchronous ``HyperBandScheduler``) is modelled with its brackets (`hyperband_brackets`),
  trials filling them in creation order as Ray does.

Nothing else is guessed: a run where every trial ran to the same last iteration (no
scheduler, or PBT) has no rungs, and `rung_evidence` says why in one sentence that
``plot-logs`` can print. `NotApplicable` carries that reason when a rung chart is asked for
anyway.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

from chartkit._i18n import tr

__all__ = [
    "NotApplicable",
    "asha_milestones",
    "evidence_text",
    "exploit_table",
    "hyperband_brackets",
    "read_pbt_policy",
    "rung_evidence",
    "rung_facts",
    "scheduler_facts",
]

#: Scheduler names a user may pass as ``scheduler=``.
RUNG_SCHEDULERS = ("asha", "hyperband")


class NotApplicable(ValueError):
    """A chart the run's evidence does not support; ``reason`` says why in one sentence.

    ``key`` and ``fields`` give the same sentence in the message catalogue
    (`chartkit._i18n`), so a chart can say it in its ``lang``: ``why(lang)``.
    """

    def __init__(self, key: str, **fields: Any) -> None:
        reason = tr(key, "en", **fields)
        super().__init__(reason)
        self.reason, self.key, self.fields = reason, key, fields

    def why(self, lang: str = "en") -> str:
        """The reason in *lang*."""
        return tr(self.key, lang, **self.fields)


def _no_rungs(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": None,
        "evidence": None,
        "reason": tr(key, "en", **fields),
        "reason_key": key,
        "reason_fields": fields,
    }


def asha_milestones(grace_period: float, reduction_factor: float, max_t: float) -> list[float]:
    """Iterations at which an ASHA/HyperBand bracket compares trials.

    The rungs are ``grace_period * reduction_factor**k`` below *max_t*, as Ray's
    ``ASHAScheduler`` builds them (one bracket); *max_t* itself is appended as the last
    milestone (a trial that reaches it has finished).

    Examples
    --------
    >>> asha_milestones(1, 2, 10)
    [1, 2, 4, 8, 10]
    """
    from chartkit._validate import invalid_value_message

    if not reduction_factor > 1:
        raise ValueError(
            invalid_value_message(reduction_factor, "reduction_factor", expected="a number > 1")
        )
    if not 0 < grace_period <= max_t:
        raise ValueError(
            invalid_value_message(
                grace_period, "grace_period", expected=f"a number in (0, max_t={max_t!r}]"
            )
        )
    n_rungs = int(math.log(max_t / grace_period) / math.log(reduction_factor) + 1)
    out = [grace_period * reduction_factor**k for k in range(n_rungs)]
    out = [_num(m) for m in out if m < max_t]
    return [*out, _num(max_t)]


def _num(v: float):
    return int(v) if float(v).is_integer() else v


def hyperband_brackets(
    max_t: float, reduction_factor: float, n_trials: int
) -> list[dict[str, Any]]:
    """Brackets of Ray's synchronous ``HyperBandScheduler`` filled by *n_trials* trials.

    Ray makes ``s_max + 1 = round(log(max_t) / log(eta)) + 1`` brackets per band; bracket
    ``s`` takes ``ceil((s_max + 1) / (s + 1) * eta**s)`` trials, starts them at
    ``r0 = int(max_t * eta**-s)`` iterations and keeps the best ``1/eta`` at each of its
    ``s`` rungs (``r0 * eta**k``, capped at *max_t*). Trials fill the brackets in the order
    they were created; a full band starts a new one.

    Returns
    -------
    list of dict
        Per bracket in fill order: ``band, s, size`` (trials it takes), ``trials`` (the
        positions of the trials in it, in creation order) and ``milestones``.
    """
    from chartkit._validate import invalid_value_message

    if not reduction_factor > 1:
        raise ValueError(
            invalid_value_message(reduction_factor, "reduction_factor", expected="a number > 1")
        )
    if not max_t >= 1:
        raise ValueError(invalid_value_message(max_t, "max_t", expected="a number >= 1"))
    eta = reduction_factor
    s_max_1 = round(math.log(max_t) / math.log(eta)) + 1
    out: list[dict[str, Any]] = []
    band, s, pos = 0, 0, 0
    while pos < n_trials:
        r0 = int(max_t * eta ** (-s))
        if r0 > 0:
            size = math.ceil(s_max_1 / (s + 1) * eta**s)
            miles, r = [r0], r0
            for _ in range(s):
                r = int(min(r * eta, max_t))
                miles.append(r)
            take = list(range(pos, min(pos + size, n_trials)))
            out.append({"band": band, "s": s, "size": size, "trials": take, "milestones": miles})
            pos += len(take)
        s += 1
        if s >= s_max_1:
            band, s = band + 1, 0
    return out


def _infer_ladder(stops: list[float]) -> tuple[float, float] | None:
    """``(grace_period, reduction_factor)`` when the early stops form a geometric ladder."""
    pts = sorted({float(x) for x in stops if x > 0})
    if len(pts) < 2:
        return None
    g = pts[0]
    rf = round(pts[1] / g)
    if rf < 2:
        return None
    for p in pts:
        k = round(math.log(p / g) / math.log(rf))
        # Ray's rungs are floats compared with >=: a stop lands on the ceiling
        if k < 0 or abs(p - math.ceil(g * rf**k - 1e-9)) > 0.5:
            return None
    return g, float(rf)


def _ended(summary) -> tuple[list[int], list[int]]:
    """Last iterations of all trials with rows, and of those that ended normally."""
    rows = [
        (int(x), str(s).upper())
        for x, s, n in zip(
            summary["last_iteration"], summary["status"], summary["n_rows"], strict=True
        )
        if n and x is not None and not _isna(x)
    ]
    normal = [x for x, s in rows if s in ("TERMINATED", "UNKNOWN")]
    return [x for x, _ in rows], normal


def _isna(v) -> bool:
    try:
        return bool(v != v) or v is None or str(v) == "<NA>"
    except (TypeError, ValueError):
        return str(v) == "<NA>"


def scheduler_facts(
    summary,
    *,
    exploits=None,
    scheduler: str | None = None,
    grace_period: float | None = None,
    reduction_factor: float | None = None,
    max_t: float | None = None,
) -> dict[str, Any]:
    """What the run's files (and the user) say about its scheduler.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per trial with ``trial, status, last_iteration, n_rows`` (the reader's
        ``info.extra["trials"]``), in creation order.
    exploits : pandas.DataFrame, optional
        `read_pbt_policy`'s table; a non-empty one means PBT.
    scheduler : {"asha", "hyperband"}, optional
        The user's word; *grace_period*, *reduction_factor* or *max_t* given alone mean
        ``"asha"``.
    grace_period, reduction_factor, max_t : float, optional
        The scheduler's arguments, used as given.

    Returns
    -------
    dict
        ``kind`` (``"asha"``, ``"hyperband"``, ``"pbt"`` or None), ``evidence`` (what it was
        read from) and, when rungs apply, ``grace_period, reduction_factor, max_t,
        milestones, how, survivors`` (and ``brackets`` for HyperBand); ``reason`` when
        there are no rungs (a sentence for the user).
    """
    from chartkit._validate import check_in_list

    if scheduler is not None:
        check_in_list(RUNG_SCHEDULERS, scheduler=scheduler)
    given = {"grace_period": grace_period, "reduction_factor": reduction_factor, "max_t": max_t}
    user = scheduler or ("asha" if any(v is not None for v in given.values()) else None)
    everyone, normal = _ended(summary)
    stops = normal or everyone
    pbt = exploits is not None and len(exploits) > 0
    how: dict[str, str] = {}
    if user is None:
        if pbt:
            return {
                **_no_rungs("tuning.why.pbt"),
                "kind": "pbt",
                "evidence": f"pbt_global.txt ({len(exploits)} exploits)",
            }
        if not stops:
            return _no_rungs("tuning.why.no_results")
        top = max(stops)
        early = [x for x in stops if x < top]
        if not early:
            return _no_rungs("tuning.why.all_ran", top=top)
        ladder = _infer_ladder(early)
        if ladder is None:
            its = ", ".join(str(x) for x in sorted(set(early)))
            return _no_rungs("tuning.why.no_ladder", its=its, top=top)
        user = "asha"
        its = ", ".join(str(x) for x in sorted(set(early)))
        evidence = ("tuning.evidence.stops", {"its": its})
        grace_period, reduction_factor = ladder
        max_t = top
        how = {
            "grace_period": "inferred: smallest early-stop iteration",
            "reduction_factor": "inferred: ratio between early-stop iterations",
            "max_t": "inferred: largest last iteration",
        }
    else:
        evidence = ("tuning.evidence.given", {"name": repr(user)})
        if max_t is None:
            if not everyone:
                raise NotApplicable("tuning.why.need_max_t")
            max_t = max(everyone)
            how["max_t"] = "inferred: largest last iteration"
        early = [x for x in stops if x < max_t]
        ladder = _infer_ladder(early)
        if reduction_factor is None:
            if ladder is None:
                raise NotApplicable("tuning.why.need_rf", kind=user)
            reduction_factor = ladder[1]
            how["reduction_factor"] = "inferred: ratio between early-stop iterations"
        if grace_period is None and user == "asha":
            if ladder is None:
                raise NotApplicable("tuning.why.need_grace")
            grace_period = ladder[0]
            how["grace_period"] = "inferred: smallest early-stop iteration"
    return _rungs(summary, user, evidence, grace_period, reduction_factor, max_t, how)


def _rungs(summary, kind, evidence, g, rf, mt, how) -> dict[str, Any]:
    last = [(-1 if _isna(x) else int(x)) for x in summary["last_iteration"]]
    key, fields = evidence
    out: dict[str, Any] = {"kind": kind, "evidence": tr(key, "en", **fields), "how": how}
    out.update(evidence_key=key, evidence_fields=fields)
    out.update(grace_period=_num(g) if g is not None else None, reduction_factor=_num(rf))
    out["max_t"] = _num(mt)
    if kind == "hyperband":
        brackets = hyperband_brackets(mt, rf, len(last))
        for b in brackets:
            reached = [last[i] for i in b["trials"]]
            b["survivors"] = {m: sum(1 for x in reached if x >= m) for m in b["milestones"]}
            b["trials"] = [str(summary["trial"].iloc[i]) for i in b["trials"]]
        out["brackets"] = brackets
        miles = sorted({m for b in brackets for m in b["milestones"]} | {_num(mt)})
    else:
        miles = asha_milestones(g, rf, mt)
    out["milestones"] = miles
    out["survivors"] = {m: sum(1 for x in last if x >= m) for m in miles}
    return out


def rung_facts(log, **given) -> dict[str, Any]:
    """The rungs of *log* (a `RunLog`), or `NotApplicable` saying why there are none.

    *given* are `scheduler_facts`' keywords (``scheduler``, ``grace_period``,
    ``reduction_factor``, ``max_t``); without them the reader's facts are used.
    """
    info = getattr(log, "info", None)
    extra = getattr(info, "extra", None) or {}
    given = {k: v for k, v in given.items() if v is not None}
    facts = extra.get("scheduler") or {}
    summary = extra.get("trials")
    if given:
        if summary is None:
            raise NotApplicable("tuning.why.bare_frame")
        facts = scheduler_facts(summary, exploits=extra.get("pbt_exploits"), **given)
    if facts.get("kind") not in RUNG_SCHEDULERS:
        if facts.get("reason_key"):
            raise NotApplicable(facts["reason_key"], **facts.get("reason_fields", {}))
        raise NotApplicable("tuning.why.none_recorded")
    return facts


def rung_evidence(log, lang: str = "en", **given) -> tuple[bool, str]:
    """``(True, evidence)`` when *log* has rungs to draw, else ``(False, reason)``.

    ``plot-logs`` calls this before `~chartkit.metrics.plots.plot_rungs` and prints the
    reason (in *lang*) when it is False.
    """
    try:
        facts = rung_facts(log, **given)
    except NotApplicable as err:
        return False, err.why(lang)
    return True, evidence_text(facts, lang)


def evidence_text(facts: Mapping[str, Any], lang: str = "en") -> str:
    """What the scheduler facts were read from, in *lang*."""
    if facts.get("evidence_key"):
        return tr(facts["evidence_key"], lang, **facts.get("evidence_fields", {}))
    return str(facts.get("evidence"))


def _policy_lines(path: str) -> tuple[list[list[Any]], int]:
    rows, bad = [], 0
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(8_000_000)
    except OSError:
        return [], 1
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.count("[") + line.count("{") > 200:  # bounded nesting: never recurse deep
            bad += 1
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            bad += 1
            continue
        if isinstance(row, list) and len(row) >= 4:
            rows.append(row)
        else:
            bad += 1
    return rows, bad


def read_pbt_policy(folder: str, trial_dirs: Mapping[str, str], info=None):
    """The exploits Ray's PBT logged in *folder* (``pbt_global.txt``), one row each.

    Parameters
    ----------
    folder : str
        The experiment folder.
    trial_dirs : dict
        Trial id -> trial folder name, to turn PBT's trial tags into ids.
    info : LogInfo, optional
        Unreadable lines are counted there as ``skipped``.

    Returns
    -------
    pandas.DataFrame or None
        ``trial`` (the one that copied), ``step`` (its iteration then), ``source`` (the
        trial copied), ``source_step`` (the checkpoint's iteration), ``changes``
        (``"lr 0.01 → 0.012"``); None when the folder has no PBT log.
    """
    import pandas as pd

    gpath = os.path.join(folder, "pbt_global.txt")
    try:
        policy = [n for n in os.listdir(folder) if n.startswith("pbt_policy_")]
    except OSError:
        policy = []
    if not os.path.isfile(gpath) and not policy:
        return None
    tag_to_id: dict[str, str] = {}
    for n in policy:  # the last line of pbt_policy_<id>.txt has that trial as target
        rows, _ = _policy_lines(os.path.join(folder, n))
        if rows and isinstance(rows[-1][0], str):
            tag_to_id[rows[-1][0]] = n[len("pbt_policy_") : -len(".txt")]
    rows, bad = _policy_lines(gpath) if os.path.isfile(gpath) else ([], 0)
    if not rows and policy:  # no global log: the union of the per-trial ones
        seen = set()
        for n in sorted(policy):
            for r in _policy_lines(os.path.join(folder, n))[0]:
                key = json.dumps(r[:4])
                if key not in seen:
                    seen.add(key)
                    rows.append(r)
    if bad and info is not None:
        info.add("skipped", gpath, "PBT policy lines that are not JSON lists", count=bad)
    out = [
        {
            "trial": _tag_id(r[0], tag_to_id, trial_dirs),
            "step": _int_or_na(r[2]),
            "source": _tag_id(r[1], tag_to_id, trial_dirs),
            "source_step": _int_or_na(r[3]),
            "changes": _changes(r[4] if len(r) > 4 else None, r[5] if len(r) > 5 else None),
        }
        for r in rows
    ]
    frame = pd.DataFrame(out, columns=["trial", "step", "source", "source_step", "changes"])
    for c in ("step", "source_step"):
        frame[c] = frame[c].astype("Int64")
    return frame


def _int_or_na(v):
    return int(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _tag_id(tag: Any, tag_to_id: Mapping[str, str], trial_dirs: Mapping[str, str]) -> str:
    tag = str(tag)
    if tag in tag_to_id:
        return tag_to_id[tag]
    for tid, d in trial_dirs.items():  # folder names hold "<trainable>_<id>_<tag>_<date>"
        if f"{tid}_{tag}" in d:
            return tid
    head = tag.split("_", 1)[0]
    if head.isdigit():  # the tag starts with the trial's index, as ids end with it
        for tid in trial_dirs:
            if tid.rsplit("_", 1)[-1].lstrip("0") == head.lstrip("0"):
                return tid
    return tag


def _changes(old: Any, new: Any) -> str:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    parts = []
    for k in new:
        a, b = old.get(k), new.get(k)
        if a != b and not isinstance(b, (dict, list)):
            parts.append(f"{k} {_short(a)} \u2192 {_short(b)}")
    return ", ".join(parts)


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def exploit_table(log):
    """The PBT exploits of *log* (see `read_pbt_policy`), or `NotApplicable` if none."""
    extra = getattr(getattr(log, "info", None), "extra", None) or {}
    table = extra.get("pbt_exploits")
    if table is None or not len(table):
        raise NotApplicable("tuning.why.no_pbt_log")
    return table
