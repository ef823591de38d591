"""The image comparison is live: a changed figure fails against its baseline.

A throwaway test file is run in a subprocess with *this project's* pytest configuration
(``-c pyproject.toml``, no explicit ``--mpl``), first to generate a baseline, then unchanged
(must pass), then with a 0.3 pt thicker line (must fail with pytest-mpl's mismatch report).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

THROWAWAY = textwrap.dedent(
    """
    import os
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    @pytest.mark.mpl_image_compare
    def test_line():
        width = 1.5 + float(os.environ.get("CHARTKIT_LIVE_EXTRA_WIDTH", "0"))
        fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
        ax.plot(np.linspace(0, 1, 20) ** 2, linewidth=width)
        return fig
    """
)


def _pytest(tmp: Path, *args: str, extra_width: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "CHARTKIT_LIVE_EXTRA_WIDTH": extra_width, "MPLBACKEND": "agg"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp),
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp / "test_throwaway.py"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        check=False,
    )


@pytest.mark.slow
def test_changed_figure_fails_against_baseline(tmp_path):
    (tmp_path / "test_throwaway.py").write_text(THROWAWAY)
    gen = _pytest(tmp_path, f"--mpl-generate-path={tmp_path / 'baseline'}")
    assert gen.returncode == 0, gen.stdout + gen.stderr
    assert (tmp_path / "baseline" / "test_line.png").exists()

    same = _pytest(tmp_path)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "1 passed" in same.stdout

    changed = _pytest(tmp_path, extra_width="0.3")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "Error: Image files did not match." in changed.stdout
