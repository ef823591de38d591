"""Run one gallery script in this process and save its figures (used by `chartkit.gallery`).

``python -m chartkit._gallery_run SCRIPT OUTDIR`` executes *SCRIPT* with the Agg backend and
saves every figure it made as ``OUTDIR/<stem>.png`` (``<stem>_2.png``, ... for more than
one). Figures are saved when the script calls ``plt.show()`` -- inside the script's
``with chartkit.theme():`` block, so draw-time settings apply -- and any figure still open
at the end is saved then. The paths written are printed as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path


def run(script: Path, outdir: Path) -> list[str]:
    os.environ["MPLBACKEND"] = "agg"
    import matplotlib

    matplotlib.use("agg", force=True)
    import matplotlib.pyplot as plt

    outdir.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    done: set[int] = set()

    def save_open_figures(*_args, **_kwargs) -> None:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if id(fig) in done:
                continue
            done.add(id(fig))
            k = len(saved) + 1
            name = f"{script.stem}.png" if k == 1 else f"{script.stem}_{k}.png"
            fig.savefig(outdir / name)
            saved.append(name)
            plt.close(fig)

    plt.show = save_open_figures
    sys.argv = [str(script)]
    sys.path.insert(0, str(script.parent))
    runpy.run_path(str(script), run_name="__main__")
    save_open_figures()
    return saved


def main() -> int:
    script, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    saved = run(script, outdir)
    print(json.dumps({"images": saved}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
