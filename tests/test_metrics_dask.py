"""The Dask engine (issue 14.3): lazy logs and their reductions on a real 2-worker cluster.

Every reduction computed by Dask is compared with the pandas computation on the same data
(exact rows for M4, exact medians and bands), and the charts drawn from the Dask engine with
the pandas baselines of the same data.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_metrics_curves import _log
from test_metrics_ranks import _ddp

import chartkit
from chartkit.errors import DataWarning
from chartkit.metrics import read, sample_path
from chartkit.metrics.cache import write_cache
from chartkit.metrics.downsample import downsample_indices
from chartkit.metrics.plots import plot_curves, plot_rank_spread, plot_trials
from chartkit.metrics.plots._data import iter_series
from chartkit.metrics.rank_tables import rank_table
from chartkit.metrics.smooth import ema
from chartkit.metrics.tuning_tables import trial_table

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from chartkit.metrics import reduce  # noqa: E402
from chartkit.metrics.lazy import LazyLog, open_cache  # noqa: E402

STYLE = chartkit.rc_params("default", korean_font="bundled")


@pytest.fixture(scope="module")
def client():
    """A real LocalCluster: 2 worker processes, one thread each; closed at the end."""
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as cl,
    ):
        yield cl


def _lazy(log, tmp_path, name="c") -> LazyLog:
    """*log* written to a Parquet cache and opened lazily (one partition per series)."""
    out = write_cache(log, tmp_path / name, tmp_path)
    return open_cache(out)


def _write_ranks(folder, ranks=4, steps=600):
    """Per-rank JSONL files of a small DDP run (loss and lr)."""
    folder.mkdir()
    rng = np.random.default_rng(1)
    for r in range(ranks):
        with open(folder / f"rank{r}.jsonl", "w", encoding="utf-8") as f:
            for s in range(steps):
                loss = 2 * np.exp(-s / 150) + rng.normal(0, 0.03) + 0.05 * r
                f.write(json.dumps({"step": s, "rank": r, "loss": loss, "lr": 0.1}) + "\n")
    return folder


# --------------------------------------------------------------------------- reading


def test_import_does_not_import_dask():
    code = (
        "import sys, chartkit, chartkit.metrics, chartkit.metrics.lazy, chartkit.metrics.reduce;"
        "print('dask' in sys.modules, 'matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"  # lazy imports; the reductions are pure


def test_engine_is_validated(tmp_path):
    with pytest.raises(ValueError, match=r"'spark' is not a valid value for engine; supported"):
        read(sample_path("ddp_world2"), engine="spark")


def test_engine_dask_without_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError, match=r'install it with: pip install "chartkit\[scale\]"'):
        read(sample_path("ddp_world2"), engine="dask")


def test_cache_read_lazily_equals_pandas(client, tmp_path):
    src = sample_path("ddp_world4")
    lazy = read(src, cache=tmp_path / "c", engine="dask")
    ref = read(src)
    assert isinstance(lazy, LazyLog)
    n_series = ref.metrics.groupby(["rank", "metric"], observed=True).ngroups
    assert lazy.metrics.npartitions == n_series  # one partition per series file
    assert lazy.metric_names == sorted(ref.metric_names)
    got = lazy.compute()
    pd.testing.assert_frame_equal(got.metrics, ref.metrics)
    assert [e.message() for e in got.info.entries] == [e.message() for e in ref.info.entries]
    # the cache folder itself is a path the engine reads
    again = read(tmp_path / "c", engine="dask")
    pd.testing.assert_frame_equal(again.compute().metrics, ref.metrics)


def test_sources_read_lazily_one_partition_per_file(client, tmp_path):
    folder = _write_ranks(tmp_path / "run")
    with pytest.warns(DataWarning, match=r"from the log files: the readers run on the workers"):
        lazy = read(folder, engine="dask")
    assert lazy.metrics.npartitions == 4
    assert lazy.info is None
    ref = read(folder)
    got = lazy.compute()
    pd.testing.assert_frame_equal(got.metrics, ref.metrics, check_categorical=False)


def test_cache_of_another_version_is_rebuilt(client, tmp_path):
    folder = _write_ranks(tmp_path / "run", ranks=2, steps=50)
    read(folder, cache=tmp_path / "c")
    meta_file = tmp_path / "c" / "chartkit-cache.json"
    meta = json.loads(meta_file.read_text())
    meta["chartkit"] = "0.0.1"
    meta_file.write_text(json.dumps(meta))
    with pytest.warns(DataWarning, match=r"is other-version \(written by chartkit 0.0.1.*rebuilt"):
        lazy = read(tmp_path / "c", engine="dask")
    pd.testing.assert_frame_equal(lazy.compute().metrics, read(folder).metrics)
    # without its source there is nothing to rebuild from: said, not guessed
    meta = json.loads(meta_file.read_text())
    meta["chartkit"], meta["source"] = "0.0.1", str(tmp_path / "gone")
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"written by chartkit 0.0.1 .* is not there to rebuild"):
        read(tmp_path / "c", engine="dask")


# --------------------------------------------------------------------------- reductions


def test_m4_rows_equal_pandas_rows(client, tmp_path):
    log = _log(n=5000, explode=3999, nan_from=4000)
    lazy = _lazy(log, tmp_path)
    got = reduce.curve_rows(lazy.metrics, "loss", 120, weight=0.95, segments=log.info.segments)
    rows = log.metrics[log.metrics["metric"] == "loss"]
    series = list(iter_series(rows, log.info))
    for s in series:
        keep = downsample_indices(s.step, s.value, 120)
        mine = got[got["rank"] == s.key[1]]
        assert len(keep) < s.step.size  # decimated
        np.testing.assert_array_equal(mine["step"].to_numpy(), s.step[keep])
        np.testing.assert_array_equal(mine["value"].to_numpy(), s.value[keep])
        sm = ema(s.value, 0.95, steps=s.step, segments=s.segment)[keep]
        np.testing.assert_array_equal(mine["smoothed"].to_numpy(), sm)


def test_smoothing_restarts_at_resumes_on_the_workers(client, tmp_path):
    log = _log(n=400, ranks=2, resume=250)
    lazy = _lazy(log, tmp_path)
    got = reduce.curve_rows(
        lazy.metrics, "loss", 1000, weight=0.9, segments=lazy.info.segments
    )
    s = next(iter_series(log.metrics, log.info))
    assert s.segment.max() == 1
    mine = got[got["rank"] == 0]
    np.testing.assert_array_equal(
        mine["smoothed"].to_numpy(), ema(s.value, 0.9, steps=s.step, segments=s.segment)
    )


def test_auto_weights_are_the_ones_auto_smooth_gives():
    rng = np.random.default_rng(0)
    for n in (50, 199, 200, 5000):
        w = chartkit.metrics.smooth.auto_smooth("loss", rng.normal(size=n))
        assert w in reduce.AUTO_WEIGHTS


def test_one_pass_per_chart_and_stats_kept(client, tmp_path, monkeypatch):
    lazy = _lazy(_ddp(world=3, steps=300), tmp_path)
    calls = []
    inner = reduce._per_partition
    monkeypatch.setattr(reduce, "_per_partition", lambda *a: calls.append(a[1]) or inner(*a))
    plot_curves(lazy, "loss", ax=plt.subplots()[1])
    plot_rank_spread(lazy, "loss", ax=plt.subplots()[1])
    assert [f.__name__ for f in calls] == ["_m4_part", "_rank_part"]
    assert lazy.series_stats("loss")["n"].tolist() == [300, 300, 300]


def test_series_split_across_partitions_is_refused(client):
    frame = _log(n=300, ranks=1).metrics
    ddf = dd.from_pandas(frame, npartitions=3, sort=False)
    with pytest.raises(ValueError, match=r"expected each series whole in one partition; it lies"):
        reduce.series_stats(ddf, "loss")


def test_rank_rows_give_exact_median_and_band(client, tmp_path):
    log = _ddp(world=6, slow_rank=4, short_rank=2)
    lazy = _lazy(log, tmp_path)
    with pytest.warns(DataWarning, match=r"1 rank\(s\) of 'loss' miss steps"):
        ref = rank_table(log, "loss")
    with pytest.warns(DataWarning, match=r"1 rank\(s\) of 'loss' miss steps"):
        got = rank_table(reduce.rank_rows(lazy.metrics, "loss"), "loss")
    pd.testing.assert_frame_equal(got, ref)
    for fn in (np.nanmedian, np.nanmin, np.nanmax):
        np.testing.assert_array_equal(fn(got.to_numpy(), axis=1), fn(ref.to_numpy(), axis=1))
    np.testing.assert_array_equal(
        np.nanpercentile(got.to_numpy(), [25, 75], axis=1),
        np.nanpercentile(ref.to_numpy(), [25, 75], axis=1),
    )


def test_rank_wide_equals_pandas_means_per_pixel_column(client, tmp_path):
    log = _ddp(world=5, steps=1000)
    lazy = _lazy(log, tmp_path)
    got = reduce.rank_wide(lazy.metrics, "loss", 50, first_step=1, last_step=1000, weight=0.6)
    rows = log.metrics[log.metrics["metric"] == "loss"]
    expect = {}
    for s in iter_series(rows, log.info):
        v = ema(s.value, 0.6, steps=s.step, segments=s.segment)
        col = np.minimum(((s.step - 1) / 999 * 50).astype(int), 49)
        expect[int(s.key[1])] = pd.Series(v).groupby(col).mean().to_numpy()
    assert got.shape == (50, 5)
    for r, values in expect.items():
        np.testing.assert_allclose(got[r].to_numpy(), values, rtol=1e-13)
    np.testing.assert_allclose(got.index[:2], [1 + 0.5 * 999 / 50, 1 + 1.5 * 999 / 50])


def test_trial_scores_equal_trial_table(client, tmp_path):
    log = read(sample_path("ray_asha"))
    lazy = _lazy(log, tmp_path)
    got = reduce.trial_scores(lazy.metrics, "loss")
    for scope, col in (("last", "last"), ("min", "min"), ("max", "max")):
        ref = trial_table(log, "loss", scope=scope)
        assert got["trial"].tolist() == ref["trial"].tolist()
        np.testing.assert_array_equal(got[col].to_numpy(), ref["value"].to_numpy())
    ref = trial_table(log, "loss")
    np.testing.assert_array_equal(got["n_points"].to_numpy(), ref["n_points"].to_numpy())


# --------------------------------------------------------------------------- charts


@pytest.mark.mpl_image_compare(filename="test_curves_image.png", style=STYLE)
def test_curves_image_from_dask(client, tmp_path):
    """The pandas chart's baseline, drawn from M4 rows reduced on the workers."""
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    lazy = _lazy(_log(n=5000, explode=3999, nan_from=4000), tmp_path)
    plot_curves(lazy, "loss", smooth=0.95, ax=ax)
    ax.set_title("손실 곡선 — 발산한 rank 2")
    return fig


@pytest.mark.mpl_image_compare(filename="test_rank_spread_image.png", style=STYLE)
def test_rank_spread_image_from_dask(client, tmp_path):
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    plot_rank_spread(_lazy(_ddp(world=6, slow_rank=4), tmp_path), "loss", ax=ax)
    ax.set_title("rank별 손실 분포")
    return fig


@pytest.mark.mpl_image_compare(filename="test_trials_image.png", style=STYLE)
def test_trials_image_from_dask(client, tmp_path):
    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=100, layout="constrained")
    plot_trials(_lazy(read(sample_path("ray_asha")), tmp_path), "loss", ax=ax)
    return fig


def test_plain_dask_frame_is_accepted(client, tmp_path):
    log = _log(n=3000)
    ddf = _lazy(log, tmp_path).metrics  # a plain Dask frame: no LogInfo, no params
    ax1 = plot_curves(ddf, "loss", smooth=0.9, ax=plt.subplots()[1])
    ax2 = plot_curves(log.metrics, "loss", smooth=0.9, ax=plt.subplots()[1])
    for a, b in zip(ax1.get_lines(), ax2.get_lines(), strict=True):
        np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())
    with pytest.raises(KeyError, match=r"'lsos' is not a valid value for metric.*'loss'"):
        plot_curves(ddf, "lsos")
    with pytest.raises(ValueError, match=r"with a Dask log, batch_size= as well"):
        plot_curves(ddf, "loss", x="samples")


@pytest.mark.parametrize("kw", [{"explode": 15_000, "nan_from": 18_000}, {"resume": 12_000}])
def test_curves_lines_equal_pandas_when_decimated(client, tmp_path, kw):
    """20,000 steps per rank on ~500 pixel columns: M4 on the workers, same lines drawn."""
    log = _log(n=20_000, ranks=4, **kw)
    lazy = _lazy(log, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the divergence, said by both
        ax1 = plot_curves(log, "loss", ax=plt.subplots(figsize=(6, 4))[1])
        ax2 = plot_curves(lazy, "loss", ax=plt.subplots(figsize=(6, 4))[1])
    assert len(ax1.get_lines()) == len(ax2.get_lines()) >= 8  # raw + smoothed per rank
    for a, b in zip(ax1.get_lines(), ax2.get_lines(), strict=True):
        assert a.get_label() == b.get_label()
        np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())
    assert ax1.get_ylim() == ax2.get_ylim()
    assert [t.get_text() for t in ax1.texts] == [t.get_text() for t in ax2.texts]
    assert len(ax2.get_lines()[0].get_xdata()) < 20_000  # decimated


def test_dask_input_that_is_not_the_canonical_frame(client):
    other = dd.from_pandas(pd.DataFrame({"step": [1, 2], "loss": [1.0, 0.5]}), npartitions=1)
    with pytest.raises(KeyError, match=r"'source' is not a valid value for column of the canon"):
        plot_curves(other, "loss")
    with pytest.raises(TypeError, match=r"'data' must be a RunLog, a pandas or Dask DataFrame"):
        plot_rank_spread(other["loss"], "loss")


@pytest.mark.mpl_image_compare(style=STYLE)
def test_rank_spread_binned_image(client, tmp_path, monkeypatch):
    """Beyond the step limit: pixel columns x ranks, said in the note; audit passes."""
    from chartkit.audit import check_figure

    monkeypatch.setattr(reduce, "RANK_STEP_LIMIT", 500)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    lazy = _lazy(_ddp(world=8, steps=3000, slow_rank=5), tmp_path)
    plot_rank_spread(lazy, "loss", ax=ax)
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "3,000 steps per rank: median and band\nof the ranks' means per pixel column" in notes
    assert any("rank 5 (straggler)" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match=r"expected 'step' for a Dask log of more than 500"):
        plot_rank_spread(lazy, "loss", x="wall_time", ax=plt.subplots()[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not check_figure(fig).findings
    return fig
