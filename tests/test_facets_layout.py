"""Facet layout maths (chartkit.facets.layout): pure pandas, no figure drawn."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from chartkit.errors import DataWarning
from chartkit.facets.layout import (
    gridspec_params,
    levels,
    normalize_share,
    plan,
    share_groups,
    strip_text,
)


def _frame(n=5, per=4):
    return pd.DataFrame(
        {
            "trial": np.repeat([f"t{i}" for i in range(n)], per),
            "step": np.tile(np.arange(per), n),
            "loss": np.arange(n * per, dtype=float),
        }
    )


def test_layout_module_imports_no_pyplot():
    code = "import sys, chartkit.facets.layout; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_levels_follow_category_order_numbers_and_appearance():
    cat = pd.Series(pd.Categorical(["b", "a", "b"], categories=["b", "c", "a"]))
    assert levels(cat) == ["b", "c", "a"]
    assert levels(pd.Series([3, 1, 2, 1])) == [1, 2, 3]
    assert levels(pd.Series(["z", "trial 10", "trial 2", "z", None])) == [
        "z",
        "trial 10",
        "trial 2",
    ]
    assert levels(pd.Series(["a", "b"]), order=["b", "a"]) == ["b", "a"]


def test_wrap_positions_and_indices():
    p = plan(_frame(5), col="trial", wrap=2)
    assert (p.nrows, p.ncols, p.npages) == (3, 2, 1)
    assert [(q.key, q.row, q.col) for q in p.panels] == [
        ("t0", 0, 0),
        ("t1", 0, 1),
        ("t2", 1, 0),
        ("t3", 1, 1),
        ("t4", 2, 0),
    ]
    assert p.data.iloc[p.panels[3].index]["trial"].unique().tolist() == ["t3"]
    assert all(q.n == 4 for q in p.panels)


def test_single_panel_without_facets():
    p = plan(_frame(2))
    assert (p.nrows, p.ncols, len(p.panels)) == (1, 1, 1)
    assert p.panels[0].n == 8


def test_order_restricts_and_reorders():
    p = plan(_frame(4), col="trial", order=["t3", "t0"])
    assert [q.key for q in p.panels] == ["t3", "t0"]


def test_empty_categories_dropped_unless_drop_false():
    df = _frame(3)
    df["trial"] = pd.Categorical(df["trial"], categories=["t0", "unused", "t1", "t2"])
    assert [q.key for q in plan(df, col="trial").panels] == ["t0", "t1", "t2"]
    kept = plan(df, col="trial", drop=False)
    assert [q.key for q in kept.panels] == ["t0", "unused", "t1", "t2"]
    assert kept.panels[1].n == 0


def test_row_by_col_missing_cell_left_empty():
    df = pd.DataFrame({"r": ["a", "a", "b"], "c": ["x", "y", "x"], "v": [1, 2, 3]})
    p = plan(df, row="r", col="c")
    assert (p.nrows, p.ncols) == (2, 2)
    assert [(q.key, q.row, q.col) for q in p.panels] == [
        (("a", "x"), 0, 0),
        (("a", "y"), 0, 1),
        (("b", "x"), 1, 0),
    ]
    full = plan(df, row="r", col="c", drop=False)
    assert len(full.panels) == 4
    assert full.panels[-1].n == 0


def test_pagination_keeps_one_grid_for_every_page():
    p = plan(_frame(10), col="trial", wrap=3, max_per_page=4)
    assert (p.nrows, p.ncols, p.npages) == (2, 3, 3)
    assert [len(p.page_panels(i)) for i in range(3)] == [4, 4, 2]
    assert [(q.row, q.col) for q in p.page_panels(1)] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_pagination_of_a_row_by_col_grid_by_whole_rows():
    df = pd.DataFrame({"r": np.repeat(list("abcde"), 2), "c": list("xy") * 5, "v": 1.0})
    p = plan(df, row="r", col="c", max_per_page=5)  # 2 rows of 2 per page
    assert (p.nrows, p.ncols, p.npages) == (2, 2, 3)
    with pytest.raises(ValueError, match=r"^1 is not a valid value for max_per_page; expected "):
        plan(df, row="r", col="c", max_per_page=1)


def test_share_row_with_wrap_groups_by_displayed_row():
    # seaborn#3671: col_wrap shares everything with axes[0]; here rows are explicit.
    p = plan(_frame(5), col="trial", wrap=2, share="row")
    assert share_groups(p.panels, p.share_y) == [0, 0, 1, 1, 2]
    assert share_groups(p.panels, "col") == [0, 1, 0, 1, 0]
    assert share_groups(p.panels, "all") == [0] * 5
    assert share_groups(p.panels, "none") == [0, 1, 2, 3, 4]


def test_normalize_share():
    assert normalize_share("row") == ("row", "row")
    assert normalize_share({"x": "col", "y": False}) == ("col", "none")
    assert normalize_share({"y": True}) == ("all", "all")
    with pytest.raises(ValueError, match=r"^'rows' is not a valid value for share; .*'row'"):
        normalize_share("rows")
    with pytest.raises(ValueError, match=r"^'z' is not a valid value for a share key"):
        normalize_share({"z": "all"})


def test_strip_text_template_and_callable():
    assert strip_text("{name} = {value}", "lr", 0.1) == "lr = 0.1"
    assert strip_text(lambda n, v: f"{v}번", "trial", 3) == "3번"
    with pytest.raises(ValueError, match=r"is not a valid value for labeller; expected a templ"):
        strip_text("{col}", "trial", 1)
    with pytest.raises(
        ValueError, match=r"expected a template that can format 'a' of column 'lr'"
    ):
        strip_text("{value:g}", "lr", "a")


def test_gridspec_params_from_inches():
    params = gridspec_params(
        (10, 5), {"left": 1, "right": 2, "bottom": 0.5, "top": 0.5}, 0.5, 0.25, 2, 3
    )
    assert params["left"] == pytest.approx(0.1)
    assert params["right"] == pytest.approx(0.8)
    assert params["bottom"] == pytest.approx(0.1)
    assert params["top"] == pytest.approx(0.9)
    # 7 in wide, 2 gaps of 0.5 -> panels of 2 in; wspace is gap / mean panel width.
    assert params["wspace"] == pytest.approx(0.25)
    # 4 in tall, 1 gap of 0.25 -> panels of 1.875 in.
    assert params["hspace"] == pytest.approx(0.25 / 1.875)


def test_gridspec_params_never_invert():
    params = gridspec_params(
        (2, 2), {"left": 1.5, "right": 1.5, "bottom": 0, "top": 0}, 0, 0, 1, 1
    )
    assert params["right"] > params["left"]


# -- bad input ------------------------------------------------------------------------------


def test_empty_frame_is_zero_panels():
    with pytest.raises(ValueError, match=r"^0 panels to draw: the data frame is empty"):
        plan(_frame().iloc[:0], col="trial")


def test_all_nan_facet_column_is_zero_panels():
    df = _frame(2).assign(trial=np.nan)
    with (
        pytest.warns(DataWarning, match=r"dropped 8 of 8 rows"),
        pytest.raises(ValueError, match=r"^0 panels to draw: no row has a facet value"),
    ):
        plan(df, col="trial")


def test_nan_keys_dropped_with_one_counting_warning():
    df = _frame(3)
    df.loc[[0, 1, 5], "trial"] = None
    with pytest.warns(
        DataWarning, match=r"^dropped 3 of 12 rows whose facet value \('trial'\)"
    ) as rec:
        p = plan(df, col="trial")
    assert len(rec) == 1
    assert [q.n for q in p.panels] == [2, 3, 4]


def test_unknown_column_lists_columns_and_suggests():
    with pytest.raises(
        KeyError,
        match=r"^column 'trail' \(given as col=\) is not in the data; the columns are "
        r"'trial', 'step', 'loss'. Did you mean 'trial'\?$",
    ):
        plan(_frame(), col="trail")
    with pytest.raises(KeyError, match=r"column 'lr' \(given as hue=\)"):
        plan(_frame(), col="trial", extra_columns={"hue": "lr"})


@pytest.mark.parametrize("wrap", [0, -2, 2.5, True, "3"])
def test_bad_wrap_names_the_value(wrap):
    with pytest.raises(
        ValueError,
        match=rf"^{re.escape(repr(wrap))} is not a valid value for wrap; expected a positive",
    ):
        plan(_frame(), col="trial", wrap=wrap)


def test_wrap_with_row_is_refused():
    with pytest.raises(
        ValueError, match=r"^cannot give both wrap and row: wrapping lays out one facet variable"
    ):
        plan(_frame(), row="trial", wrap=3)


def test_order_must_be_a_mapping_for_two_facets():
    df = pd.DataFrame({"r": ["a"], "c": ["x"]})
    with pytest.raises(
        ValueError, match=r"^\['a'\] is not a valid value for order; expected a mapping \{column"
    ):
        plan(df, row="r", col="c", order=["a"])


def test_order_without_data_is_zero_panels():
    with pytest.raises(
        ValueError, match=r"^\['nope'\] is not a valid value for order; expected levels that have"
    ):
        plan(_frame(), col="trial", order=["nope"])


def test_data_must_be_a_frame():
    with pytest.raises(TypeError, match=r"data must be a pandas.DataFrame, not dict"):
        plan({"a": [1]}, col="a")
