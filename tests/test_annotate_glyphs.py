"""check_glyphs: every undrawable character found before saving, one FontWarning per figure."""

from __future__ import annotations

import io
import warnings

import matplotlib.pyplot as plt
import pytest

import chartkit
from chartkit.annotate import abc, bundled_font_paths, check_glyphs, rich_text, titles
from chartkit.errors import FontWarning

THAI, SMILE = "\u0e01", "\U0001f642"  # in neither DejaVu Sans nor NanumGothic


def _dejavu_only():
    return plt.rc_context({"font.family": ["DejaVu Sans"]})


def test_hangul_without_korean_font_is_listed_once():
    with _dejavu_only():
        fig, ax = plt.subplots()
        ax.set_title("손실")
        ax.set_xlabel("스텝 step")
        with pytest.warns(FontWarning) as record:
            missing = check_glyphs(fig)
    assert missing == ["손", "스", "실", "텝"]  # sorted by code point
    assert len(record) == 1
    assert str(record[0].message).startswith(
        "4 characters in 2 texts cannot be drawn by fonts 'DejaVu Sans'"
    )
    assert "'손' (U+C190)" in str(record[0].message)


def test_one_warning_for_many_texts_and_kinds():
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots()
        ax.plot([0, 1], label=f"series {THAI}")
        ax.legend()
        ax.set_xticks([0, 1], [f"a{THAI}", "b"])  # tick labels are checked before any draw
        titles(ax, title=f"제목 {SMILE}", caption=f"캡션 {THAI}")
        rich_text(ax, 0, 0, f"<b>{SMILE}</b>")
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            missing = check_glyphs(fig)
    assert missing == [THAI, SMILE]
    assert len(record) == 1
    assert record[0].category is FontWarning
    assert "2 characters in 5 texts" in str(record[0].message)


def test_korean_figure_with_theme_has_nothing_missing():
    with chartkit.theme("default", korean_font="bundled"):
        fig, axes = plt.subplots(1, 2)
        for ax in axes:
            ax.plot([0, 1], [0, -1], label="검증 손실")
            ax.set_xlabel("에폭")
            ax.legend(title="범례")
        titles(axes[0], title="<검증 손실> 감소", subtitle="부제목", caption="캡션")
        abc(axes, "(가)")
        titles(fig, title="그림 제목", source="출처: 합성 데이터")
        assert check_glyphs(fig) == []  # and no warning (warnings are errors here)


def test_mathtext_is_left_out():
    with _dejavu_only():
        fig, ax = plt.subplots()
        ax.set_title(r"$\alpha_{t}$ and " + THAI)
        with pytest.warns(FontWarning, match="1 character in 1 text"):
            assert check_glyphs(fig) == [THAI]


def test_warn_false_and_given_fonts():
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots()
        ax.set_title("손실 loss")
    assert check_glyphs(fig) == []
    dejavu_only = [plt.matplotlib.font_manager.findfont("DejaVu Sans")]
    assert check_glyphs(fig, fonts=dejavu_only, warn=False) == ["손", "실"]
    assert check_glyphs(fig, fonts=[*dejavu_only, bundled_font_paths()[0]]) == []
    with pytest.warns(FontWarning, match="cannot be drawn by the given font files"):
        check_glyphs(fig, fonts=dejavu_only)


def test_missing_font_file_is_named(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("x")
    missing = tmp_path / "NoSuchFont.ttf"
    with pytest.raises(FileNotFoundError, match=r"font file not found: '.*NoSuchFont\.ttf'"):
        check_glyphs(fig, fonts=[missing])


def test_invisible_texts_are_skipped():
    with _dejavu_only():
        fig, ax = plt.subplots()
        ax.set_title("손실").set_visible(False)
        assert check_glyphs(fig) == []


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_korean_saves_without_glyph_warnings(fmt):
    # filterwarnings=error turns matplotlib's "Glyph ... missing" into a failure here.
    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(4, 3), dpi=72)
        ax.plot([0, 1], [0, -1], label="손실")
        titles(ax, title="<손실> 곡선", subtitle="한글 부제목", caption="캡션")
        abc([ax], "가")
        buf = io.BytesIO()
        kw = {"metadata": {"CreationDate": None}} if fmt == "pdf" else {}
        fig.savefig(buf, format=fmt, **kw)
    data = buf.getvalue()
    assert len(data) > 1000
    if fmt == "pdf":
        assert b"NanumGothic" in data  # the Korean font is embedded (as a subset)
