"""plot_palette (image tests) and the `chartkit palette check` command."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.cli import main
from chartkit.palettes import plot_palette, simulate_cvd

STYLE = chartkit.rc_params("default", korean_font="bundled")


@pytest.mark.mpl_image_compare(style=STYLE)
def test_plot_palette_image():
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    plot_palette("okabe_ito", ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style=STYLE)
def test_plot_cmap_image():
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    plot_palette("jet", ax=ax)
    return fig


def test_plot_palette_rows_are_the_simulations():
    _fig, ax = plt.subplots(figsize=(4, 2), dpi=50)
    out = plot_palette(["#d62728", "#2ca02c"], ax=ax, title=False)
    assert out is ax
    image = ax.images[0].get_array()
    assert image.shape == (5, 2, 3)
    np.testing.assert_allclose(image[2], simulate_cvd(["#d62728", "#2ca02c"], "deuteranomaly"))
    # Grayscale row: R = G = B.
    assert np.ptp(image[4], axis=1).max() < 1e-12
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "normal",
        "protanomaly 100",
        "deuteranomaly 100",
        "tritanomaly 100",
        "grayscale",
    ]
    assert ax.get_title(loc="left") == ""


def test_plot_palette_title_reports_the_verdict():
    _fig, ax = plt.subplots()
    plot_palette("tab10", ax=ax)
    assert ax.get_title(loc="left").startswith(
        "tab10: FAIL: ΔE normal 20.2, CVD 2.4 (protanomaly-100 0-4)"
    )


def test_plot_palette_makes_a_figure_only_without_ax():
    before = plt.get_fignums()
    ax = plot_palette(["#000000", "#ffffff"])
    assert len(plt.get_fignums()) == len(before) + 1
    assert ax.figure.number not in before


def test_plot_palette_refuses_what_it_sets():
    with pytest.raises(TypeError, match=r"plot_palette sets 'extent' itself \(to lay out the "
                       r"swatches\)\."):
        plot_palette("tab10", extent=(0, 1, 0, 1))
    with pytest.raises(ValueError, match=r"'deut' is not a valid value for kind"):
        plot_palette("tab10", kinds=["deut"])


def test_cli_check_palette(capsys):
    assert main(["palette", "check", "okabe_ito"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("palette check: PASS")
    assert "tritanomaly-100" in out
    assert main(["palette", "check", "tab10"]) == 1  # fail -> exit status 1


def test_cli_check_hex_list_and_figure(capsys, tmp_path):
    png = tmp_path / "p.png"
    code = main(["palette", "check", "#0072b2,#e69f00,#009e73", "--figure", str(png)])
    assert code == 0
    assert png.stat().st_size > 1000
    assert "3 colours" in capsys.readouterr().out


def test_cli_check_cmap(capsys):
    assert main(["palette", "check", "turbo"]) == 1
    assert "turbo: FAIL" in capsys.readouterr().out


def test_cli_errors(capsys):
    assert main(["palette", "check", "#0072b2,#12345"]) == 2
    err = capsys.readouterr().err
    assert "'#12345' is not a valid value for colors (entry 1)" in err
    assert main(["palette", "check", "okabe_itoo"]) == 2
    assert "Did you mean 'okabe_ito'" in capsys.readouterr().err
    assert main(["palette", "check", "tab10", "--severity", "120"]) == 2
    assert "120.0 is not a valid value for severity" in capsys.readouterr().err


def test_plot_cmap_needs_enough_samples():
    with pytest.raises(
        ValueError, match=r"4 is not a valid value for n; expected an integer >= 8"
    ):
        plot_palette("viridis", n=4)
