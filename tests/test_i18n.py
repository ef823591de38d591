"""The message catalogue: every key in every language, with the same fields."""

from __future__ import annotations

import pytest

from chartkit._i18n import CATALOGUE, LANGS, fields_of, join_title, tr


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_every_language_with_the_same_fields(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang].strip() for lang in LANGS), key
    assert len({frozenset(fields_of(entry[lang])) for lang in LANGS}) == 1, entry


def test_tr_formats_and_refuses_unknowns():
    assert tr("word.step", "ko") == "스텝"
    with pytest.raises(ValueError, match="'fr' is not a valid value for lang"):
        tr("word.step", "fr")
    with pytest.raises(KeyError, match=r"no message 'word\.stepp'"):
        tr("word.stepp")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("실험 A:", "실험 A: 처리량"),
        ("실험 A", "실험 A — 처리량"),
        ("run 3 —", "run 3 — 처리량"),
        (None, "처리량"),
        ("", "처리량"),
    ],
)
def test_join_title(prefix, expected):
    assert join_title(prefix, "처리량") == expected
