"""Notebook displays: compact, escaped HTML tables; still readable as text."""

from __future__ import annotations

from chartkit._html import swatches, table
from chartkit.palettes import check_cmap, check_palette


def test_table_and_swatches_escape_everything():
    out = table([("<script>x</script>", 1.23456789)], header=("a<b", "v"))
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "1.235" in out
    sw = swatches(["#0072b2", 'red" onload="x'])
    assert "background:#0072b2" in sw
    assert 'onload="x' not in sw  # not a #rrggbb: shown as escaped text only


def test_palette_report_html_shows_swatches_and_both_cvd_numbers():
    rep = check_palette("okabe_ito")
    out = rep._repr_html_()
    assert out.count("background:#") == 8
    assert "CVD, clipped to sRGB" in out
    assert "PASS" in out
    assert "clipped to sRGB" in str(rep)  # text stays readable


def test_cmap_report_html():
    rep = check_cmap("viridis")
    out = rep._repr_html_()
    assert "viridis: PASS (sequential)" in out
    assert "background:#" in out
    assert len(rep.colors) == 64


def test_runlog_loginfo_and_placement_html():
    import warnings

    import matplotlib.pyplot as plt

    from chartkit.annotate import label_points
    from chartkit.errors import DataWarning
    from chartkit.metrics import read, sample_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        log = read(sample_path("gpu_bs_probe"))
    out = log._repr_html_()
    assert "<table" in out
    assert "read report" in out
    assert "RunLog" in out
    assert "<RunLog" in repr(log)  # text stays readable
    fig, ax = plt.subplots()
    ax.scatter([1, 2, 3], [1, 2, 3])
    placed = label_points([1, 2, 3], [1, 2, 3], ["<b>x</b>", "b", "c"], ax=ax)
    html = placed._repr_html_()
    assert "label placement" in html
    assert "<b>x</b>" not in html  # label text escaped
    plt.close(fig)
