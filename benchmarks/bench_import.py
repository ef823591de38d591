"""Whole-process import time: ``import chartkit`` against ``import matplotlib`` and seaborn.

Target (issue 2): ``import chartkit`` costs at most 1.2x ``import matplotlib``. Each
command is a fresh interpreter (``python -c "import X"``), run round-robin so load affects
all alike; the median of the rounds is compared. An empty interpreter is measured too, so
the table can also show the cost above Python's own start-up.
"""

from __future__ import annotations

import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report, time_processes


def main(repeat: int = 15) -> bool:
    py = sys.executable
    commands = {
        "python": [py, "-c", "pass"],
        "matplotlib": [py, "-c", "import matplotlib"],
        "chartkit": [py, "-c", "import chartkit"],
    }
    has_seaborn = importlib.util.find_spec("seaborn") is not None
    if has_seaborn:
        commands["seaborn"] = [py, "-c", "import seaborn"]
    times = time_processes(commands, repeat=repeat)
    med = {k: median(v) for k, v in times.items()}
    rows = [
        Row(
            "import chartkit vs import matplotlib",
            med["chartkit"],
            "matplotlib",
            med["matplotlib"],
            target=("<=", 1.2),
        ),
        Row(
            "  same, above interpreter start-up",
            med["chartkit"] - med["python"],
            "matplotlib",
            med["matplotlib"] - med["python"],
        ),
    ]
    if has_seaborn:
        rows.append(
            Row("import chartkit vs import seaborn", med["chartkit"], "seaborn", med["seaborn"])
        )
    else:
        print('seaborn not installed (pip install "chartkit[bench]"): skipping that anchor')
    return report(f"import time, median of {repeat} fresh processes", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
