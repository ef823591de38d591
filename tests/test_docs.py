"""The documentation site's inputs: every public name has a numpydoc docstring."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _packages() -> dict[str, str]:
    """``PACKAGES`` of docs/conf.py, read without executing it (it stages the gallery)."""
    text = (ROOT / "docs" / "conf.py").read_text()
    start = text.index("PACKAGES = {") + len("PACKAGES = ")
    return ast.literal_eval(text[start : text.index("}", start) + 1])


PACKAGES = _packages()


@pytest.mark.parametrize("module_name", sorted(PACKAGES))
def test_every_public_name_has_a_docstring(module_name):
    module = importlib.import_module(module_name)
    assert (module.__doc__ or "").strip(), f"{module_name} has no module docstring"
    missing = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or name.isupper() or name.startswith("_"):
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if not (inspect.getdoc(obj) or "").strip():
            missing.append(name)
    assert not missing, f"{module_name}: no docstring for {missing}"


def test_the_api_reference_lists_every_public_package():
    for pkg in ("chartkit.palettes", "chartkit.annotate", "chartkit.facets", "chartkit.metrics"):
        assert pkg in PACKAGES
