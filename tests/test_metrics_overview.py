"""The one-page run overview on a chartkit facet grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import chartkit
from chartkit.audit import check_figure
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots.overview import overview_panels, run_overview


def test_panels_by_meaning_and_unit():
    names = ["train_loss", "val_loss", "lr-SGD", "samples_per_sec", "max_mem_allocated", "epoch"]
    panels = overview_panels(names)
    assert panels["loss"] == ["train_loss", "val_loss"]
    assert panels["lr"] == ["lr-SGD"]
    assert panels["throughput"] == ["samples_per_sec"]
    assert panels["memory"] == ["max_mem_allocated"]
    chosen = overview_panels(names, columns={"memory": "epoch"})
    assert chosen["memory"] == ["epoch"]


@pytest.mark.parametrize("name", ["ddp_world2", "lightning", "gpu_train_steps"])
def test_overview_on_real_runs(name):
    log = read(sample_path(name))
    with chartkit.theme("default", korean_font="bundled"):
        grid = run_overview(log)
        report = check_figure(grid.figure)
    assert report.ok, str(report)
    texts = [t.get_text() for t in grid.figure.findobj(plt.Text)]
    assert any("loss (train and validation)" in t for t in texts)
    plt.close(grid.figure)


def test_overview_header_states_config_ranks_and_what_is_missing():
    log = read(sample_path("ddp_world2"))
    grid = run_overview(log, lang="ko")
    texts = " ".join(t.get_text() for t in grid.figure.findobj(plt.Text))
    assert "rank 2개의 평균" in texts
    assert "기록 없음: 메모리" in texts
    assert "학습률" in texts
    plt.close(grid.figure)


def test_overview_without_known_quantities_says_what_it_needs():
    from chartkit.metrics.schema import make_frame

    frame = make_frame("jsonl", run="r", rank=0, step=[1, 2], metric="epoch", value=[0, 0])
    with pytest.raises(ValueError, match="expected a loss, a learning rate, a throughput or a "
                       "memory metric"):
        run_overview(frame)


@pytest.mark.mpl_image_compare(style="default")
def test_overview_image():
    log = read(sample_path("lightning"))
    with chartkit.theme("default", korean_font="bundled"):
        grid = run_overview(log)
    return grid.figure
