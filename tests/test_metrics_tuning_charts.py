"""Optimisation history, slice, contour and EDF: every trial kept, facts stated."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import chartkit
import chartkit.metrics.plots
from chartkit.audit import check_figure
from chartkit.errors import DataWarning
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots.tuning_charts import plot_contour, plot_edf, plot_history, plot_slice
from chartkit.metrics.tuning_history import edf_table, history_table


@pytest.fixture(scope="module")
def asha():
    return read(sample_path("ray_asha"))


def test_history_orders_by_completion_and_tracks_the_best(asha):
    table = history_table(asha, "loss")
    assert len(table) == 16  # stopped trials are kept
    assert table["finished"].is_monotonic_increasing
    best = table["best_so_far"].to_numpy()
    assert (np.diff(best) <= 0).all()  # loss: lower is better, never rises
    assert best[-1] == pytest.approx(table["value"].min())
    assert set(table["outcome"]) == {"completed", "stopped"}
    assert table.attrs["chartkit"]["mode"] == "min"


def test_edf_table():
    x, y = edf_table(np.array([3.0, 1.0, np.nan, 2.0]))
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_allclose(y, [1 / 3, 2 / 3, 1])


@pytest.mark.parametrize(
    "draw",
    [
        lambda log, ax: plot_history(log, "loss", ax=ax),
        lambda log, ax: plot_history(log, "loss", x="wall_time", ax=ax),
        lambda log, ax: plot_slice(log, "loss", "lr", ax=ax),
        lambda log, ax: plot_contour(log, "loss", x="lr", y="batch_size", ax=ax),
        lambda log, ax: plot_edf(log, "loss", ax=ax),
    ],
    ids=["history", "history-wall", "slice", "contour", "edf"],
)
def test_charts_keep_stopped_trials_state_the_scope_and_pass_the_audit(asha, draw):
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        n_figs = plt.get_fignums()
        assert draw(asha, ax) is ax
        assert plt.get_fignums() == n_figs
        report = check_figure(fig)
    texts = " ".join(t.get_text() for t in fig.findobj(plt.Text))
    assert "value = each trial's last loss" in texts
    assert "stopped / pruned (15)" in texts
    assert report.ok, str(report)
    plt.close(fig)


def test_slice_uses_a_log_axis_for_the_log_uniform_lr(asha):
    fig, ax = plt.subplots()
    plot_slice(asha, "loss", "lr", ax=ax)
    assert ax.get_xscale() == "log"
    assert "log axis" in ax.get_xlabel()
    plt.close(fig)


def test_a_parameter_with_one_value_says_so(asha):
    fig, ax = plt.subplots()
    with pytest.warns(DataWarning, match=r"data_seed has a single value \(0\): nothing to "
                      "compare"):
        plot_slice(asha, "loss", "data_seed", ax=ax)
    assert not ax.collections
    plt.close(fig)


def test_unknown_parameter_lists_the_parameters(asha):
    fig, ax = plt.subplots()
    with pytest.raises(KeyError, match="'momentum' is not a valid value for param"):
        plot_slice(asha, "loss", "momentum", ax=ax)
    plt.close(fig)


def test_korean(asha):
    fig, ax = plt.subplots()
    plot_edf(asha, "loss", lang="ko", ax=ax)
    assert ax.get_ylabel() == "이 값 이하인 시행의 비율"
    plt.close(fig)


def test_history_table_keeps_error_trials_without_a_value():
    from chartkit.metrics.schema import LogInfo, RunLog, make_frame, params_frame

    frame = pd.concat(
        [
            make_frame("ray", trial="t0", step=[1, 2], wall_time=[10.0, 20.0], metric="loss",
                       value=[1.0, 0.5]),
            make_frame("ray", trial="t1", step=[1], wall_time=[15.0], metric="loss",
                       value=[np.nan]),
        ],
        ignore_index=True,
    )
    log = RunLog(frame, params_frame([{"trial": "t0", "lr": 0.1}, {"trial": "t1", "lr": 0.2}]),
                 LogInfo(source="ray"))
    table = history_table(log, "loss")
    assert list(table["trial"]) == ["t1", "t0"]  # t1 finished first
    assert np.isnan(table.loc[0, "value"])
    assert np.isnan(table.loc[0, "best_so_far"])
    assert table.loc[1, "best_so_far"] == 0.5


@pytest.mark.mpl_image_compare(style="default")
def test_tuning_charts_image(asha):
    with chartkit.theme("default", korean_font="bundled"):
        fig, axs = plt.subplots(2, 2, figsize=(11, 8))
        plot_history(asha, "loss", ax=axs[0, 0])
        plot_slice(asha, "loss", "lr", ax=axs[0, 1])
        plot_contour(asha, "loss", x="lr", y="batch_size", ax=axs[1, 0])
        plot_edf(asha, "loss", ax=axs[1, 1])
    return fig
