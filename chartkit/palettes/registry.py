"""Named palettes: lookup (`palette`) and registration with matplotlib (`register`).

`register` is the one import-time effect of ``import chartkit``: it adds every named map
(and its ``_r`` reverse) to `matplotlib.colormaps` and every palette to
`matplotlib.color_sequences`, all under the ``chartkit.`` prefix. It is additive (a name that
is already registered is left alone), idempotent and never uses ``force``. It reads only
the plain data of `chartkit.palettes._data`: no colour science runs at import.
"""

from __future__ import annotations

from typing import Any

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.errors import ColorWarning, warn_external
from chartkit.palettes import _data

__all__ = ["PREFIX", "list_palettes", "palette", "register"]

PREFIX = "chartkit."


def list_palettes(kind: str | None = None) -> list[str]:
    """Names of the shipped palettes and maps.

    Parameters
    ----------
    kind : {"categorical", "sequential", "diverging"}, optional
        Restrict to one kind.

    Returns
    -------
    list of str
    """
    if kind is not None:
        check_in_list(("categorical", "sequential", "diverging"), kind=kind)
    names = []
    if kind in (None, "categorical"):
        names += list(_data.PALETTES)
    names += [k for k, v in _data.MAPS.items() if kind in (None, v["kind"])]
    return names


def _cmap(name: str, colors: list[str], reverse: bool = False):
    from matplotlib.colors import ListedColormap

    if reverse:
        return ListedColormap(colors[::-1], name=f"{PREFIX}{name}_r")
    return ListedColormap(colors, name=f"{PREFIX}{name}")


def register() -> None:
    """Register chartkit's maps and palettes with matplotlib (additive, idempotent)."""
    import matplotlib as mpl

    cmaps = mpl.colormaps
    for name, entry in [*_data.MAPS.items(), *_data.PALETTES.items()]:
        for reverse in (False, True):
            full = f"{PREFIX}{name}{'_r' if reverse else ''}"
            if full not in cmaps:
                cmaps.register(_cmap(name, entry["colors"], reverse))
    for name, entry in _data.PALETTES.items():
        if f"{PREFIX}{name}" not in mpl.color_sequences:
            mpl.color_sequences.register(f"{PREFIX}{name}", entry["colors"])


def palette(
    name: str,
    n: int | None = None,
    *,
    as_cmap: bool = False,
    strict: bool = False,
) -> Any:
    """Return a named palette as a plain list of hex colours (or as a colormap).

    Parameters
    ----------
    name : str
        A shipped palette (``"okabe_ito"``, ``"petroff10"``, ``"tol_bright"``, ...; see
        `list_palettes`) or map (``"blues"``, ``"blue_orange"``, ...); the ``chartkit.``
        prefix and a ``_r`` suffix (reversed) are accepted.
    n : int, optional
        Number of colours. A categorical palette is cut to *n*, or cycled when shorter (with
        a warning); a map is sampled at *n* evenly spaced points. Default: the palette's
        own length, 256 for maps.
    as_cmap : bool, default: False
        Return a `~matplotlib.colors.ListedColormap` instead of a list.
    strict : bool, default: False
        Raise instead of cycling when a categorical palette is shorter than *n*.

    Returns
    -------
    list of str or matplotlib.colors.ListedColormap
        A plain list works everywhere, including ``seaborn.set_palette``.

    Raises
    ------
    ValueError
        For an unknown name (with close matches), ``n <= 0``, or, with *strict*, a palette
        shorter than *n*.

    Warns
    -----
    ColorWarning
        When a categorical palette has fewer than *n* colours and is cycled.

    See Also
    --------
    list_palettes : the available names.
    chartkit.palettes.check_palette : the measured verdict behind each set.
    """
    if not isinstance(name, str):
        raise ValueError(invalid_value_message(name, "name", expected="a palette name"))
    key = name.removeprefix(PREFIX)
    reverse = key.endswith("_r") and key[:-2] in (*_data.PALETTES, *_data.MAPS)
    if reverse:
        key = key[:-2]
    check_in_list(list_palettes(), name=key if key in list_palettes() else name)
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
        raise ValueError(invalid_value_message(n, "n", expected="a positive integer"))
    if key in _data.PALETTES:
        colors = list(_data.PALETTES[key]["colors"])
        if reverse:
            colors.reverse()
        if n is not None:
            if n > len(colors):
                if strict:
                    raise ValueError(
                        invalid_value_message(
                            n, "n", expected=f"at most the {len(colors)} colours of palette "
                            f"{name!r}; pass strict=False to cycle it",
                        )
                    )
                warn_external(
                    f"palette {name!r} has {len(colors)} colours but n={n} were requested; "
                    "cycling it, so colours repeat.",
                    ColorWarning,
                )
            colors = [colors[i % len(colors)] for i in range(n)]
    else:
        colors = list(_data.MAPS[key]["colors"])
        if reverse:
            colors.reverse()
        if n is not None:
            import numpy as np

            idx = np.rint(np.linspace(0, len(colors) - 1, n)).astype(int)
            colors = [colors[i] for i in idx]
    if as_cmap:
        from matplotlib.colors import ListedColormap

        return ListedColormap(colors, name=f"{PREFIX}{key}{'_r' if reverse else ''}")
    return colors
