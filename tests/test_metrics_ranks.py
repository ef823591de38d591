"""Rank spread, stragglers, throughput from two sources, scaling efficiency."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics.plots.ranks import (
    find_stragglers,
    plot_rank_spread,
    plot_scaling,
    plot_throughput,
    rank_table,
    scaling_table,
    throughput_table,
)
from chartkit.metrics.schema import LogInfo, concat_frames, finish, make_frame

VARIANTS = Path(__file__).parent / "data" / "ddp_variants"


def _ddp(world=4, steps=400, batch=16, slow_rank=None, short_rank=None, seed=0):
    """A synthetic DDP log: loss and a per-step samples_per_sec like the shared runs."""
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(world):
        n = steps if r != short_rank else steps // 2
        step = np.arange(1, n + 1)
        dt = rng.gamma(4, 0.0025, n) * (1.6 if r == slow_rank else 1.0) * world / 2
        wall = 1.7e9 + np.cumsum(dt)
        loss = 2 * np.exp(-step / 80) + rng.normal(0, 0.02, n) + (0.5 if r == slow_rank else 0)
        frames.append(
            make_frame(
                "jsonl", run="ddp", rank=r, step=step, wall_time=wall, metric="loss", value=loss
            )
        )
        frames.append(
            make_frame(
                "jsonl",
                run="ddp",
                rank=r,
                step=step,
                wall_time=wall,
                metric="samples_per_sec",
                value=batch / dt,
            )
        )
    return finish(concat_frames(frames), LogInfo(source="jsonl"), warn=False)


def test_rank_table_natural_order_and_shape():
    wide = rank_table(_ddp(world=4), "loss")
    assert list(wide.columns) == [0, 1, 2, 3]
    assert wide.shape == (400, 4)


def test_short_rank_is_reported_once():
    with pytest.warns(
        DataWarning,
        match=r"1 rank\(s\) of 'loss' miss steps: rank 2 has 200 "
        r"of 400 steps; aggregates use the steps present in every rank",
    ) as rec:
        wide = rank_table(_ddp(short_rank=2), "loss")
    assert len(rec) == 1
    assert len(wide) == 200
    with pytest.warns(DataWarning):
        assert len(rank_table(_ddp(short_rank=2), "loss", how="outer")) == 400


def test_straggler_found_and_labelled():
    log = _ddp(world=6, slow_rank=4)
    assert find_stragglers(rank_table(log, "loss")) == [4]
    ax = plot_rank_spread(log, "loss")
    assert "rank 4 (straggler)" in [t.get_text() for t in ax.texts]


def test_no_straggler_among_equals_or_two_ranks():
    assert find_stragglers(rank_table(_ddp(world=6), "loss")) == []
    assert find_stragglers(rank_table(_ddp(world=2, slow_rank=1), "loss")) == []


def test_band_options():
    ax = plot_rank_spread(_ddp(), "loss", band="iqr")
    assert ax.get_legend().get_texts()[0].get_text() == "IQR of ranks"
    with pytest.raises(ValueError, match=r"'range' is not a valid value for band"):
        plot_rank_spread(_ddp(), "loss", band="range")


def test_rank_plots_need_ranks():
    frame = make_frame("x", run="r", step=np.arange(3), metric="loss", value=np.ones(3))
    log = finish(frame, LogInfo(source="x"), warn=False)
    with pytest.raises(
        ValueError, match=r"'loss' is not a valid value for metric; expected a metric logged per"
    ):
        plot_rank_spread(log, "loss")


def test_throughput_two_sources_differ_and_are_labelled():
    tp = throughput_table(_ddp(world=2), batch_size=16)
    assert tp["batch_size"] == 16
    assert tp.batch.source == "given"
    # mean of per-step rates overweights fast steps: larger than samples / wall time
    assert tp["ratio"] > 1.05
    ax = plot_throughput(_ddp(world=2), batch_size=16, ax=plt.subplots()[1])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "rank 0, logged samples_per_sec (EMA 0.95)" in labels
    assert "total, from wall time" in labels
    text = "\n".join(t.get_text() for t in ax.texts)
    assert "from the mean of logged rates" in text
    assert "(16 samples/step/rank: batch_size= given)" in text


def test_throughput_never_infers_the_batch_size_from_the_rate():
    # Without an independent batch size, the wall-time view is missing, not circular.
    tp = throughput_table(_ddp(world=2))
    assert tp.missing == ["batch_size"]
    assert tp.wall is None
    assert np.isnan(tp.total_wall)
    assert np.isnan(tp.ratio)
    ax = plot_throughput(_ddp(world=2), ax=plt.subplots()[1])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("wall time" in lab for lab in labels)
    text = "\n".join(t.get_text() for t in ax.texts)
    assert "the batch size is unknown;\npass batch_size= (CLI --batch-size)" in text


def test_throughput_on_real_runs():
    import warnings

    from chartkit.metrics import read, sample_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        logged_bs = read(VARIANTS / "batch_logged")
        world2 = read(sample_path("ddp_world2"))
    tp = throughput_table(logged_bs)
    assert (tp.batch.value, tp.batch.source, tp.batch.name) == (32.0, "logged", "batch_size")
    # 2 ranks x 32 samples x 95 steps over the elapsed wall time of each rank
    rows = logged_bs.metrics.query("metric == 'samples_per_sec'")
    expect = 0.0
    for _, g in rows.groupby("rank", observed=True):
        t = g["wall_time"].to_numpy()
        expect += 32 * (len(t) - 1) / (t[-1] - t[0])
    assert tp.total_wall == pytest.approx(expect, rel=1e-9)
    # The shared world-2 run (batch 16 per rank): wall time is what the run achieved, and
    # the mean of logged rates is well above it (the 1.6x the old inferred batch hid).
    tp2 = throughput_table(world2, batch_size=16)
    assert tp2.ratio > 1.3
    assert throughput_table(world2).missing == ["batch_size"]


def test_throughput_without_wall_time():
    frame = make_frame(
        "x", run="r", rank=0, step=np.arange(3), metric="samples_per_sec", value=np.ones(3)
    )
    log = finish(frame, LogInfo(source="x"), warn=False)
    tp = throughput_table(log, batch_size=8)
    assert tp.missing == ["wall_time"]
    ax = plot_throughput(log, batch_size=8, ax=plt.subplots()[1])
    assert any("the log has no wall times" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match=r"-3 is not a valid value for batch_size"):
        throughput_table(log, batch_size=-3)


def test_scaling_efficiency():
    table = scaling_table([_ddp(world=2), _ddp(world=4)], batch_size=16)
    assert table["world_size"].tolist() == [2, 4]
    # world 4 takes twice as long per step in _ddp: no speed-up at all
    assert table["efficiency"].iloc[1] == pytest.approx(0.5, abs=0.08)
    ax = plot_scaling([_ddp(world=4), _ddp(world=2)], batch_size=16, ax=plt.subplots()[1])
    assert any(t.get_text().startswith("efficiency 0.") for t in ax.texts)


def test_scaling_bad_input():
    with pytest.raises(ValueError, match=r"expected at least 2 runs of different world size"):
        scaling_table([_ddp()], batch_size=16)
    with pytest.raises(ValueError, match=r"\[2, 2\] is not a valid value for world sizes"):
        scaling_table([_ddp(world=2), _ddp(world=2, seed=1)], batch_size=16)
    with pytest.raises(ValueError, match=r"pass batch_size= \(CLI --batch-size\)"):
        scaling_table([_ddp(world=2), _ddp(world=4)])


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_rank_spread_image():
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_rank_spread(_ddp(world=6, slow_rank=4), "loss", ax=ax)
    ax.set_title("rank별 손실 분포")
    return fig


def test_rank_spread_contract_and_offscale_on_a_real_diverged_run():
    import warnings

    from chartkit.audit import check_figure
    from chartkit.metrics import read

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read(VARIANTS / "diverged_jump")
    with plt.style.context(chartkit.rc_params("default", korean_font="bundled")):
        fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
        plt.sca(ax)
        assert plot_rank_spread(log, "loss", lang="ko") is ax  # ax=None: the current Axes
        ax.set_title("a user title")
    assert ax.get_ylim()[1] < 3  # was 3.5e27 with "1e27" on the title
    text = "\n".join(t.get_text() for t in ax.texts)
    assert "rank 0, rank 1: 스텝 102에서 발산" in text
    assert ax.get_xlabel() == "스텝"
    with plt.style.context(chartkit.rc_params("default", korean_font="bundled")):
        fig.canvas.draw()
        assert ax.yaxis.get_offset_text().get_text() == ""
        assert not check_figure(fig).findings
    # empty data: an empty Axes and one warning
    with pytest.warns(DataWarning, match="plot_rank_spread: the data is empty"):
        plot_rank_spread(log.metrics.iloc[:0], ax=plt.subplots()[1])
    # color= and label= for the median
    ax = plot_rank_spread(log, "loss", color="#224466", label="med", ax=plt.subplots()[1])
    (median,) = [ln for ln in ax.get_lines() if ln.get_label() == "med"]
    assert median.get_color() == "#224466"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_throughput_and_scaling_pass_the_audit(lang):
    import warnings

    from chartkit.audit import check_figure
    from chartkit.metrics import read, sample_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        runs = [read(sample_path("ddp_world2")), read(sample_path("ddp_world4"))]
        logged_bs = read(VARIANTS / "batch_logged")
    with plt.style.context(chartkit.rc_params("default", korean_font="bundled")):
        fig, axes = plt.subplots(1, 3, figsize=(17, 5), layout="constrained")
        plot_throughput(runs[0], lang=lang, ax=axes[0])  # no batch size: says what is missing
        plot_throughput(logged_bs, lang=lang, ax=axes[1])
        plot_scaling(runs, batch_size=16, lang=lang, ax=axes[2])
        for ax in axes:
            ax.set_title("user title")
        report = check_figure(fig)
    assert not report.findings, report
    if lang == "ko":
        assert axes[2].get_xlabel() == "world size (rank 수)"
        assert "샘플 / 초" in axes[0].get_ylabel()


def test_rank_spread_x_choices():
    log = _ddp(world=4)
    ax = plot_rank_spread(log, "loss", x="relative_time", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "time since start (s)"
    median = next(ln for ln in ax.get_lines() if ln.get_label().startswith("median"))
    assert median.get_xdata()[0] >= 0
    assert np.all(np.diff(median.get_xdata()) > 0)
    ax = plot_rank_spread(log, "loss", x="samples", batch_size=16, ax=plt.subplots()[1])
    median = next(ln for ln in ax.get_lines() if ln.get_label().startswith("median"))
    np.testing.assert_array_equal(median.get_xdata()[:3], [16, 32, 48])
    ax = plot_rank_spread(log, "loss", x="samples", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "step"
    assert any("samples need the batch size" in t.get_text() for t in ax.texts)
    ax = plot_rank_spread(log, "loss", x="wall_time", ax=plt.subplots()[1])
    assert ax.get_xlabel() == "wall time"


def test_throughput_x_choices():
    import warnings

    from chartkit.errors import DataWarning
    from chartkit.metrics import read, sample_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read(sample_path("ddp_world2"))
    labels = {}
    for x in ("step", "relative_time", "wall_time", "samples"):
        fig, ax = plt.subplots()
        plot_throughput(log, batch_size=16, x=x, ax=ax)
        labels[x] = ax.get_xlabel()
        xs = ax.get_lines()[0].get_xdata()
        if x == "samples":
            assert np.nanmax(np.asarray(xs, dtype=float)) > 16 * 1000
        plt.close(fig)
    assert labels["relative_time"] == "time since start (s)"
    assert labels["samples"].startswith("samples")
    with pytest.raises(ValueError, match="'epoch' is not a valid value for x"):
        plot_throughput(log, batch_size=16, x="epoch", ax=plt.subplots()[1])
