"""Side-by-side measurement helpers shared by the benchmarks.

Every benchmark measures chartkit and the anchor it is compared to in the same run,
interleaving repetitions so machine load hits both alike, and prints a table with the
ratio and the issue's target. Timing lives here, never in tests.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    """One comparison: chartkit's number, the anchor's, and the target on their ratio."""

    what: str
    chartkit: float
    anchor_name: str
    anchor: float
    unit: str = "s"
    # Target on chartkit/anchor: ("<=", 1.2) means chartkit may cost at most 1.2x the anchor.
    target: tuple[str, float] | None = None

    @property
    def ratio(self) -> float:
        return self.chartkit / self.anchor if self.anchor else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        op, bound = self.target
        return self.ratio <= bound if op == "<=" else self.ratio >= bound


def time_call(fn: Callable[[], object], repeat: int = 5) -> list[float]:
    """Wall-clock seconds of *repeat* calls of *fn*."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def time_processes(commands: dict[str, list[str]], repeat: int = 15) -> dict[str, list[float]]:
    """Wall-clock seconds of whole processes, interleaved round-robin over *repeat* rounds."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(title: str, rows: list[Row], file=None) -> bool:
    """Print *rows* as a table; return True when every target is met."""
    file = sys.stdout if file is None else file
    print(f"\n== {title} ==", file=file)
    head = f"{'measure':<44} {'chartkit':>11} {'anchor':>22} {'ratio':>7}  target"
    print(head, file=file)
    print("-" * len(head), file=file)
    ok = True
    for r in rows:
        target = "" if r.target is None else f"{r.target[0]} {r.target[1]:g}x"
        verdict = {None: "", True: "  MET", False: "  MISSED"}[r.met]
        ok &= r.met is not False
        anchor = f"{r.anchor:.4g} {r.unit} ({r.anchor_name})"
        print(
            f"{r.what:<44} {r.chartkit:>9.4g} {r.unit:<1} {anchor:>22} {r.ratio:>6.2f}x  "
            f"{target}{verdict}",
            file=file,
        )
    return ok
