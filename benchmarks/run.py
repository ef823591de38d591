"""Run every benchmark (``benchmarks/bench_*.py``) and print their side-by-side ratios.

    python benchmarks/run.py            # all
    python benchmarks/run.py import     # those whose name contains "import"

Exit status is non-zero when a benchmark fails to run or misses its target.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    scripts = sorted(here.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.stem for a in argv)]
    status = {}
    for script in scripts:
        print(f"\n### {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], check=False)
        status[script.name] = proc.returncode
    print("\nSummary:")
    for name, rc in status.items():
        print(f"  {name:<32} {'all targets met' if rc == 0 else 'MISSED or FAILED'}")
    return 0 if all(rc == 0 for rc in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
