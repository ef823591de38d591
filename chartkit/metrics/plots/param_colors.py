"""Colours of one config key's values for the tuning plots: a (log) norm on a map, or a cycle."""

from __future__ import annotations

import numpy as np

__all__ = ["ParamColors", "continuous_cmap"]


def continuous_cmap():
    """chartkit's sequential map for a continuous parameter (viridis when none is registered).

    The lightest quarter of ``chartkit.blues`` is cut off, so every line stays visible on
    a white background.
    """
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    name = "chartkit.blues"
    if name not in mpl.colormaps:
        return mpl.colormaps["viridis"]
    base = mpl.colormaps[name]
    return ListedColormap(base(np.linspace(0.3, 1.0, 192)), name=f"{name}_lines")


class ParamColors:
    """Colours of one config key's values: a (log) norm on a map, or the colour cycle."""

    def __init__(self, frame, name, kind, cmap, cycle) -> None:
        import matplotlib as mpl
        from matplotlib.colors import LogNorm, Normalize

        self.kind, self.cycle = kind, cycle
        self.norm = None
        self.cmap = None
        self.cats: list = []
        self._value_color: dict[float, tuple] = {}
        if kind in ("log", "linear"):
            vals = frame[name].astype(float).to_numpy()
            vals = vals[np.isfinite(vals)]
            lo, hi = (vals.min(), vals.max()) if vals.size else (0.0, 1.0)
            if lo == hi:
                lo, hi = (lo / 2, lo * 2) if kind == "log" else (lo - 0.5, hi + 0.5)
            self.norm = LogNorm(lo, hi) if kind == "log" else Normalize(lo, hi)
            self.cmap = continuous_cmap() if cmap is None else mpl.colormaps[cmap]
            # one colormap call for every value (a call per line costs ~ms each)
            uniq = np.unique(vals)
            rgba = self.cmap(self.norm(uniq)) if uniq.size else []
            self._value_color = {float(v): tuple(c) for v, c in zip(uniq, rgba, strict=True)}
        elif kind == "categorical":
            src = frame[name]
            self.cats = sorted(src.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))

    def color_of(self, value, k: int = 0):
        """Colour of *value* (the *k*-th cycle colour when nothing colours by a key)."""
        if self.kind is None:
            return self.cycle[k % len(self.cycle)]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "0.6"
        if self.norm is not None:
            v = float(value)
            return self._value_color.get(v) or self.cmap(self.norm(v))
        return self.cycle[self.cats.index(value) % len(self.cycle)]
