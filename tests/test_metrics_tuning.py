"""Tuning plots: trials by hyper-parameter, ASHA rungs, parallel coordinates, importance, PBT."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import chartkit
from chartkit.annotate.titles import TitleStack, titles
from chartkit.errors import DataWarning
from chartkit.metrics.plots import (
    param_importance,
    plot_importance,
    plot_lineage,
    plot_parallel,
    plot_rungs,
    plot_trials,
)
from chartkit.metrics.plots.parallel import axis_scale
from chartkit.metrics.plots.tuning import (
    best_trial,
    lineage_segments,
    param_kinds,
    segment_of,
    trial_table,
)
from chartkit.metrics.readers.ray import read_ray

ASHA = Path(chartkit.metrics.__file__).parent / "sample_data" / "ray_tune" / "tune_asha"
STYLE = chartkit.rc_params("default", korean_font="bundled")


@pytest.fixture(scope="module")
def asha():
    return read_ray(ASHA)


# --------------------------------------------------------------------------- synthetic logs


def _write_trial(root, tid, rows, config0, *, error=None, done=True):
    d = Path(root) / f"train_{tid}_lr={config0['lr']}"
    d.mkdir()
    (d / "params.json").write_text(json.dumps(config0))
    with open(d / "result.json", "w") as f:
        for k, (it, loss, cfg) in enumerate(rows):
            last = k == len(rows) - 1
            rec = {"loss": loss, "training_iteration": it, "trial_id": tid}
            rec.update({"done": done and last and error is None, "config": cfg})
            f.write(json.dumps(rec) + "\n")
    if error:
        (d / "error.txt").write_text(error + "\n")


def _pbt_folder(root) -> Path:
    """A PBT-like Ray folder: a rewind with a new lr, a config change, one ERROR trial."""
    root = Path(root) / "tune_pbt"
    root.mkdir()

    def c(lr):
        return {"lr": lr, "units": 8}

    def loss(it, lr):
        return 2.0 * math.exp(-lr * 3 * it) + 0.05

    rewind = [(i, loss(i, 0.01), c(0.01)) for i in range(1, 5)]
    rewind += [(i, loss(i, 0.2) - 0.02, c(0.05)) for i in range(3, 9)]
    _write_trial(root, "pbt_00000", rewind, c(0.01))
    _write_trial(root, "pbt_00001", [(i, loss(i, 0.2), c(0.2)) for i in range(1, 9)], c(0.2))
    change = [(i, loss(i, 0.3), c(0.3)) for i in range(1, 5)]
    change += [(i, loss(i, 0.3) + 0.01, c(0.1)) for i in range(5, 9)]
    _write_trial(root, "pbt_00002", change, c(0.3))
    _write_trial(
        root,
        "pbt_00003",
        [(i, loss(i, 0.05), c(0.05)) for i in range(1, 3)],
        c(0.05),
        error="RuntimeError: simulated divergence at iteration 3",
    )
    return root


@pytest.fixture
def pbt(tmp_path):
    with pytest.warns(DataWarning) as rec:
        log = read_ray(_pbt_folder(tmp_path))
    messages = [str(w.message) for w in rec]
    assert len(messages) == 2
    assert "went back" in messages[0]
    assert "steps written again" in messages[1]
    return log


def _grid_folder(root, n, *, seed=0) -> Path:
    """n trials whose last loss is a decreasing function of lr (and unrelated to 'noise')."""
    rng = np.random.default_rng(seed)
    root = Path(root) / "tune_grid"
    root.mkdir()
    lrs = 10 ** rng.uniform(-4, -1, n)
    for i, lr in enumerate(lrs):
        cfg = {
            "lr": float(lr),
            "noise": float(rng.uniform(0, 1)),
            "opt": ["sgd", "adam"][i % 2],
        }
        rows = [(it, float(1.0 / (1 + 100 * lr * it)), cfg) for it in range(1, 4)]
        _write_trial(root, f"grid_{i:05d}", rows, cfg)
    return root


def _ax():
    """A fresh Axes (ax=None draws on the current one, as seaborn does)."""
    return plt.figure().add_subplot()


def _facts(ax) -> str:
    """The plot's facts note inside *ax* (the one text with a white box, drawn literally)."""
    from matplotlib.text import Annotation

    (note,) = [
        t
        for t in ax.texts
        if t.get_bbox_patch() is not None
        and not isinstance(t, Annotation)
        and t.get_transform() == ax.transAxes
    ]
    assert not any(isinstance(a, TitleStack) for a in ax.texts)  # no title of its own
    assert ax.get_title() == ""
    return note.get_text().replace("\\$", "$")


# --------------------------------------------------------------------------- the table


def test_trial_table_on_asha(asha):
    t = trial_table(asha, "loss")
    assert len(t) == 16
    assert t["outcome"].value_counts().to_dict() == {"stopped": 15, "completed": 1}
    b = t.iloc[best_trial(t, "min")]
    assert b["trial"] == "75cd2_00001"
    assert b["value"] == pytest.approx(0.118, abs=5e-4)
    assert (b["l1"], b["l2"], b["batch_size"]) == (128, 16, 64)
    assert b["lr"] == pytest.approx(0.0348, abs=1e-4)


def test_trial_table_scopes_and_step(asha):
    last = trial_table(asha, "loss")["value"]
    low = trial_table(asha, "loss", scope="min")["value"]
    high = trial_table(asha, "loss", scope="max")["value"]
    assert (low <= last).all()
    assert (high >= last).all()
    assert (low < last).any()
    at1 = trial_table(asha, "loss", step=1)
    assert at1["value"].notna().all()
    at4 = trial_table(asha, "loss", step=4)
    assert at4["value"].notna().sum() == 6  # 6 trials reached rung 4


def test_param_kinds_guess_and_override(asha):
    t = trial_table(asha, "loss")
    kinds = param_kinds(t, ["lr", "l1", "batch_size"])
    assert kinds == {"lr": "log", "l1": "log", "batch_size": "categorical"}
    assert param_kinds(t, ["lr"], {"lr": "linear"}) == {"lr": "linear"}
    frame = pd.DataFrame({"a": ["x", "y"], "b": [0.5, 0.9], "c": [0.0, 100.0]})
    assert param_kinds(frame, ["a", "b", "c"]) == {
        "a": "categorical",
        "b": "linear",
        "c": "linear",
    }


def test_param_kinds_errors():
    frame = pd.DataFrame({"lr": [0.1, 0.2], "mom": [0.0, 0.9]})
    with pytest.raises(KeyError, match=r"'rl' is not a valid value for parameter in scales"):
        param_kinds(frame, ["lr"], {"rl": "log"})
    with pytest.raises(ValueError, match=r"'logg' is not a valid value for scales\['lr'\]"):
        param_kinds(frame, ["lr"], {"lr": "logg"})
    with pytest.raises(ValueError, match=r"'log' is not a valid value for scales\['mom'\]"):
        param_kinds(frame, ["mom"], {"mom": "log"})


def test_axis_scale_log_categorical_linear():
    s = axis_scale("lr", [1e-4, 1e-3, 1e-2, 1e-1, 3e-3, 2e-4, 5e-2, 7e-4, 9e-3], "log")
    assert s([1e-4, 1e-1, 1e-2]).tolist() == pytest.approx([0, 1, 2 / 3])
    assert [lab for _, lab in s.ticks] == ["0.0001", "0.001", "0.01", "0.1"]
    few = axis_scale("l1", [4, 64, 256, 4], "log")
    assert [lab for _, lab in few.ticks] == ["4", "64", "256"]
    c = axis_scale("bs", [64, 8, 16, 8], "categorical")
    assert c.categories == [8, 16, 64]
    assert c([8, 64, 32]).tolist()[:2] == [0.0, 1.0]
    assert math.isnan(c([32])[0])
    lin = axis_scale("m", [0.05, 0.2, 0.1], "linear")
    labels = [lab for _, lab in lin.ticks]
    assert labels[0] == "0.05"
    assert labels[-1] == "0.2"


def test_segment_of_keeps_the_newest_segment():
    steps = np.arange(1, 9)
    assert segment_of(steps, [1, 3, 6]).tolist() == [0, 0, 1, 1, 1, 2, 2, 2]
    # a later rewind to step 2 overrides the middle segment entirely
    assert segment_of(steps, [1, 5, 2]).tolist() == [0, 2, 2, 2, 2, 2, 2, 2]


# --------------------------------------------------------------------------- plot_trials


def test_trials_colour_by_log_lr(asha):
    fig, ax = plt.subplots()
    plot_trials(asha, "loss", ax=ax)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert len(lines) == 16
    cbar = fig.axes[-1]
    assert cbar.get_ylabel() == "lr (log scale)"
    assert cbar.get_yscale() == "log"
    # smaller lr -> lighter line (lower sum of RGB is darker)
    t = trial_table(asha, "loss").set_index("trial")
    lo, hi = t["lr"].idxmin(), t["lr"].idxmax()
    assert sum(mpl.colors.to_rgb(lines[lo].get_color())) > sum(
        mpl.colors.to_rgb(lines[hi].get_color())
    )
    best = lines["75cd2_00001"]
    assert best.get_linewidth() > lines[lo].get_linewidth()
    texts = [t.get_text() for t in ax.texts]
    assert any("best: 75cd2_00001 (loss 0.118)" in s and "lr=0.0348" in s for s in texts)
    assert _facts(ax) == "16 trials coloured by lr; best = lowest of each trial's last value"


def test_trials_categorical_and_mode(asha):
    ax = plot_trials(asha, "accuracy", color_by="batch_size", scope="max", ax=_ax())
    ax.figure.canvas.draw()  # the legend (loc="best") and the title stack measure each other
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "batch_size"
    assert [t.get_text() for t in legend.get_texts()] == ["8", "16", "32", "64"]
    assert _facts(ax).endswith("best = highest of each trial's maximum")
    ax2 = plot_trials(asha, "accuracy", ax=_ax())
    assert _facts(ax2).endswith("best = highest of each trial's last value")


def test_trials_errors(asha):
    with pytest.raises(KeyError, match=r"'lsos' is not a valid value for metric.*'loss'"):
        plot_trials(asha, "lsos")
    with pytest.raises(KeyError, match=r"'l_r' is not a valid value for color_by.*'lr'"):
        plot_trials(asha, "loss", color_by="l_r")
    with pytest.raises(ValueError, match=r"'all' is not a valid value for scope"):
        plot_trials(asha, "loss", scope="all")
    with pytest.raises(ValueError, match=r"'best' is not a valid value for mode"):
        plot_trials(asha, "loss", mode="best")
    with pytest.raises(TypeError, match=r"plot_trials sets 'color' itself"):
        plot_trials(asha, "loss", color="k")
    with pytest.raises(ValueError, match=r"needs the trials' configs: pass the RunLog"):
        plot_trials(asha.metrics, "loss", color_by="lr")
    # a bare frame (a facet's subset): coloured by trial
    assert len(plot_trials(asha.metrics, "loss", ax=_ax()).get_lines()) == 16
    ax = plot_trials(asha.metrics, "loss", color_by=None, ax=_ax())
    assert len(ax.get_lines()) == 16


def test_pbt_lineage_segments(pbt):
    segs = lineage_segments(pbt)
    assert segs.groupby("trial").size().to_dict() == {
        "pbt_00000": 2,
        "pbt_00001": 1,
        "pbt_00002": 2,
        "pbt_00003": 1,
    }
    assert segs["end_step"].iloc[0] == 3
    assert pd.isna(segs["end_step"].iloc[1])
    fig, ax = plt.subplots()
    plot_trials(pbt, "loss", ax=ax)
    by_trial: dict[str, list] = {}
    for ln in ax.get_lines():
        by_trial.setdefault(ln.get_label(), []).append(ln)
    assert len(by_trial["pbt_00000"]) == 2
    assert len(by_trial["pbt_00002"]) == 2
    first, second = by_trial["pbt_00000"]
    assert first.get_xdata().tolist() == [1, 2]
    assert second.get_xdata().tolist()[:2] == [2, 3]  # joined to the previous point
    assert first.get_color() != second.get_color()  # lr 0.01 then 0.05
    starts = [c for c in ax.collections if c.get_label().startswith("PBT")]
    assert len(starts) == 1
    assert len(starts[0].get_offsets()) == 2
    assert fig.axes[-1].get_ylabel() == "lr (log scale)"  # 0.01..0.3 over all segments
    # lineage off: one line per trial
    ax2 = plot_trials(pbt, "loss", lineage=False, ax=_ax())
    assert len(ax2.get_lines()) == 4
    # the ERROR trial ends with an X
    err = next(ln for ln in ax2.get_lines() if ln.get_label() == "pbt_00003")
    assert err.get_marker() == "X"


# --------------------------------------------------------------------------- plot_rungs


def test_rungs_survivors_on_asha(asha):
    ax = plot_rungs(asha, "loss", ax=_ax())
    texts = [t.get_text() for t in ax.texts]
    assert texts[:5] == ["16 trials", "9", "6", "2", "1"]
    assert _facts(ax).splitlines() == [
        "reached: 16 \u2192 9 \u2192 6 \u2192 2 \u2192 1",
        "grace_period 1, reduction_factor 2, max_t 10",
        "ASHA from early stops at 1, 2, 4, 8 (one bracket assumed)",
    ]
    assert [round(x) for x in ax.get_xticks()] == [1, 2, 4, 8, 10]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["stopped by the scheduler (15)", "completed (reached max_t) (1)"]
    stopped = ax.collections[0]
    assert len(stopped.get_offsets()) == 15


def test_rungs_given_scheduler(asha):
    ax = plot_rungs(asha, "loss", reduction_factor=3, xscale="linear", ax=_ax())
    assert [round(x) for x in ax.get_xticks()] == [1, 3, 9, 10]
    texts = [t.get_text() for t in ax.texts]
    assert texts[:4] == ["16 trials", "6", "1", "1"]  # last iterations 1/2/4/8/10
    with pytest.raises(ValueError, match=r"'loglog' is not a valid value for xscale"):
        plot_rungs(asha, "loss", xscale="loglog")
    with pytest.raises(ValueError, match=r"1 is not a valid value for reduction_factor"):
        plot_rungs(asha, "loss", reduction_factor=1)
    with pytest.raises(KeyError, match=r"'acc' is not a valid value for metric"):
        plot_rungs(asha, "acc")


# --------------------------------------------------------------------------- plot_parallel


def test_parallel_keeps_stopped_and_error_trials(pbt, asha):
    ax = plot_parallel(asha, "loss", ax=_ax())
    trial_lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(trial_lines) == 16
    dashed = [ln for ln in trial_lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 15
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "l1 (log)",
        "l2 (log)",
        "lr (log)",
        "batch_size",
        "loss",
    ]  # the order of params.json
    assert _facts(ax) == "16 trials by each trial's last value; best = thick; constant: data_seed"
    ax2 = plot_parallel(pbt, "loss", ax=_ax())
    labels = [ln.get_label() for ln in ax2.get_lines() if not ln.get_label().startswith("_")]
    assert sorted(set(labels)) == ["pbt_00000", "pbt_00001", "pbt_00002", "pbt_00003"]
    err = next(ln for ln in ax2.get_lines() if ln.get_label() == "pbt_00003")
    assert err.get_linestyle() == ":"
    assert any(ln.get_marker() == "X" for ln in ax2.get_lines())
    assert "ERROR (1)" in [t.get_text() for t in ax2.get_legend().get_texts()]


def test_parallel_best_on_top_and_darkest(asha):
    ax = plot_parallel(asha, "loss", params=["lr", "batch_size"], ax=_ax())
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert lines[-1].get_label() == "75cd2_00001"  # drawn last
    darkness = [-sum(mpl.colors.to_rgb(ln.get_color())) for ln in lines]
    assert darkness[-1] == max(darkness)
    assert darkness[0] == min(darkness)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lr (log)", "batch_size", "loss"]


def test_parallel_errors(asha):
    with pytest.raises(KeyError, match=r"'lrr' is not a valid value for params.*'lr'"):
        plot_parallel(asha, "loss", params=["lrr"])
    with pytest.raises(KeyError, match=r"'los' is not a valid value for metric.*'loss'"):
        plot_parallel(asha, "los")
    with pytest.raises(ValueError, match=r"needs the trials' configs"):
        plot_parallel(asha.metrics, "loss")
    with pytest.raises(TypeError, match=r"plot_parallel sets 'label' itself"):
        plot_parallel(asha, "loss", label="x")


# --------------------------------------------------------------------------- importance


def test_importance_finds_the_driving_parameter(tmp_path):
    log = read_ray(_grid_folder(tmp_path, 24))
    imp = param_importance(log, "loss")
    assert imp["param"].iloc[0] == "lr"
    row = imp.set_index("param").loc["lr"]
    assert row["importance"] == pytest.approx(1.0)
    assert row["rho"] == pytest.approx(-1.0)
    assert row["kind"] == "log"
    assert imp.set_index("param").loc["noise", "importance"] < 0.3
    assert imp.set_index("param").loc["opt", "measure"] == "eta^2"


def test_importance_eta_squared_by_hand(tmp_path):
    log = read_ray(_grid_folder(tmp_path, 12))
    t = trial_table(log, "loss")
    r = t["value"].rank().to_numpy()
    g = t["opt"].to_numpy()
    between = sum((g == k).sum() * (r[g == k].mean() - r.mean()) ** 2 for k in set(g))
    expected = between / ((r - r.mean()) ** 2).sum()
    got = param_importance(log, "loss").set_index("param").loc["opt", "importance"]
    assert got == pytest.approx(expected)


def test_importance_plot_and_small_count_warning(tmp_path, asha):
    ax = plot_importance(asha, "loss", ax=_ax())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["lr", "batch_size", "l1", "l2"]
    assert list(ax.get_yticks()) == [3, 2, 1, 0]  # most important on top
    assert len(ax.patches) == 4
    small = read_ray(_grid_folder(tmp_path, 5))
    with pytest.warns(DataWarning, match=r"from 5 trials \(fewer than min_trials=10\)"):
        ax2 = plot_importance(small, "loss", ax=_ax())
    assert _facts(ax2).endswith("\nonly 5 trials: noisy")
    with pytest.raises(ValueError, match=r"0 is not a valid value for min_trials"):
        plot_importance(asha, "loss", min_trials=0)


# --------------------------------------------------------------------------- one trial


def test_one_trial_says_so(tmp_path):
    log = read_ray(_grid_folder(tmp_path, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_rungs(log, "loss", ax=_ax())  # no scheduler evidence: says why, no rungs
    assert [t.get_text().replace("\n", " ") for t in ax.texts] == [
        (
            "not drawn: every trial ran to iteration 3: nothing in the files shows an "
            "early-stopping scheduler (pass scheduler='asha' or 'hyperband' with its arguments "
            "to draw rungs)"
        )
    ]
    for fn, what in [
        (plot_parallel, "A parallel-coordinates plot"),
        (plot_importance, "An importance estimate"),
    ]:
        with pytest.warns(DataWarning, match=f"{what} needs at least") as rec:
            ax = fn(log, "loss", ax=_ax())
        assert len(rec) == 1
        assert any("this log has 1" in t.get_text().replace("\n", " ") for t in ax.texts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_trials(log, "loss", ax=_ax())
    assert len(ax.get_lines()) == 1


def test_sample_data_has_no_pickles():
    names = [n for _, _, files in os.walk(ASHA) for n in files]
    assert names
    assert all(n in ("params.json", "result.json") for n in names)


# --------------------------------------------------------------------------- images


@pytest.mark.mpl_image_compare(style=STYLE)
def test_trials_image(asha):
    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=100, layout="constrained")
    plot_trials(asha, "loss", ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style=STYLE)
def test_trials_pbt_image(pbt):
    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=100, layout="constrained")
    plot_trials(pbt, "loss", ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style=STYLE)
def test_rungs_image(asha):
    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=100, layout="constrained")
    plot_rungs(asha, "loss", ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style=STYLE)
def test_parallel_image(asha):
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100, layout="constrained")
    plot_parallel(asha, "loss", ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style=STYLE)
def test_importance_image(asha):
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100, layout="constrained")
    plot_importance(asha, "loss", ax=ax)
    titles(ax, title="손실에 영향을 준 하이퍼파라미터")  # replaces the title, keeps the note
    return fig


def test_keep_all_draws_like_keep_last(tmp_path):
    root = _pbt_folder(tmp_path)
    with pytest.warns(DataWarning):
        last = read_ray(root)
    with pytest.warns(DataWarning):
        every = read_ray(root, keep="all")
    assert len(every.metrics) > len(last.metrics)
    a = [
        (ln.get_xdata().tolist(), ln.get_ydata().tolist())
        for ln in plot_trials(last, "loss", ax=_ax()).get_lines()
    ]
    b = [
        (ln.get_xdata().tolist(), ln.get_ydata().tolist())
        for ln in plot_trials(every, "loss", ax=_ax()).get_lines()
    ]
    assert a == b


def test_error_trial_without_results_is_kept(tmp_path):
    root = _grid_folder(tmp_path, 4)
    d = root / "train_grid_00004_lr=0.5"
    d.mkdir()
    (d / "params.json").write_text(json.dumps({"lr": 0.5, "noise": 0.1, "opt": "sgd"}))
    (d / "error.txt").write_text("\x1b[31mRuntimeError: CUDA out of memory\x1b[0m\n")
    with pytest.warns(DataWarning, match="the folder name is used"):
        log = read_ray(root)  # (crashed before its first report: no file names its id)
    t = trial_table(log, "loss")
    row = t.set_index("trial").loc[d.name]
    assert row["outcome"] == "error"
    assert math.isnan(row["value"])
    ax = plot_parallel(log, "loss", ax=_ax())
    assert "no value" in [x.get_text() for x in ax.texts]
    err = next(ln for ln in ax.get_lines() if ln.get_label() == d.name)
    assert err.get_ydata()[-1] < 0  # drawn to the slot under the metric axis
    assert err.get_linestyle() == ":"
    imp = param_importance(log, "loss")
    assert set(imp["n_trials"]) == {4}  # the trial without a value is left out


def test_real_pbt_run_lineage():
    # a real Ray Tune PBT run (bundled copy of tests/data/ray_tune/tune_pbt_error, JSON only)
    with pytest.warns(DataWarning):
        log = read_ray(ASHA.parent / "tune_pbt_error")
    segs = lineage_segments(log)
    first = segs[segs["trial"] == "6e82b_00000"]
    assert first["start_step"].tolist() == [1, 3, 5, 5, 7, 9]
    ax = plot_trials(log, "loss", ax=_ax())
    lines = [ln for ln in ax.get_lines() if ln.get_label() == "6e82b_00000"]
    # segment 2 (start 5) was overwritten entirely by segment 3 (also start 5)
    assert len(lines) == 5
    assert [int(ln.get_xdata()[-1]) for ln in lines] == [2, 4, 6, 8, 10]
    starts = next(c for c in ax.collections if c.get_label().startswith("PBT"))
    assert starts.get_offsets()[:, 0].tolist() == [3, 5, 7, 9]
    table = trial_table(log, "loss")
    assert table.set_index("trial").loc["6e82b_00003", "outcome"] == "error"
    err = next(ln for ln in ax.get_lines() if ln.get_label() == "6e82b_00003")
    assert err.get_marker() == "X"


def test_not_a_tuning_log():
    from chartkit.metrics.schema import LogInfo, finish, make_frame

    frame = make_frame("jsonl", run="ddp", rank=0, step=np.arange(5), metric="loss", value=1.0)
    log = finish(frame, LogInfo(source="jsonl"), warn=False)
    for fn in (plot_trials, plot_rungs):
        with pytest.raises(ValueError, match=r"5 rows of 'loss' belong to no trial"):
            fn(log, "loss", **({"color_by": None} if fn is plot_trials else {}))


def test_all_nan_metric(tmp_path):
    root = _grid_folder(tmp_path, 3)
    for d in root.iterdir():
        lines = (d / "result.json").read_text().splitlines()
        recs = [json.loads(x) for x in lines]
        for r in recs:
            r["loss"] = float("nan")
        (d / "result.json").write_text("".join(json.dumps(r) + "\n" for r in recs))
    log = read_ray(root)  # NaN is a value, kept silently
    assert trial_table(log, "loss")["value"].isna().all()
    with pytest.warns(DataWarning, match="no trial has a finite value of 'loss'") as rec:
        ax = plot_trials(log, "loss", ax=_ax())  # drawn empty, no best label, no error
    assert len(rec) == 1
    assert not any(t.get_text().startswith("best:") for t in ax.texts)
    assert "no finite values" in [t.get_text() for t in ax.texts]
    with pytest.warns(DataWarning, match="no trial has a finite value of 'loss'"):
        ax = plot_parallel(log, "loss", ax=_ax())
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(lines) == 3  # the configs are still drawn, to the "no value" slot
    assert "no value" in [t.get_text() for t in ax.texts]


def _pbt_real():
    with pytest.warns(DataWarning):
        return read_ray(ASHA.parent / "tune_pbt_error")


def test_lineage_bars_on_real_pbt():
    log = _pbt_real()
    ax = plot_lineage(log, "lr", ax=_ax())
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "6e82b_00000",
        "6e82b_00001",
        "6e82b_00002",
        "6e82b_00003",
    ]
    top = [p for p in ax.patches if p.get_y() + p.get_height() / 2 == 3]
    # segments 1, 3, 5, 7, 9 (segment 2, also starting at 5, was overwritten by 3)
    assert [p.get_x() + 0.5 for p in top] == [1, 3, 5, 7, 9]
    assert [p.get_width() for p in top] == [2, 2, 2, 2, 2]
    values = [t.get_text() for t in ax.texts if abs(t.get_position()[1] - 3) < 1e-9]
    assert values == ["0.01", "0.05", "0.1", "0.3", "0.2"]
    ticks = [ln for ln in ax.get_lines() if ln.get_marker() in ("None", "", None)]
    assert len(ticks) == 1
    assert ticks[0].get_xdata()[0] == 4.5  # the overwritten segment's start
    assert any(ln.get_marker() == "X" for ln in ax.get_lines())  # the ERROR trial
    assert _facts(ax).splitlines() == [
        "5 segment starts (restored checkpoint or new config)",
        "| = overwritten segment (1)",
        "X = ERROR",
    ]
    assert ax.figure.axes[-1].get_ylabel() == "lr (log scale)"


def test_lineage_without_pbt_and_errors(asha):
    ax = plot_lineage(asha, "batch_size", ax=_ax())
    assert len(ax.patches) == 16
    assert "(no PBT)" in _facts(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["8", "16", "32", "64"]
    with pytest.raises(KeyError, match=r"'rl' is not a valid value for param.*'lr'"):
        plot_lineage(asha, "rl")
    with pytest.raises(TypeError, match=r"plot_lineage sets 'color' itself"):
        plot_lineage(asha, color="k")
    with pytest.raises(ValueError, match=r"plot_lineage needs the trials' configs"):
        plot_lineage(asha.metrics)


@pytest.mark.mpl_image_compare(style=STYLE)
def test_lineage_image():
    log = _pbt_real()
    fig, ax = plt.subplots(figsize=(6.5, 3.2), dpi=100, layout="constrained")
    plot_lineage(log, "lr", ax=ax)
    return fig


def test_a_trial_that_errored_is_never_the_best():
    import pandas as pd

    t = pd.DataFrame(
        {"trial": ["a", "b", "c"], "outcome": ["completed", "error", "stopped"],
         "value": [0.5, 0.1, 0.3]}
    )
    assert best_trial(t, "min") == 2  # b crashed at 0.1: not a result
    assert best_trial(t, "max") == 0
    assert best_trial(t.assign(outcome="error"), "min") is None
