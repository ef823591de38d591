"""Shared test set-up.

Image tests use pytest-mpl with ``--mpl`` in addopts (see pyproject.toml), the ``default``
style, fixed figsize/dpi and seeded data; ``Glyph ... missing from font`` warnings are errors
(filterwarnings in pyproject.toml), so tofu can never become a baseline. Themed image tests
pass ``style=chartkit.rc_params(name, korean_font="bundled")`` so the same fonts are used on
every machine, whatever Korean fonts it has installed.
"""

from __future__ import annotations

import os

import matplotlib

os.environ.setdefault("MPLBACKEND", "agg")
matplotlib.use("agg")

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
