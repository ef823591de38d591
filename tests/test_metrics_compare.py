"""Run comparison: IQM, stratified bootstrap, alignment, P(A > B), the chart."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from chartkit.errors import DataWarning
from chartkit.metrics.compare import (
    aggregate_runs,
    compare_table,
    iqm,
    probability_of_improvement,
)
from chartkit.metrics.schema import concat_frames, make_frame


def _runs(spec: dict[str, list[float]], steps=None, noise=0.0, rng=None) -> object:
    """Frame of runs named '<group>_seed<k>' whose loss is level + 1/step (+ noise)."""
    rng = rng or np.random.default_rng(0)
    frames = []
    for group, levels in spec.items():
        for k, level in enumerate(levels):
            st = np.arange(1, 101) if steps is None else steps[group]
            value = level + 1.0 / st + noise * rng.standard_normal(st.size)
            frames.append(
                make_frame("jsonl", run=f"{group}_seed{k}", rank=0, step=st, metric="loss",
                           value=value)
            )
    return concat_frames(frames)


def test_iqm_matches_the_trimmed_mean_definition():
    x = np.array([[1.0, 2.0, 3.0, 100.0]])
    assert iqm(x)[0] == pytest.approx(2.5)  # middle two of four
    assert iqm(np.array([[1.0, 2.0, 30.0]]))[0] == pytest.approx(11.0)  # n=3: plain mean
    eight = np.arange(8.0)[None]
    assert iqm(eight)[0] == pytest.approx(np.mean([2, 3, 4, 5]))


def test_probability_of_improvement():
    assert probability_of_improvement([1, 2, 3], [4, 5, 6], mode="min") == 1.0
    assert probability_of_improvement([1, 2, 3], [4, 5, 6], mode="max") == 0.0
    assert probability_of_improvement([1, 2], [1, 2]) == 0.5


def test_groups_seeds_and_a_reproducible_band():
    frame = _runs({"lr0.1": [0.5, 0.6, 0.55, 0.9], "lr0.01": [0.2, 0.25, 0.22, 0.21]},
                  noise=0.01)
    res = aggregate_runs(frame, "loss", by=r"^(lr[\d.]+)_", seed=r"seed(\d+)")
    assert set(res.groups) == {"lr0.1", "lr0.01"}
    g = res.groups["lr0.1"]
    assert g["n"] == 4
    # IQM ignores the outlier seed (0.9): centre near the middle two levels
    assert g["center"][-1] == pytest.approx(0.575 + 0.01, abs=0.02)
    assert (g["low"] <= g["center"] + 1e-9).all()
    assert (g["high"] >= g["center"] - 1e-9).all()
    again = aggregate_runs(frame, "loss", by=r"^(lr[\d.]+)_", seed=r"seed(\d+)")
    np.testing.assert_array_equal(again.groups["lr0.1"]["low"], g["low"])
    # ten seeds: resamples take enough distinct values for the seed to show
    many = _runs({"x": list(np.linspace(0.1, 0.9, 10))}, noise=0.01)
    one = aggregate_runs(many, "loss", by=r"^(x)_", random_state=0).groups["x"]["low"]
    two = aggregate_runs(many, "loss", by=r"^(x)_", random_state=1).groups["x"]["low"]
    assert not np.array_equal(one, two)


def test_fewer_than_three_seeds_warns_what_the_band_means():
    frame = _runs({"a": [0.5, 0.6], "b": [0.1, 0.2, 0.3]})
    with pytest.warns(DataWarning, match=r"1 group\(s\) of 'loss' have fewer than 3 seeds: "
                      r"a \(2\); their band is a bootstrap over so few runs"):
        aggregate_runs(frame, "loss", by=r"^(\w)_")


def test_different_step_grids_are_aligned_and_said():
    steps = {"a": np.arange(1, 101), "b": np.arange(2, 101, 2)}
    frame = _runs({"a": [0.5, 0.5, 0.5], "b": [0.3, 0.3, 0.3]}, steps=steps)
    res = aggregate_runs(frame, "loss", by=r"^(\w)_")
    assert ("compare.aligned", {}) in res.notes
    assert res.grid[0] == 2
    assert np.isfinite(res.groups["b"]["center"]).all()


def test_no_interpolation_across_a_gap():
    steps = {"a": np.r_[np.arange(1, 41), np.arange(80, 101)], "b": np.arange(1, 101)}
    frame = _runs({"a": [0.5, 0.5, 0.5], "b": [0.3, 0.3, 0.3]}, steps=steps)
    res = aggregate_runs(frame, "loss", by=r"^(\w)_")
    inside_gap = (res.grid > 40) & (res.grid < 80)
    assert np.isnan(res.groups["a"]["center"][inside_gap]).all()
    assert np.isfinite(res.groups["b"]["center"][inside_gap]).all()


def test_groups_without_common_steps_raise_naming_the_ranges():
    steps = {"a": np.arange(1, 50), "b": np.arange(60, 100)}
    frame = _runs({"a": [0.5] * 3, "b": [0.3] * 3}, steps=steps)
    with pytest.raises(ValueError, match=r"the groups of 'loss' have no step in common \(a: "
                       r"steps 1-49; b: steps "
                       r"60-99\)"):
        aggregate_runs(frame, "loss", by=r"^(\w)_")


def test_runs_without_a_seed_key_are_their_own_groups():
    frame = _runs({"a": [0.5, 0.6, 0.7]})
    res = aggregate_runs(frame, "loss")
    assert len(res.groups) == 3
    assert ("compare.group.run", {}) in res.notes


def test_unknown_group_key_lists_what_exists():
    frame = _runs({"a": [0.5, 0.6, 0.7]})
    with pytest.raises(KeyError, match="'optimizer' is not a valid value for group"):
        aggregate_runs(frame, "loss", by="optimizer")


def test_compare_table_ci_and_probability_against_the_best():
    frame = _runs({"good": [0.1, 0.12, 0.11, 0.13], "bad": [0.5, 0.52, 0.51, 0.49]})
    table = compare_table(frame, "loss", by=r"^(\w+)_")
    assert table.attrs["chartkit"]["mode"] == "min"
    assert table.loc["good", "seeds"] == 4
    assert table.loc["good", "final_low"] <= table.loc["good", "final"]
    assert table.loc["good", "final"] <= table.loc["good", "final_high"]
    assert table.loc["good", "p_beats_good"] == 0.5
    assert table.loc["bad", "p_beats_good"] == 0.0


def test_plot_compare_draws_one_line_and_band_per_group_with_the_method_stated():
    import chartkit
    from chartkit.audit import check_figure
    from chartkit.metrics.plots import plot_compare

    frame = _runs({"lr0.1": [0.5, 0.6, 0.55], "lr0.01": [0.2, 0.25, 0.22]}, noise=0.01)
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(7, 4))
        assert plot_compare(frame, "loss", by=r"^(lr[\d.]+)_", ax=ax) is ax
        report = check_figure(fig)
    assert len(ax.get_lines()) == 2
    assert len(ax.collections) == 2
    texts = " ".join(t.get_text() for t in fig.findobj(plt.Text))
    assert "lr0.1 (n=3)" in texts
    assert "IQM of the seeds" in texts
    assert "95% stratified-bootstrap CI (2000 resamples)" in texts
    assert report.ok, str(report)
    plt.close(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots()
        plot_compare(frame, "loss", by=r"^(lr[\d.]+)_", lang="ko", ax=ax)
        assert "시드의 IQM" in " ".join(t.get_text() for t in fig.findobj(plt.Text))
        plt.close(fig)


@pytest.mark.mpl_image_compare(style="default")
def test_compare_image():
    import chartkit
    from chartkit.metrics import read, sample_path
    from chartkit.metrics.plots import plot_compare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        runs = read(sample_path("compare_lr_seeds"))
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        plot_compare(runs, "loss", by=r"lr([\d.]+)_", seed=r"seed(\d+)", smooth=0.8, ax=ax)
    return fig


def test_x_relative_time_and_samples_and_wall_time_refused():
    from chartkit.metrics import read, sample_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        runs = read(sample_path("compare_lr_seeds"))
    by, seed = r"lr([\d.]+)_", r"seed(\d+)"
    rel = aggregate_runs(runs, "loss", by=by, seed=seed, x="relative_time")
    assert rel.grid[0] >= 0
    assert rel.grid[-1] < 60  # seconds, not steps
    assert ("compare.x.relative_time", {"batch_size": 0}) in rel.notes
    samples = aggregate_runs(runs, "loss", by=by, seed=seed, x="samples", batch_size=16)
    steps = aggregate_runs(runs, "loss", by=by, seed=seed)
    np.testing.assert_allclose(samples.grid, steps.grid * 16)
    with pytest.raises(ValueError, match=r"'wall_time' is not a valid value for x; expected "
                       r"'step', 'relative_time' or 'samples'"):
        aggregate_runs(runs, "loss", by=by, x="wall_time")
    frame = _runs({"a": [0.5, 0.6, 0.7]})
    with pytest.raises(ValueError, match=r"None is not a valid value for batch_size; expected "
                       r"samples per step for x='samples'"):
        aggregate_runs(frame, "loss", by=r"^(\w)_", x="samples")
