"""Run comparison and tuning charts (issue 15.6), side by side with their anchors.

* ``plot_compare`` on 20 groups x 10 seeds x 10,000 steps with 2,000 bootstrap resamples,
  against seaborn's ``lineplot(errorbar=("ci", 95))`` on the same long frame (its bootstrap
  runs per x value: 200,000 of them, with seaborn's default 1,000 resamples): target at
  most 2x seaborn's time. chartkit evaluates the band on at most 1,000 grid steps by default
  (plot resolution; the IQM line too); a second row draws every step (``max_points=10000``).
  Both save the figure. seaborn's cost is linear in the number of x values and takes hours
  on 10,000 steps, so it is timed on the first ``--seaborn-steps`` steps and scaled (said
  in the output, with the measured time as an information row).
* The four Optuna-style tuning charts (history, slice, contour, EDF) on a 500-trial sweep
  in Ray Tune's layout, against ``optuna.visualization.matplotlib``'s four on the same
  trials loaded into an in-memory Optuna study (printed for information: Optuna drops the
  pruned trials chartkit keeps).

    python benchmarks/bench_compare.py [--groups 20] [--seeds 10] [--steps 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Row, report


def make_frame(groups: int, seeds: int, steps: int) -> pd.DataFrame:
    from chartkit.metrics.schema import concat_frames
    from chartkit.metrics.schema import make_frame as mk

    rng = np.random.default_rng(0)
    st = np.arange(1, steps + 1)
    frames = []
    for g in range(groups):
        level = 0.1 + 0.02 * g
        for s in range(seeds):
            y = level + np.exp(-st / (steps / 5)) + rng.normal(0, 0.02, steps)
            frames.append(mk("jsonl", run=f"g{g:02d}_seed{s}", rank=0, step=st,
                             metric="loss", value=y))
    return concat_frames(frames)


def bench_compare(groups: int, seeds: int, steps: int, sns_steps: int) -> list[Row]:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    from chartkit.metrics.plots import plot_compare

    frame = make_frame(groups, seeds, steps)
    part = frame[frame["step"] <= sns_steps]
    wide = pd.DataFrame({
        "step": part["step"].to_numpy(),
        "loss": part["value"].to_numpy(),
        "group": part["run"].astype(str).str.slice(0, 3).to_numpy(),
    })

    def ours(max_points: int) -> float:
        t0 = time.perf_counter()
        fig, ax = plt.subplots(figsize=(8, 5))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plot_compare(frame, "loss", by=r"^(g\d+)_", n_boot=2000, ax=ax, labels=False,
                         max_points=max_points)
        fig.savefig(os.devnull, format="png")
        plt.close(fig)
        return time.perf_counter() - t0

    def seaborn() -> float:
        t0 = time.perf_counter()
        fig, ax = plt.subplots(figsize=(8, 5))
        sns.lineplot(data=wide, x="step", y="loss", hue="group", errorbar=("ci", 95), ax=ax)
        fig.savefig(os.devnull, format="png")
        plt.close(fig)
        return time.perf_counter() - t0

    t_ck = ours(1000)
    t_full = ours(steps)
    t_sns_part = seaborn()
    t_sns = t_sns_part * steps / sns_steps  # its bootstrap runs per x value: linear in steps
    print(
        f"seaborn measured on the first {sns_steps:,} of {steps:,} steps ({t_sns_part:.1f} s) "
        f"and scaled linearly to {t_sns:,.0f} s (a full run is impractical)."
    )
    what = f"plot_compare {groups}x{seeds}x{steps:,}, 2000 boot"
    return [
        Row(what, t_ck, "seaborn lineplot ci95*", t_sns, target=("<=", 2.0)),
        Row("  same, band at every step", t_full, "seaborn lineplot ci95*", t_sns,
            target=("<=", 2.0)),
        Row(f"  seaborn on {sns_steps:,} steps vs plot_compare on all (info)", t_sns_part,
            "plot_compare, all steps", t_full),
    ]


def bench_tuning(trials: int) -> list[Row]:
    """chartkit's four tuning charts vs optuna.visualization.matplotlib's four."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    try:
        import optuna
        from optuna.visualization import matplotlib as ovm
    except ImportError:
        print("optuna is not installed (pip install optuna): tuning-chart rows skipped")
        return []
    from chartkit.metrics.plots.tuning_charts import (
        plot_contour,
        plot_edf,
        plot_history,
        plot_slice,
    )
    from chartkit.metrics.schema import LogInfo, RunLog, params_frame
    from chartkit.metrics.schema import make_frame as mk

    rng = np.random.default_rng(0)
    lr = 10 ** rng.uniform(-4, -1, trials)
    bs = rng.choice([16, 32, 64, 128], trials)
    steps = np.where(rng.random(trials) < 0.6, rng.integers(1, 5, trials), 10)
    frames, params = [], []
    study = optuna.create_study(direction="minimize")
    dists = {
        "lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True),
        "batch_size": optuna.distributions.CategoricalDistribution([16, 32, 64, 128]),
    }
    for t in range(trials):
        st = np.arange(1, steps[t] + 1)
        y = 0.2 + abs(np.log10(lr[t]) + 2.5) * 0.3 + 1 / st + rng.normal(0, 0.02, st.size)
        frames.append(mk("ray", trial=f"t{t:03d}", step=st, wall_time=1000.0 + t + st,
                         metric="loss", value=y))
        params.append({"trial": f"t{t:03d}", "lr": lr[t], "batch_size": int(bs[t])})
        state = optuna.trial.TrialState.COMPLETE if steps[t] == 10 else (
            optuna.trial.TrialState.PRUNED)
        study.add_trial(optuna.trial.create_trial(
            params={"lr": lr[t], "batch_size": int(bs[t])}, distributions=dists,
            value=float(y[-1]) if state == optuna.trial.TrialState.COMPLETE else None,
            intermediate_values={int(s): float(v) for s, v in zip(st, y, strict=True)},
            state=state,
        ))
    log = RunLog(pd.concat(frames, ignore_index=True), params_frame(params),
                 LogInfo(source="ray"))

    def ours() -> float:
        t0 = time.perf_counter()
        for draw in (
            lambda ax: plot_history(log, "loss", ax=ax),
            lambda ax: plot_slice(log, "loss", "lr", ax=ax),
            lambda ax: plot_contour(log, "loss", x="lr", y="batch_size", ax=ax),
            lambda ax: plot_edf(log, "loss", ax=ax),
        ):
            fig, ax = plt.subplots()
            draw(ax)
            fig.savefig(os.devnull, format="png")
            plt.close(fig)
        return time.perf_counter() - t0

    def optuna_charts() -> float:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for fn in (
                lambda: ovm.plot_optimization_history(study),
                lambda: ovm.plot_slice(study, params=["lr"]),
                lambda: ovm.plot_contour(study, params=["lr", "batch_size"]),
                lambda: ovm.plot_edf(study),
            ):
                ax = fn()
                ax = ax.flat[0] if hasattr(ax, "flat") else ax
                ax.figure.savefig(os.devnull, format="png")
                plt.close("all")
        return time.perf_counter() - t0

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t_ck, t_op = ours(), optuna_charts()
    return [Row(f"4 tuning charts, {trials} trials", t_ck, "optuna.visualization.mpl", t_op)]


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--seaborn-steps", type=int, default=100,
                    help="steps seaborn is timed on (then scaled to --steps)")
    args = ap.parse_args(argv)
    ok = report("run comparison vs seaborn (one run each)",
                bench_compare(args.groups, args.seeds, args.steps, args.seaborn_steps))
    rows = bench_tuning(args.trials)
    if rows:
        ok &= report("tuning charts vs optuna.visualization.matplotlib", rows)
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
