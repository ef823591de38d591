"""Facet grids: chartkit's `facet` against seaborn, plotnine and plain matplotlib.

Targets (issue 5), on the same tidy frame (N facets x 3 hue lines x 200 points, PNG at
100 dpi, shared axes, one legend), measured side by side in this one run:

- N=100, build + save: at most 0.33x seaborn ``relplot``, 0.7x plotnine and 0.55x plain
  matplotlib with constrained layout (wall clock, median of interleaved repetitions);
- N=100 peak RSS at most 1.15x plain matplotlib (each side in a fresh process);
- N=4 whole-process CPU time at most 1.2x a plain ``plt.subplots`` script;
- instrumented counts per save: chartkit performs exactly one ``Figure.draw`` and zero
  ``tight_layout`` calls (seaborn's counts are printed beside them).

    python benchmarks/bench_facets.py            # full run
    python benchmarks/bench_facets.py --quick    # fewer repetitions
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, median, report

WRAP = 10
POINTS = 200
HUES = ("train", "val", "test")


def make_frame(n: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    k = len(HUES)
    steps = np.tile(np.arange(POINTS), n * k)
    return pd.DataFrame(
        {
            "step": steps,
            "loss": rng.normal(size=n * k * POINTS).cumsum(),
            "facet": np.repeat([f"trial {i:03d}" for i in range(n)], k * POINTS),
            "split": np.tile(np.repeat(HUES, POINTS), n),
        }
    )


def _size(n: int) -> tuple[float, float]:
    ncols = min(n, WRAP)
    nrows = -(-n // WRAP)
    return (2.8 * ncols + 1.5, 2.0 * nrows + 0.8)


# -- the contenders: build the figure from the frame and save it as PNG at 100 dpi ---------


def run_chartkit(df, n: int, path: str) -> None:
    import matplotlib.pyplot as plt

    from chartkit.facets import facet

    g = facet(df, col="facet", wrap=min(n, WRAP), hue="split", figsize=_size(n))
    g.map("plot", "step", "loss")
    g.figure.savefig(path, dpi=100)
    plt.close(g.figure)


def run_seaborn(df, n: int, path: str) -> None:
    import matplotlib.pyplot as plt
    import seaborn as sns

    g = sns.relplot(
        data=df,
        x="step",
        y="loss",
        hue="split",
        col="facet",
        col_wrap=min(n, WRAP),
        kind="line",
        estimator=None,
        height=2.0,
        aspect=1.4,
    )
    g.savefig(path, dpi=100)
    plt.close(g.figure)


def run_plotnine(df, n: int, path: str) -> None:
    import matplotlib.pyplot as plt
    from plotnine import aes, facet_wrap, geom_line, ggplot, theme

    w, h = _size(n)
    p = (
        ggplot(df, aes("step", "loss", color="split"))
        + geom_line()
        + facet_wrap("facet", ncol=min(n, WRAP))
        + theme(figure_size=(w, h))
    )
    p.save(path, dpi=100, verbose=False, limitsize=False)
    plt.close("all")


def run_matplotlib(df, n: int, path: str, layout: str | None = "constrained") -> None:
    import matplotlib.pyplot as plt

    ncols = min(n, WRAP)
    nrows = -(-n // WRAP)
    fig, axes = plt.subplots(
        nrows, ncols, sharex=True, sharey=True, figsize=_size(n), layout=layout, squeeze=False
    )
    colors = {h: f"C{i}" for i, h in enumerate(HUES)}
    for ax, (name, sub) in zip(axes.flat, df.groupby("facet", sort=False), strict=False):
        for h, part in sub.groupby("split", sort=False):
            ax.plot(part["step"].to_numpy(), part["loss"].to_numpy(), color=colors[h], label=h)
        ax.set_title(name)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right" if layout else "center right")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_plain(df, n: int, path: str) -> None:
    run_matplotlib(df, n, path, layout=None)


RUNNERS = {
    "chartkit": run_chartkit,
    "seaborn": run_seaborn,
    "plotnine": run_plotnine,
    "matplotlib": run_matplotlib,
    "plain": run_plain,
}


# -- child-process mode: one contender, reports its peak RSS / CPU ------------------------


def child(name: str, n: int) -> None:
    import matplotlib

    matplotlib.use("agg")
    df = make_frame(n)
    with tempfile.TemporaryDirectory() as tmp:
        RUNNERS[name](df, n, os.path.join(tmp, "out.png"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"maxrss_kb": _peak_rss_kb(), "cpu": usage.ru_utime + usage.ru_stime}))


def _peak_rss_kb() -> float:
    """This process's peak resident set (VmHWM).

    ``getrusage(RUSAGE_SELF).ru_maxrss`` is no good in a child: Linux keeps the parent's
    high-water mark across fork + exec, so every child reports the benchmark's own peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def in_child(name: str, n: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, str(n)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "agg"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # CPU of the whole process, interpreter start-up and imports included.
    result["process_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


# -- instrumented counts -------------------------------------------------------------------


def count_calls(name: str, n: int) -> dict[str, int]:
    """Figure.draw and tight_layout calls during one build + save."""
    from matplotlib.figure import Figure

    counts = {"draw": 0, "tight_layout": 0}
    orig_draw, orig_tight = Figure.draw, Figure.tight_layout

    def draw(self, renderer):
        counts["draw"] += 1
        return orig_draw(self, renderer)

    def tight_layout(self, *args, **kwargs):
        counts["tight_layout"] += 1
        return orig_tight(self, *args, **kwargs)

    Figure.draw, Figure.tight_layout = draw, tight_layout
    try:
        with tempfile.TemporaryDirectory() as tmp:
            RUNNERS[name](make_frame(n), n, os.path.join(tmp, "out.png"))
    finally:
        Figure.draw, Figure.tight_layout = orig_draw, orig_tight
    return counts


def main(quick: bool = False) -> bool:
    import matplotlib

    matplotlib.use("agg")
    anchors = ["seaborn", "matplotlib", "plain"]
    if importlib.util.find_spec("plotnine") is not None:
        anchors.insert(1, "plotnine")
    else:
        print('plotnine not installed (pip install "chartkit[bench]"): skipping that anchor')
    if importlib.util.find_spec("seaborn") is None:
        print('seaborn not installed (pip install "chartkit[bench]"): skipping that anchor')
        anchors.remove("seaborn")
    names = ["chartkit", *anchors]
    n = 100
    repeat = 2 if quick else 3
    df = make_frame(n)
    times: dict[str, list[float]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:  # warm-up: imports, font cache
            RUNNERS[name](make_frame(4), 4, os.path.join(tmp, "warm.png"))
        for _ in range(repeat):
            for name in names:
                t0 = time.perf_counter()
                RUNNERS[name](df, n, os.path.join(tmp, f"{name}.png"))
                times[name].append(time.perf_counter() - t0)
    med = {k: median(v) for k, v in times.items()}
    targets = {"seaborn": 0.33, "plotnine": 0.7, "matplotlib": 0.55}
    labels = {
        "seaborn": "seaborn relplot",
        "plotnine": "plotnine",
        "matplotlib": "mpl constrained",
        "plain": "mpl no layout",
    }
    rows = [
        Row(
            f"N={n} build+save vs {labels[a]}",
            med["chartkit"],
            labels[a],
            med[a],
            target=("<=", targets[a]) if a in targets else None,
        )
        for a in anchors
    ]

    rss_rounds = 1 if quick else 2
    rss = {k: [] for k in ("chartkit", "matplotlib")}
    for _ in range(rss_rounds):
        for k in rss:
            rss[k].append(in_child(k, n)["maxrss_kb"] / 1024)
    rows.append(
        Row(
            f"N={n} peak RSS vs mpl constrained",
            median(rss["chartkit"]),
            "mpl constrained",
            median(rss["matplotlib"]),
            unit="MB",
            target=("<=", 1.15),
        )
    )

    cpu_rounds = 3 if quick else 7
    cpu = {k: [] for k in ("chartkit", "plain")}
    for _ in range(cpu_rounds):
        for k in cpu:
            cpu[k].append(in_child(k, 4)["process_cpu"])
    rows.append(
        Row(
            "N=4 whole-process CPU vs plt.subplots script",
            median(cpu["chartkit"]),
            "plt.subplots",
            median(cpu["plain"]),
            target=("<=", 1.2),
        )
    )
    ok = report(f"facets, N facets x 3 lines x {POINTS} points, PNG 100 dpi", rows)

    print("\n== instrumented calls per build + save (N=12) ==")
    counted = {k: count_calls(k, 12) for k in ["chartkit", *[a for a in anchors if a != "plain"]]}
    for k, c in counted.items():
        print(f"{k:<12} Figure.draw: {c['draw']}   tight_layout: {c['tight_layout']}")
    exact = counted["chartkit"] == {"draw": 1, "tight_layout": 0}
    print("chartkit: one Figure.draw, zero tight_layout:", "MET" if exact else "MISSED")
    return ok and exact


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(0 if main(quick="--quick" in sys.argv) else 1)
