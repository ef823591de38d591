"""The ``chartkit`` command line (also ``python -m chartkit``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]


def _gallery(args: argparse.Namespace) -> int:
    from chartkit.gallery import build

    try:
        results = build(args.src, args.out, jobs=args.jobs, timeout=args.timeout)
    except (FileNotFoundError, ValueError) as err:
        print(f"chartkit gallery: error: {err}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.ok]
    if failed:
        names = ", ".join(str(r.example.path.name) for r in failed)
        print(f"chartkit gallery: {len(failed)} example(s) failed: {names}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chartkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gallery", help="build the example gallery (PNGs + index.html)")
    g.add_argument(
        "--out",
        type=Path,
        default=Path("build/gallery"),
        help="output folder (default: build/gallery)",
    )
    g.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="scripts run at once, each in its own process (default: 2)",
    )
    g.add_argument(
        "--src",
        type=Path,
        default=None,
        help="folder of gallery scripts (default: the bundled gallery)",
    )
    g.add_argument(
        "--timeout", type=float, default=300.0, help="seconds one script may take (default: 300)"
    )
    g.set_defaults(func=_gallery)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chartkit`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    return args.func(args)
