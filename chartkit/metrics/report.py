"""``chartkit plot-logs PATH``: find every log under a path and write the charts that fit it.

`chartkit.metrics.discover` finds the logs (the same discovery as `chartkit.metrics.read`
and ``chartkit logs info``); each becomes a `Unit` with the charts its content supports
(`chartkit.metrics.report_plan.plan`). Runs that differ only in world size also get a
scaling chart. Every chart is drawn in its own figure inside `chartkit.theme`, audited with
`chartkit.audit.check_figure` before it is saved (what layout can fix is fixed: a larger
figure, rotated tick labels; what remains is listed), and listed in ``index.html`` with what
the reader skipped, what was not charted and why.

Output names are unique by construction (`Namer`): readable, any script kept (Hangul too),
a short hash added when a name had to be changed, so ``train/loss`` and ``train_loss`` or
folders ``a/b`` and ``a_b`` never share a file. Nothing is written outside *out*.

Per-folder settings: a ``chartkit.toml`` in the path given or any folder below it, holding
``batch_size = 256`` and a ``[columns]`` table (``memory = "peak_allocated_mib"``), applies
to the logs in that folder and below (the nearest file wins; the CLI's ``--column`` and
``--batch-size`` win over files).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import traceback
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chartkit._validate import check_in_list, invalid_value_message
from chartkit.metrics.report_plan import MAX_CURVES, Chart, Options, plan

__all__ = ["Chart", "Namer", "Unit", "load_settings", "plot_logs", "watch_logs"]

#: Keys a ``chartkit.toml`` may hold.
SETTINGS_KEYS = ("batch_size", "columns")
SETTINGS_FILE = "chartkit.toml"


@dataclass
class Unit:
    """One log of a report: where it was found, what was read, the charts and the notes."""

    path: Path
    fmt: str
    label: str = ""
    source: Any = None
    log: Any = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settings: str = ""
    summary: str = ""


class Namer:
    """File and folder names, unique by construction, readable, in any script.

    A name keeps letters and digits of every script (Hangul included), ``.``, ``-`` and
    ``_``; anything else becomes ``_``. When that changed the text, a 6-character hash of the
    original text is appended, so two texts that slug alike (``train/loss``, ``train_loss``)
    get different names; a name already given (compared case-insensitively, as macOS and
    Windows file systems do) gets ``-2``, ``-3``...
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name(self, text: str, suffix: str = "") -> str:
        """A new unique name for *text*, ending with *suffix* (``".png"``)."""
        text = unicodedata.normalize("NFC", str(text))
        base = re.sub(r"[^\w.-]+", "_", text).strip("._-")[:80] or "log"
        if base != text:
            base += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
        candidate, k = base, 2
        while (candidate + suffix).casefold() in self.used:
            candidate, k = f"{base}-{k}", k + 1
        self.used.add((candidate + suffix).casefold())
        return candidate + suffix


def _inside(out: Path, target: Path) -> Path:
    real_out = out.resolve()
    real = target.resolve()
    if real != real_out and real_out not in real.parents:
        inside = f"a path inside the output folder {str(out)!r} (nothing is written outside it)"
        raise ValueError(invalid_value_message(str(target), "output path", expected=inside))
    return target


# --------------------------------------------------------------------------- settings


def load_settings(file: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one ``chartkit.toml``: ``batch_size`` (a positive number) and ``[columns]``.

    Raises
    ------
    ValueError
        Bad TOML, an unknown key or a bad value, naming the file and the key.
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        from chartkit._optional import import_optional

        tomllib = import_optional("tomli", "reading chartkit.toml", "test")
    path = Path(file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(
            invalid_value_message(str(path), "chartkit.toml", expected=f"valid TOML ({err})")
        ) from None
    unknown = sorted(set(data) - set(SETTINGS_KEYS))
    if unknown:
        raise ValueError(
            invalid_value_message(unknown[0], f"a key of {str(path)!r}", SETTINGS_KEYS)
        )
    out: dict[str, Any] = {}
    if "batch_size" in data:
        out["batch_size"] = check_batch_size(
            data["batch_size"], name=f"batch_size in {str(path)!r}"
        )
    if "columns" in data:
        cols = data["columns"]
        if not isinstance(cols, Mapping) or not all(isinstance(v, str) for v in cols.values()):
            table = (
                'a table of role = "column name" (e.g. [columns] memory = "peak_allocated_mib")'
            )
            raise ValueError(
                invalid_value_message(cols, f"columns in {str(path)!r}", expected=table)
            )
        out["columns"] = check_columns(cols, name=f"columns in {str(path)!r}")
    return out


def check_columns(columns: Mapping[str, str] | None, name: str = "columns") -> dict[str, str]:
    """Column roles checked by `chartkit.metrics.roles` when it is there (aliases resolved)."""
    try:
        from chartkit.metrics.roles import check_columns as check
    except ImportError:  # pragma: no cover - the role resolver not installed
        return dict(columns or {})
    try:
        return check(columns)
    except ValueError as err:
        raise ValueError(
            invalid_value_message(dict(columns or {}), name, expected=str(err).rstrip("."))
        ) from None


def check_batch_size(value: Any, name: str = "batch_size") -> float:
    """*value* as a positive finite number, else ValueError naming it (as *name*)."""
    from chartkit._validate import check_positive

    check_positive(allow_none=False, **{name: value})
    return value


def _settings_for(
    source_path: Path, root: Path, cache: dict[Path, dict]
) -> tuple[dict, list[Path]]:
    """Merged settings of the ``chartkit.toml`` files from *root* down to the source."""
    folder = source_path if source_path.is_dir() else source_path.parent
    chain = [folder, *folder.parents]
    top = root if root.is_dir() else root.parent
    folders = []
    for d in chain:
        folders.append(d)
        if d == top:
            break
    else:
        folders = [folder]
    merged: dict[str, Any] = {}
    used = []
    for d in reversed(folders):  # root first, nearest last (wins)
        f = d / SETTINGS_FILE
        if d not in cache:
            cache[d] = load_settings(f) if f.is_file() else {}
        if cache[d]:
            used.append(f)
            conf = cache[d]
            if "columns" in conf:
                merged["columns"] = {**merged.get("columns", {}), **conf["columns"]}
            if "batch_size" in conf:
                merged["batch_size"] = conf["batch_size"]
    return merged, used


# --------------------------------------------------------------------------- drawing


def _one_line(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_error(err: BaseException) -> str:
    return _one_line(traceback.format_exception_only(type(err), err)[-1])


def _finding_line(f: Any) -> str:
    where = f" ({f.where})" if getattr(f, "where", "") else ""
    return _one_line(f"{f.kind}{where}: {f.message}")


def _fix_layout(fig, findings: list[Any], attempt: int) -> str | None:
    """Apply one layout fix for *findings*; return what was done, or None."""
    text = " ".join(f.message for f in findings)
    if attempt == 0 and "tick label" in text:
        for ax in fig.axes:
            for lab in ax.get_xticklabels():
                lab.set_rotation(30)
                lab.set_horizontalalignment("right")
        return "x tick labels rotated 30°"
    if attempt <= 1 and any(f.kind == "text-overlap" for f in findings):
        w, h = fig.get_size_inches()
        fig.set_size_inches(w * 1.3, h * 1.3)
        return f"figure enlarged to {w * 1.3:.1f} x {h * 1.3:.1f} in"
    return None


def _audit_and_fix(fig, chart: Chart) -> None:
    from chartkit.audit import check_figure

    report = check_figure(fig)
    for attempt in range(3):
        if report.ok:
            break
        done = _fix_layout(fig, report.findings, attempt)
        if done is None:
            break
        chart.fixes.append(done)
        report = check_figure(fig)
    chart.findings = [_finding_line(f) for f in report.findings]


def _draw(chart: Chart, target: Path, out: Path, title: str | None, audit: bool) -> None:
    import matplotlib.pyplot as plt

    import chartkit
    from chartkit._i18n import join_title
    from chartkit.annotate import titles as title_stack
    from chartkit.annotate._markup import escape_data

    try:
        with chartkit.theme(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # readers already reported; notes are drawn
            if chart.figure_level:
                import numpy as np

                fig = np.asarray(chart.draw(None)).flat[0].figure
                holder = fig
            else:
                fig, holder = plt.subplots(figsize=(7.5, 4.2))
            try:
                if not chart.figure_level:
                    chart.draw(holder)
                prefix = escape_data(title, markup=True) if title else None
                title_stack(holder, title=join_title(prefix, chart.title))
                if audit:
                    _audit_and_fix(fig, chart)
                fig.savefig(_inside(out, target))
                chart.file = target.relative_to(out).as_posix()
            finally:
                plt.close(fig)
    except Exception as err:  # one chart's failure is reported, the others still drawn
        chart.ok, chart.error = False, _fmt_error(err)


# --------------------------------------------------------------------------- the report


def _read_unit(unit: Unit, encoding: str | None, study: str | None = None) -> None:
    from chartkit.metrics import READ_ERRORS, _accepts, read_source

    kw = {}
    if encoding is not None and "encoding" in _accepts(unit.fmt):
        kw["encoding"] = encoding
    if study is not None and "study" in _accepts(unit.fmt):
        kw["study"] = study
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            unit.log = read_source(unit.source, **kw)
        except READ_ERRORS as err:  # a bad log is reported, the others still drawn
            unit.error = _fmt_error(err)
    unit.warnings = [str(w.message) for w in caught]
    if unit.log is not None:
        unit.summary = unit.log.info.summary()


def _options_for(unit: Unit, base: Options, root: Path, cache: dict) -> Options:
    conf, used = _settings_for(unit.source.path, root, cache)
    opts = Options(
        lang=base.lang,
        columns={**conf.get("columns", {}), **base.columns},
        batch_size=base.batch_size if base.batch_size is not None else conf.get("batch_size"),
        metrics=list(base.metrics),
        max_curves=base.max_curves,
    )
    described = opts.describe()
    if described:
        origin = ", ".join(str(f) for f in used) if used else "command line"
        unit.settings = f"{described} ({origin})"
    return opts


def _scaling_unit(units: list[Unit], options: Options) -> Unit | None:
    """A scaling chart for runs of different world sizes, when a batch size is known."""
    from chartkit._i18n import tr
    from chartkit.metrics.report_plan import _title, call_plot

    ddp = [
        u
        for u in units
        if u.log is not None
        and u.log.info.source in ("jsonl", "csv", "tensorboard")
        and u.log.metrics["rank"].dropna().nunique() >= 1
        and "samples_per_sec" in u.log.metric_names
    ]
    sizes = {int(u.log.metrics["rank"].dropna().nunique()) for u in ddp}
    if len(ddp) < 2 or len(sizes) != len(ddp):
        return None
    from chartkit.metrics import plots

    logs = [u.log for u in ddp]
    unit = Unit(Path("scaling"), "scaling", label="scaling", log=True)
    known = options.batch_size is not None or all("batch_size" in g.metric_names for g in logs)
    if not known:
        unit.notes.append(tr("report.note.no_scaling", options.lang, n=len(logs)))
        return unit

    def draw(ax):
        return call_plot(plots.plot_scaling, logs, options=options, ax=ax)

    unit.charts = [Chart("scaling", _title("report.title.scaling", options.lang), draw)]
    return unit


def plot_logs(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] = "build/plot-logs",
    *,
    fmt: str = "png",
    lang: str = "en",
    title: str | None = None,
    columns: Mapping[str, str] | None = None,
    batch_size: float | None = None,
    metrics: list[str] | None = None,
    max_curves: int = MAX_CURVES,
    encoding: str | None = None,
    study: str | None = None,
    audit: bool = True,
    stream: TextIO | None = None,
) -> list[Unit]:
    """Read every log under *path* and write its charts and an ``index.html`` into *out*.

    Parameters
    ----------
    path : path-like
        A log file or folder (see `chartkit.metrics.discover`).
    out : path-like, default: "build/plot-logs"
        Output folder; nothing is written outside it.
    fmt : {"png", "pdf", "svg"}, default: "png"
    lang : {"en", "ko"}, default: "en"
        Language of every word of the charts and the page.
    title : str, optional
        Prefix of every chart title (e.g. the experiment's name, in any language).
    columns : mapping of str to str, optional
        Column roles (``{"memory": "peak_allocated_mib"}``) passed to the plots; they win
        over ``chartkit.toml`` files.
    batch_size : float, optional
        Samples per step and rank, for throughput derived from wall time.
    metrics : list of str, optional
        The metrics to chart as curves (default: up to *max_curves*, loss first).
    max_curves : int, default: 4
        Curves per log when *metrics* is not given; the report names the others.
    encoding : str, optional
        Text encoding of the logs (for readers that take one).
    study : str, optional
        The study to chart from an Optuna storage holding several (their names are listed
        when it is missing); other logs ignore it.
    audit : bool, default: True
        Audit every chart before saving (`chartkit.audit.check_figure`).
    stream : file, optional
        Progress lines and the summary (stdout by default).

    Returns
    -------
    list of Unit
        With each unit's charts, their files, audit findings, notes and errors.

    Raises
    ------
    FileNotFoundError
        *path* does not exist.
    ValueError
        No log under *path* (what was looked for and skipped is named), a bad option or a
        bad ``chartkit.toml``.
    """
    from chartkit._i18n import check_lang
    from chartkit.metrics import _nothing_found, check_encoding, discover
    from chartkit.metrics.report_html import write_index

    check_in_list(["png", "pdf", "svg"], fmt=fmt)
    check_lang(lang)
    if encoding is not None:
        check_encoding(encoding)
    if batch_size is not None:
        check_batch_size(batch_size)
    stream = sys.stdout if stream is None else stream
    base = Options(lang, check_columns(columns), batch_size, list(metrics or []), max_curves)
    sources = discover(path)
    root = sources.root
    out = Path(out)
    skipped = [s for s in sources.skipped if not _under(s.path, out)]
    if not sources:
        raise ValueError(_nothing_found(sources))
    out.mkdir(parents=True, exist_ok=True)
    folders, cache = Namer(), {}
    units = []
    labels = [_label(s.path, root) for s in sources]
    for source in sources:
        label = _label(source.path, root)
        unit = Unit(source.path, source.kind, label=label, source=source)
        units.append(unit)
        _read_unit(unit, encoding, study)
        if unit.log is None:
            print(f"skip {label}: {unit.error}", file=stream, flush=True)
            continue
        opts = _options_for(unit, base, root, cache)
        unit.charts, unit.notes = plan(unit.log, opts)
        # a folder holding logs of two kinds (a run's JSONL and its traces): name both
        text = f"{label}_{source.kind}" if labels.count(label) > 1 else label
        folder = _inside(out, out / folders.name(text))
        folder.mkdir(parents=True, exist_ok=True)
        names = Namer()
        for chart in unit.charts:
            _draw_one(chart, folder / names.name(chart.name, f".{fmt}"), out, title, audit, stream)
    scaling = _scaling_unit(units, base)
    if scaling is not None:
        for chart in scaling.charts:
            folder = _inside(out, out / folders.name("scaling"))
            folder.mkdir(exist_ok=True)
            _draw_one(chart, folder / f"scaling.{fmt}", out, title, audit, stream)
        units.append(scaling)
    index = write_index(out, units, root, fmt, lang, skipped)
    _print_summary(units, skipped, index, stream)
    return units


def _under(p: Path, out: Path) -> bool:
    try:
        return out.resolve() in p.resolve().parents
    except OSError:
        return False


def _label(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return path.name
    return rel.as_posix() if str(rel) != "." else (path.resolve().name or "log")


def _draw_one(chart, target, out, title, audit, stream) -> None:
    start = time.perf_counter()
    _draw(chart, target, out, title, audit)
    state = "ok  " if chart.ok else "FAIL"
    extra = f": {chart.error}" if not chart.ok else ""
    if chart.ok and chart.findings:
        extra = f" ({len(chart.findings)} audit finding(s))"
    rel = target.relative_to(out).as_posix()
    print(f"{state} {rel} ({time.perf_counter() - start:.1f} s){extra}", file=stream, flush=True)


def _print_summary(units: list[Unit], skipped: list, index: Path, stream: TextIO) -> None:
    charts = [c for u in units for c in u.charts]
    failed = [c for c in charts if not c.ok]
    unread = [u for u in units if u.log is None]
    logs = len([u for u in units if u.fmt != "scaling"])
    print(
        f"\n{len(charts) - len(failed)} of {len(charts)} charts written for "
        f"{logs - len(unread)} log(s); {len(unread)} log(s) not readable; "
        f"{len(skipped)} file(s) skipped; index: {index}",
        file=stream,
    )
    for u in units:
        if u.log is None:
            print(f"  {u.label}: not read: {u.error}", file=stream)
            continue
        if u.log is not True:
            for e in u.log.info.entries:
                print(f"  {u.label}: {_one_line(e.message())}", file=stream)
        for note in u.notes:
            print(f"  {u.label}: {_one_line(note)}", file=stream)
        for c in u.charts:
            for f in c.findings:
                print(f"  {c.file or c.name}: audit: {f}", file=stream)


# --------------------------------------------------------------------------- watch


def _snapshot(path: Path) -> dict[str, tuple[int, int]]:
    from chartkit.metrics import discover

    snap: dict[str, tuple[int, int]] = {}
    try:
        sources = discover(path)
    except OSError:
        return snap
    for s in sources:
        for f in s.files:
            try:
                st = os.stat(f)
            except OSError:
                continue
            snap[str(f)] = (st.st_size, st.st_mtime_ns)
    return snap


def watch_logs(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] = "build/plot-logs",
    *,
    interval: float = 2.0,
    loops: int | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    stream: TextIO | None = None,
    **kwargs: Any,
) -> list[Unit]:
    """Write the report, then re-write it whenever a log under *path* grows or appears.

    Files are polled (size and modification time) every *interval* seconds; Ctrl-C stops
    the watch cleanly. *loops* bounds the number of polls (None: until interrupted). A path
    with no log yet is watched until one appears.
    *kwargs* go to `plot_logs`.

    Returns
    -------
    list of Unit
        The last report's units.
    """
    from chartkit.metrics import discover

    stream = sys.stdout if stream is None else stream
    units: list[Unit] = []
    snap = _snapshot(Path(path))
    try:
        if snap or discover(path):
            units = plot_logs(path, out, stream=stream, **kwargs)
        else:  # a run that has not written its first log yet
            print(f"no log under {str(path)!r} yet; waiting (Ctrl-C stops)", file=stream)
        n = 0
        while loops is None or n < loops:
            sleep(interval)
            n += 1
            new = _snapshot(Path(path))
            if new == snap:
                continue
            changed = sum(1 for k in set(new) | set(snap) if new.get(k) != snap.get(k))
            snap = new
            print(f"\n{changed} file(s) changed; writing the report again", file=stream)
            units = plot_logs(path, out, stream=stream, **kwargs)
    except KeyboardInterrupt:
        print("\nwatch stopped", file=stream)
    return units
