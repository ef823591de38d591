"""Read a Ray Tune experiment folder from its JSON and CSV files, never from pickles.

Ray Tune writes one folder per experiment and one sub-folder per trial. Per trial this
reader uses ``result.json`` (one JSON object per report, preferred: it carries the config of
every row, so PBT changes are visible) or, when ``result.json`` is missing or empty,
``progress.csv`` (metrics only); ``params.json`` for the config when the rows carry none
(Ray rewrites it with the newest config when PBT restarts a trial, so it is not always the
initial one); and ``error.txt`` for failed trials. The experiment's
``experiment_state-*.json`` (JSON whose ``trial_data`` holds each trial as JSON text) gives
the trials' status when present; its ``CLOUDPICKLE_FALLBACK`` blobs are left as they are.
Nothing is unpickled (``basic-variant-state-*.json``, ``tuner.pkl``, ``params.pkl`` and
``error.pkl`` are pickles and are never opened), and ray is never imported.

This module imports neither pyplot nor ray; pandas is imported when a folder is read.
"""

from __future__ import annotations

import os
from array import array
from typing import Any, Literal

from chartkit.errors import LogFormatError
from chartkit.metrics.readers._ray_files import (
    Trial,
    error_lines,
    flatten,
    parse_progress_csv,
    parse_result_json,
    read_json_file,
    read_state,
    unsearchable,
)
from chartkit.metrics.schedulers import (  # asha_milestones is re-exported
    asha_milestones,
    read_pbt_policy,
    scheduler_facts,
)
from chartkit.metrics.schema import (
    LogInfo,
    RunLog,
    check_path,
    finish,
    make_frame,
    natural_key,
    params_frame,
)

__all__ = ["asha_milestones", "read_ray"]

_TRIAL_FILES = ("result.json", "progress.csv", "params.json")
# Ray's own default for ASHAScheduler(reduction_factor=...), used when it cannot be inferred.
_RAY_DEFAULT_RF = 4


def _is_trial_dir(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, n)) for n in _TRIAL_FILES)


def read_ray(
    path: str | os.PathLike[str],
    *,
    grace_period: float | None = None,
    reduction_factor: float | None = None,
    max_t: float | None = None,
    time_attr: str = "training_iteration",
    keep: Literal["last", "first", "all"] = "last",
    run: str | None = None,
) -> RunLog:
    """Read a Ray Tune experiment folder (or one trial folder) into a `RunLog`.

    Parameters
    ----------
    path : str or path-like
        The experiment folder (``<storage_path>/<name>``) holding one folder per trial, or
        a single trial folder.
    grace_period, reduction_factor, max_t : float, optional
        The ASHA scheduler's arguments (giving one says the run used ASHA), used to name
        the rung at which each trial stopped. Without them, rungs are recorded only when the
        files show them: trials that ended normally before the others at iterations forming
        a ladder ``grace_period * reduction_factor**k`` (see `chartkit.metrics.schedulers`);
        nothing is guessed otherwise. How each value was obtained is recorded in
        ``info.extra["scheduler"]["how"]``.
    time_attr : str, default: "training_iteration"
        Integer result key used as the ``step`` column.
    keep : {"last", "first", "all"}, default: "last"
        Which write of a repeated ``(trial, metric, step)`` to keep. PBT rewinds
        ``training_iteration`` when a trial restores an older checkpoint of another trial:
        with ``"last"`` the newest segment's rows win; ``"all"`` keeps every row. The lineage
        is always kept in ``params`` (one row per segment).
    run : str, optional
        The ``run`` column; default: the experiment folder's name.

    Returns
    -------
    RunLog
        ``metrics``: the canonical long frame: ``source="ray"``, ``trial`` = Ray's trial id
        read from the files, ``step`` = *time_attr*, ``wall_time`` = Ray's ``timestamp``, one
        row per numeric result key (nested results flattened with ``/`` as in
        ``progress.csv``; Ray's bookkeeping keys such as ``pid``, ``done``, ``timestamp``
        are left out).
        ``params``: ``run, trial, segment, start_step`` then the config keys, one row per
        trial and lineage segment: a new segment starts where the step rewinds or the
        config in ``result.json`` changes (PBT). Configs come from ``result.json``; from
        ``params.json`` only when the rows carry none (``progress.csv``), and note that Ray
        rewrites ``params.json`` with the newest config when PBT restarts a trial.
        ``info.extra["trials"]``: one row per trial: ``trial, dir, status,
        last_iteration, rung, error, exception, n_rows, n_segments, source_file``;
        ``status`` is ``TERMINATED`` when the last result says ``done`` (ASHA-stopped
        trials too, as in Ray), else the status in ``experiment_state-*.json`` (else
        ``ERROR`` when ``error.txt`` exists, else ``UNKNOWN``); ``error`` is the first line
        of ``error.txt`` and ``exception`` its last one (the exception raised), both without
        ANSI colour codes; ``rung`` is the last milestone of `asha_milestones` reached.
        ``info.extra["scheduler"]``: ``kind`` (``"asha"``, ``"pbt"`` or None), ``evidence``
        and, with rungs, the ``grace_period``, ``reduction_factor``, ``max_t`` used, the
        ``milestones``, ``how`` each was obtained and ``survivors`` (the number of trials
        that reached each milestone); without rungs a ``reason``.
        ``info.extra["pbt_exploits"]``: PBT's exploits from ``pbt_global.txt`` (see
        `chartkit.metrics.schedulers.read_pbt_policy`), or None.

    Raises
    ------
    FileNotFoundError
        If *path* does not exist.
    ValueError
        If *path* holds no trial folder, or for a bad *keep*.

    Warns
    -----
    DataWarning
        One per kind of problem and file (a cut last line, malformed lines, ``progress.csv``
        rows whose column count changed after a restart, non-UTF-8 bytes, non-numeric
        cells), with counts and the first line; one for PBT rewinds and one for the rows
        the *keep* rule dropped.

    See Also
    --------
    chartkit.metrics.read : detects the format and dispatches here.
    asha_milestones : the rungs used for ``rung``.
    """
    import pandas as pd

    from chartkit._validate import check_in_list

    root = os.fspath(check_path(path))
    check_in_list(["last", "first", "all"], keep=keep)
    if not os.path.isdir(root):
        raise LogFormatError(
            f"{root!r} is not a Ray Tune folder; expected a directory holding trial folders "
            "with params.json, result.json or progress.csv."
        )
    locked: list[tuple[str, OSError]] = []
    if _is_trial_dir(root):
        trial_dirs = [root]
        exp_root = os.path.dirname(os.path.abspath(root))
    else:
        names = sorted(os.listdir(root), key=natural_key)
        trial_dirs = [os.path.join(root, n) for n in names if _is_trial_dir(os.path.join(root, n))]
        exp_root = root
        # sub-folders that cannot be searched (permissions) may be trials: reported below
        found = set(trial_dirs)
        locked = unsearchable(p for n in names if (p := os.path.join(root, n)) not in found)
    if not trial_dirs:
        raise LogFormatError(
            f"{root!r} is not a Ray Tune folder: none of its sub-folders holds params.json, "
            "result.json or progress.csv."
        )
    run_name = run if run is not None else os.path.basename(os.path.abspath(exp_root))
    info = LogInfo(source="ray")
    for d, err in locked:
        info.add("skipped", d, f"the folder could not be read ({err.strerror or err})")
    state: dict[str, dict[str, Any]] | None = None  # experiment state, read when needed

    trials: list[Trial] = []
    for d in trial_dirs:
        t = Trial(folder=d, dirname=os.path.basename(d))
        result_path = os.path.join(d, "result.json")
        csv_path = os.path.join(d, "progress.csv")
        if os.path.isfile(result_path) and os.path.getsize(result_path) > 0:
            t.source_file = "result.json"
            parse_result_json(t, result_path, time_attr, info)
        elif os.path.isfile(csv_path) and os.path.getsize(csv_path) > 0:
            t.source_file = "progress.csv"
            parse_progress_csv(t, csv_path, time_attr, info)
        has_config = any(cfg is not None for _i, _r, cfg in t.segments)
        params_path = os.path.join(d, "params.json")
        if not has_config and os.path.isfile(params_path):
            cfg = read_json_file(params_path, info)
            t.config0 = cfg if isinstance(cfg, dict) else None
        if t.trial_id is None or not t.done or (t.config0 is None and not has_config):
            # the trial's own files leave a question: ask the experiment state (its
            # status tells RUNNING, PAUSED and ERROR apart from TERMINATED)
            if state is None:
                state = read_state(exp_root, info)
            st = state.get(t.dirname) or (state.get(t.trial_id) if t.trial_id else None)
            if st is not None:
                t.trial_id = t.trial_id or (str(st["trial_id"]) if st.get("trial_id") else None)
                t.status = st.get("status")
                if t.config0 is None and not has_config:
                    t.config0 = st.get("config")
        if t.trial_id is None:
            t.trial_id = t.dirname
            info.add("marked", d, "no file names the trial id: the folder name is used")
        if t.status is None and t.done:
            t.status = "TERMINATED"
        err_path = os.path.join(d, "error.txt")
        if os.path.isfile(err_path):
            t.error, t.exception = error_lines(err_path)
            t.status = t.status or "ERROR"
        if t.status is None:
            t.status = "UNKNOWN" if t.steps else "PENDING"
        trials.append(t)
    info.rows = sum(len(t.steps) for t in trials)

    metrics = _metrics_frame(trials, run_name)
    params, summary, rewinds = _lineage(trials, run_name)
    if rewinds:
        first = next(t for t in trials if any("rewind" in s[1] for s in t.segments))
        info.add(
            "marked",
            os.path.join(first.folder, first.source_file or ""),
            f"{time_attr!r} went back (PBT restored an older checkpoint); kept as lineage "
            "segments in params",
            count=rewinds,
        )
    info.extra["pbt_exploits"] = read_pbt_policy(
        exp_root, {t.trial_id: t.dirname for t in trials}, info
    )
    info.extra["scheduler"] = _scheduler(
        summary, grace_period, reduction_factor, max_t, info.extra["pbt_exploits"]
    )
    milestones = info.extra["scheduler"].get("milestones", [])
    summary["rung"] = pd.array(
        [_rung(x, milestones) for x in summary["last_iteration"]], dtype="Int64"
    )
    info.extra["trials"] = summary
    log = finish(metrics, info, params=params, keep=keep)
    # ERROR trials are results kept in the data, not reading problems: recorded as one
    # "marked" entry (listed by the summary) after finish, so without a warning.
    errors = [t for t in trials if t.status == "ERROR"]
    if errors:
        first = errors[0]
        info.add(
            "marked",
            None,
            f"trial(s) ended in ERROR, kept with their rows (first: {first.trial_id}: "
            f"{first.exception or first.error or 'no error.txt'})",
            count=len(errors),
        )
    return log


def _metrics_frame(trials: list[Trial], run_name: str):
    import numpy as np
    import pandas as pd

    # a key that is null everywhere in a trial is a metric only if numeric in another one
    numeric = {k for t in trials for k in t.columns if k not in t.all_null}
    metric_codes: dict[str, int] = {}
    steps = array("q")
    times = array("d")
    values = array("d")
    tcodes = array("i")
    mcodes = array("i")
    for ti, t in enumerate(trials):
        for key, col in t.columns.items():
            if key not in numeric:
                continue
            code = metric_codes.setdefault(key, len(metric_codes))
            if None in col:
                idx = [i for i, v in enumerate(col) if v is not None]
                col = [col[i] for i in idx]
                steps.extend([t.steps[i] for i in idx])
                times.extend([t.times[i] for i in idx])
            else:
                steps.extend(t.steps)
                times.extend(t.times)
            values.extend(col)
            tcodes.extend(array("i", [ti]) * len(col))
            mcodes.extend(array("i", [code]) * len(col))
        t.columns = {}  # free the per-trial columns as soon as they are copied
    trial_ids = [t.trial_id for t in trials]
    tc = np.frombuffer(tcodes, dtype=np.int32)
    if len(set(trial_ids)) != len(trial_ids):  # two folders with one id: merge their codes
        uniq = list(dict.fromkeys(trial_ids))
        remap = np.array([uniq.index(x) for x in trial_ids], dtype=np.int32)
        tc, trial_ids = remap[tc] if len(tc) else tc, uniq
    return make_frame(
        "ray",
        run=run_name,
        trial=pd.Categorical.from_codes(tc, categories=trial_ids),
        step=np.frombuffer(steps, dtype=np.int64),
        wall_time=np.frombuffer(times, dtype=np.float64),
        metric=pd.Categorical.from_codes(
            np.frombuffer(mcodes, dtype=np.int32), categories=list(metric_codes)
        ),
        value=np.frombuffer(values, dtype=np.float64),
    )


def _lineage(trials: list[Trial], run_name: str):
    import pandas as pd

    param_rows = []
    trial_rows = []
    rewinds = 0
    for t in trials:
        segs = t.segments
        rewinds += sum(1 for s in segs if "rewind" in s[1])
        for k, (a, _reason, cfg) in enumerate(segs or [(0, "start", None)]):
            if cfg is None:
                # progress.csv rows carry no config: params.json (which Ray rewrites with
                # the newest config when PBT restarts a trial)
                cfg = t.config0
            row = {
                "run": run_name,
                "trial": t.trial_id,
                "segment": k,
                "start_step": t.steps[a] if t.steps else pd.NA,
            }
            if cfg:
                row.update(flatten(cfg))
            param_rows.append(row)
        trial_rows.append(
            {
                "trial": t.trial_id,
                "dir": t.dirname,
                "status": t.status,
                "last_iteration": t.steps[-1] if t.steps else pd.NA,
                "rung": pd.NA,
                "error": t.error,
                "exception": t.exception,
                "n_rows": len(t.steps),
                "n_segments": max(len(segs), 1),
                "source_file": t.source_file,
            }
        )
    summary = pd.DataFrame(trial_rows)
    summary["last_iteration"] = summary["last_iteration"].astype("Int64")
    return params_frame(param_rows), summary, rewinds


def _scheduler(summary, grace_period, reduction_factor, max_t, exploits) -> dict[str, Any]:
    """The scheduler facts the files (or the arguments) give; see `scheduler_facts`."""
    from chartkit.metrics.schedulers import NotApplicable

    try:
        return scheduler_facts(
            summary,
            exploits=exploits,
            grace_period=grace_period,
            reduction_factor=reduction_factor,
            max_t=max_t,
        )
    except NotApplicable as err:
        return {
            "kind": None,
            "evidence": None,
            "reason": err.reason,
            "reason_key": err.key,
            "reason_fields": err.fields,
        }


def _rung(last: Any, milestones: list[float]) -> int | None:
    """The last milestone reached by a trial whose last iteration is *last*."""
    import pandas as pd

    # pd.isna, not `last != last`: pd.NA (a trial without any result) has no truth value
    if last is None or pd.isna(last) or not milestones:
        return None
    below = [m for m in milestones if m <= last]
    return int(below[-1]) if below else None
