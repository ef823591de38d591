"""Read an Optuna study from its RDB storage (``sqlite:///study.db``), read-only.

The storage is opened through ``optuna`` itself (`optuna.storages.RDBStorage` and
`optuna.load_study`, behind the ``chartkit[optuna]`` extra), so Optuna checks that the file's
schema is one it knows; an SQLite file is opened read-only (an SQLite URI with
``mode=ro``): nothing is created, upgraded or rolled back in a user's store. The trials'
rows are then fetched in a few bulk queries on the storage's own tables (Optuna's
`~optuna.study.Study.get_trials` builds one object per trial and is several times slower on
large studies); when those tables are not where this optuna version keeps them,
``get_trials`` is used instead. ``info.extra["how"]`` says which.

This module imports neither pyplot nor optuna at import time.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from chartkit.metrics.schema import (
    MAX_NESTING,
    LogInfo,
    RunLog,
    check_path,
    finish,
    make_frame,
    nesting_depth,
    params_frame,
)

__all__ = ["OPTUNA_STATUS", "read_optuna"]

#: Optuna trial state -> the status the tuning plots know (those of `read_ray`); a pruned
#: trial keeps PRUNED, which the tuning tables count as "stopped" (like an ASHA-stopped
#: trial) even when the pruner stopped it at the last step.
OPTUNA_STATUS: dict[str, str] = {
    "COMPLETE": "TERMINATED",
    "PRUNED": "PRUNED",
    "FAIL": "ERROR",
    "RUNNING": "RUNNING",
    "WAITING": "PENDING",
}
_SQLITE_MAGIC = b"SQLite format 3\x00"
INTERMEDIATE = "intermediate_value"


@dataclass
class _Trial:
    key: int
    number: int
    state: str
    start: datetime.datetime | None = None
    complete: datetime.datetime | None = None
    values: dict[int, float] = field(default_factory=dict)
    params: dict[str, tuple[float, str]] = field(default_factory=dict)  # internal, dist json
    steps: dict[int, float] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _storage_url(path_or_url: Any) -> tuple[str, str | None, str]:
    """``(url, sqlite file or None, name shown in messages)``."""
    text = os.fspath(path_or_url) if isinstance(path_or_url, os.PathLike) else path_or_url
    if not isinstance(text, str):
        from chartkit._validate import check_isinstance

        check_isinstance((str, os.PathLike), path_or_url=path_or_url)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
        if text.startswith("file:"):
            text = text[len("file:") :].split("?", 1)[0]
    elif "://" in text:  # another RDB (PostgreSQL, MySQL): given to optuna as it is
        return text, None, text.split("@")[-1]
    file = os.path.abspath(check_path(text))
    _check_sqlite_file(file)
    url = f"sqlite:///file:{quote(file)}?mode=ro&uri=true"
    return url, file, file


def _check_sqlite_file(file: str) -> None:
    if os.path.isdir(file):
        raise ValueError(_bad(file, "an SQLite file, not a folder"))
    with open(file, "rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if not head:
        raise ValueError(_bad(file, "an SQLite file; this one is empty"))
    if head != _SQLITE_MAGIC:
        raise ValueError(
            _bad(
                file,
                "an SQLite database; its first bytes are not the SQLite header (not an "
                "Optuna RDB storage, or a cut copy)",
            )
        )


def _open(optuna: Any, url: str, where: str, file: str | None, timeout: float):
    """The read-only `RDBStorage`, with the database's errors turned into one clear message."""
    import sqlalchemy.exc

    kwargs = {"connect_args": {"timeout": timeout}} if file else {}
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs, skip_table_creation=True)
    except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError) as err:
        raise ValueError(_db_message(where, file, err)) from None
    except RuntimeError as err:  # optuna's schema check: an older or newer storage
        raise ValueError(
            _bad(
                where,
                f"a schema this optuna reads: {err} (chartkit opens the storage "
                "read-only and never upgrades it)",
            )
        ) from None


def _db_message(where: str, file: str | None, err: BaseException) -> str:
    if err.__cause__ is not None and not hasattr(err, "orig"):  # optuna's wrapper
        err = err.__cause__
    cause = str(getattr(err, "orig", None) or err).splitlines()[0]
    text = f"a readable Optuna storage; the database says: {cause}"
    low = cause.lower()
    if "locked" in low:
        text += " (another process holds a write lock; retry when it has committed)"
    elif file and os.path.exists(file + "-journal") and os.path.getsize(file + "-journal"):
        text += (
            f" (a half-written transaction: {os.path.basename(file)}-journal is present; "
            "chartkit opens the store read-only and does not roll it back)"
        )
    elif "malformed" in low or "not a database" in low or "no such table" in low:
        text += " (a cut or half-written file, or not an Optuna storage)"
    return _bad(where, text)


def _bad(where: str, expected: str) -> str:
    """The one message for a storage that cannot be read (it names the file)."""
    from chartkit._validate import invalid_value_message

    return invalid_value_message(where, "read_optuna's storage", expected=expected)


def read_optuna(
    path_or_url: str | os.PathLike[str],
    study: str | None = None,
    *,
    run: str | None = None,
    timeout: float = 5.0,
) -> RunLog:
    """Read one Optuna study from its RDB storage into a `RunLog`.

    Parameters
    ----------
    path_or_url : str or path-like
        An SQLite storage file (``study.db``), its URL (``sqlite:///study.db``), or another
        RDB URL that optuna opens (``postgresql://...``, read as given). An SQLite file is
        opened read-only: the file is never written.
    study : str, optional
        The study's name; required when the storage holds several studies.
    run : str, optional
        The ``run`` column; default: the study's name.
    timeout : float, default: 5.0
        Seconds to wait for a write lock held by another process (SQLite).

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame: ``source="optuna"``, ``trial`` = the trial
        number, ``value`` (or the study's metric names; ``value_<i>`` for several
        objectives): the objective, one row per trial that has one, at the trial's last
        reported step (0 when it reported none), ``wall_time`` its completion time;
        ``intermediate_value``: the values reported with ``trial.report`` at their steps
        (so pruned trials have curves).
        ``params``: one row per trial, the parameters in their external form (choices as
        given, ints as ints).
        ``info.extra["trials"]``: ``trial, dir, status, state, last_iteration, rung,
        error, exception, n_rows, n_segments, source_file, datetime_start,
        datetime_complete`` then ``user_attrs/<key>``; ``status`` is the one the tuning
        plots know (`OPTUNA_STATUS`: COMPLETE -> TERMINATED, FAIL -> ERROR, PRUNED kept),
        ``state`` Optuna's own.
        ``info.extra["param_scales"]``: ``{param: "log" | "linear" | "categorical"}`` from
        the distributions (``log=True`` -> ``"log"``), used by the tuning plots' axes;
        ``info.extra["distributions"]``: each parameter's distribution as a dict;
        ``info.extra["study"]``: name, directions, metric names, user attributes.

    Raises
    ------
    ImportError
        Without optuna (``pip install "chartkit[optuna]"``).
    FileNotFoundError
        If the file does not exist.
    ValueError
        Not an SQLite file, a locked, cut or half-written database, a schema this optuna
        does not read, no study, or several without *study* (their names are listed).

    See Also
    --------
    chartkit.metrics.read : detects the format and dispatches here.
    """
    from chartkit._optional import import_optional

    optuna = import_optional("optuna", "reading Optuna studies", "optuna")
    import sqlalchemy.exc

    url, file, where = _storage_url(path_or_url)
    storage = _open(optuna, url, where, file, timeout)
    try:
        try:
            frozen = storage.get_all_studies()
            name = _pick_study(frozen, study, where)
            loaded = optuna.load_study(study_name=name, storage=storage)
            sid = storage.get_study_id_from_name(name)
            info = LogInfo(source="optuna")
            info.files.append(file or where)
            trials, how = _fetch(storage, sid, loaded, info, where)
        except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError) as err:
            raise ValueError(_db_message(where, file, err)) from None
    finally:
        storage.engine.dispose()
    fs = next(s for s in frozen if s.study_name == name)
    directions = [d.name.lower() for d in fs.directions]
    names = loaded.metric_names or (
        ["value"] if len(directions) == 1 else [f"value_{i}" for i in range(len(directions))]
    )
    info.extra["how"] = how
    info.extra["study"] = {
        "name": name,
        "directions": directions,
        "metric_names": list(names),
        "user_attrs": dict(fs.user_attrs),
    }
    return _build(trials, names, run if run is not None else name, info, where, optuna)


def _pick_study(frozen: list, study: str | None, where: str) -> str:
    names = [s.study_name for s in frozen]
    if not names:
        raise ValueError(_bad(where, "an Optuna storage holding a study; it holds none"))
    if study is None:
        if len(names) > 1:
            from chartkit._validate import invalid_value_message

            shown = ", ".join(repr(n) for n in names[:10])
            if len(names) > 10:
                shown += f", ... ({len(names) - 10} more)"
            held = (
                f"one of {shown} (the {len(names)} studies in {where!r}): pass --study NAME "
                "on the command line, study=NAME in Python"
            )
            raise ValueError(
                invalid_value_message(None, "study", names, expected=held, list_supported=False)
            )
        return names[0]
    from chartkit._validate import check_in_list

    check_in_list(names, study=study)
    return study


def _fetch(storage: Any, sid: int, study: Any, info: LogInfo, where: str):
    """The study's trials as `_Trial`, from bulk queries (or `Study.get_trials`)."""
    try:
        from optuna.storages._rdb import models

        tables = (
            models.TrialModel.__table__,
            models.TrialValueModel.__table__,
            models.TrialParamModel.__table__,
            models.TrialIntermediateValueModel.__table__,
            models.TrialUserAttributeModel.__table__,
            models.TrialSystemAttributeModel.__table__,
        )
        for t, cols in zip(tables, _COLUMNS, strict=True):
            for c in cols:
                t.c[c]
    except (ImportError, AttributeError, KeyError):
        return _from_frozen(study.get_trials(deepcopy=False), info, where), "Study.get_trials"
    return _from_tables(storage.engine, sid, tables, info, where), "bulk queries"


_COLUMNS = (
    ("trial_id", "number", "study_id", "state", "datetime_start", "datetime_complete"),
    ("trial_id", "objective", "value", "value_type"),
    ("trial_id", "param_name", "param_value", "distribution_json"),
    ("trial_id", "step", "intermediate_value", "intermediate_value_type"),
    ("trial_id", "key", "value_json"),
    ("trial_id", "key", "value_json"),
)


def _special(value: float | None, kind: Any) -> float:
    name = getattr(kind, "name", str(kind))
    if name == "INF_POS":
        return math.inf
    if name == "INF_NEG":
        return -math.inf
    if name == "NAN" or value is None:
        return math.nan
    return float(value)


def _from_tables(engine: Any, sid: int, tables: tuple, info: LogInfo, where: str):
    import sqlalchemy as sa

    tt, tv, tp, ti, tu, ts = tables
    ids = sa.select(tt.c.trial_id).where(tt.c.study_id == sid).scalar_subquery()
    with engine.connect() as c:
        rows = c.execute(
            sa.select(
                tt.c.trial_id,
                tt.c.number,
                tt.c.state,
                tt.c.datetime_start,
                tt.c.datetime_complete,
            ).where(tt.c.study_id == sid)
        ).all()
        by_id = {r[0]: _Trial(r[0], r[1], r[2].name, r[3], r[4]) for r in rows}
        q = sa.select(tv.c.trial_id, tv.c.objective, tv.c.value, tv.c.value_type)
        for tid, obj, v, kind in c.execute(q.where(tv.c.trial_id.in_(ids))):
            by_id[tid].values[obj] = _special(v, kind)
        q = sa.select(tp.c.trial_id, tp.c.param_name, tp.c.param_value, tp.c.distribution_json)
        for tid, name, v, dist in c.execute(q.where(tp.c.trial_id.in_(ids))):
            by_id[tid].params[name] = (v, dist)
        q = sa.select(
            ti.c.trial_id, ti.c.step, ti.c.intermediate_value, ti.c.intermediate_value_type
        )
        for tid, step, v, kind in c.execute(q.where(ti.c.trial_id.in_(ids))):
            by_id[tid].steps[step] = _special(v, kind)
        q = sa.select(tu.c.trial_id, tu.c.key, tu.c.value_json)
        for tid, key, text in c.execute(q.where(tu.c.trial_id.in_(ids))):
            by_id[tid].user_attrs[key] = _json(text, info, where, f"user attribute {key!r}")
        q = sa.select(ts.c.trial_id, ts.c.value_json).where(ts.c.key == "fail_reason")
        for tid, text in c.execute(q.where(ts.c.trial_id.in_(ids))):
            reason = _json(text, info, where, "fail_reason")
            by_id[tid].error = str(reason).strip().splitlines()[-1] if reason else None
    return sorted(by_id.values(), key=lambda t: t.number)


def _from_frozen(frozen: list, info: LogInfo, where: str) -> list[_Trial]:
    from optuna.distributions import distribution_to_json

    out = []
    for ft in frozen:
        t = _Trial(ft._trial_id, ft.number, ft.state.name)
        t.start, t.complete = _utc(ft.datetime_start), _utc(ft.datetime_complete)
        t.values = dict(enumerate(ft.values or []))
        t.params = {
            k: (ft.distributions[k].to_internal_repr(v), distribution_to_json(ft.distributions[k]))
            for k, v in ft.params.items()
        }
        t.steps = dict(ft.intermediate_values)
        t.user_attrs = dict(ft.user_attrs)
        reason = ft.system_attrs.get("fail_reason")
        t.error = str(reason).strip().splitlines()[-1] if reason else None
        out.append(t)
    return out


def _utc(dt: datetime.datetime | None) -> datetime.datetime | None:
    """A FrozenTrial's naive local time as the storage's naive UTC."""
    if dt is None:
        return None
    return dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _json(text: str | None, info: LogInfo, where: str, what: str) -> Any:
    if text is None:
        return None
    if nesting_depth(text, stop=MAX_NESTING) > MAX_NESTING:
        info.add("skipped", where, f"{what}: JSON nested deeper than {MAX_NESTING} levels")
        return None
    try:
        return json.loads(text)
    except ValueError:
        info.add("skipped", where, f"{what}: not valid JSON")
        return None


def _epoch(dt: datetime.datetime | None) -> float:
    return math.nan if dt is None else dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def _distributions(trials: list[_Trial], info: LogInfo, where: str, optuna: Any):
    """``{json: distribution}`` for every distinct distribution, and the per-param facts."""
    parsed: dict[str, Any] = {}
    facts: dict[str, dict[str, Any]] = {}
    scales: dict[str, str] = {}
    for t in trials:
        for name, (_v, text) in t.params.items():
            if text in parsed:
                dist = parsed[text]
            else:
                try:
                    dist = optuna.distributions.json_to_distribution(text)
                except (ValueError, KeyError, TypeError):
                    dist = None
                    info.add("skipped", where, f"parameter {name!r}: unknown distribution")
                parsed[text] = dist
            if dist is None or name in facts:
                if dist is not None and facts[name]["type"] != type(dist).__name__:
                    info.add("marked", where, f"parameter {name!r} changed distribution")
                continue
            facts[name] = {"type": type(dist).__name__, **_dist_fields(dist)}
            if isinstance(dist, optuna.distributions.CategoricalDistribution):
                scales[name] = "categorical"
            else:
                scales[name] = "log" if getattr(dist, "log", False) else "linear"
    return parsed, facts, scales


def _dist_fields(dist: Any) -> dict[str, Any]:
    keys = ("low", "high", "step", "log", "choices")
    return {k: getattr(dist, k) for k in keys if hasattr(dist, k)}


def _build(trials: list[_Trial], names: list[str], run: str, info: LogInfo, where, optuna):
    import numpy as np
    import pandas as pd

    parsed, facts, scales = _distributions(trials, info, where, optuna)
    info.extra["distributions"] = facts
    info.extra["param_scales"] = scales
    tr, st, wt, me, va = [], [], [], [], []
    param_rows, summary = [], []
    source_file = os.path.basename(where)
    for t in trials:
        tid = str(t.number)
        steps = sorted(t.steps)
        for s in steps:
            tr.append(tid), st.append(s), wt.append(math.nan), me.append(INTERMEDIATE)
            va.append(t.steps[s])
        last = steps[-1] if steps else 0
        for obj, v in sorted(t.values.items()):
            name = names[obj] if obj < len(names) else f"value_{obj}"
            tr.append(tid), st.append(last), wt.append(_epoch(t.complete)), me.append(name)
            va.append(v)
        row: dict[str, Any] = {"run": run, "trial": tid, "segment": 0, "start_step": 0}
        for name, (v, text) in sorted(t.params.items()):  # by name, as Optuna's frames
            dist = parsed.get(text)
            row[name] = dist.to_external_repr(v) if dist is not None else v
        param_rows.append(row)
        rec = {
            "trial": tid,
            "dir": None,
            "status": OPTUNA_STATUS.get(t.state, t.state),
            "state": t.state,
            "last_iteration": last if (steps or t.values) else pd.NA,
            "rung": pd.NA,
            "error": t.error,
            "exception": None,
            "n_rows": len(steps) + len(t.values),
            "n_segments": 1,
            "source_file": source_file,
            "datetime_start": pd.Timestamp(t.start, tz="UTC") if t.start else pd.NaT,
            "datetime_complete": pd.Timestamp(t.complete, tz="UTC") if t.complete else pd.NaT,
        }
        rec.update({f"user_attrs/{k}": v for k, v in t.user_attrs.items()})
        summary.append(rec)
    info.rows = len(va)
    metrics = make_frame(
        "optuna",
        run=run,
        trial=pd.Categorical(tr, categories=[str(t.number) for t in trials]),
        step=np.asarray(st, dtype=np.int64),
        wall_time=np.asarray(wt, dtype=np.float64),
        metric=me,
        value=np.asarray(va, dtype=np.float64),
    )
    frame = pd.DataFrame(summary, columns=None if summary else ["trial", "status"])
    if len(frame):
        frame["last_iteration"] = frame["last_iteration"].astype("Int64")
        frame["rung"] = frame["rung"].astype("Int64")
    info.extra["trials"] = frame
    info.extra["scheduler"] = {
        "kind": None,
        "evidence": None,
        "reason": "an Optuna storage does not record the pruner; pruned trials have the "
        "state PRUNED",
    }
    log = finish(metrics, info, params=params_frame(param_rows), keep="last")
    failed = [t for t in trials if t.state == "FAIL"]
    if failed:
        first = failed[0]
        info.add(
            "marked",
            None,
            f"trial(s) ended in FAIL, kept (first: {first.number}: "
            f"{first.error or 'no fail reason recorded'})",
            count=len(failed),
        )
    return log


#: Tables every Optuna RDB storage has (any schema version since 1.0).
_OPTUNA_TABLES = frozenset({"studies", "trials", "trial_params", "trial_values"})


def sniff_optuna(path: str | os.PathLike[str]) -> tuple[str | None, str] | None:
    """``("optuna", reason)`` for an Optuna SQLite storage, ``(None, reason)`` for another
    SQLite file, None when *path* is not SQLite. Only the standard library is used: the
    file is opened read-only and only its table names are read."""
    import sqlite3

    with open(path, "rb") as fh:
        if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            return None
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=0.5)
        try:
            rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            con.close()
    except sqlite3.Error as err:
        return None, f"an SQLite database that cannot be read ({err})"
    if {r[0] for r in rows} >= _OPTUNA_TABLES:
        return "optuna", "an Optuna RDB storage (SQLite with studies, trials, trial_params)"
    return None, "an SQLite database, not an Optuna storage"
