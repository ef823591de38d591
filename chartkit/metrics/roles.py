"""Column roles by meaning and units: which column is the memory, the step time, the batch size.

Logs of the same tools name the same quantity in many ways (``peak_allocated_mib``,
``max_memory_allocated``, ``allocated_bytes.all.peak``, ``memory.used [MiB]``). A chart asks
this module for a *role* and gets back the column it should draw, the factor that converts the
column to the role's one unit, and the reason for the choice, so the chart can state it
(``RoleChoice.note``: "memory: peak_allocated_mib (MiB)").

A name is split into lower-case tokens (``maxMemAllocated_GB`` -> ``max mem allocated gb``;
``memory.used [MiB]`` -> ``memory used mib``); a role is recognised from *meaning tokens*
(``alloc``, ``reserved``, ``rss``, ``step`` + ``time``, ``samples`` + ``per`` + ``sec``…) and
the unit from *unit tokens* (``b``/``bytes``, ``kib``/``kb``, ``mib``/``mb``, ``gib``/``gb``,
``ns``/``us``/``ms``/``s``/``sec``/``min``, ``%``, ``w``, ``c``, ``mhz``). No fixed list of
column names is used. Every role can be set by hand with ``columns={"memory": "my_col"}``.

Units (one per role; the factor multiplies the column's values):

========== ========== ==========================================================================
role       unit       notes
========== ========== ==========================================================================
memory     MiB        bytes / 2**20, KiB / 1024, GiB x 1024. ``MB``/``GB`` are read as MiB/GiB
                      (PyTorch logs divide by 1024**2 and call it MB; nvidia-smi writes MiB).
                      PyTorch's unsuffixed ``max_memory_allocated``/``memory_reserved`` are
                      bytes. DeviceStatsMonitor's ``*_bytes.all.current|peak`` are bytes;
                      its ``active.all.allocated`` (an allocation count) and cumulative
                      ``*.allocated``/``*.freed`` totals are not memory levels.
step_time  ms         s x 1000, us / 1000; ``sec_per_iter``, ``step_time``, ``iter_time_s``…
throughput per s      samples/s, tokens/s or steps/s (``it/s``): kinds are never mixed.
batch_size samples    ``batch_size``, ``bs``, ``bsz``, ``per_device_train_batch_size``…
status     (text)     ``status``, ``state``, ``outcome``, ``result``.
lr         (none)     ``lr``, ``learning_rate``, ``lr-Adam``…
utilization %         a fraction (values at most 1, no unit) x 100.
power      W
temperature degC
clock      MHz        GHz x 1000.
loss       (none)     ``loss``, ``train_loss_step``, ``val/loss`` (training before validation).
step       (none)     ``step``, ``global_step``, ``trainer/global_step``, ``iteration``.
========== ========== ==========================================================================

This module is pure (no pyplot, no pandas needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.errors import ColumnNotFoundError
from chartkit.metrics._role_rules import ROLES, RoleChoice, classify, tokens

__all__ = [
    "ROLES",
    "AmbiguousRoleError",
    "RoleChoice",
    "candidates",
    "check_columns",
    "parse_column_options",
    "resolve",
    "resolve_roles",
    "tokens",
]

#: Other spellings accepted as role names in ``columns=`` and ``--column``.
ALIASES = {
    "mem": "memory",
    "time": "step_time",
    "step_seconds": "step_time",
    "time_per_step": "step_time",
    "bs": "batch_size",
    "batch": "batch_size",
    "learning_rate": "lr",
    "util": "utilization",
    "utilisation": "utilization",
    "temp": "temperature",
    "clocks": "clock",
}


class AmbiguousRoleError(ColumnNotFoundError):
    """Several columns fit one role equally well; the message lists them and how to choose."""


# --- public API ----------------------------------------------------------------------------


def _role_name(role: str) -> str:
    role = ALIASES.get(role, role)
    check_in_list(list(ROLES), role=role)
    return role


def check_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    """*columns* with role aliases resolved (``bs`` -> ``batch_size``); unknown roles raise.

    Raises
    ------
    ValueError
        A key that is not a role (close matches suggested).
    """
    if columns is None:
        return {}
    out = {}
    for role, col in dict(columns).items():
        out[_role_name(str(role))] = str(col)
    return out


def parse_column_options(items: Iterable[str]) -> dict[str, str]:
    """``["memory=peak_allocated_mib", "bs=n"]`` (the CLI's ``--column``) as a ``columns=`` dict.

    Raises
    ------
    ValueError
        An item without ``=`` or with an unknown role.
    """
    out: dict[str, str] = {}
    for item in items:
        role, sep, col = str(item).partition("=")
        if not sep or not role.strip() or not col.strip():
            raise ValueError(
                invalid_value_message(
                    item, "--column", expected="ROLE=COLUMN, e.g. memory=peak_mib"
                )
            )
        out[role.strip()] = col.strip()
    return check_columns(out)


def _values_of(values: Mapping[str, Any] | None, name: str) -> np.ndarray | None:
    if values is None or name not in values:
        return None
    try:
        return np.asarray(values[name], dtype=np.float64)
    except (TypeError, ValueError):
        return None


def candidates(
    names: Iterable[str], role: str, *, values: Mapping[str, Any] | None = None
) -> list[RoleChoice]:
    """Every column of *names* that can hold *role*, best first.

    Parameters
    ----------
    names : iterable of str
        Column or metric names.
    role : str
        One of `ROLES` (or an alias such as ``"bs"``).
    values : mapping of name to array-like, optional
        Column values, used only where a name leaves the unit open (bytes or MiB?).
    """
    role = _role_name(role)
    out = []
    for n in dict.fromkeys(str(n) for n in names):
        c = classify(role, n, _values_of(values, n))
        if c is not None:
            out.append(c)
    return sorted(out, key=lambda c: -c.score)


def _same_leaf(cols: Sequence[RoleChoice]) -> bool:
    leaves = {c.column.rsplit("/", 1)[-1] for c in cols}
    return len(leaves) == 1 and all("/" in c.column for c in cols)


def _hook_rank(name: str) -> tuple[int, str]:
    t = set(tokens(name))
    return (-(("train" in t) * 2 + ("end" in t)), name)


def resolve(
    names: Iterable[str],
    role: str,
    *,
    columns: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    what: str = "the data",
) -> RoleChoice:
    """The column of *names* that holds *role*, with its unit factor and the reason.

    Parameters
    ----------
    names : iterable of str
        Column or metric names.
    role : str
        One of `ROLES` (``"memory"``, ``"step_time"``, ``"throughput"``, ``"batch_size"``,
        ``"status"``, ``"lr"``, ``"utilization"``, ``"power"``, ``"temperature"``,
        ``"clock"``) or an alias (``"bs"``, ``"mem"``).
    columns : mapping of role to column, optional
        Choices by hand; they win over the resolver (``{"memory": "peak_allocated_mib"}``).
    values : mapping of name to array-like, optional
        Column values where a name leaves the unit open.
    what : str, default: "the data"
        Named in error messages (e.g. the file).

    Returns
    -------
    RoleChoice

    Raises
    ------
    ColumnNotFoundError
        No column fits (all columns listed, with how to choose one), or a column given in
        *columns* is not in *names* (close matches suggested).
    AmbiguousRoleError
        Several columns fit equally well (listed, with how to choose one).
    """
    role = _role_name(role)
    names = [str(n) for n in names]
    chosen = check_columns(columns).get(role)
    if chosen is not None:
        if chosen not in names:
            raise ColumnNotFoundError(invalid_value_message(chosen, f"columns[{role!r}]", names))
        found = classify(role, chosen, _values_of(values, chosen))
        base = found or RoleChoice(role, chosen, target=ROLES[role], kind=role)
        return _replace(base, reason=f"set by columns={{{role!r}: {chosen!r}}}")
    cands = candidates(names, role, values=values)
    hint = f"choose one with columns={{{role!r}: ...}} (CLI: --column {role}=COLUMN)"
    if not cands:
        shown = ", ".join(repr(n) for n in names[:40]) + (" ..." if len(names) > 40 else "")
        raise ColumnNotFoundError(
            f"no {role.replace('_', ' ')} column recognised in {what} (looked for "
            f"{_LOOKED_FOR[role]}); {hint}; columns: {shown or 'none'}."
        )
    top = [c for c in cands if c.score == cands[0].score]
    if len(top) > 1:
        if _same_leaf(top):
            pick = sorted(top, key=lambda c: _hook_rank(c.column))[0]
            rest = tuple(c.column for c in top if c is not pick)
            return _replace(
                pick,
                reason=pick.reason + f"; also logged by {len(rest)} other hook(s)",
                others=rest,
            )
        listed = "; ".join(f"{c.column!r} ({c.reason})" for c in top)
        raise AmbiguousRoleError(
            f"{len(top)} columns fit the {role.replace('_', ' ')} role equally well in {what}: "
            f"{listed}; {hint}."
        )
    rest = tuple(c.column for c in cands[1:])
    return _replace(cands[0], others=rest)


_LOOKED_FOR = {
    "loss": "names with loss (train_loss, val/loss, loss_step)",
    "step": "names like step, global_step, trainer/global_step, iteration",
    "memory": "names with mem/memory/rss/allocated/reserved or a byte unit such as _mib, _gb, "
    "_bytes, [MiB]",
    "step_time": "names like step_time, iter_time_s, sec_per_iter, batch_time",
    "throughput": "names like samples_per_sec, tokens/s, throughput, it_s",
    "batch_size": "names like batch_size, bs, bsz, per_device_train_batch_size",
    "status": "a name ending in status, state, outcome or result",
    "lr": "names like lr, learning_rate, lr-Adam",
    "utilization": "names with util/utilization or a % unit",
    "power": "names with power or a W unit",
    "temperature": "names with temperature/temp or a C unit",
    "clock": "names with clock/clocks or a MHz unit",
}


def _replace(choice: RoleChoice, **changes: Any) -> RoleChoice:
    from dataclasses import replace

    return replace(choice, **changes)


def resolve_roles(
    names: Iterable[str],
    roles: Iterable[str],
    *,
    required: Iterable[str] = (),
    columns: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    what: str = "the data",
) -> dict[str, RoleChoice]:
    """`resolve` for several roles; a role not in *required* is left out when absent.

    Ambiguity is an error for every role (a chart must not guess); a column is used for
    one role only (the first role asked for that takes it).
    """
    names = [str(n) for n in names]
    req = {_role_name(r) for r in required}
    out: dict[str, RoleChoice] = {}
    for r in roles:
        r = _role_name(r)
        taken = {c.column for c in out.values()}
        pool = [n for n in names if n not in taken] if r not in check_columns(columns) else names
        try:
            out[r] = resolve(pool, r, columns=columns, values=values, what=what)
        except AmbiguousRoleError:
            raise
        except ColumnNotFoundError:
            if r in req or r in check_columns(columns):
                raise
    return out
