"""The README's two set-up commands are exactly what CI runs, each in a fresh environment."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", setup, flags=re.S)]


def _ci_lines() -> list[str]:
    return [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]


def test_readme_has_two_setup_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert "[gallery]" in cmds[0]
    assert "chartkit gallery" in cmds[0]
    assert "[test]" in cmds[1]
    assert "pytest" in cmds[1]


def test_ci_runs_exactly_the_readme_commands_in_order_each_fresh():
    cmds = _readme_commands()
    lines = _ci_lines()
    positions = []
    for cmd in cmds:
        assert cmd in lines, f"CI does not run the README command {cmd!r}"
        positions.append(lines.index(cmd))
    assert positions == sorted(positions), "CI runs the README commands out of order"
    # each command starts from a deleted .venv, so neither reuses the other's installs
    for pos in positions:
        assert lines[pos - 1] == "rm -rf .venv", lines[pos - 1]


def test_gallery_extra_covers_gallery_imports():
    """Every third-party module a gallery script imports is installed by the gallery extra."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = {
        re.split(r"[<>=\[; ]", req, maxsplit=1)[0].lower()
        for req in meta["dependencies"] + meta["optional-dependencies"]["gallery"]
    }
    module_to_dist = {"yaml": "pyyaml", "mpl_toolkits": "matplotlib"}
    stdlib = set(sys.stdlib_module_names) | {"chartkit"}
    missing = set()
    for script in sorted((ROOT / "gallery").rglob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in stdlib:
                    continue
                if module_to_dist.get(top, top).lower() not in installed:
                    missing.add(f"{script.relative_to(ROOT)}: {top}")
    assert not missing, sorted(missing)
