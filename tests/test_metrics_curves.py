"""plot_curves: smoothing per series, spike-preserving decimation, divergence markers."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics import read
from chartkit.metrics.plots import plot_curves
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame

CURVE = "chartkit.curve"


def _curves(ax):
    return [ln for ln in ax.get_lines() if ln.get_gid() == CURVE]


def _texts(ax):
    return "\n".join(t.get_text() for t in ax.texts)


def _log(n=2000, ranks=3, explode=None, nan_from=None, resume=None, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(ranks):
        step = np.arange(n)
        v = 2.0 * np.exp(-step / (n / 4)) + rng.normal(0, 0.05, n) + 0.1 + 0.05 * r
        if explode is not None and r == ranks - 1:
            v[explode] = 2.8e28
        if nan_from is not None and r == ranks - 1:
            v[nan_from:] = np.nan
        frames.append(make_frame("jsonl", run="ddp", rank=r, step=step, metric="loss", value=v))
        if resume is not None and r == 0:
            # a resumed run re-logs steps resume..n-1 with a different level
            st2 = np.arange(resume, n)
            frames.append(
                make_frame(
                    "jsonl",
                    run="ddp",
                    rank=0,
                    step=st2,
                    metric="loss",
                    value=np.full(st2.size, 3.0),
                )
            )
    return finish(concat_frames(frames), LogInfo(source="jsonl"), warn=False)


def test_one_line_per_series_with_labels():
    ax = plot_curves(_log(), "loss", smooth=None)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["rank 0", "rank 1", "rank 2"]
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels


def test_smoothing_draws_faint_raw_behind():
    ax = plot_curves(_log(ranks=1), "loss", smooth=0.9)
    raw, smooth = ax.get_lines()
    assert raw.get_alpha() == 0.25
    assert raw.get_zorder() < smooth.get_zorder()
    assert np.std(np.diff(smooth.get_ydata())) < np.std(np.diff(raw.get_ydata())) / 3


def test_smoothing_restarts_at_resume():
    log = _log(ranks=1, resume=1500)
    ax = plot_curves(log, "loss", smooth=0.99, downsample=False)
    smooth = _curves(ax)[0]
    x, y = smooth.get_xdata(), smooth.get_ydata()
    # The resumed segment (value 3.0) does not inherit the old level.
    assert y[np.searchsorted(x, 1500)] == pytest.approx(3.0)


def test_downsampling_keeps_spikes_and_bounds_points():
    log = _log(n=100_000, ranks=1)
    vals = log.metrics["value"].to_numpy().copy()
    _fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    plot_curves(log, "loss", ax=ax, smooth=None)
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) <= 4 * 400 + 10
    assert line.get_ydata().max() == vals.max()
    assert line.get_ydata().min() == vals.min()


def test_first_nonfinite_is_marked_and_annotated():
    ax = plot_curves(_log(nan_from=1500), "loss")
    assert "rank 2: NaN from step 1500" in _texts(ax)
    assert not ax.get_title()  # facts never go into the title
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    assert len(markers) == 1
    assert markers[0].get_xdata()[0] == 1500


def test_explosion_does_not_flatten_axis():
    ax = plot_curves(_log(explode=1499, nan_from=1500), "loss")
    _lo, hi = ax.get_ylim()
    assert hi < 10
    assert "1 off scale, extreme 2.8e28 at step 1499" in _texts(ax)
    edge = [ln for ln in ax.get_lines() if ln.get_marker() == "^"]
    assert len(edge) == 1
    assert edge[0].get_ydata()[0] == hi
    ax2 = plot_curves(_log(explode=1499), "loss", yscale="linear", ax=plt.subplots()[1])
    assert ax2.get_ylim()[1] > 1e27
    # The exponent is in the label, not in an offset text above the axis.
    assert ax2.get_ylabel() == "loss (\u00d71e28)"
    ax2.figure.canvas.draw()
    assert ax2.yaxis.get_offset_text().get_text() == ""


def test_symlog_option_has_few_readable_ticks():
    _fig, ax = plt.subplots(figsize=(5, 3.5))
    plot_curves(_log(explode=1499), "loss", yscale="symlog", ax=ax)
    assert ax.get_yscale() == "symlog"
    lo, hi = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
    assert 3 <= len(ticks) <= 8  # matplotlib's own locator labels 23 decades here
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1e28" in labels or "1e24" in labels
    # The healthy range is the linear part and gets a readable share of the axis.
    frac = ax.transData.transform([(0, 2.5)])[0, 1] - ax.transData.transform([(0, 0)])[0, 1]
    assert frac > 0.15 * ax.bbox.height


def test_all_nan_series_draws_empty_panel_with_one_warning():
    frame = make_frame(
        "jsonl", run="r", rank=0, step=np.arange(5), metric="loss", value=np.full(5, np.nan)
    )
    log = finish(frame, LogInfo(source="jsonl"), warn=False)
    with pytest.warns(
        DataWarning,
        match=r"1 of 1 series of 'loss' have no finite values "
        r"\(first: 'r'\); drawn as empty\.",
    ) as rec:
        ax = plot_curves(log, "loss")
    assert len(rec) == 1
    assert "no finite values" in [t.get_text() for t in ax.texts]


def test_unknown_metric_lists_metrics():
    with pytest.raises(
        KeyError,
        match=r"'lsos' is not a valid value for metric; supported "
        r"values are 'loss'\. Did you mean 'loss'\?",
    ):
        plot_curves(_log(), "lsos")


def test_refuses_c():
    with pytest.raises(TypeError, match=r"plot_curves sets 'c' itself \(use color=\)"):
        plot_curves(_log(), "loss", c="red")


def test_bad_options():
    with pytest.raises(ValueError, match=r"'sym' is not a valid value for yscale"):
        plot_curves(_log(), "loss", yscale="sym")
    with pytest.raises(ValueError, match=r"'epoch' is not a valid value for by"):
        plot_curves(_log(), "loss", by="epoch")
    with pytest.raises(
        TypeError,
        match=r"'data' must be an instance of RunLog or "
        r"pandas.DataFrame, not list",
    ):
        plot_curves([], "loss")


def test_existing_ax_is_used():
    _fig, ax = plt.subplots()
    n = len(plt.get_fignums())
    assert plot_curves(_log(), "loss", ax=ax) is ax
    assert len(plt.get_fignums()) == n


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_curves_image():
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_curves(_log(n=5000, explode=3999, nan_from=4000), "loss", smooth=0.95, ax=ax)
    ax.set_title("손실 곡선 — 발산한 rank 2")
    return fig


def test_unsorted_frame_gives_the_same_curves():
    log = _log(n=300, ranks=3)
    shuffled = log.metrics.sample(frac=1.0, random_state=0)
    ax1 = plot_curves(log, "loss", downsample=False, ax=plt.subplots()[1])
    ax2 = plot_curves(shuffled, "loss", downsample=False, ax=plt.subplots()[1])
    for a, b in zip(ax1.get_lines(), ax2.get_lines(), strict=True):
        assert a.get_label() == b.get_label()
        np.testing.assert_array_equal(a.get_xdata(), b.get_xdata())
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())


# --------------------------------------------------------------------------- issue 11/12/15

VARIANTS = Path(__file__).parent / "data" / "ddp_variants"


def _read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # cut lines and resumes are reported
        return read(VARIANTS / name)


def _two_metrics(n=300):
    rng = np.random.default_rng(0)
    step = np.arange(n)
    lr = np.where(step < 150, 0.1, 0.01)
    loss = 2 * np.exp(-step / 80) + rng.normal(0, 0.05, n)
    frames = [
        make_frame("jsonl", run="r", rank=0, step=step, metric="lr", value=lr),
        make_frame("jsonl", run="r", rank=0, step=step, metric="loss", value=loss),
    ]
    return finish(concat_frames(frames), LogInfo(source="jsonl"), warn=False)


def test_smoothing_by_kind_auto():
    log = _two_metrics()
    ax = plot_curves(log, "lr", ax=plt.subplots()[1])
    assert len(ax.get_lines()) == 1  # a schedule: drawn as logged, no faint raw copy
    np.testing.assert_array_equal(np.unique(ax.get_lines()[0].get_ydata()), [0.01, 0.1])
    ax = plot_curves(log, "loss", ax=plt.subplots()[1])
    raw = [ln for ln in ax.get_lines() if ln.get_label() == "_raw"]
    assert len(raw) == 1  # noisy: smoothed (0.9 from 200 points on), raw behind
    assert np.std(np.diff(_curves(ax)[0].get_ydata())) < np.std(np.diff(raw[0].get_ydata()))
    # smooth= overrides the kind
    ax = plot_curves(log, "lr", smooth=0.9, ax=plt.subplots()[1])
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match=r"'on' is not a valid value for smooth"):
        plot_curves(log, "loss", smooth="on")


def test_metric_none_and_empty_data():
    log = _two_metrics()
    one = log.metrics[log.metrics["metric"] == "loss"]
    ax = plot_curves(one, ax=plt.subplots()[1])
    assert ax.get_ylabel() == "loss"
    with pytest.raises(
        KeyError,
        match=r"None is not a valid value for metric \(the data holds several: pass "
        r"metric=\); supported values are 'loss', 'lr'",
    ):
        plot_curves(log)
    _fig, ax = plt.subplots()
    with pytest.warns(DataWarning, match=r"plot_curves: the data is empty") as rec:
        out = plot_curves(log.metrics.iloc[:0], "loss", ax=ax)
    assert out is ax
    assert len(rec) == 1
    assert _texts(ax) == "no data"


def test_second_call_takes_next_colour_and_both_get_legend_entries():
    log = _two_metrics()
    one = log.metrics[log.metrics["metric"] == "loss"]
    other = one.assign(value=one["value"] + 1.0)
    _fig, ax = plt.subplots()
    plot_curves(one, "loss", label="baseline", ax=ax)
    plot_curves(other, "loss", label="new", ax=ax)
    a, b = _curves(ax)
    assert a.get_color() != b.get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", "new"]
    # color= and label= are honoured for one series
    _fig, ax = plt.subplots()
    plot_curves(one, "loss", color="#123456", label="mine", ax=ax)
    (line,) = _curves(ax)
    assert line.get_color() == "#123456"
    assert line.get_label() == "mine"


def test_ax_none_uses_current_axes():
    _fig, (a, _b) = plt.subplots(1, 2)
    plt.sca(a)
    n = len(plt.get_fignums())
    assert plot_curves(_two_metrics(), "loss") is a
    assert len(plt.get_fignums()) == n


def test_facet_map_dataframe_per_panel_with_one_legend():
    from chartkit.facets import facet

    log = _log(n=300, ranks=3)
    g = facet(log.metrics, col="rank").map_dataframe(plot_curves, metric="loss", legend=False)
    axes = list(g.axes_dict.values())
    assert len(axes) == 3
    assert all(len(_curves(ax)) == 1 for ax in axes)
    g.add_legend()
    legends = [lg for lg in g.figure.legends]
    assert len(legends) == 1
    assert all(ax.get_legend() is None for ax in axes)


def test_names_are_not_mathtext():
    log = _log(n=100, ranks=2)
    frame = log.metrics.copy()
    frame["metric"] = frame["metric"].cat.rename_categories({"loss": "cost$$ \\<b"})
    _fig, ax = plt.subplots()
    plot_curves(frame, "cost$$ \\<b", ax=ax)
    ax.figure.canvas.draw()  # would raise on bad mathtext
    assert ax.get_ylabel().count("\\$") == 2


def test_korean_words():
    ax = plot_curves(_log(nan_from=1500), "loss", lang="ko", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "스텝"
    assert "rank 2: 스텝 1500부터 NaN" in _texts(ax)
    with pytest.raises(ValueError, match=r"'fr' is not a valid value for lang"):
        plot_curves(_log(), "loss", lang="fr")


def test_real_diverged_run_marks_divergence_and_stays_readable():
    log = _read("diverged_jump")
    _fig, ax = plt.subplots(figsize=(6, 3.5))
    plot_curves(log, "loss", ax=ax)
    _lo, hi = ax.get_ylim()
    assert hi < 3  # the loss falls from ~2.1; its explosion to 4e27 is off scale
    text = _texts(ax)
    assert "rank 0, rank 1: diverged at step 102" in text
    assert "rank 0, rank 1: NaN from step 107" in text
    assert "extreme 4.07e27 at step 106" in text
    vlines = [ln for ln in ax.get_lines() if ln.get_label() == "_diverged"]
    assert len(vlines) == 2
    assert vlines[0].get_xdata()[0] == 102
    # the learning rate jumps 160x: a schedule is never clipped
    ax = plot_curves(log, "lr", ax=plt.subplots()[1])
    assert ax.get_ylim()[1] >= 8.0
    assert len(ax.get_lines()) == 2


def test_real_crash_is_marked_on_the_run():
    log = _read("crashed")
    ax = plot_curves(log, "loss", ax=plt.subplots()[1])
    text = _texts(ax)
    assert "rank 1: log ends at step 119 (others reach 120)" in text
    assert "cut last line dropped: rank1.jsonl line 120" in text
    (end,) = [ln for ln in ax.get_lines() if ln.get_label() == "_ended"]
    assert end.get_xdata()[0] == 119


def test_x_axis_choices():
    log = _read("batch_logged")
    ax = plot_curves(log, "loss", x="samples", ax=plt.subplots()[1], smooth=None)
    line = _curves(ax)[0]
    steps = log.metrics.query("metric == 'loss' and rank == 0")["step"].to_numpy()
    np.testing.assert_array_equal(line.get_xdata(), steps * 32)  # logged batch_size 32
    ax = plot_curves(log, "loss", x="samples", batch_size=10, ax=plt.subplots()[1], smooth=None)
    np.testing.assert_array_equal(_curves(ax)[0].get_xdata(), steps * 10)
    other = _read("crashed")
    ax = plot_curves(other, "loss", x="samples", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "step"
    assert "samples need the batch size: pass batch_size= (CLI --batch-size)" in _texts(ax)
    with pytest.raises(ValueError, match=r"0 is not a valid value for batch_size; expected a pos"):
        plot_curves(log, "loss", x="samples", batch_size=0)
    ax = plot_curves(log, "loss", x="relative_time", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "time since start (s)"
    assert _curves(ax)[0].get_xdata()[0] >= 0
    ax = plot_curves(log, "loss", x="wall_time", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "wall time"
    ax.figure.canvas.draw()
    assert 2 <= len([t for t in ax.get_xticklabels() if t.get_text()]) <= 8


@pytest.mark.parametrize("name", ["diverged_jump", "diverged_growth", "crashed", "resumed"])
def test_real_runs_pass_the_audit(name):
    from chartkit.audit import check_figure

    log = _read(name)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    plot_curves(log, "loss", ax=axes[0])
    plot_curves(log, "lr", ax=axes[1], yscale="symlog")
    axes[0].set_title("a user title")
    report = check_figure(fig)
    assert not report.findings, report


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_curves_real_divergence_image():
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100, layout="constrained")
    plot_curves(_read("diverged_jump"), "loss", ax=ax)
    ax.set_title("lr jump at step 100")
    return fig


def test_offscale_is_redone_over_calls_and_shared_axes():
    # Two calls on one Axes: the limits are the union, one off-scale line, not two notes.
    log = _log(n=500, ranks=2, explode=400, nan_from=401)
    frame = log.metrics
    _fig, ax = plt.subplots(figsize=(6, 3.5))
    plot_curves(frame[frame["rank"] == 1], "loss", label="exploding", ax=ax)
    plot_curves(frame[frame["rank"] == 0].assign(value=lambda f: f["value"] + 5), ax=ax)
    _lo, hi = ax.get_ylim()
    assert hi > 5  # widened for the second series (healthy at ~5-7)
    assert hi < 100  # still not 2.8e28
    notes = [t for t in ax.texts if "off scale" in t.get_text()]
    assert len(notes) == 1
    assert "1 off scale, extreme 2.8e28 at step 400" in notes[0].get_text()
    # Rows sharing y in a facet grid: one panel's explosion is clipped in both, stated once
    # in the panel that holds it.
    from chartkit.facets import facet

    g = facet(frame, col="rank", hue="rank", hue_kind="categorical", share="all")
    g.map_dataframe(plot_curves, metric="loss")
    a0, a1 = g.axes_dict.values()
    assert a0.get_ylim() == a1.get_ylim()
    assert a0.get_ylim()[1] < 10
    assert "off scale" not in _texts(a0)
    assert "1 off scale" in _texts(a1)
    assert len(g.figure.legends) == 1


def test_cut_line_marks_the_end_of_the_rank_it_names():
    from chartkit.metrics.schema import LogEntry

    log = _log(n=200, ranks=2)
    log.info.entries.append(
        LogEntry("truncated", "/runs/a/rank0.jsonl", 201, "last line has no line end")
    )
    ax = plot_curves(log, "loss", ax=plt.subplots()[1])
    (end,) = [ln for ln in ax.get_lines() if ln.get_label() == "_ended"]
    assert end.get_xdata()[0] == 199
    assert end.get_color() == _curves(ax)[0].get_color()  # rank 0's colour
    assert "cut last line dropped: rank0.jsonl line 201" in _texts(ax)


def test_long_run_step_axis_has_no_offset_text():
    log = _log(n=3000, ranks=1)
    frame = log.metrics.assign(step=lambda f: f["step"] * 1000)  # up to 3e6 steps
    _fig, ax = plt.subplots()
    plot_curves(frame, "loss", ax=ax)
    ax.figure.canvas.draw()
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert ax.get_xlabel() == "step (\u00d71e6)"
