"""Themes: context-only styling, packaged .mplstyle files, overrides, and themed images."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

import chartkit
from chartkit.style import rc_params

THEMES = chartkit.available_themes()


def test_shipped_themes():
    assert {"default", "paper"} <= set(THEMES)


def test_unknown_theme_names_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"^'dark' is not a valid value for name; supported "
        r"values are 'default', 'paper'",
    ):
        chartkit.theme("dark")


def test_unknown_override_suggests():
    with pytest.raises(
        ValueError,
        match=r"'fontsize' is not a valid value for a theme "
        r"override; expected an rcParams key.*Did you mean 'font.size'",
    ):
        chartkit.theme(fontsize=9)


def test_overrides_dotted_and_underscored():
    with chartkit.theme("paper", font_size=11, **{"axes.grid": True}, axes_spines_top=True):
        assert mpl.rcParams["font.size"] == 11
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["axes.spines.top"] is True
        assert mpl.rcParams["figure.constrained_layout.use"] is True


def test_underscore_key_with_underscore_inside():
    assert "figure.constrained_layout.use" in rc_params(figure_constrained_layout_use=False)


@pytest.mark.parametrize("name", THEMES)
def test_theme_restores_everything(name):
    before = {k: repr(v) for k, v in dict.items(mpl.rcParams)}
    with chartkit.theme(name):
        assert mpl.rcParams["font.family"][0] == "DejaVu Sans"
        assert len(mpl.rcParams["font.family"]) == 2
    after = {k: repr(v) for k, v in dict.items(mpl.rcParams)}
    assert before == after


@pytest.mark.parametrize("name", THEMES)
def test_packaged_style_matches_theme(name):
    bundled = rc_params(name, korean_font="bundled")
    with plt.style.context(f"chartkit.styles.{name}"):
        for key, value in bundled.items():
            assert mpl.rcParams[key] == value, key


def test_theme_is_a_decorator():
    @chartkit.theme("paper")
    def inner():
        return mpl.rcParams["font.size"]

    assert inner() == 8
    assert mpl.rcParams["font.size"] != 8 or mpl.rcParamsDefault["font.size"] == 8


def _loss_figure(title: str) -> plt.Figure:
    rng = np.random.default_rng(0)
    steps = np.arange(200)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    for k in range(3):
        ax.plot(
            steps,
            np.exp(-steps / (40 + 30 * k)) + rng.normal(0, 0.01, steps.size).cumsum() - 0.2,
            label=f"rank {k}",
        )
    ax.set_title(title)
    ax.set_xlabel("스텝 (step)")
    ax.set_ylabel("손실 (loss)")
    ax.legend()
    return fig


@pytest.mark.mpl_image_compare(style=rc_params("default", korean_font="bundled"))
def test_default_theme_image():
    return _loss_figure("학습 손실 − default")


@pytest.mark.mpl_image_compare(
    style=rc_params("paper", korean_font="bundled", **{"figure.dpi": 100, "savefig.dpi": 100})
)
def test_paper_theme_image():
    return _loss_figure("학습 손실 − paper")


@pytest.mark.parametrize("name", ["default", "paper"])
def test_pdf_embeds_truetype_korean_text_extractable_and_quiet(name, caplog):
    """Type 42 (TrueType) fonts in PDF, Hangul extractable, no fontTools notes on save."""
    import io
    import re

    import matplotlib.pyplot as plt
    from pypdf import PdfReader

    caplog.set_level("INFO", logger="fontTools.subset")
    with chartkit.theme(name, korean_font="bundled"):
        fig, ax = plt.subplots()
        ax.set_title("학습 손실 (training loss)")
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    data = buf.getvalue()
    subtypes = set(re.findall(rb"/Subtype\s*/(Type3|Type0|CIDFontType2|TrueType)", data))
    assert b"Type3" not in subtypes
    assert b"CIDFontType2" in subtypes
    assert "학습 손실 (training loss)" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert not [r for r in caplog.records if "NOT subset" in r.getMessage()]


def test_ps_uses_truetype_fonts():
    import io

    import matplotlib.pyplot as plt

    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots()
        ax.set_title("손실")
        buf = io.BytesIO()
        fig.savefig(buf, format="ps")
        plt.close(fig)
    assert b"/FontType 42" in buf.getvalue()
    assert b"/FontType 3" not in buf.getvalue()


def test_the_fonttools_filter_is_scoped_to_the_theme():
    import logging

    log = logging.getLogger("fontTools.subset")
    before = list(log.filters)
    with chartkit.theme("paper"):
        assert len(log.filters) == len(before) + 1
        rec = logging.LogRecord("fontTools.subset", 30, "", 0, "%s NOT subset", ("TSI0",), None)
        assert not log.filters[-1].filter(rec)
        other = logging.LogRecord("fontTools.subset", 30, "", 0, "%s NOT subset", ("GSUB",), None)
        assert log.filters[-1].filter(other)  # only the hinting-source notes are dropped
    assert log.filters == before


def test_svg_keeps_text_as_text_with_the_fallback_families():
    import io

    import matplotlib.pyplot as plt

    with chartkit.theme("default", korean_font="bundled", svg_fonttype="none"):
        fig, ax = plt.subplots()
        ax.set_title("학습 손실")
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        plt.close(fig)
    svg = buf.getvalue()
    assert "학습 손실" in svg
    assert "DejaVu Sans" in svg
    assert "NanumGothic" in svg
