"""Hangul without setup: coverage of the bundled font and glyph-complete rendering."""

from __future__ import annotations

import io
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

import chartkit
from chartkit.annotate import fonts

ALL_SYLLABLES = "".join(chr(c) for c in range(0xAC00, 0xD7A4))
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 \u2212"


def test_bundled_font_covers_every_syllable():
    for path in fonts.bundled_font_paths():
        assert path.exists()
        assert len(ALL_SYLLABLES) == 11172
        assert fonts.covers(path, ALL_SYLLABLES) == set()


def test_covers_reports_missing():
    dejavu = mpl.font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    assert fonts.covers(dejavu, "a가") == {"가"}


def test_bundled_licence_is_shipped():
    licence = fonts.bundled_font_paths()[0].parent / "LICENSE-NanumGothic.txt"
    assert "SIL OPEN FONT LICENSE" in licence.read_text(encoding="utf-8")


def test_family_is_a_fallback_list():
    family = fonts.font_family("bundled")
    assert family == ["DejaVu Sans", "NanumGothic"]


def test_unknown_font_name():
    with pytest.raises(
        ValueError,
        match=r"'No Such Font' is not a valid value for "
        r"korean_font; supported values are 'auto', 'bundled', 'system'",
    ):
        fonts.korean_font("No Such Font")


def _render_everything(fmt: str) -> list[str]:
    lines = [ALL_SYLLABLES[i : i + 120] for i in range(0, len(ALL_SYLLABLES), 120)]
    with chartkit.theme("default", korean_font="bundled", **{"svg.hashsalt": "chartkit"}):
        fig = plt.figure(figsize=(12, 40), dpi=20)
        fig.text(0.01, 0.995, LATIN, va="top", fontsize=4)
        fig.text(0.01, 0.985, "\n".join(lines), va="top", fontsize=3, linespacing=1.1)
        ax = fig.add_axes((0.1, 0.01, 0.3, 0.05))
        ax.plot([-3, 3], [-1, 1])  # negative tick labels use U+2212
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(io.BytesIO(), format=fmt)
    plt.close(fig)
    return [str(w.message) for w in caught]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_every_syllable_renders_without_missing_glyphs(fmt):
    messages = _render_everything(fmt)
    assert [m for m in messages if "missing from font" in m] == []


def test_missing_glyph_would_be_caught():
    # Without the Korean fallback, Hangul is missing and the warning appears: the check above
    # can fail.
    fig = plt.figure(figsize=(2, 1))
    fig.text(0.1, 0.5, "가", family=["DejaVu Sans"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_latin_and_minus_stay_dejavu():
    from matplotlib.font_manager import FontProperties, fontManager

    with chartkit.theme(korean_font="bundled"):
        prop = FontProperties(family=mpl.rcParams["font.family"])
        paths = fontManager._find_fonts_by_props(prop)
    assert "DejaVuSans" in paths[0]
    assert "NanumGothic" in paths[1]


def _nanum_entry():
    from matplotlib.font_manager import fontManager

    fonts.register_bundled_fonts()
    return next(f for f in fontManager.ttflist if f.name == "NanumGothic")


def test_installed_korean_font_is_preferred(monkeypatch, tmp_path):
    import dataclasses
    import shutil

    from matplotlib.font_manager import fontManager

    entry = _nanum_entry()
    system_copy = tmp_path / "NotoLike.ttf"
    shutil.copy(entry.fname, system_copy)
    fake = dataclasses.replace(entry, name="Noto Sans CJK KR", fname=str(system_copy))
    monkeypatch.setattr(fontManager, "ttflist", [*fontManager.ttflist, fake])
    assert fonts.korean_font("auto") == "Noto Sans CJK KR"
    assert fonts.korean_font("system") == "Noto Sans CJK KR"
    assert fonts.korean_font("bundled") == "NanumGothic"


def test_partial_system_font_is_not_used(monkeypatch):
    import dataclasses

    from matplotlib.font_manager import fontManager

    dejavu = mpl.font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    fake = dataclasses.replace(_nanum_entry(), name="Malgun Gothic", fname=dejavu)
    monkeypatch.setattr(fontManager, "ttflist", [*fontManager.ttflist, fake])
    assert fonts.korean_font("auto") == "NanumGothic"


def test_system_font_required_but_absent(monkeypatch):
    from matplotlib.font_manager import fontManager

    kept = [f for f in fontManager.ttflist if f.name not in fonts.HANGUL_FAMILIES]
    monkeypatch.setattr(fontManager, "ttflist", kept)
    with pytest.raises(ValueError, match=r"^'system' is not a valid value for korean_font; "
                       r"expected 'bundled' or 'auto' here: no installed Korean font covering "
                       r"all 11,172 Hangul syllables was found \(looked for Noto Sans CJK KR, "):
        fonts.korean_font("system")
