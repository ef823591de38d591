"""The ``chartkit`` command line (also ``python -m chartkit``); help texts are plain text."""

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


def _palette_check(args: argparse.Namespace) -> int:
    """``chartkit palette check NAME|#hex,#hex,...``: print the report; exit 1 on "fail"."""
    import matplotlib as mpl

    from chartkit.palettes import _data, check_cmap, check_palette

    target = args.palette
    key = target.removeprefix("chartkit.")
    is_cmap = key not in _data.PALETTES and "," not in target and target in mpl.colormaps
    try:
        if is_cmap:
            report = check_cmap(target)
        else:
            colors = target.split(",") if "," in target else target
            report = check_palette(
                colors, severities=args.severity, model=args.model, strict=args.strict
            )
    except ValueError as err:
        print(f"chartkit palette check: error: {err}", file=sys.stderr)
        return 2
    print(report)
    if args.figure is not None:
        mpl.use("agg")
        import matplotlib.pyplot as plt

        from chartkit.palettes import plot_palette

        with mpl.rc_context({"figure.constrained_layout.use": True}):
            fig, ax = plt.subplots(figsize=(8, 4))
            plot_palette(
                target if is_cmap else report.colors,
                severity=args.severity[-1],
                model=args.model,
                ax=ax,
            )
            fig.savefig(args.figure, dpi=120)
        plt.close(fig)
        print(f"figure written to {args.figure}")
    return 1 if report.verdict == "fail" else 0


def _add_palette_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "palette",
        help="palette tools (colour-vision checks)",
        description="Palette tools. Run 'chartkit palette check --help' for the check.",
        epilog="example:\n  chartkit palette check okabe_ito",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    psub = p.add_subparsers(dest="palette_command", required=True)
    c = psub.add_parser(
        "check",
        help="check a palette or colormap under colour-vision deficiency",
        description="Print the pass/warn/fail report of a chartkit palette name, a colormap "
        "name, or comma-separated colours (#0072b2,#e69f00,...). Exit status 1 on 'fail'.",
        epilog="examples:\n  chartkit palette check okabe_ito\n"
        "  chartkit palette check '#d62728,#2ca02c' --severity 50 100 --figure check.png\n"
        "  chartkit palette check viridis",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("palette", help="palette or colormap name, or #hex,#hex,...")
    c.add_argument(
        "--severity",
        type=float,
        nargs="+",
        default=[100.0],
        help="CVD severities 0-100 (default: 100)",
    )
    c.add_argument("--model", choices=["machado", "brettel"], default="machado")
    c.add_argument("--strict", action="store_true", help="Petroff's 20/18/16 thresholds")
    c.add_argument("--figure", type=Path, default=None, help="also write the diagnostic figure")
    c.set_defaults(func=_palette_check)


def _logs(args: argparse.Namespace) -> int:
    from chartkit.metrics import info_main

    return info_main(args)


def _add_logs(sub: argparse._SubParsersAction) -> None:
    from chartkit.metrics import add_read_arguments

    logs = sub.add_parser(
        "logs",
        help="training logs: read them and report what was skipped",
        description="Training-log tools. Run 'chartkit logs info --help' for the summary.",
        epilog="example:\n  chartkit logs info runs/ddp/world4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    logs_sub = logs.add_subparsers(dest="logs_command", required=True)
    info = logs_sub.add_parser(
        "info",
        help="print every log found under PATH, what was read and what was skipped",
        description="Find every training log under each PATH (by content as well as name, "
        "in folders recursively), read it and print what was read, what was skipped, "
        "deduplicated or cut, and every file that was not taken with the reason. Exit "
        "status 2 when a path or a log in it cannot be read (one line each; --debug for "
        "the traceback).",
        epilog="example:\n  chartkit logs info runs/h100_session --encoding cp949",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_read_arguments(info)
    info.set_defaults(func=_logs)
    convert = logs_sub.add_parser(
        "convert",
        help="write one log as a Parquet cache (partitioned by run, rank and metric)",
        description="Read the log at PATH and write its canonical frame, params and "
        "read report to DIR as Parquet (Hive partitions run=/rank=/metric=), with the "
        "source files' sizes and times. chartkit.metrics.read(PATH, cache=DIR) then reads "
        "from DIR while it is fresh and rebuilds it when a source file changed. Exit status "
        "2 when PATH cannot be read or holds several logs.",
        epilog="example:\n  chartkit logs convert runs/ddp/world4 --out cache/world4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    convert.add_argument(
        "path", type=path_or_url, help="a log file or folder holding one log, or a URL"
    )
    convert.add_argument("--out", type=Path, required=True, help="the cache folder to write")
    convert.set_defaults(func=_logs_convert)


def path_or_url(text: str) -> Path | str:
    """argparse ``type=``: see `chartkit.metrics.remote.path_or_url`."""
    from chartkit.metrics.remote import path_or_url as convert

    return convert(text)


def _logs_convert(args: argparse.Namespace) -> int:
    import warnings

    from chartkit._validate import invalid_value_message
    from chartkit.errors import DataWarning
    from chartkit.metrics import READ_ERRORS, RunLog, read
    from chartkit.metrics.cache import write_cache

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # the summary below says it all
            log = read(args.path)
        if not isinstance(log, RunLog):
            n = len(log) if isinstance(log, list) else 1
            raise ValueError(
                invalid_value_message(
                    str(args.path), "path",
                    expected=f"a path holding one log, not {n} (or a profiler trace): "
                    "convert each log's own path",
                )
            )
        out = write_cache(log, args.out, args.path)
    except READ_ERRORS as err:
        if getattr(args, "debug", False):
            raise
        print(f"chartkit logs convert: error: {err}", file=sys.stderr)
        return 2
    print(f"{len(log.metrics):,} points of {args.path} written to {out} (Parquet)")
    print(log.info.summary())
    return 0


def _columns(pairs: list[str]) -> dict[str, str]:
    """``--column ROLE=COLUMN`` options as a ``columns=`` dict (roles checked when known)."""
    try:
        from chartkit.metrics.roles import parse_column_options
    except ImportError:  # pragma: no cover - the role resolver not installed
        parse_column_options = None
    if parse_column_options is not None:
        return parse_column_options(pairs)
    out = {}
    for pair in pairs:
        role, sep, column = pair.partition("=")
        if not sep or not role.strip() or not column.strip():
            from chartkit._validate import invalid_value_message

            raise ValueError(
                invalid_value_message(
                    pair, "--column", expected="ROLE=COLUMN, e.g. memory=peak_allocated_mib"
                )
            )
        out[role.strip()] = column.strip()
    return out


def _plot_logs(args: argparse.Namespace) -> int:
    from chartkit.metrics.report import plot_logs, watch_logs

    kwargs = dict(
        fmt=args.format,
        lang=args.lang,
        title=args.title,
        columns=_columns(args.column),
        batch_size=args.batch_size,
        metrics=args.metric,
        max_curves=args.max_curves,
        encoding=args.encoding,
        study=args.study,
        audit=not args.no_audit,
    )
    if args.watch:
        units = watch_logs(args.path, args.out, interval=args.interval, **kwargs)
    else:
        units = plot_logs(args.path, args.out, **kwargs)
    failed = [c.name for u in units for c in u.charts if not c.ok]
    unread = [str(u.path) for u in units if u.log is None]
    if failed or unread:
        print(
            f"chartkit plot-logs: {len(failed)} chart(s) failed, {len(unread)} log(s) unreadable",
            file=sys.stderr,
        )
        return 1
    return 0


_PLOT_LOGS_EPILOG = """\
examples:
  chartkit plot-logs runs/h100_session --out build/h100
  chartkit plot-logs ~/ray_results/tune_asha --lang ko --title "실험 A:"
  chartkit plot-logs probe.csv --column memory=peak_allocated_mib --batch-size 256
  chartkit plot-logs runs/ddp --metric loss --metric val_acc --watch
  chartkit plot-logs study.db --study tiny_mlp

per-folder settings: a chartkit.toml in the folder given or below it, for example
  batch_size = 256
  [columns]
  memory = "peak_allocated_mib"
applies to the logs in that folder and below; --column and --batch-size win over it.

exit status: 0 when every chart was written, 1 when a chart failed or a log could not be
read (the others are still written), 2 on a bad path or option.
"""


def _add_plot_logs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot-logs",
        help="find every training/tuning log under PATH and write the charts that fit it",
        description="Find every training or tuning log under PATH (Ray Tune, TensorBoard, "
        "Lightning, JSONL/CSV per rank, nvidia-smi, batch-size probes; recognised by content "
        "and name, in folders recursively), write the charts that fit each one into OUT with "
        "an index.html, audit every chart (layout fixed where it can be, findings listed), "
        "and list every metric not charted, every limit applied and every file skipped.",
        epilog=_PLOT_LOGS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        type=path_or_url,
        help="a log file or folder (any supported format), or an fsspec URL (s3://, gs://, "
        'http(s)://; pip install "chartkit[remote]")',
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("build/plot-logs"),
        help="output folder; nothing is written outside it (default: build/plot-logs)",
    )
    p.add_argument(
        "--format",
        choices=["png", "pdf", "svg"],
        default="png",
        help="image format (default: png)",
    )
    p.add_argument(
        "--lang",
        choices=["en", "ko"],
        default="en",
        help="language of every word of the charts and of index.html (default: en)",
    )
    p.add_argument("--title", default=None, help="prefix of every chart title (any language)")
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="take COLUMN for ROLE in the charts (repeatable), e.g. memory=peak_allocated_mib",
    )
    p.add_argument(
        "--batch-size",
        type=float,
        default=None,
        metavar="N",
        help="samples per step and rank, for throughput derived from wall time",
    )
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME",
        help="chart this metric as a curve (repeatable; default: up to --max-curves, loss first)",
    )
    p.add_argument(
        "--max-curves",
        type=int,
        default=4,
        metavar="N",
        help="curves per log when no --metric is given; the others are listed (default: 4)",
    )
    p.add_argument(
        "--encoding", default=None, help="text encoding of the logs (default: utf-8), e.g. cp949"
    )
    p.add_argument(
        "--study",
        default=None,
        metavar="NAME",
        help="the study to chart from an Optuna storage holding several (their names are "
        "listed when it is missing)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="keep running and write the report again when a log grows (Ctrl-C stops)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds between checks with --watch (default: 2)",
    )
    p.add_argument(
        "--no-audit", action="store_true", help="do not audit the charts before saving them"
    )
    p.set_defaults(func=_plot_logs)


def _audit(args: argparse.Namespace) -> int:
    """``chartkit audit chart.png [--json] [--preview out.png]``: exit 1 on findings."""
    import json

    from chartkit.audit.image import audit_image

    try:
        report = audit_image(args.image, severity=args.severity, preview=args.preview)
    except (FileNotFoundError, ValueError) as err:
        print(f"chartkit audit: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report)
    return 0 if report.ok else 1


def _add_audit_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "audit",
        help="audit a rendered chart (PNG) for colours that collapse under colour blindness",
        description="Find the mark colours of a rendered chart made by any tool, simulate "
        "deuteranomaly, protanomaly and tritanomaly on them and report the pairs that "
        "collapse. Exit status 1 when anything is found, 2 on a bad input.",
        epilog="examples:\n  chartkit audit chart.png\n"
        "  chartkit audit chart.png --json --preview preview.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument("image", type=Path, help="the chart image (PNG or any image Pillow reads)")
    a.add_argument("--json", action="store_true", help="print the report as JSON")
    a.add_argument(
        "--preview",
        type=Path,
        default=None,
        help="write a side-by-side preview (normal / deutan / protan / tritan / grayscale)",
    )
    a.add_argument(
        "--severity", type=float, default=100.0, help="CVD severity 0-100 (default: 100)"
    )
    a.set_defaults(func=_audit)


_DESCRIPTION = """\
chartkit: charts for deep-learning runs (training logs, palettes with colour-vision checks,
Korean text, figure audits). Run "chartkit COMMAND --help" for a command's options."""

_EPILOG = """\
examples:
  chartkit plot-logs runs/h100_session --out build/h100
  chartkit logs info runs/ddp/world4
  chartkit palette check okabe_ito
  chartkit audit chart.png --preview preview.png
  chartkit gallery --out build/gallery
"""

_GALLERY_EPILOG = """\
example:
  chartkit gallery --out build/gallery --jobs 2
"""


def _parser() -> argparse.ArgumentParser:
    from chartkit import __version__

    parser = argparse.ArgumentParser(
        prog="chartkit",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chartkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser(
        "gallery",
        help="build the example gallery (PNGs + index.html)",
        description="Run every gallery script in its own process, audit its figures and "
        "write the PNGs and an index.html.",
        epilog=_GALLERY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    _add_logs(sub)
    _add_plot_logs(sub)
    _add_palette_parser(sub)
    _add_audit_parser(sub)
    return parser


#: Errors reported in one line (exit status 2): chartkit's own errors subclass these.
_ERRORS = (ValueError, KeyError, TypeError, OSError, ImportError, RecursionError, UnicodeError)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chartkit`` command; returns the exit code.

    A chartkit error (a bad path, a bad option, a malformed log) is printed in one line as
    ``chartkit COMMAND: error: ...`` with exit status 2; ``--debug`` (before or after the
    command) prints the traceback as well.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv = [a for a in argv if a != "--debug"] + []
        argv.insert(0, "--debug")
    args = _parser().parse_args(argv)
    args.debug = debug
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"chartkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except _ERRORS as err:
        from chartkit.metrics import one_line

        print(f"chartkit {args.command}: error: {one_line(err)}", file=sys.stderr)
        if debug:
            import traceback

            traceback.print_exc()
        return 2
