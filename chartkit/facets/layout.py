"""Facet layout as pure data: which panel gets which rows, where it sits, what it shares.

Nothing here imports pyplot: `plan` turns a tidy frame and the facet arguments into a
`FacetPlan` (levels, panels with their row indices, grid shape per page, share groups), and
`gridspec_params` turns measured margins in inches into `~matplotlib.gridspec.GridSpec`
parameters. Both are tested without drawing anything.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chartkit._validate import check_exclusive, check_in_list, invalid_value_message
from chartkit.errors import ColumnNotFoundError, DataWarning, warn_external

__all__ = [
    "SHARE_MODES",
    "ColumnNotFoundError",
    "FacetPlan",
    "Panel",
    "check_columns",
    "gridspec_params",
    "levels",
    "normalize_share",
    "plan",
    "share_groups",
    "strip_text",
]

ShareMode = Literal["all", "row", "col", "none"]
SHARE_MODES: tuple[str, ...] = ("all", "row", "col", "none")


def check_columns(data: pd.DataFrame, **names: Hashable | None) -> None:
    """Raise `ColumnNotFoundError` for the first named column missing from *data*.

    The message names the column and the argument it was given for, lists the columns and
    suggests close matches.
    """
    columns = list(data.columns)
    for arg, name in names.items():
        if name is None or name in columns:
            continue
        msg = f"column {name!r} (given as {arg}=) is not in the data; the columns are " + (
            ", ".join(repr(c) for c in columns[:30])
        )
        if len(columns) > 30:
            msg += f", ... ({len(columns) - 30} more)"
        if isinstance(name, str):
            close = difflib.get_close_matches(name, [str(c) for c in columns], n=3, cutoff=0.6)
            if close:
                msg += ". Did you mean " + " or ".join(repr(c) for c in close) + "?"
        raise ColumnNotFoundError(msg)


def levels(values: pd.Series, order: Sequence[Any] | None = None) -> list[Any]:
    """The facet levels of *values*, in display order.

    *order* wins when given; otherwise a categorical's category order, sorted values for
    numbers and booleans, and order of first appearance for everything else (a log's own
    order: ``trial 2`` before ``trial 10``). Missing values are never levels.
    """
    if order is not None:
        return list(order)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    uniq = pd.unique(values.dropna())
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return sorted(uniq.tolist())
    return list(uniq)


def normalize_share(share: Any) -> tuple[str, str]:
    """``"all"|"row"|"col"|"none"`` or ``{"x": ..., "y": ...}`` -> ``(share_x, share_y)``.

    Booleans are accepted inside the mapping (True is "all", False is "none"); a missing
    axis in the mapping is "all".
    """
    if isinstance(share, Mapping):
        unknown = [k for k in share if k not in ("x", "y")]
        if unknown:
            raise ValueError(invalid_value_message(unknown[0], "a share key", ["x", "y"]))
        out = []
        for axis in ("x", "y"):
            mode = share.get(axis, "all")
            mode = {True: "all", False: "none"}.get(mode, mode) if isinstance(mode, bool) else mode
            check_in_list(SHARE_MODES, **{f"share[{axis!r}]": mode})
            out.append(mode)
        return out[0], out[1]
    check_in_list(SHARE_MODES, share=share)
    return share, share


@dataclass(frozen=True)
class Panel:
    """One facet: its key, the facet values, its page and cell, and its rows of the frame."""

    key: Any
    row_value: Any
    col_value: Any
    page: int
    row: int
    col: int
    index: np.ndarray = field(repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.index)


@dataclass
class FacetPlan:
    """Result of `plan`: everything needed to build the figures, as plain data.

    Attributes
    ----------
    data : pandas.DataFrame
        The frame with NaN facet keys removed (``index`` of each panel is positional in it).
    panels : list of Panel
        In display order, page by page.
    nrows, ncols : int
        Grid shape of every page (all pages share it).
    npages : int
    row, col : str or None
        Facet columns.
    row_levels, col_levels : list
        Levels shown (after ``order`` and ``drop``).
    wrapped : bool
        Whether panels flow over rows (``wrap=`` or a single facet variable paginated).
    share_x, share_y : str
        One of ``"all"``, ``"row"``, ``"col"``, ``"none"``.
    """

    data: pd.DataFrame
    panels: list[Panel]
    nrows: int
    ncols: int
    npages: int
    row: Hashable | None
    col: Hashable | None
    row_levels: list[Any]
    col_levels: list[Any]
    wrapped: bool
    share_x: str
    share_y: str

    def page_panels(self, page: int) -> list[Panel]:
        return [p for p in self.panels if p.page == page]


def _check_wrap(wrap: Any) -> None:
    if wrap is None:
        return
    if isinstance(wrap, bool) or not isinstance(wrap, (int, np.integer)) or wrap < 1:
        raise ValueError(invalid_value_message(wrap, "wrap", expected="a positive integer"))


def _check_max_per_page(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            invalid_value_message(value, "max_per_page", expected="a positive integer")
        )


def _order_for(order: Any, name: Hashable | None, facet_names: list[Hashable]) -> Any:
    if order is None or name is None:
        return None
    if isinstance(order, Mapping):
        return order.get(name)
    if len(facet_names) == 1:
        return order
    raise ValueError(
        invalid_value_message(
            order,
            "order",
            expected="a mapping {column: levels} when faceting by both row and col",
        )
    )


def plan(
    data: pd.DataFrame,
    *,
    col: Hashable | None = None,
    row: Hashable | None = None,
    wrap: int | None = None,
    order: Mapping[Hashable, Sequence[Any]] | Sequence[Any] | None = None,
    share: Any = "all",
    drop: bool = True,
    max_per_page: int | None = None,
    extra_columns: Mapping[str, Hashable | None] | None = None,
) -> FacetPlan:
    """Assign the rows of *data* to panels, panels to pages and cells.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy frame, one observation per row.
    col, row : column name, optional
        Facet variables; panels are their level combinations.
    wrap : int, optional
        With *col* only: panels per row, flowing onto further rows.
    order : mapping or sequence, optional
        ``{column: levels}``; a plain sequence when there is one facet variable. Levels not
        listed are left out; listed levels without data are kept only when ``drop=False``.
    share : {"all", "row", "col", "none"} or dict, default: "all"
        Axis sharing; ``{"x": ..., "y": ...}`` per axis.
    drop : bool, default: True
        Whether levels and row/col combinations without data get no panel.
    max_per_page : int, optional
        Paginate: at most this many panels per page, every page with the same grid.
    extra_columns : mapping, optional
        Other column arguments to check exist (e.g. ``{"hue": "lr"}``).

    Returns
    -------
    FacetPlan

    Raises
    ------
    KeyError
        `ColumnNotFoundError` for an unknown column, listing the columns.
    ValueError
        For no panel at all, a bad *wrap* or *max_per_page*, or *wrap* together with *row*.

    Warns
    -----
    DataWarning
        Once, counting the rows dropped because a facet value is missing.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas.DataFrame, not {type(data).__name__}")
    check_columns(data, col=col, row=row, **(extra_columns or {}))
    _check_wrap(wrap)
    _check_max_per_page(max_per_page)
    check_exclusive(
        wrap=wrap,
        row=row,
        hint="wrapping lays out one facet variable; use col= with wrap=, or row= and col= "
        "without it",
    )
    share_x, share_y = normalize_share(share)
    facet_names = [n for n in (row, col) if n is not None]
    if len(data) == 0:
        raise ValueError("0 panels to draw: the data frame is empty.")

    if facet_names:
        missing = data[facet_names].isna().any(axis=1).to_numpy()
        n_missing = int(missing.sum())
        if n_missing:
            warn_external(
                f"dropped {n_missing} of {len(data)} rows whose facet value "
                f"({', '.join(map(repr, facet_names))}) is missing",
                DataWarning,
            )
            data = data.loc[~missing]
    if len(data) == 0:
        raise ValueError("0 panels to draw: no row has a facet value (all are missing).")

    row_levels = levels(data[row], _order_for(order, row, facet_names)) if row else [None]
    col_levels = levels(data[col], _order_for(order, col, facet_names)) if col else [None]

    # Row indices per (row, col) cell, positional in `data`.
    groups: dict[Any, np.ndarray] = {}
    if facet_names:
        by = facet_names[0] if len(facet_names) == 1 else facet_names
        grouped = data.groupby(by, sort=False, observed=True, dropna=True)
        groups = {k: np.asarray(v) for k, v in grouped.indices.items()}

    def cell_index(rv: Any, cv: Any) -> np.ndarray | None:
        if not facet_names:
            return np.arange(len(data))
        key = (rv, cv) if (row is not None and col is not None) else (rv if row else cv)
        return groups.get(key)

    if drop:
        row_levels = [
            rv for rv in row_levels if any(cell_index(rv, cv) is not None for cv in col_levels)
        ]
        col_levels = [
            cv for cv in col_levels if any(cell_index(rv, cv) is not None for rv in row_levels)
        ]
    if not row_levels or not col_levels:
        raise ValueError(
            invalid_value_message(
                order,
                "order",
                expected="levels that have data, to draw at least one panel (levels with "
                f"data: {sorted(map(str, groups))[:10]})",
            )
        )

    empty = np.arange(0)
    cells: list[tuple[Any, Any, Any, np.ndarray]] = []
    for rv in row_levels:
        for cv in col_levels:
            idx = cell_index(rv, cv)
            if idx is None and drop and row is not None and col is not None:
                continue  # a missing combination leaves its grid cell empty
            key = (rv, cv) if (row is not None and col is not None) else (rv if row else cv)
            cells.append((key, rv, cv, empty if idx is None else idx))

    n = len(cells)
    grid = row is not None and col is not None
    panels: list[Panel] = []
    if grid:
        ncols = len(col_levels)
        rows_per_page = len(row_levels)
        if max_per_page is not None:
            rows_per_page = max_per_page // ncols
            if rows_per_page < 1:
                raise ValueError(
                    invalid_value_message(
                        max_per_page,
                        "max_per_page",
                        expected=f"at least one grid row of {ncols} panels",
                    )
                )
            rows_per_page = min(rows_per_page, len(row_levels))
        row_pos = {rv: i for i, rv in enumerate(row_levels)}
        col_pos = {cv: j for j, cv in enumerate(col_levels)}
        for key, rv, cv, idx in cells:
            page, r = divmod(row_pos[rv], rows_per_page)
            panels.append(Panel(key, rv, cv, page, r, col_pos[cv], idx))
        nrows, npages = rows_per_page, math.ceil(len(row_levels) / rows_per_page)
        wrapped = False
    else:
        per_page = n if max_per_page is None else min(max_per_page, n)
        if row is not None:
            ncols, nrows = 1, per_page
        else:
            ncols = per_page if wrap is None else min(wrap, per_page)
            nrows = math.ceil(per_page / ncols)
        npages = math.ceil(n / per_page)
        for i, (key, rv, cv, idx) in enumerate(cells):
            page, k = divmod(i, per_page)
            r, c = (k, 0) if row is not None else divmod(k, ncols)
            panels.append(Panel(key, rv, cv, page, r, c, idx))
        wrapped = row is None and nrows > 1
    return FacetPlan(
        data=data,
        panels=panels,
        nrows=nrows,
        ncols=ncols,
        npages=npages,
        row=row,
        col=col,
        row_levels=row_levels,
        col_levels=col_levels,
        wrapped=wrapped,
        share_x=share_x,
        share_y=share_y,
    )


def share_groups(panels: Sequence[Panel], mode: str) -> list[int]:
    """Share-group id of each panel for one axis: equal ids share that axis.

    Groups follow the *grid* row or column a panel sits in, also when panels wrap, so
    ``share="row"`` with ``wrap=`` shares within each displayed row (seaborn#3671).
    """
    check_in_list(SHARE_MODES, share=mode)
    if mode == "all":
        return [0] * len(panels)
    if mode == "row":
        return [p.row for p in panels]
    if mode == "col":
        return [p.col for p in panels]
    return list(range(len(panels)))


def strip_text(labeller: str | Callable[[Any, Any], str], name: Any, value: Any) -> str:
    """Strip label of one facet value: a ``str.format`` template or ``labeller(name, value)``.

    Templates see ``{name}`` (the column) and ``{value}`` (the level).
    """
    if callable(labeller):
        return str(labeller(name, value))
    try:
        return labeller.format(name=name, value=value)
    except (KeyError, IndexError) as err:
        raise ValueError(
            invalid_value_message(
                labeller, "labeller", expected="a template using only {name} and {value}"
            )
        ) from err
    except ValueError as err:  # a format spec that does not fit the value
        raise ValueError(
            invalid_value_message(
                labeller,
                "labeller",
                expected=f"a template that can format {value!r} of column {name!r} ({err})",
            )
        ) from err


def gridspec_params(
    figsize: tuple[float, float],
    margins: Mapping[str, float],
    wgap: float,
    hgap: float,
    nrows: int,
    ncols: int,
) -> dict[str, float]:
    """GridSpec ``left/right/bottom/top/wspace/hspace`` from margins and gaps in inches.

    Parameters
    ----------
    figsize : (float, float)
        Figure width and height in inches.
    margins : mapping
        ``{"left", "right", "bottom", "top"}``: inches from each figure edge to the panels.
    wgap, hgap : float
        Inches between neighbouring panels.
    nrows, ncols : int

    Returns
    -------
    dict
        Keyword arguments of `matplotlib.gridspec.GridSpec.update`. Panels keep at least 5 %
        of the figure when the margins would leave less.
    """
    w, h = figsize
    left = margins["left"] / w
    right = 1 - margins["right"] / w
    bottom = margins["bottom"] / h
    top = 1 - margins["top"] / h
    # Never invert the panel area: keep 5 % of the figure for panels.
    if right - left < 0.05:
        mid = (left + right) / 2
        left, right = mid - 0.025, mid + 0.025
    if top - bottom < 0.05:
        mid = (top + bottom) / 2
        bottom, top = mid - 0.025, mid + 0.025
    avail_w = (right - left) * w
    avail_h = (top - bottom) * h
    # GridSpec spaces are fractions of the mean panel size.
    pw = (avail_w - wgap * (ncols - 1)) / ncols
    ph = (avail_h - hgap * (nrows - 1)) / nrows
    pw = max(pw, 0.05 * avail_w / ncols)
    ph = max(ph, 0.05 * avail_h / nrows)
    return {
        "left": left,
        "right": right,
        "bottom": bottom,
        "top": top,
        "wspace": (wgap / pw) if ncols > 1 else 0.0,
        "hspace": (hgap / ph) if nrows > 1 else 0.0,
    }
