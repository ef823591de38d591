"""Every pure module of chartkit.metrics imports on its own, before the plots (no cycles)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "chartkit.metrics.tuning_tables",
    "chartkit.metrics.importance",
    "chartkit.metrics.schedulers",
    "chartkit.metrics.tuning_history",
    "chartkit.metrics.rank_tables",
    "chartkit.metrics.compare",
    "chartkit.metrics.trace_analysis",
    "chartkit.metrics.offscale",
    "chartkit.metrics.roles",
    "chartkit.metrics.frames",
    "chartkit.metrics.cache",
    "chartkit.metrics.remote",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_first_and_without_pyplot(module):
    code = (
        f"import sys, {module}\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
