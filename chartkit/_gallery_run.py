"""Run one gallery script in this process and save its figures (used by `chartkit.gallery`).

``python -m chartkit._gallery_run SCRIPT OUTDIR`` executes *SCRIPT* with the Agg backend and
saves every figure it made as ``OUTDIR/<stem>.png`` (``<stem>_2.png``, ... for more than
one). Figures are saved when the script calls ``plt.show()`` -- inside the script's
``with chartkit.theme():`` block, so draw-time settings apply -- and any figure still open
at the end is saved then. Before it is saved, each figure is audited with
`chartkit.audit.check_figure`. The last line printed is JSON:
``{"images": [names], "audit": {name: {"ok", "findings": [{"kind", "message", "where"}],
"notes"}}}``.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path


def audit_verdict(fig) -> dict:
    """`check_figure`'s verdict on *fig* as JSON-ready data (an audit crash is a failure)."""
    from chartkit.audit import check_figure

    try:
        report = check_figure(fig)
    except Exception as err:  # an audit bug must not hide the image; it fails the example
        return {
            "ok": False,
            "findings": [{"kind": "audit-error", "message": repr(err), "where": ""}],
            "notes": [],
        }
    return {
        "ok": report.ok,
        "findings": [
            {"kind": f.kind, "message": f.message, "where": f.where} for f in report.findings
        ],
        "notes": list(report.notes),
    }


def run(script: Path, outdir: Path, audit: dict | None = None) -> list[str]:
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
            if audit is not None:
                audit[name] = audit_verdict(fig)
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
    audit: dict = {}
    saved = run(script, outdir, audit)
    print(json.dumps({"images": saved, "audit": audit}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
