from __future__ import annotations

import pytest

from chartkit._figure import get_ax
from chartkit._optional import import_optional
from chartkit._validate import (
    check_exclusive,
    check_in_list,
    check_isinstance,
    invalid_value_message,
)


def test_message_template():
    msg = invalid_value_message("notacolor", "color", ["red", "blue"], entry=3)
    assert msg == (
        "'notacolor' is not a valid value for color (entry 3); supported values are 'red', 'blue'."
    )


def test_close_match_suggestion():
    with pytest.raises(
        ValueError,
        match=r"'papr' is not a valid value for name; supported "
        r"values are 'default', 'paper'\. Did you mean 'paper'\?",
    ):
        check_in_list(["default", "paper"], name="papr")


def test_close_match_ignores_case():
    with pytest.raises(ValueError, match=r"Did you mean 'Okabe-Ito'\?"):
        check_in_list(["Okabe-Ito", "tab10"], name="okabe-ito")


def test_long_lists_are_cut():
    with pytest.raises(ValueError, match=r"\.\.\. \(70 more\)"):
        check_in_list([f"v{i}" for i in range(100)], name="zzz")


def test_unhashable_value():
    with pytest.raises(ValueError, match=r"\[1\] is not a valid value for where"):
        check_in_list({"end": 1, "best": 2}, where=[1])


def test_in_list_accepts():
    check_in_list(["a", "b"], x="a", y="b")


def test_isinstance():
    check_isinstance((int, None), n=None)
    with pytest.raises(TypeError, match=r"'n' must be an instance of int or None, not str"):
        check_isinstance((int, None), n="3")


def test_exclusive():
    check_exclusive(ax=None, figsize=(3, 2))
    with pytest.raises(ValueError, match=r"^cannot give both ax and figsize\.$"):
        check_exclusive(ax=object(), figsize=(3, 2))
    with pytest.raises(ValueError, match=r"cannot give both a and b; cannot give both a and c"):
        check_exclusive(a=1, b=2, c=3)


def test_import_optional_hint():
    with pytest.raises(
        ImportError,
        match=r"reading TensorBoard files needs the optional "
        r"dependency 'no_such_mod_xyz'; install it with: "
        r'pip install "chartkit\[tensorboard\]"',
    ):
        import_optional("no_such_mod_xyz", "reading TensorBoard files", "tensorboard")


def test_import_optional_returns_module():
    assert import_optional("json", "x", "y").dumps([]) == "[]"


def test_get_ax_makes_figure_only_without_ax():
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots()
    n = len(plt.get_fignums())
    assert get_ax(ax) is ax
    assert len(plt.get_fignums()) == n
    new = get_ax(figsize=(3, 2))
    assert new is not ax
    assert tuple(new.figure.get_size_inches()) == (3, 2)


def test_get_ax_none_is_the_current_axes():
    import matplotlib.pyplot as plt

    plt.close("all")
    first = get_ax()  # no figure yet: one is made
    assert len(plt.get_fignums()) == 1
    _fig, (a, _b) = plt.subplots(1, 2)
    plt.sca(a)
    assert get_ax() is a
    assert len(plt.get_fignums()) == 2
    assert first is not a
    with pytest.raises(ValueError, match=r"^\(0, 2\) is not a valid value for figsize; expected"):
        get_ax(figsize=(0, 2))


def test_get_ax_refuses_both():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="cannot give both ax and figsize"):
        get_ax(ax, figsize=(3, 2))


def test_warning_hierarchy():
    from chartkit import errors

    for cls in (errors.FontWarning, errors.DataWarning, errors.ColorWarning, errors.LayoutWarning):
        assert issubclass(cls, errors.ChartkitWarning)
    assert issubclass(errors.ChartkitWarning, UserWarning)


def test_refused_keyword_names_the_reason():
    from chartkit._validate import check_refused

    check_refused({"lw": 2}, ("color",), func="f", reason="r", hint="h")
    with pytest.raises(
        TypeError,
        match=r"^plot_x sets 'label' itself \(one per series\); "
        r"style the lines after drawing\.$",
    ):
        check_refused(
            {"label": "a"},
            ("color", "label"),
            func="plot_x",
            reason="one per series",
            hint="style the lines after drawing",
        )
