"""Build the gallery: run every ``plot_*.py`` in its own process, write PNGs and index.html.

Scripts follow sphinx-gallery's conventions: ``gallery/<topic>/plot_<name>.py`` with an
RST-titled module docstring (title, underline, description). Each runs in a fresh Python
process with the Agg backend, so one example's rcParams never leak into the next.

Every figure is audited before it is saved (`chartkit.audit.check_figure`, run by
`chartkit._gallery_run`); a finding fails the example, with the findings as its error, and
``index.html`` shows the verdict of each example.
"""

from __future__ import annotations

import ast
import html
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from chartkit._validate import invalid_value_message

__all__ = ["Example", "Result", "build", "default_source", "find_examples"]

_TRACEBACK_TAIL = 12


@dataclass(frozen=True)
class Example:
    """One gallery script."""

    path: Path
    topic: str
    title: str
    description: str


@dataclass
class Result:
    """What running one example produced."""

    example: Example
    ok: bool
    seconds: float
    images: list[str] = field(default_factory=list)
    error: str = ""
    #: Audit verdict per image: ``{name: {"ok", "findings": [...], "notes": [...]}}``.
    audit: dict = field(default_factory=dict)

    @property
    def audit_findings(self) -> list[str]:
        """``"image: kind [where]: message"`` for every audit finding of the example."""
        return [
            f"{name}: {f['kind']}"
            + (f" [{f['where']}]" if f.get("where") else "")
            + f": {f['message']}"
            for name, verdict in self.audit.items()
            for f in verdict.get("findings", ())
        ]


def default_source() -> Path:
    """The gallery scripts: the repository's ``gallery/`` or the copy in the wheel."""
    pkg = Path(__file__).resolve().parent
    for candidate in (pkg.parent / "gallery", pkg / "_gallery_src"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"no gallery scripts found next to the chartkit package ({pkg}); pass --src DIR"
    )


def _parse_docstring(path: Path) -> tuple[str, str]:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        doc = ""
    lines = doc.strip().splitlines()
    title = path.stem.removeprefix("plot_").replace("_", " ").capitalize()
    body = lines
    if len(lines) >= 2 and set(lines[1].strip()) <= set("=-~^*#") and lines[1].strip():
        title, body = lines[0].strip(), lines[2:]
    elif lines:
        title, body = lines[0].strip(), lines[1:]
    paragraphs = "\n".join(body).strip().split("\n\n")
    description = " ".join(paragraphs[0].split()) if paragraphs and paragraphs[0] else ""
    return title, description


def rst_inline_html(text: str) -> str:
    """HTML of one paragraph of reStructuredText (``code``, *emphasis*, links), safely.

    Rendered with docutils (the gallery extra installs it): raw HTML and file inclusion are
    disabled and every character of the text is escaped, so a docstring can never inject
    markup. Without docutils the text is escaped as it is.
    """
    if not text.strip():
        return ""
    try:
        from docutils.core import publish_parts
    except ImportError:  # pragma: no cover - the gallery extra installs docutils
        return html.escape(text)
    settings = {
        "raw_enabled": False,
        "file_insertion_enabled": False,
        "report_level": 5,  # never write docutils' own error messages into the page
        "halt_level": 5,
        "output_encoding": "unicode",
        "warning_stream": False,
    }
    body = publish_parts(text, writer="html5", settings_overrides=settings)["fragment"]
    body = body.strip()
    if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
        body = body[3:-4]
    return body


def find_examples(source: Path) -> list[Example]:
    """All ``plot_*.py`` scripts under *source*, sorted by topic then file name."""
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"gallery source {str(source)!r} is not a directory")
    examples = []
    for path in sorted(source.rglob("plot_*.py")):
        rel = path.relative_to(source)
        topic = rel.parts[0] if len(rel.parts) > 1 else "misc"
        title, description = _parse_docstring(path)
        examples.append(Example(path, topic, title, description))
    return examples


def _run_one(example: Example, out: Path, timeout: float) -> Result:
    start = time.perf_counter()
    env = {**os.environ, "MPLBACKEND": "agg", "PYTHONHASHSEED": "0"}
    cmd = [
        sys.executable,
        "-m",
        "chartkit._gallery_run",
        str(example.path),
        str(out / example.topic),
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        seconds = time.perf_counter() - start
        return Result(example, False, seconds, error=f"timed out after {timeout:.0f} s")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-_TRACEBACK_TAIL:])
        return Result(example, False, seconds, error=tail or f"exit code {proc.returncode}")
    try:
        payload = json.loads(proc.stdout.strip().splitlines()[-1])
        images = payload["images"]
    except (IndexError, ValueError, KeyError):
        return Result(example, False, seconds, error="the runner printed no image list")
    if not images:
        return Result(example, False, seconds, error="the script made no figure")
    paths = [f"{example.topic}/{name}" for name in images]
    result = Result(example, True, seconds, paths, audit=payload.get("audit", {}))
    findings = result.audit_findings
    if findings:
        result.ok = False
        result.error = "audit found:\n" + "\n".join(findings)
    return result


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>chartkit gallery</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }}
h2 {{ border-bottom: 1px solid #ddd; padding-bottom: .3rem; margin-top: 2.5rem; }}
.grid {{ display: grid; gap: 1.5rem;
         grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); }}
figure {{ margin: 0; }} img {{ width: 100%; border: 1px solid #eee; }}
figcaption p {{ margin: .2rem 0; font-size: .9rem; color: #444; }}
.fail {{ color: #b00020; white-space: pre-wrap; font-family: monospace; font-size: .8rem; }}
.audit-ok {{ color: #1b6e20; font-size: .85rem; }}
.literal, code {{ font-family: monospace; font-size: .85em; background: #f4f4f4; }}
</style></head><body>
<h1>chartkit gallery</h1>
<p>{summary}</p>
{sections}
</body></html>
"""


def _write_index(out: Path, results: list[Result]) -> Path:
    sections = []
    topics: dict[str, list[Result]] = {}
    for r in results:
        topics.setdefault(r.example.topic, []).append(r)
    for topic, items in topics.items():
        cards = []
        for r in items:
            ex = r.example
            alt = html.escape(ex.title)
            imgs = "".join(
                f'<a href="{html.escape(i)}"><img src="{html.escape(i)}" alt="{alt}"></a>'
                for i in r.images
            )
            status = "" if r.ok else f'<p class="fail">FAILED\n{html.escape(r.error)}</p>'
            if r.audit and not r.audit_findings:
                n = len(r.audit)
                status += (
                    f'<p class="audit-ok">audit: ok ({n} figure{"s" if n != 1 else ""}, '
                    "no finding)</p>"
                )
            cards.append(
                f"<figure>{imgs}<figcaption><strong>{rst_inline_html(ex.title)}</strong>"
                f"<p>{rst_inline_html(ex.description)}</p>"
                f"<p><code>{html.escape(ex.path.name)}</code></p>{status}</figcaption></figure>"
            )
        title = topic.replace("_", " ").capitalize()
        sections.append(
            f'<h2 id="{html.escape(topic)}">{html.escape(title)}</h2>\n'
            f'<div class="grid">{"".join(cards)}</div>'
        )
    n_ok = sum(r.ok for r in results)
    n_audited = sum(bool(r.audit) and not r.audit_findings for r in results)
    summary = (
        f"{n_ok} of {len(results)} examples built; {n_audited} pass the accessibility audit "
        "(chartkit.audit.check_figure)."
    )
    index = out / "index.html"
    index.write_text(_PAGE.format(summary=summary, sections="\n".join(sections)), encoding="utf-8")
    return index


def build(
    source: Path | None = None,
    out: Path = Path("build/gallery"),
    *,
    jobs: int = 1,
    timeout: float = 300.0,
    stream: TextIO | None = None,
) -> list[Result]:
    """Run every gallery script and write the PNGs and ``index.html`` into *out*.

    Parameters
    ----------
    source : path, optional
        Folder of topic folders of ``plot_*.py`` scripts; `default_source` when None.
    out : path, default: "build/gallery"
        Where the images and ``index.html`` go.
    jobs : int, default: 1
        Scripts run at once, each in its own process.
    timeout : float, default: 300
        Seconds one script may take.
    stream : file, optional
        Where progress lines go (stdout when None).

    Returns
    -------
    list of Result
        In gallery order; failed scripts have ``ok=False`` and the tail of their traceback.
    """
    stream = sys.stdout if stream is None else stream
    source = default_source() if source is None else Path(source)
    out = Path(out)
    examples = find_examples(source)
    if not examples:
        raise FileNotFoundError(f"no plot_*.py scripts under {str(source)!r}")
    out.mkdir(parents=True, exist_ok=True)
    if jobs < 1:
        raise ValueError(invalid_value_message(jobs, "jobs", expected="an integer >= 1"))
    results: dict[Path, Result] = {}
    width = len(str(len(examples)))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_one, ex, out, timeout): ex for ex in examples}
        for k, fut in enumerate(as_completed(futures), 1):
            r = fut.result()
            results[r.example.path] = r
            rel = r.example.path.relative_to(source)
            state = "ok  " if r.ok else "FAIL"
            n_find = len(r.audit_findings)
            verdict = (
                ""
                if not r.audit
                else "; audit ok"
                if not n_find
                else f"; audit: {n_find} finding{'s' if n_find != 1 else ''}"
            )
            print(
                f"[{k:>{width}}/{len(examples)}] {state} {rel} ({r.seconds:.1f} s{verdict})",
                file=stream,
                flush=True,
            )
    ordered = [results[ex.path] for ex in examples]
    index = _write_index(out, ordered)
    failed = [r for r in ordered if not r.ok]
    n_img = sum(len(r.images) for r in ordered)
    print(
        f"\n{len(ordered) - len(failed)} of {len(ordered)} examples built, {n_img} images; "
        f"index: {index}",
        file=stream,
    )
    for r in failed:
        print(f"\nFAILED {r.example.path.relative_to(source)}:\n{r.error}", file=stream)
    return ordered
