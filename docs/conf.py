"""Sphinx configuration of chartkit's documentation site.

Built the way the matplotlib ecosystem builds its own: sphinx-gallery over the ``gallery/``
scripts (every example is executed, so its images are the ones the code draws today),
numpydoc for the docstrings, an API reference generated from each public package's
``__all__`` (so a new public name is documented without editing a page).

``sphinx-build -W -b html docs build/docs`` (CI runs it; warnings are errors).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "agg")

import chartkit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = ROOT / "build"

project = "chartkit"
author = "chartkit developers"
copyright = "2026, chartkit developers"
release = version = chartkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
html_theme = "pydata_sphinx_theme"
html_title = "chartkit"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/**/*.ipynb"]
templates_path: list[str] = []
default_role = "py:obj"
nitpicky = False
suppress_warnings = ["config.cache"]

autosummary_generate = True
autodoc_default_options = {"members": False}
# Classes built on matplotlib artists would inherit matplotlib's own docstrings, which use
# roles only matplotlib's docs define.
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping: dict = {}  # offline builds: no inventories are fetched

# ---------------------------------------------------------------- API pages from __all__
PACKAGES = {
    "chartkit": "Themes and fonts",
    "chartkit.palettes": "Palettes and colour-vision checks",
    "chartkit.annotate": "Text layers",
    "chartkit.facets": "Facet grids",
    "chartkit.metrics": "Training logs",
    "chartkit.metrics.plots": "Training and tuning plots",
    "chartkit.audit": "Figure audit",
    "chartkit.testing": "pytest helpers",
    "chartkit.errors": "Warnings and errors",
}


def public_names(module_name: str) -> list[str]:
    """Documented names of a package: its ``__all__`` minus subpackages and constants."""
    module = importlib.import_module(module_name)
    names = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if isinstance(obj, type(importlib)) or name.startswith("_") or name.isupper():
            continue
        names.append(name)
    return sorted(names)


def _write_api_pages() -> None:
    api = HERE / "api"
    api.mkdir(exist_ok=True)
    index = [
        "API reference",
        "=============",
        "",
        "Generated from each package's ``__all__`` and the numpydoc docstrings.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    for mod, title in PACKAGES.items():
        slug = mod.replace(".", "_")
        index.append(f"   {slug}")
        lines = [
            f"``{mod}``: {title}",
            "=" * (len(mod) + len(title) + 6),
            "",
            f".. automodule:: {mod}",
            "   :no-members:",
            "",
            f".. currentmodule:: {mod}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "",
        ]
        lines += [f"   {name}" for name in public_names(mod)]
        page = api / f"{slug}.rst"
        text = "\n".join(lines) + "\n"
        if not page.exists() or page.read_text() != text:
            page.write_text(text)
    (api / "index.rst").write_text("\n".join(index) + "\n")


_write_api_pages()

# ---------------------------------------------------------------- the gallery
# sphinx-gallery wants a header file in the gallery folder and in each topic folder;
# chartkit's gallery/ holds only scripts, so a staging copy gets generated headers.
GALLERY_SRC = BUILD / "docs-gallery-src"


def _stage_gallery() -> None:
    if GALLERY_SRC.exists():
        shutil.rmtree(GALLERY_SRC)
    shutil.copytree(
        ROOT / "gallery", GALLERY_SRC, ignore=shutil.ignore_patterns("__pycache__")
    )
    (GALLERY_SRC / "GALLERY_HEADER.rst").write_text(
        "Gallery\n=======\n\nEvery example runs on bundled or synthetic data. "
        "``chartkit gallery`` builds the same scripts in parallel and audits each figure.\n"
    )
    for topic in sorted(p for p in GALLERY_SRC.iterdir() if p.is_dir()):
        title = topic.name.replace("_", " ").capitalize()
        (topic / "GALLERY_HEADER.rst").write_text(f"{title}\n{'-' * len(title)}\n")


_stage_gallery()

sphinx_gallery_conf = {
    "examples_dirs": str(GALLERY_SRC),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "plot_gallery": "True",
}
