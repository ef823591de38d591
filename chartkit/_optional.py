"""Lazy import of optional dependencies, with an install hint naming the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional"]


def import_optional(name: str, purpose: str, extra: str) -> ModuleType:
    """Import *name* or raise an `ImportError` that says how to install it.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"tsdownsample"``.
    purpose : str
        What chartkit needs it for, completing "... needs the optional dependency".
    extra : str
        The chartkit extra that installs it.

    Returns
    -------
    module

    Raises
    ------
    ImportError
        ``reading TensorBoard event files needs the optional dependency 'tensorboard';
        install it with: pip install "chartkit[tensorboard]"``.
    """
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(
            f"{purpose} needs the optional dependency {name!r}; "
            f'install it with: pip install "chartkit[{extra}]"'
        ) from err
