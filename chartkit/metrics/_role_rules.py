"""Rules of the column-role resolver: name tokens, unit tokens, one classifier per role.

Pure; used by `chartkit.metrics.roles` (read its docstring for the rules and units).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ROLES", "RoleChoice", "classify", "tokens"]

#: Every role the resolver knows, with its one unit.
ROLES: dict[str, str] = {
    "memory": "MiB",
    "step_time": "ms",
    "throughput": "/s",
    "batch_size": "samples",
    "status": "",
    "lr": "",
    "utilization": "%",
    "power": "W",
    "temperature": "°C",
    "clock": "MHz",
    "loss": "",
    "step": "",
}

# --- tokens and units ----------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_GLUED = {"mib", "gib", "kib", "tib", "mhz", "ghz", "khz"}


def tokens(name: str) -> list[str]:
    """Lower-case tokens of a column name (camelCase, ``_ . - [ ] ( )`` and spaces split).

    A ``/`` between words reads as ``per`` (``samples/s``, ``s/it``, ``time/step``).
    ``tokens("memory.used [MiB]")`` -> ``["memory", "used", "mib"]``;
    ``tokens("maxMemAllocatedGB")`` -> ``["max", "mem", "allocated", "gb"]``;
    ``tokens("util%")`` -> ``["util", "%"]``.
    """
    out: list[str] = []
    for piece in re.split(r"(/)|[^A-Za-z0-9%/]+", str(name).replace("%", " % ")):
        if not piece:
            continue
        if piece == "/":
            out.append("per")
            continue
        if piece.lower() in _UNITS:
            out.append(piece.lower())
            continue
        parts = [p.lower() for p in _CAMEL.sub(" ", piece).split()]
        merged: list[str] = []
        for p in parts:
            if merged and (merged[-1] + p) in _GLUED:
                merged[-1] += p
            else:
                merged.append(p)
        for t in merged:
            # "100ms" -> "100", "ms"
            m = re.fullmatch(r"(\d+)([a-z]+)", t)
            out.extend(m.groups() if m else [t])
    return out


# unit token -> (dimension, factor to the role's unit)
_UNITS: dict[str, tuple[str, float, str]] = {
    "bytes": ("bytes", 1 / 2**20, "bytes"),
    "byte": ("bytes", 1 / 2**20, "bytes"),
    "b": ("bytes", 1 / 2**20, "bytes"),
    "kb": ("bytes", 1 / 1024, "KB"),
    "kib": ("bytes", 1 / 1024, "KiB"),
    "mb": ("bytes", 1.0, "MB"),
    "mib": ("bytes", 1.0, "MiB"),
    "gb": ("bytes", 1024.0, "GB"),
    "gib": ("bytes", 1024.0, "GiB"),
    "tb": ("bytes", 2.0**20, "TB"),
    "tib": ("bytes", 2.0**20, "TiB"),
    "ns": ("time", 1e-6, "ns"),
    "us": ("time", 1e-3, "us"),
    "ms": ("time", 1.0, "ms"),
    "msec": ("time", 1.0, "ms"),
    "s": ("time", 1e3, "s"),
    "sec": ("time", 1e3, "s"),
    "secs": ("time", 1e3, "s"),
    "second": ("time", 1e3, "s"),
    "seconds": ("time", 1e3, "s"),
    "min": ("time", 6e4, "min"),
    "mins": ("time", 6e4, "min"),
    "minutes": ("time", 6e4, "min"),
    "h": ("time", 3.6e6, "h"),
    "hr": ("time", 3.6e6, "h"),
    "hours": ("time", 3.6e6, "h"),
    "%": ("percent", 1.0, "%"),
    "pct": ("percent", 1.0, "%"),
    "percent": ("percent", 1.0, "%"),
    "w": ("power", 1.0, "W"),
    "watt": ("power", 1.0, "W"),
    "watts": ("power", 1.0, "W"),
    "c": ("temperature", 1.0, "°C"),
    "degc": ("temperature", 1.0, "°C"),
    "celsius": ("temperature", 1.0, "°C"),
    "mhz": ("frequency", 1.0, "MHz"),
    "ghz": ("frequency", 1000.0, "GHz"),
    "khz": ("frequency", 1e-3, "kHz"),
}

_MEMORY_WORDS = {"mem", "memory", "vram", "rss", "hbm", "gpumem"}
_MEMORY_KIND = {
    "used": "used",
    "usage": "used",
    "reserved": "reserved",
    "reserv": "reserved",
    "cached": "reserved",
    "cache": "reserved",
    "allocated": "allocated",
    "alloc": "allocated",
    "active": "allocated",
    "rss": "rss",
}
_MEMORY_PREF = {"used": 4, "reserved": 3, "allocated": 2, "rss": 1, "memory": 0}
_NOT_LEVEL = {"free", "total", "limit", "capacity", "available", "avail", "max_split"}
_PEAK = {"max", "peak", "high", "highest", "watermark", "hwm"}
_COUNT = {"num", "count", "counts", "n", "retries", "ooms", "segment", "segments", "blocks"}
_POOLS = {"large", "small", "pool"}
_STEP_NOUNS = {
    "step",
    "steps",
    "iter",
    "iters",
    "iteration",
    "iterations",
    "it",
    "batch",
    "update",
}
_TIME_WORDS = {"time", "duration", "latency", "elapsed"}
_RATE_NOUNS = {
    "sample": "samples",
    "samples": "samples",
    "example": "samples",
    "examples": "samples",
    "image": "samples",
    "images": "samples",
    "img": "samples",
    "imgs": "samples",
    "seq": "samples",
    "seqs": "samples",
    "sequences": "samples",
    "token": "tokens",
    "tokens": "tokens",
    "tok": "tokens",
    "toks": "tokens",
    "it": "steps",
    "iter": "steps",
    "iters": "steps",
    "iterations": "steps",
    "step": "steps",
    "steps": "steps",
    "batches": "steps",
}
_RATE_PREF = {"samples": 2, "tokens": 1, "steps": 0}
_TIME_UNIT_TOKENS = {t for t, (d, _, _) in _UNITS.items() if d == "time"}


def _unit(toks: Sequence[str], dimension: str) -> tuple[float, str] | None:
    """The last unit token of *dimension* in *toks*: (factor, unit label)."""
    for t in reversed(toks):
        u = _UNITS.get(t)
        if u is not None and u[0] == dimension:
            return u[1], u[2]
    return None


# --- the choice ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleChoice:
    """The column taken for a role, its conversion, and why.

    Attributes
    ----------
    role : str
        One of `ROLES`.
    column : str
        The column (or metric) name as in the data.
    unit : str
        The unit the column is in (``"bytes"``, ``"MB"``, ``"s"``…; ``""`` when none).
    target : str
        The role's one unit (``"MiB"`` for memory); values x *factor* are in it.
    factor : float
        Multiply the column's values by this to get *target*.
    kind : str
        What the column holds within the role (``"reserved"``, ``"tokens"``…).
    reason : str
        Why it was taken (English; for messages and reports).
    peak : bool
        A peak (max, high-water mark) rather than a current value.
    score : float
        Rank among the candidates (higher first).
    """

    role: str
    column: str
    unit: str = ""
    target: str = ""
    factor: float = 1.0
    kind: str = ""
    reason: str = ""
    peak: bool = False
    score: float = 0.0
    others: tuple[str, ...] = field(default=())

    def convert(self, values: Any) -> np.ndarray:
        """*values* as floats in the role's unit (*target*)."""
        v = np.asarray(values, dtype=np.float64)
        return v * self.factor if self.factor != 1.0 else v

    @property
    def display_unit(self) -> str:
        """*target*, or for throughput ``samples/s``/``tokens/s``/``steps/s``."""
        if self.role == "throughput":
            return f"{self.kind or 'units'}/s"
        return self.target

    def note(self, lang: str = "en") -> str:
        """One line for a chart: ``memory: peak_allocated_mib (MiB)``.

        A conversion is shown (``max_memory_allocated (bytes → MiB)``), and so is a choice by
        hand (``set by columns=``).
        """
        from chartkit._i18n import tr

        unit = self.display_unit
        if self.unit and unit and self.unit != unit and self.factor != 1.0:
            unit = f"{self.unit} → {unit}"
        if unit and self.column.endswith(f"[{unit}]"):
            unit = ""  # memory.used [MiB]: the name says it
        key = "roles.note.unit" if unit else "roles.note"
        text = tr(
            key, lang, role=tr(f"roles.name.{self.role}", lang), column=self.column, unit=unit
        )
        if self.reason.startswith("set by"):
            text += tr("roles.note.by_hand", lang)
        return text


def _memory(name: str, toks: list[str], vals: np.ndarray | None) -> RoleChoice | None:
    st = set(toks)
    unit = _unit(toks, "bytes")
    torch_bytes = "bytes" in st or ({"memory", "mem"} & st and {"allocated", "reserved"} & st)
    if unit is None and not (_MEMORY_WORDS & st):
        return None
    if _unit(toks, "percent") or "util" in st or "utilization" in st or "utilisation" in st:
        return None
    if st & _NOT_LEVEL or st & _COUNT:
        return None
    # DeviceStatsMonitor / torch.cuda.memory_stats: "<stat>.<pool>.<current|peak|allocated|freed>";
    # the last two are cumulative totals, not levels.
    if len(toks) >= 2 and toks[-1] in ("allocated", "freed") and toks[-2] in ("all", "pool"):
        return None
    if toks[-1] == "freed" or "freed" in st:
        return None
    kind = next((_MEMORY_KIND[t] for t in toks if t in _MEMORY_KIND), "memory")
    peak = bool(st & _PEAK)
    known = vals is not None and np.isfinite(vals).any()
    if unit is not None:
        factor, ulabel = unit
        why = f"meaning '{kind}' and unit {ulabel} in the name"
    elif known and np.nanmedian(np.abs(vals)) > 2**20:
        factor, ulabel = 1 / 2**20, "bytes"
        why = f"'{kind}' without a unit; values above 2**20 read as bytes"
    elif known:
        factor, ulabel = 1.0, ""
        why = f"'{kind}' without a unit; values below 2**20 read as MiB"
    elif torch_bytes:
        factor, ulabel = 1 / 2**20, "bytes"
        why = f"PyTorch-style name ('{kind}' without a unit: bytes)"
    else:
        factor, ulabel = 1.0, ""
        why = f"'{kind}' without a unit; values read as MiB"
    score = 10 * peak + _MEMORY_PREF[kind] - 5 * bool(st & _POOLS)
    if "current" in st or "after" in st:
        score -= 0.5
    if "after" in st:
        score -= 0.5
    return RoleChoice(
        "memory", name, ulabel, "MiB", factor, kind, why + (", peak" if peak else ""), peak, score
    )


def _rate_kind(toks: list[str]) -> str | None:
    """samples/tokens/steps when *toks* say '<noun> per <time>' or '<noun> <s|sec>'."""
    for i, t in enumerate(toks):
        noun = _RATE_NOUNS.get(t)
        if noun is None:
            continue
        rest = toks[i + 1 :]
        if rest[:1] == ["per"] and rest[1:2] and rest[1] in _TIME_UNIT_TOKENS:
            return noun
        # "samples_s", "tok_sec", "it_s" (tqdm's it/s); "step_seconds" is a duration.
        short = rest[:1] and rest[0] in ("s", "sec")
        if short and (noun != "steps" or t == "it"):
            return noun
    return None


def _throughput(name: str, toks: list[str]) -> RoleChoice | None:
    st = set(toks)
    kind = _rate_kind(toks)
    if kind is None and not ({"throughput", "sps", "tps"} & st):
        return None
    why = f"a rate of {kind} per unit time in the name"
    score = 0.0
    if kind is None:
        kind = next((_RATE_NOUNS[t] for t in toks if t in _RATE_NOUNS), None)
        if kind is None:
            kind = "tokens" if "tps" in st else "samples"
            why = f"'throughput' without a unit: read as {kind}/s"
            score = -1.0
        else:
            why = f"'throughput' of {kind}"
    factor = 1.0
    unit = _unit(toks[toks.index("per") :] if "per" in toks else toks, "time")
    if unit is not None and _rate_kind(toks) is not None:
        factor = 1e3 / unit[0]  # per ms -> x1000, per min -> /60
    score += _RATE_PREF[kind] + ("throughput" in st) * 0.5 - 3 * bool({"eval", "val"} & st)
    return RoleChoice("throughput", name, f"{kind}/s", "/s", factor, kind, why, score=score)


def _step_time(name: str, toks: list[str], vals: np.ndarray | None) -> RoleChoice | None:
    st = set(toks)
    if _rate_kind(toks) is not None or "throughput" in st:
        return None
    per = toks.index("per") if "per" in toks else -1
    unit = _unit(toks, "time")
    after = set(toks[per + 1 :]) if per > 0 else set()
    time_per_step = (
        per > 0 and toks[per - 1] in _TIME_UNIT_TOKENS | _TIME_WORDS and bool(after & _STEP_NOUNS)
    )
    # "s_it", "ms_step": a time unit directly followed by a step noun.
    unit_noun = any(
        a in _TIME_UNIT_TOKENS and b in _STEP_NOUNS for a, b in itertools.pairwise(toks)
    )
    # "step_ms", "iter_s": a step noun directly followed by a time unit
    unit_noun = unit_noun or any(
        a in _STEP_NOUNS and b in _TIME_UNIT_TOKENS for a, b in itertools.pairwise(toks)
    )
    noun_time = bool(st & _STEP_NOUNS) and bool(st & (_TIME_WORDS | {"seconds", "secs", "sec"}))
    if not (time_per_step or noun_time or unit_noun):
        return None
    if {"size", "idx", "index", "count", "num"} & st:
        return None
    if unit is not None:
        factor, ulabel = unit
        why = f"time per step with unit {ulabel} in the name"
    elif vals is not None and np.isfinite(vals).any() and np.nanmedian(vals) >= 20:
        factor, ulabel = 1.0, "ms"
        why = "time per step without a unit; values of 20 or more read as ms"
    else:
        factor, ulabel = 1e3, "s"
        why = "time per step without a unit; values read as seconds"
    score = 1.0 - 3 * bool({"eval", "val", "data", "dataloader"} & st) + ("step" in st) * 0.5
    return RoleChoice("step_time", name, ulabel, "ms", factor, "step", why, score=score)


def _batch_size(name: str, toks: list[str]) -> RoleChoice | None:
    st = set(toks)
    joined = "_".join(toks)
    plain = {"bs", "bsz", "batchsize"} & st or re.search(r"(^|_)batch_size($|_)", joined)
    micro = {"mbs", "microbatch"} & st
    glob = {"gbs"} & st
    if not (plain or micro or glob):
        return None
    if {"time", "idx", "index", "count", "num", "seconds", "ms"} & st:
        return None
    if micro or {"per", "device", "micro", "local", "gpu"} & st:
        kind, score = "per_device", 2.0
    elif glob or {"global", "total", "effective"} & st:
        kind, score = "global", 1.0
    else:
        kind, score = "batch", 3.0
    if {"eval", "val", "test", "valid", "validation"} & st:
        kind, score = "eval", score - 5
    why = f"batch-size name ({kind.replace('_', ' ')})"
    return RoleChoice("batch_size", name, "", "samples", 1.0, kind, why, score=score)


_SIMPLE: dict[str, tuple[set[str], str | None, str, dict[str, float]]] = {
    # role: (meaning tokens, unit dimension, unit, kinds by token with preference)
    "utilization": (
        {"util", "utilization", "utilisation", "usage", "busy"},
        "percent",
        "%",
        {"gpu": 3, "sm": 3, "memory": 1, "mem": 1, "cpu": 0},
    ),
    "power": ({"power", "watts"}, "power", "W", {"draw": 1, "usage": 1}),
    "temperature": ({"temperature", "temp"}, "temperature", "°C", {"gpu": 2, "memory": 1}),
    "clock": (
        {"clock", "clocks", "clk"},
        "frequency",
        "MHz",
        {"sm": 3, "graphics": 2, "gr": 2, "current": 1, "mem": 0, "memory": 0},
    ),
}


def _simple(role: str, name: str, toks: list[str], vals: np.ndarray | None) -> RoleChoice | None:
    words, dim, target, kinds = _SIMPLE[role]
    st = set(toks)
    unit = _unit(toks, dim) if dim else None
    if not (words & st) and not (unit and role != "utilization" and len(toks) > 1):
        return None
    if {"limit", "max", "min", "default", "enforced", "slowdown", "shutdown", "target"} & st:
        return None
    if role == "utilization" and _unit(toks, "bytes"):
        return None
    kind = next((k for k in toks if k in kinds), "")
    score = kinds.get(kind, 0)
    factor, ulabel = unit if unit else (1.0, "")
    why = f"'{role}' in the name" + (f", unit {ulabel}" if ulabel else "")
    finite = vals is not None and np.isfinite(vals).any()
    if role == "utilization" and unit is None and finite and np.nanmax(vals) <= 1.0:
        factor, ulabel, why = 100.0, "fraction", why + "; values at most 1 read as fractions"
    return RoleChoice(role, name, ulabel, target, factor, kind, why, score=score)


def _other(role: str, name: str, toks: list[str]) -> RoleChoice | None:
    st = set(toks)
    if role == "status":
        if toks and toks[-1] in {"status", "state", "outcome", "result", "results"}:
            return RoleChoice("status", name, "", "", 1.0, "status", "status name", score=1.0)
        return None
    if role == "lr":
        joined = "_".join(toks)
        if "lr" in st or "learning_rate" in joined:
            if {"scheduler", "finder", "decay", "warmup", "steps"} & st:
                return None
            return RoleChoice("lr", name, "", "", 1.0, "lr", "learning-rate name", score=1.0)
    if role == "loss" and "loss" in st:
        val = bool({"val", "valid", "validation", "eval", "test"} & st)
        # Lightning logs train_loss_step and train_loss_epoch: the per-step one first
        score = 1.0 - 2 * val - 0.5 * ("epoch" in st)
        kind = "validation" if val else "training"
        return RoleChoice("loss", name, "", "", 1.0, kind, f"{kind} loss name", score=score)
    if role == "step":
        rest = [t for t in toks if t not in {"trainer", "global", "train", "per"}]
        if rest in (["step"], ["iteration"], ["iter"], ["it"]):
            score = 2.0 if "global" in st else (1.0 if "step" in st else 0.5)
            return RoleChoice("step", name, "", "", 1.0, "step", "step counter name", score=score)
    return None


def classify(role: str, name: str, vals: np.ndarray | None) -> RoleChoice | None:
    toks = tokens(name)
    if not toks:
        return None
    if role == "memory":
        return _memory(name, toks, vals)
    if role == "throughput":
        return _throughput(name, toks)
    if role == "step_time":
        return _step_time(name, toks, vals)
    if role == "batch_size":
        return _batch_size(name, toks)
    if role in _SIMPLE:
        return _simple(role, name, toks, vals)
    return _other(role, name, toks)
