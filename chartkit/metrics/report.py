"""``chartkit plot-logs PATH``: read any supported log and write the charts that fit it.

A path may hold several logs (a folder of DDP runs, a GPU session with an nvidia-smi CSV, a
probe CSV and a step log): `discover` splits it into units, each read by the reader
`chartkit.metrics.detect_format` picks, and each unit gets the charts its content supports.
Runs that differ only in world size also get a scaling chart. Every chart is drawn in its
own figure inside `chartkit.theme`, saved, and listed in ``index.html`` with what the reader
skipped.
"""

from __future__ import annotations

import html
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chartkit._validate import check_in_list

__all__ = ["Chart", "Unit", "discover", "plot_logs"]

_LOG_SUFFIXES = (".jsonl", ".ndjson", ".csv")
_TB = "events.out.tfevents"
_NOT_CURVES = {
    "epoch",
    "world_size",
    "rank",
    "step",
    "global_step",
    "training_iteration",
    "time_total_s",
    "time_this_iter_s",
    "time_since_restore",
    "iterations_since_restore",
    "timesteps_total",
    "episodes_total",
}

TITLES = {
    "en": {
        "curves": "{metric}",
        "rank_spread": "Spread across ranks: {metric}",
        "throughput": "Throughput",
        "gpu_memory": "GPU memory per step",
        "trials": "Trials: {metric}",
        "rungs": "ASHA rungs: {metric}",
        "parallel": "Hyper-parameters and {metric}",
        "importance": "Hyper-parameter importance for {metric}",
        "gpu_utilization": "GPU utilization",
        "gpu_memory_map": "GPU memory",
        "probe": "Batch-size probe",
        "scaling": "Scaling with world size",
    },
    "ko": {
        "curves": "{metric} 곡선",
        "rank_spread": "rank 간 분포: {metric}",
        "throughput": "처리량",
        "gpu_memory": "스텝별 GPU 메모리",
        "trials": "시행별 {metric}",
        "rungs": "ASHA 단계(rung): {metric}",
        "parallel": "하이퍼파라미터와 {metric}",
        "importance": "{metric}에 대한 하이퍼파라미터 중요도",
        "gpu_utilization": "GPU 사용률",
        "gpu_memory_map": "GPU 메모리",
        "probe": "배치 크기 탐색",
        "scaling": "GPU 수(world size)에 따른 확장성",
    },
}


@dataclass
class Chart:
    """One chart of a report."""

    name: str
    title: str
    draw: Callable[[Any], Any]
    file: str = ""
    ok: bool = True
    error: str = ""


@dataclass
class Unit:
    """One log found under the report's path."""

    path: Path
    fmt: str
    log: Any = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def _detect(path: Path) -> str | None:
    from chartkit.metrics import detect_format

    try:
        return detect_format(path)
    except (ValueError, OSError):
        return None


def discover(path: str | Path) -> list[Unit]:
    """Split *path* into the logs it holds.

    A Ray experiment, a Lightning run, a folder of per-rank files of one kind, or a folder of
    TensorBoard event folders is one unit; a folder mixing kinds is split into its entries;
    other folders are searched (depth 4). Files that are not logs (``.log``, ``.txt``,
    ``.py``) are ignored.
    """
    from chartkit.metrics.schema import check_path

    return _discover(check_path(path), 0)


def _discover(p: Path, depth: int) -> list[Unit]:
    if p.is_file():
        if p.suffix.lower() in _LOG_SUFFIXES or p.name.startswith(_TB):
            fmt = _detect(p)
            return [Unit(p, fmt)] if fmt else []
        return []
    fmt = _detect(p)
    if fmt in ("ray", "lightning"):
        return [Unit(p, fmt)]
    files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _LOG_SUFFIXES)
    kinds = {_detect(f) for f in files}
    if files and len(kinds) == 1 and None not in kinds:
        kind = kinds.pop()
        if kind in ("nvidia_smi", "batch_probe"):  # one GPU session or probe per file
            return [Unit(f, kind) for f in files]
        return [Unit(p, kind)]
    subdirs = sorted(d for d in p.iterdir() if d.is_dir())
    if (
        not files
        and subdirs
        and fmt == "tensorboard"
        and all(any(f.name.startswith(_TB) for f in d.iterdir() if f.is_file()) for d in subdirs)
    ):
        return [Unit(p, "tensorboard")]
    if any(f.name.startswith(_TB) for f in p.iterdir() if f.is_file()):
        return [Unit(p, "tensorboard")]
    if depth >= 4:
        return []
    out: list[Unit] = []
    for entry in [*files, *subdirs]:
        out.extend(_discover(entry, depth + 1))
    return out


def _metrics(log) -> list[str]:
    import numpy as np

    m = log.metrics
    out = []
    for name in log.metric_names:
        if name in _NOT_CURVES or name.startswith(("config/", "hparams/")):
            continue
        v = m.loc[m["metric"] == name, "value"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size < 2 or np.ptp(v) == 0:
            continue
        out.append(name)
    loss_first = sorted(out, key=lambda n: (0 if "loss" in n.lower() else 1, n))
    return loss_first


def _plan(unit: Unit, titles: dict[str, str]) -> list[Chart]:
    from chartkit.metrics import plots

    log, src = unit.log, unit.log.info.source
    charts: list[Chart] = []
    metrics = _metrics(log)
    names = set(log.metric_names)
    if src == "ray":
        metric = "loss" if "loss" in names else (metrics[0] if metrics else None)
        if metric is None:
            return charts
        params = [
            c for c in log.params.columns if c not in ("run", "trial", "segment", "start_step")
        ]
        color_by = "lr" if "lr" in params else (params[0] if params else None)
        charts += [
            Chart(
                "trials",
                titles["trials"].format(metric=metric),
                lambda ax: plots.plot_trials(log, metric, color_by=color_by, ax=ax),
            ),
            Chart(
                "rungs",
                titles["rungs"].format(metric=metric),
                lambda ax: plots.plot_rungs(log, metric, ax=ax),
            ),
            Chart(
                "parallel",
                titles["parallel"].format(metric=metric),
                lambda ax: plots.plot_parallel(log, metric, ax=ax),
            ),
            Chart(
                "importance",
                titles["importance"].format(metric=metric),
                lambda ax: plots.plot_importance(log, metric, ax=ax),
            ),
        ]
        return charts
    if src == "nvidia_smi":
        return [
            Chart(
                "gpu_utilization",
                titles["gpu_utilization"],
                lambda ax: plots.plot_gpu_heatmap(log, "utilization", ax=ax),
            ),
            Chart(
                "gpu_memory_map",
                titles["gpu_memory_map"],
                lambda ax: plots.plot_gpu_heatmap(log, "memory", ax=ax),
            ),
        ]
    if src == "batch_probe":
        return [Chart("probe", titles["probe"], lambda ax: plots.plot_batch_probe(log, ax=ax))]
    ranks = log.metrics["rank"].dropna().nunique()
    memory = [n for n in metrics if re.search(r"mem", n, re.I)]
    for metric in [n for n in metrics if n not in memory and n != "samples_per_sec"][:4]:
        n_points = int((log.metrics["metric"] == metric).sum())
        smooth = 0.9 if n_points > 200 else None
        charts.append(
            Chart(
                f"curves_{_slug(metric)}",
                titles["curves"].format(metric=metric),
                lambda ax, m=metric, s=smooth: plots.plot_curves(log, m, smooth=s, ax=ax),
            )
        )
    loss = next((n for n in metrics if "loss" in n.lower()), None)
    if ranks >= 2 and loss is not None:
        charts.append(
            Chart(
                "rank_spread",
                titles["rank_spread"].format(metric=loss),
                lambda ax: plots.plot_rank_spread(log, loss, ax=ax),
            )
        )
    if "samples_per_sec" in names and ranks >= 1 and log.metrics["wall_time"].notna().any():
        charts.append(
            Chart("throughput", titles["throughput"], lambda ax: plots.plot_throughput(log, ax=ax))
        )
    if memory:
        charts.append(
            Chart(
                "gpu_memory",
                titles["gpu_memory"],
                lambda ax: plots.plot_gpu_memory(log, metrics=memory, ax=ax),
            )
        )
    return charts


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z가-힣._-]+", "_", text).strip("_") or "log"


def _fmt_error(err: BaseException) -> str:
    tail = traceback.format_exception_only(type(err), err)[-1].strip()
    return tail


def plot_logs(
    path: str | Path,
    out: str | Path = "build/plot-logs",
    *,
    fmt: str = "png",
    lang: str = "en",
    title: str | None = None,
    stream: TextIO | None = None,
) -> list[Unit]:
    """Read every log under *path* and write its charts and an ``index.html`` into *out*.

    Parameters
    ----------
    path : path-like
        A log file or folder (see `discover`).
    out : path-like, default: "build/plot-logs"
    fmt : {"png", "pdf", "svg"}, default: "png"
    lang : {"en", "ko"}, default: "en"
        Language of the chart titles.
    title : str, optional
        Prefix of every chart title (e.g. the experiment's name, in any language).
    stream : file, optional
        Progress lines (stdout by default).

    Returns
    -------
    list of Unit
        With each unit's charts, their files and errors.
    """
    check_in_list(["png", "pdf", "svg"], fmt=fmt)
    check_in_list(sorted(TITLES), lang=lang)
    stream = sys.stdout if stream is None else stream
    import matplotlib.pyplot as plt

    import chartkit
    from chartkit.metrics import read

    units = discover(path)
    if not units:
        from chartkit.metrics import FORMATS

        looked = "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
        raise ValueError(f"no training log found under {str(path)!r}; looked for {looked}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    titles = TITLES[lang]
    root = Path(path)
    for unit in units:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                unit.log = read(unit.path)
            except Exception as err:  # a bad log is reported, the others still drawn
                unit.error = _fmt_error(err)
        unit.warnings = [str(w.message) for w in caught]
        rel = unit.path.relative_to(root) if unit.path != root else Path(unit.path.name)
        if unit.log is None:
            print(f"skip {rel}: {unit.error}", file=stream, flush=True)
            continue
        unit.charts = _plan(unit, titles)
        folder = out / _slug(str(rel))
        folder.mkdir(parents=True, exist_ok=True)
        for chart in unit.charts:
            _draw(chart, folder, fmt, title, out, stream, rel, plt, chartkit)
    ddp = [
        u
        for u in units
        if u.log is not None
        and u.log.info.source in ("jsonl", "csv", "tensorboard")
        and u.log.metrics["rank"].dropna().nunique() >= 1
        and "samples_per_sec" in u.log.metric_names
    ]
    sizes = {int(u.log.metrics["rank"].dropna().nunique()) for u in ddp}
    if len(ddp) >= 2 and len(sizes) == len(ddp):
        from chartkit.metrics import plots

        logs = [u.log for u in ddp]
        chart = Chart("scaling", titles["scaling"], lambda ax: plots.plot_scaling(logs, ax=ax))
        scaling = Unit(root, "scaling", log=True, charts=[chart])
        (out / "scaling").mkdir(exist_ok=True)
        _draw(chart, out / "scaling", fmt, title, out, stream, Path("scaling"), plt, chartkit)
        units.append(scaling)
    index = _write_index(out, units, root, fmt)
    charts = [c for u in units for c in u.charts]
    failed = [c for c in charts if not c.ok]
    skipped = [u for u in units if u.log is None]
    print(
        f"\n{len(charts) - len(failed)} of {len(charts)} charts written for "
        f"{len(units) - len(skipped)} log(s); {len(skipped)} path(s) not readable; "
        f"index: {index}",
        file=stream,
    )
    for u in units:
        if u.log is not None and u.log is not True and u.log.info.entries:
            print(
                f"  {u.path.name}: " + "; ".join(e.message() for e in u.log.info.entries),
                file=stream,
            )
    return units


def _draw(chart, folder, fmt, title, out, stream, rel, plt, chartkit) -> None:
    start = time.perf_counter()
    try:
        with chartkit.theme(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # readers already reported; notes are drawn
            fig, ax = plt.subplots(figsize=(7.5, 4.2))
            try:
                chart.draw(ax)
                # The title stack keeps the notes some plots put under their title.
                from chartkit.annotate import titles as title_stack

                text = f"{title} — {chart.title}" if title else chart.title
                title_stack(ax, title=text.replace("<", "\\<"))
                target = folder / f"{chart.name}.{fmt}"
                fig.savefig(target)
                chart.file = str(target.relative_to(out))
            finally:
                plt.close(fig)
    except Exception as err:
        chart.ok, chart.error = False, _fmt_error(err)
    state = "ok  " if chart.ok else "FAIL"
    extra = "" if chart.ok else f": {chart.error}"
    print(
        f"{state} {rel}/{chart.name}.{fmt} ({time.perf_counter() - start:.1f} s){extra}",
        file=stream,
        flush=True,
    )


def _write_index(out: Path, units: list[Unit], root: Path, fmt: str) -> Path:
    parts = [
        (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>chartkit plot-logs"
            "</title><style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem "
            "auto;color:#222} img{max-width:100%;border:1px solid #eee} pre{background:#f6f6f6;"
            "padding:.5rem;white-space:pre-wrap;font-size:.8rem} .fail{color:#b00020}</style>"
            f"</head><body><h1>Training-log report: {html.escape(str(root))}</h1>"
        )
    ]
    for u in units:
        name = "scaling" if u.fmt == "scaling" else str(u.path)
        parts.append(f"<h2>{html.escape(name)} <small>({html.escape(u.fmt)})</small></h2>")
        if u.log is None:
            parts.append(f"<p class='fail'>not read: {html.escape(u.error)}</p>")
            continue
        if u.log is not True:
            parts.append(f"<pre>{html.escape(u.log.info.summary())}</pre>")
        for c in u.charts:
            if not c.ok:
                parts.append(f"<p class='fail'>{html.escape(c.title)}: {html.escape(c.error)}</p>")
            elif fmt == "pdf":
                parts.append(f"<p><a href='{html.escape(c.file)}'>{html.escape(c.title)}</a></p>")
            else:
                parts.append(
                    f"<figure><img src='{html.escape(c.file)}' "
                    f"alt='{html.escape(c.title)}'></figure>"
                )
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
