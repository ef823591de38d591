"""plot_density: every point counted per pixel with datashader, pandas and Dask alike."""

from __future__ import annotations

import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.errors import ColumnNotFoundError, DataWarning
from chartkit.metrics.plots import plot_density
from chartkit.metrics.schema import LogInfo, RunLog, concat_frames, empty_params, make_frame

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("datashader")


def _frame(ranks=6, steps=400, seed=0, bad=True, metrics=("loss",)):
    """Loss-like series; rank 1 gets NaN, +inf and -inf when *bad*."""
    rng = np.random.default_rng(seed)
    frames = []
    for metric in metrics:
        for rank in range(ranks):
            step = np.arange(steps)
            value = 2.0 * np.exp(-step / 120) + 0.3 + rng.normal(0, 0.08, steps)
            if bad and rank == 1:
                value[[10, 20, 30]] = np.nan
                value[[40, 50]] = np.inf
                value[60] = -np.inf
            wall = 1.7e9 + step * 0.5 + rank * 0.01
            frames.append(
                make_frame(
                    "t", run="r", rank=rank, step=step, wall_time=wall, metric=metric, value=value
                )
            )
    return concat_frames(frames)


def _counts(ax) -> np.ndarray:
    (image,) = ax.images
    return np.ma.filled(image.get_array(), 0).astype(np.int64)


def _note(ax) -> str:
    return "\n".join(t.get_text() for t in ax.texts)


def test_counts_equal_a_numpy_histogram_on_the_same_grid():
    frame = _frame(bad=False)
    ax = plot_density(frame, "loss", pixels=(97, 53), ax=plt.subplots()[1])
    counts = _counts(ax)
    assert counts.shape == (53, 97)
    x0, x1, y0, y1 = ax.images[0].get_extent()
    step = frame["step"].to_numpy(dtype=float)
    value = frame["value"].to_numpy()
    assert (x0, x1) == (step.min(), step.max())  # ranges of the data by default
    assert (y0, y1) == (value.min(), value.max())
    expected, _, _ = np.histogram2d(step, value, bins=[97, 53], range=[[x0, x1], [y0, y1]])
    np.testing.assert_array_equal(counts, expected.T.astype(np.int64))
    assert counts.sum() == len(frame)  # every point counted once, the maxima included


def test_limits_count_what_they_leave_out():
    frame = _frame(bad=False)
    ax = plot_density(frame, "loss", ylim=(0.0, 1.0), pixels=(40, 30), ax=plt.subplots()[1])
    value = frame["value"].to_numpy()
    step = frame["step"].to_numpy(dtype=float)
    expected, _, _ = np.histogram2d(step, value, bins=[40, 30], range=[[0, 399], [0.0, 1.0]])
    np.testing.assert_array_equal(_counts(ax), expected.T.astype(np.int64))
    outside = int(np.sum((value < 0) | (value > 1)))
    assert outside > 0
    assert f"{outside:,} points outside the limits left out" in _note(ax)


def test_dask_input_equals_pandas_input():
    frame = _frame()
    kw = {"pixels": (64, 48), "median": True}
    a = plot_density(frame, "loss", ax=plt.subplots()[1], **kw)
    lazy = dd.from_pandas(frame, npartitions=5)  # partitions split series
    b = plot_density(lazy, "loss", ax=plt.subplots()[1], **kw)
    np.testing.assert_array_equal(_counts(a), _counts(b))
    assert a.images[0].get_extent() == b.images[0].get_extent()
    assert _note(a) == _note(b)
    np.testing.assert_array_equal(a.get_lines()[0].get_ydata(), b.get_lines()[0].get_ydata())


def test_runlog_and_a_lazy_log_by_duck_typing():
    frame = _frame()
    log = RunLog(frame, empty_params(), LogInfo(source="t"))

    class Lazy:  # what the Dask engine returns: .metrics is a Dask frame
        metrics = dd.from_pandas(frame, npartitions=3)

    a = plot_density(log, pixels=(30, 20), ax=plt.subplots()[1])
    b = plot_density(Lazy(), pixels=(30, 20), ax=plt.subplots()[1])
    np.testing.assert_array_equal(_counts(a), _counts(b))


@pytest.mark.slow
def test_the_dask_engine_on_a_local_cluster_equals_pandas(tmp_path):
    """A real LazyLog (read(..., engine="dask") over a Parquet cache) on 2 worker processes."""
    distributed = pytest.importorskip("distributed")
    from chartkit.metrics import read, sample_path

    path = sample_path("ddp_world4")
    eager = read(path)
    kw = {"pixels": (60, 40), "median": True}
    a = plot_density(eager, "loss", ax=plt.subplots()[1], **kw)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
    ):
        lazy = read(path, cache=tmp_path / "cache", engine="dask")
        assert type(lazy).__name__ == "LazyLog"
        b = plot_density(lazy, "loss", ax=plt.subplots()[1], **kw)
    np.testing.assert_array_equal(_counts(a), _counts(b))
    assert _counts(b).sum() == len(eager.series("loss"))
    assert _note(a) == _note(b)


def test_nonfinite_values_are_counted_and_left_out():
    frame = _frame()
    ax = plot_density(frame, "loss", pixels=(50, 40), ax=plt.subplots()[1])
    note = _note(ax)
    assert "2,400 points, 6 series, per-pixel counts" in note
    assert "6 non-finite values counted and left out (NaN 3, +inf 2, \u2212inf 1)" in note
    assert _counts(ax).sum() == 2400 - 6


def test_by_counts_ranks_and_big_numbers_read_short():
    frame = _frame(ranks=3, metrics=("loss", "acc"))
    ax = plot_density(frame, "acc", by="rank", pixels=(20, 10), ax=plt.subplots()[1])
    assert "1,200 points, 3 ranks, per-pixel counts" in _note(ax)
    from chartkit.metrics.plots.density import _count_text

    assert _count_text(102_400_000) == "1.0e8"
    assert _count_text(999_999) == "999,999"


def test_zero_counts_are_transparent_and_norms():
    ax = plot_density(_frame(), "loss", pixels=(80, 60), ax=plt.subplots()[1])
    image = ax.images[0]
    assert isinstance(image.norm, mpl.colors.LogNorm)
    assert image.norm.vmin == 1
    assert image.norm.vmax == _counts(ax).max()
    assert np.ma.getmaskarray(image.get_array()).any()  # empty pixels masked ...
    assert image.cmap.get_bad()[3] == 0  # ... and drawn transparent
    assert image.get_interpolation() == "nearest"
    assert image.origin == "lower"
    lin = plot_density(_frame(), "loss", how="linear", vmax=50, ax=plt.subplots()[1])
    assert (lin.images[0].norm.vmin, lin.images[0].norm.vmax) == (0, 50)
    eq = plot_density(_frame(), "loss", how="eq_hist", ax=plt.subplots()[1])
    assert isinstance(eq.images[0].norm, mpl.colors.BoundaryNorm)
    assert "colours: equal-count bins of the counts" in _note(eq)


def test_cmap_choices():
    image = plot_density(_frame(), "loss", cmap="viridis", ax=plt.subplots()[1]).images[0]
    assert np.allclose(image.cmap(0.0), mpl.colormaps["viridis"](0.0))
    image = plot_density(_frame(), "loss", cmap=["white", "black"], ax=plt.subplots()[1]).images[0]
    assert np.allclose(image.cmap(1.0), (0, 0, 0, 1))  # a list is a gradient, never cycled
    assert np.allclose(image.cmap(0.5)[:3], 0.5, atol=0.01)
    default = plot_density(_frame(), "loss", ax=plt.subplots()[1]).images[0].cmap
    from chartkit.audit import check_figure  # default map: monotone lightness (cmap check)

    assert check_figure(plt.gcf(), rules="cmap-lightness").ok
    assert default(0.0) != mpl.colors.to_rgba("#e7f4ff")  # the lightest blues left out
    with pytest.raises(ValueError, match=r"'nope' is not a valid value for cmap"):
        plot_density(_frame(), "loss", cmap="nope")


def test_colorbar_labels_and_axis_labels():
    fig, ax = plt.subplots()
    plot_density(_frame(), "loss", ax=ax)
    (bar,) = [a for a in fig.axes if a is not ax]
    assert bar.get_ylabel() == "points per pixel"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "loss")
    assert ax.get_title() == ""  # facts go in the note, never the title
    fig, ax = plt.subplots()
    plot_density(_frame(), "loss", colorbar=False, x="wall_time", ax=ax)
    assert fig.axes == [ax]
    assert ax.get_xlabel() == "time since start (s)"
    assert ax.images[0].get_extent()[0] == 0.0


def _less(n: float) -> int:
    return int(n - max(3, n // 50))


def test_the_grid_is_the_axes_after_layout():
    with mpl.rc_context({"figure.dpi": 100, "savefig.dpi": "figure"}):
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        plot_density(_frame(), "loss", ax=ax)
        fig.canvas.draw()
        box = ax.get_window_extent()
        # 2 % (at least 3 px) smaller: the screen repeats a row, never drops one
        assert _counts(ax).shape == (_less(box.height), _less(box.width))
    with mpl.rc_context({"figure.dpi": 200, "savefig.dpi": 100}):  # saved smaller: count that
        fig, ax = plt.subplots(figsize=(6, 4))
        plot_density(_frame(), "loss", colorbar=False, ax=ax)
        box = ax.get_window_extent()
        assert _counts(ax).shape == (_less(box.height / 2), _less(box.width / 2))


def test_median_is_the_median_of_each_pixel_column():
    frame = _frame(ranks=9, bad=False)
    ax = plot_density(frame, "loss", median=True, pixels=(20, 200), ax=plt.subplots()[1])
    (line,) = ax.get_lines()
    assert line.get_label() == "median of each pixel column"
    x0, x1, y0, y1 = ax.images[0].get_extent()
    col = np.minimum(((frame["step"] - x0) * 20 / (x1 - x0)).astype(int), 19)
    medians = frame.groupby(col)["value"].median().to_numpy()
    row_height = (y1 - y0) / 200
    assert np.all(np.abs(line.get_ydata() - medians) <= row_height)
    assert ax.get_legend() is not None


def test_lines_never_join_two_series():
    # rank 0 ends high, rank 1 starts low: a join would cross the whole Axes
    step = np.arange(50)
    a = make_frame("t", run="r", rank=0, step=step, metric="loss", value=1 + step / 49)
    b = make_frame("t", run="r", rank=1, step=step, metric="loss", value=0.5 - step / 98)
    both = concat_frames([a, b])
    kw = {"lines": True, "xlim": (0, 49), "ylim": (0, 2), "pixels": (40, 30)}
    counts = {}
    for name, frame in (("a", a), ("b", b), ("both", both), ("shuffled", both.sample(frac=1.0))):
        counts[name] = _counts(plot_density(frame, "loss", ax=plt.subplots()[1], **kw))
    np.testing.assert_array_equal(counts["both"], counts["a"] + counts["b"])
    np.testing.assert_array_equal(counts["shuffled"], counts["both"])  # drawn in step order
    import datashader as ds  # the rows joined as they come: the segment (49, 2) -> (0, 0.5)

    canvas = ds.Canvas(plot_width=40, plot_height=30, x_range=(0, 49), y_range=(0, 2))
    joined = canvas.line(both.astype({"step": float}), "step", "value", agg=ds.count()).values
    assert (joined.astype(np.int64) - counts["both"]).sum() >= 30  # what a join would add
    lazy = dd.from_pandas(both, npartitions=2)  # the split falls between the two series
    np.testing.assert_array_equal(
        _counts(plot_density(lazy, "loss", ax=plt.subplots()[1], **kw)), counts["both"]
    )
    fig, ax = plt.subplots()
    plot_density(both, "loss", lines=True, ax=ax)
    assert fig.axes[1].get_ylabel() == "line segments per pixel"
    with pytest.raises(ValueError, match=r"True is not a valid value for median; expected "
                       r"False with lines=True"):
        plot_density(both, "loss", lines=True, median=True)


def test_korean_words():
    fig, ax = plt.subplots()
    plot_density(_frame(), "loss", by="rank", lang="ko", ax=ax)
    note = _note(ax)
    assert "점 2,400개, rank 6개, 픽셀별 개수" in note
    assert "유한하지 않은 값 6개는 세고 제외 (NaN 3, +inf 2, \u2212inf 1)" in note
    assert ax.get_xlabel() == "스텝"
    assert fig.axes[1].get_ylabel() == "픽셀당 점 수"


def test_errors_name_the_bad_value():
    frame = _frame(metrics=("loss", "acc"))
    with pytest.raises(ColumnNotFoundError, match=r"'lsos' is not a valid value for metric.*"
                       r"Did you mean 'loss'\?"):
        plot_density(frame, "lsos")
    with pytest.raises(ColumnNotFoundError, match=r"metric \(the data holds several: pass "):
        plot_density(frame)
    with pytest.raises(ColumnNotFoundError, match=r"'lsos' is not a valid value for metric"):
        plot_density(dd.from_pandas(frame, npartitions=2), "lsos")
    with pytest.raises(ValueError, match=r"'eqhist' is not a valid value for how; supported "
                       r"values are 'log', 'linear', 'eq_hist'. Did you mean 'eq_hist'\?"):
        plot_density(frame, "loss", how="eqhist")
    with pytest.raises(ValueError, match=r"'time' is not a valid value for x"):
        plot_density(frame, "loss", x="time")
    with pytest.raises(ValueError, match=r"3 is not a valid value for vmin; expected None with "
                       r"how='eq_hist'"):
        plot_density(frame, "loss", how="eq_hist", vmin=3)
    with pytest.raises(ValueError, match=r"\(1, 0\) is not a valid value for ylim; expected "
                       r"\(low, high\), finite, low < high"):
        plot_density(frame, "loss", ylim=(1, 0))
    with pytest.raises(TypeError, match=r"plot_density sets 'extent' itself \(the data ranges"):
        plot_density(frame, "loss", extent=(0, 1, 0, 1))
    with pytest.raises(TypeError, match=r"plot_density sets 'color' itself \(counts are "
                       r"coloured by the colormap: use cmap=\)"):
        plot_density(frame, "loss", color="C1")
    with pytest.raises(TypeError, match=r"'data' must be an instance of RunLog, LazyLog, "
                       r"pandas.DataFrame or dask.dataframe.DataFrame, not list"):
        plot_density([1, 2], "loss")
    with pytest.raises(ValueError, match=r"'fr' is not a valid value for lang"):
        plot_density(frame, "loss", lang="fr")


def test_frames_without_rank_or_trial_and_without_a_value():
    frame = _frame(ranks=1).drop(columns=["rank", "trial", "source", "wall_time"])
    ax = plot_density(frame, pixels=(20, 10), ax=plt.subplots()[1])
    assert "400 points, 1 series, per-pixel counts" in _note(ax)
    ax = plot_density(frame, pixels=(20, 10), lines=True, ax=plt.subplots()[1])
    assert _counts(ax).sum() > 0
    with pytest.raises(ColumnNotFoundError, match=r"data has no 'value' column \(it has "
                       r"'run', 'step', 'metric'\); plot_density needs the long frame"):
        plot_density(frame.drop(columns="value"))
    with pytest.raises(ColumnNotFoundError, match=r"data has no 'wall_time' column"):
        plot_density(frame, x="wall_time")


def test_missing_datashader_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "datashader", None)  # import datashader -> ImportError
    with pytest.raises(ImportError, match=r"plot_density needs the optional dependency "
                       r"'datashader'; install it with: pip install \"chartkit\[scale\]\""):
        plot_density(_frame(), "loss", ax=plt.subplots()[1])


def test_empty_and_all_nan_data_warn_once():
    empty = _frame().iloc[:0]
    with pytest.warns(DataWarning, match=r"plot_density: the data is empty"):
        ax = plot_density(empty, ax=plt.subplots()[1])
    assert _note(ax) == "no data"
    nan = _frame(ranks=2).assign(value=np.nan)
    with pytest.warns(DataWarning, match=r"none of the 800 points of 'loss' has a finite "
                      r"value and step"):
        ax = plot_density(nan, ax=plt.subplots()[1])
    assert "800 non-finite values counted and left out (NaN 800)" in _note(ax)
    assert "no finite values" in _note(ax)
    assert _counts(ax).sum() == 0
    no_time = _frame(ranks=2, bad=False).assign(wall_time=np.nan)
    with pytest.warns(DataWarning, match=r"none of the 800 points of 'loss' has a finite "
                      r"value and wall_time"):
        ax = plot_density(no_time, x="wall_time", ax=plt.subplots()[1])
    assert "800 points without a wall time left out" in _note(ax)
    assert "no finite values" not in _note(ax)


def test_the_chart_passes_the_audit():
    from chartkit.audit import check_figure

    style = chartkit.rc_params("default", korean_font="bundled")
    for lang in ("en", "ko"):
        with mpl.rc_context(style):
            fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
            plot_density(_frame(ranks=40), "loss", median=True, lang=lang, ax=ax)
            ax.set_title("a user title")
            report = check_figure(fig)
        assert not report.findings, report


def test_import_chartkit_imports_no_dask_or_datashader():
    code = (
        "import sys, chartkit, chartkit.metrics, chartkit.metrics.plots; "
        "print([m for m in ('dask', 'datashader', 'numba') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.mpl_image_compare(style=chartkit.rc_params("default", korean_font="bundled"))
def test_density_image():
    rng = np.random.default_rng(7)
    frames = []
    for rank in range(200):
        step = np.arange(0, 3000, 3)
        floor = 0.8 if rank % 37 == 0 else 0.3
        value = 2.0 * np.exp(-step / 700) + floor + rng.normal(0, 0.06, step.size)
        if rank == 101:
            value[800:] = np.nan
        frames.append(make_frame("t", run="r", rank=rank, step=step, metric="loss", value=value))
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100, layout="constrained")
    plot_density(concat_frames(frames), "loss", by="rank", median=True, ax=ax)
    ax.set_title("200 ranks, every point")
    return fig
