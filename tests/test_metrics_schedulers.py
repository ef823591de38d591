"""Scheduler facts only from evidence; tuning plots' contract, notes, escaping, audit.

Real runs (tests/data/ray_tune, written by tests/data/generators/gen_ray_tune.py with Ray
2.60; checkpoints, pickles, event files, progress.csv and experiment_state removed):
``tune_hyperband`` (HyperBandScheduler max_t=9, reduction_factor=2, 10 trials: three
brackets), ``tune_none`` (no scheduler, 4 trials, a list-valued ``layers`` config),
``tune_pbt_exploits`` (PopulationBasedTraining, 6 trials, 5 exploits in pbt_global.txt;
four trials ended in ERROR when restoring a checkpoint Ray had already deleted).
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Annotation

import chartkit
from chartkit.annotate import escape_data, titles
from chartkit.audit import check_figure
from chartkit.errors import DataWarning
from chartkit.metrics import sample_path
from chartkit.metrics.plots import (
    plot_importance,
    plot_lineage,
    plot_parallel,
    plot_rungs,
    plot_trials,
)
from chartkit.metrics.readers.ray import read_ray
from chartkit.metrics.schedulers import (
    NotApplicable,
    exploit_table,
    hyperband_brackets,
    rung_evidence,
    rung_facts,
)

DATA = Path(__file__).parent / "data" / "ray_tune"
STYLE = chartkit.rc_params("default", korean_font="bundled")
PLOTS = [plot_trials, plot_rungs, plot_parallel, plot_importance, plot_lineage]


def _read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_ray(DATA / name)


@pytest.fixture(scope="module")
def runs():
    return {
        n: _read(n)
        for n in (
            "tune_asha",
            "tune_hyperband",
            "tune_none",
            "tune_pbt_exploits",
            "tune_pbt_error",
        )
    }


def _ax():
    return plt.figure(figsize=(7, 4.5), layout="constrained").add_subplot()


# ------------------------------------------------------------------- evidence (issue 11.5)


def test_rungs_only_from_evidence(runs):
    ok, why = rung_evidence(runs["tune_asha"])
    assert ok
    assert why == "early stops at 1, 2, 4, 8 (one bracket assumed)"
    ok, why = rung_evidence(runs["tune_none"])
    assert not ok
    assert why.startswith("every trial ran to iteration 4: nothing in the files shows")
    ok, why = rung_evidence(runs["tune_pbt_exploits"])
    assert (ok, why) == (
        False,
        "a PBT run (pbt_global.txt) has no rungs; its lineage and exploits are drawn instead",
    )
    # PBT without its policy logs: every trial that ended normally ran to the end
    ok, why = rung_evidence(runs["tune_pbt_error"])
    assert not ok
    assert "every trial ran to iteration 10" in why
    with pytest.raises(NotApplicable, match=r"every trial ran to iteration 4") as err:
        rung_facts(runs["tune_none"])
    assert err.value.reason.startswith("every trial")


def test_hyperband_brackets_modelled(runs):
    log = runs["tune_hyperband"]
    facts = rung_facts(log, scheduler="hyperband")
    assert facts["evidence"] == "scheduler='hyperband' given"
    assert (facts["reduction_factor"], facts["max_t"]) == (2, 9)
    got = [(b["trials"][0], b["milestones"], b["survivors"]) for b in facts["brackets"]]
    assert got == [
        ("1aa8a_00000", [9], {9: 4}),
        ("1aa8a_00004", [4, 8], {4: 4, 8: 2}),
        ("1aa8a_00008", [2, 4, 8], {2: 2, 4: 2, 8: 2}),
    ]
    ax = plot_rungs(log, scheduler="hyperband", ax=_ax())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-3:] == ["bracket 0", "bracket 1", "bracket 2"]
    note = next(t for t in ax.texts if t.get_bbox_patch() is not None).get_text()
    assert note.splitlines()[:3] == [
        "bracket 0: 4",
        "bracket 1: 4 \u2192 2",
        "bracket 2: 2 \u2192 2 \u2192 2",
    ]
    assert check_figure(ax.figure).ok


def test_hyperband_brackets_as_ray_builds_them():
    # max_t=81, eta=3 (HyperBand's paper): 5 brackets of 5, 8, 15, 34, 81 trials
    b = hyperband_brackets(81, 3, 143)
    assert [x["size"] for x in b] == [5, 8, 15, 34, 81]
    assert [x["milestones"][0] for x in b] == [81, 27, 9, 3, 1]
    assert b[-1]["milestones"] == [1, 3, 9, 27, 81]
    with pytest.raises(ValueError, match=r"1 is not a valid value for reduction_factor"):
        hyperband_brackets(81, 1, 4)


def test_stops_that_are_no_ladder_are_not_rungs(tmp_path):
    root = tmp_path / "exp"
    for i, last in enumerate([3, 5, 10, 10]):
        d = root / f"t_{i:05d}"
        d.mkdir(parents=True)
        with open(d / "result.json", "w") as f:
            for it in range(1, last + 1):
                f.write(
                    json.dumps(
                        {
                            "loss": 1 / it,
                            "training_iteration": it,
                            "trial_id": f"t_{i:05d}",
                            "done": it == last,
                            "config": {"lr": 0.1 * (i + 1)},
                        }
                    )
                    + "\n"
                )
    log = read_ray(root)
    ok, why = rung_evidence(log)
    assert not ok
    assert why.startswith("trials stopped early at iteration(s) 3, 5 of 10")
    # the user's word and arguments draw them
    ok, why = rung_evidence(log, scheduler="asha", grace_period=1, reduction_factor=3)
    assert ok
    assert why == "scheduler='asha' given"
    with pytest.raises(NotApplicable, match=r"pass reduction_factor="):
        rung_facts(log, scheduler="hyperband")


def test_last_iteration_zero_does_not_crash(tmp_path):
    d = tmp_path / "exp" / "t_00000"
    d.mkdir(parents=True)
    (d / "result.json").write_text(
        json.dumps({"loss": 1.0, "training_iteration": 0, "trial_id": "t_00000", "done": True})
        + "\n"
    )
    log = read_ray(d.parent)
    assert log.info.extra["scheduler"]["kind"] is None
    ok, _ = rung_evidence(log)
    assert not ok


def test_pbt_exploit_graph(runs):
    log = runs["tune_pbt_exploits"]
    table = exploit_table(log)
    trials = set(log.info.extra["trials"]["trial"])
    assert len(table) == 5
    assert set(table["trial"]) <= trials
    assert set(table["source"]) <= trials
    assert table["changes"].iloc[0] == "lr 0.0431 \u2192 0.0345, batch_size 16 \u2192 32"
    with pytest.raises(NotApplicable, match=r"no PBT exploit log"):
        exploit_table(runs["tune_asha"])
    ax = plot_lineage(log, ax=_ax())
    arrows = [a for a in ax.texts if isinstance(a, Annotation) and a.arrow_patch is not None]
    assert len(arrows) == 5
    assert "arrows: 5 exploits (copied \u2192 copying trial)" in "\n".join(
        t.get_text() for t in ax.texts
    )
    assert check_figure(ax.figure).ok
    # no rungs on PBT: the Axes say why
    ax = plot_rungs(log, ax=_ax())
    assert ax.get_lines() == []
    assert ax.texts[0].get_text().startswith("not drawn: a PBT run (pbt_global.txt)")


# ------------------------------------------------------------------- facts are not titles


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_user_title_is_the_only_title(runs, plot):
    log = runs["tune_asha"]
    args = ("lr",) if plot is plot_lineage else ()
    with mpl.rc_context(STYLE):
        ax = plot(log, *args, ax=_ax())
        ax.set_title("PBT 계보")
        fig = ax.figure
        fig.canvas.draw()
        shown = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        assert [t.get_text() for t in shown] == ["PBT 계보"]
        legend = ax.get_legend()
        if legend is not None:
            r = fig.canvas.get_renderer()
            assert not shown[0].get_window_extent(r).overlaps(legend.get_window_extent(r))
        report = check_figure(fig, rules=["text-overlap", "legend-overlap"])
        assert report.ok, str(report)
        # titles() on a fresh plot: its one title, nothing of the plot's above the Axes
        ax = plot(log, *args, ax=_ax())
        titles(ax, title="실험 A")
        ax.figure.canvas.draw()
        assert not any(t.get_text() for t in (ax.title, ax._left_title, ax._right_title))
        report = check_figure(ax.figure, rules=["text-overlap", "legend-overlap"])
    assert report.ok, str(report)


def test_opt_in_title_takes_the_facts_as_subtitle(runs):
    from chartkit.annotate.titles import TitleStack

    ax = plot_rungs(runs["tune_asha"], title="ASHA", ax=_ax())
    (stack,) = [a for a in ax.texts if isinstance(a, TitleStack)]
    items = {k: v.text for k, v in stack.items.items()}
    assert items["title"] == "ASHA"
    assert items["subtitle"].startswith("reached: 16 \u2192 9 \u2192 6 \u2192 2 \u2192 1")


# ------------------------------------------------------------------- contract (issue 12.1)


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_contract(runs, plot):
    sig = inspect.signature(plot)
    names = list(sig.parameters)
    assert names[0] == "data"
    kw = [p for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert {"ax", "lang", "title"} <= {p.name for p in kw}
    assert "cbar_kws" not in names
    if plot is not plot_lineage:
        assert sig.parameters["metric"].default is None
    log = runs["tune_asha"]
    args = ("lr",) if plot is plot_lineage else ()
    fig = plt.figure()
    current = fig.add_subplot()
    assert plot(log, *args) is current  # ax=None: the current Axes
    n = len(plt.get_fignums())
    other = plt.figure().add_subplot()
    assert plot(log, *args, ax=other) is other
    assert len(plt.get_fignums()) == n + 1


def test_korean_words(runs):
    ax = plot_trials(runs["tune_asha"], lang="ko", ax=_ax())
    assert ax.get_xlabel() == "학습 반복"
    ax = plot_rungs(runs["tune_asha"], lang="ko", ax=_ax())
    assert any(t.get_text().startswith("도달: 16") for t in ax.texts)
    with pytest.raises(ValueError, match=r"'fr' is not a valid value for lang"):
        plot_parallel(runs["tune_asha"], lang="fr", ax=_ax())


# ------------------------------------------------------------------- bad input (issue 17)


def test_list_valued_config(runs):
    log = runs["tune_none"]
    ax = plot_parallel(log, ax=_ax())
    labels = [t.get_text() for t in ax.texts]
    assert "[16, 16]" in labels
    assert "[64, 32]" in labels
    assert check_figure(ax.figure).ok
    ax = plot_trials(log, color_by="layers", ax=_ax())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["[16, 16]", "[64, 32]"]
    plot_lineage(log, "layers", ax=_ax())


@pytest.mark.parametrize("name", ["cost$$", "a\\<b", "$x$", "5$ < 6$"])
def test_metric_names_drawn_literally(tmp_path, name):
    root = tmp_path / "exp"
    for i in range(3):
        d = root / f"t_{i:05d}"
        d.mkdir(parents=True)
        with open(d / "result.json", "w") as f:
            for it in range(1, 4):
                row = {
                    name: 1.0 / (it + i),
                    "training_iteration": it,
                    "trial_id": f"t_{i:05d}",
                    "done": it == 3,
                    "config": {"lr": 10.0**-i, name: i},
                }
                f.write(json.dumps(row) + "\n")
    log = read_ray(root)
    for plot in (plot_trials, plot_parallel, plot_importance, plot_rungs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # 3 trials: importance is noisy
            ax = plot(log, name, ax=_ax())
        ax.figure.canvas.draw()
        texts = [
            ax.yaxis.label,
            ax.xaxis.label,
            *ax.texts,
            *ax.get_xticklabels(),
            *ax.get_yticklabels(),
        ]
        shown = [t._preprocess_math(t.get_text()) for t in texts if t.get_text()]
        assert not any(ismath for _, ismath in shown)
        assert any(name in s for s, _ in shown)
        plt.close(ax.figure)
    assert escape_data("cost$$") == "cost\\$\\$"
    assert escape_data("a\\<b", markup=True) == "a\\\\\\<b"


def test_parallel_tick_labels_never_collide(runs):
    fig = plt.figure(figsize=(8, 2.6), layout="constrained")
    ax = plot_parallel(runs["tune_asha"], ax=fig.add_subplot())
    report = check_figure(ax.figure, rules=["text-overlap"])
    assert report.ok, str(report)


@pytest.mark.parametrize(
    "name", ["tune_asha", "tune_hyperband", "tune_none", "tune_pbt_exploits", "tune_pbt_error"]
)
@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_audit_passes(runs, name, plot, lang):
    with mpl.rc_context(STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ax = plot(runs[name], lang=lang, ax=_ax())
        report = check_figure(ax.figure)
    assert report.ok, str(report)


def test_thin_ticks():
    from chartkit.metrics.plots.parallel import thin_ticks

    ticks = [(0.0, "a"), (0.05, "b"), (0.1, "c"), (0.5, "d"), (0.52, "e"), (1.0, "f")]
    assert [t for _, t in thin_ticks(ticks, 0.08)] == ["a", "c", "d", "f"]
    assert thin_ticks(ticks[:2], 0.08) == ticks[:2]


def test_many_categories_on_a_short_parallel_axis(tmp_path):
    root = tmp_path / "exp"
    for i in range(14):
        d = root / f"t_{i:05d}"
        d.mkdir(parents=True)
        cfg = {"opt": f"optimizer_{i}", "lr": 10.0 ** (-1 - i / 5)}
        (d / "result.json").write_text(
            json.dumps(
                {
                    "loss": 1 / (i + 1),
                    "training_iteration": 1,
                    "trial_id": f"t_{i:05d}",
                    "done": True,
                    "config": cfg,
                }
            )
            + "\n"
        )
    log = read_ray(root)
    ax = plot_parallel(log, ax=plt.figure(figsize=(7, 2.8), layout="constrained").add_subplot())
    report = check_figure(ax.figure, rules=["text-overlap"])
    assert report.ok, str(report)


def test_samples_registered():
    assert sample_path("ray_pbt").name == "tune_pbt_exploits"
    assert sample_path("ray_hyperband").is_dir()


@pytest.mark.mpl_image_compare(style=STYLE)
def test_pbt_exploits_image(runs):
    ax = plot_lineage(runs["tune_pbt_exploits"], ax=plt.figure(figsize=(7, 4)).add_subplot())
    return ax.figure


@pytest.mark.mpl_image_compare(style=STYLE)
def test_hyperband_image(runs):
    ax = plot_rungs(
        runs["tune_hyperband"], scheduler="hyperband", ax=plt.figure(figsize=(7, 4)).add_subplot()
    )
    return ax.figure


def test_trials_keep_a_diverged_trial_off_scale(tmp_path):
    root = tmp_path / "exp"
    for i in range(4):
        d = root / f"t_{i:05d}"
        d.mkdir(parents=True)
        with open(d / "result.json", "w") as f:
            for it in range(1, 21):
                loss = 1.0 / it + 0.01 * i
                if i == 3 and it >= 15:
                    loss = 10.0 ** (it - 8)  # diverges to 1e12
                row = {
                    "loss": loss,
                    "training_iteration": it,
                    "trial_id": f"t_{i:05d}",
                    "done": it == 20,
                    "config": {"lr": 10.0**-i},
                }
                f.write(json.dumps(row) + "\n")
    log = read_ray(root)
    ax = plot_trials(log, ax=_ax())
    assert ax.get_ylim()[1] < 10  # the healthy trials stay readable
    note = next(
        t for t in ax.texts if t.get_bbox_patch() is not None and not isinstance(t, Annotation)
    ).get_text()
    assert "1e12" in note.replace("\\", "")
    assert check_figure(ax.figure).ok
    ax = plot_trials(log, yscale="linear", ax=_ax())
    assert ax.get_ylim()[1] > 1e11


def test_palette_through_the_resolver(runs):
    from matplotlib.colors import to_hex

    ax = plot_trials(runs["tune_none"], color_by="layers", palette="okabe_ito", ax=_ax())
    got = [to_hex(h.get_color()) for h in ax.get_legend().legend_handles]
    assert got == ["#e69f00", "#56b4e9"]
    ax = plot_rungs(runs["tune_hyperband"], scheduler="hyperband", palette="okabe_ito", ax=_ax())
    first = {ln.get_label(): to_hex(ln.get_color()) for ln in ax.get_lines()}
    assert first["bracket 1"] == "#56b4e9"
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for palette"):
        plot_lineage(runs["tune_none"], "layers", palette="nope", ax=_ax())


def test_on_a_facet_grid(runs):
    from chartkit.facets import facet

    m = runs["tune_none"].metrics
    g = facet(m[m["metric"].isin(["loss", "accuracy"])], col="metric")
    g.map_dataframe(plot_trials)
    assert sorted(a.get_ylabel() for a in g.axes.flat) == ["accuracy", "loss"]
    assert [len(a.get_lines()) for a in g.axes.flat] == [4, 4]


def test_reasons_in_korean(runs):
    ok, why = rung_evidence(runs["tune_none"], lang="ko")
    assert not ok
    assert why.startswith("모든 시행이 반복 4까지 실행됨")
    ok, why = rung_evidence(runs["tune_asha"], lang="ko")
    assert why == "조기 중단 반복 1, 2, 4, 8 (브래킷 하나로 가정)"
    with mpl.rc_context(STYLE):
        ax = plot_rungs(runs["tune_pbt_exploits"], lang="ko", ax=_ax())
        assert ax.texts[0].get_text().startswith("그리지 않음: PBT 실행(pbt_global.txt)")
        assert check_figure(ax.figure).ok
