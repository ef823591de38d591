"""The ``index.html`` of a ``plot-logs`` report.

Every name that comes from the logs (paths, runs, trials, metrics, config keys, reader
messages, audit findings) is HTML-escaped with quotes, and image paths are URL-quoted, so a
metric called ``<script>`` or a folder called ``"onerror=`` is shown as text, never run.
Every word of the page comes from the message catalogue (`chartkit._i18n`).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from chartkit._i18n import tr

__all__ = ["write_index"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;color:#222}"
    "img{max-width:100%;border:1px solid #eee}pre{background:#f6f6f6;padding:.5rem;"
    "white-space:pre-wrap;font-size:.8rem}.fail{color:#b00020}.note{color:#444}"
    "ul.notes li,ul.audit li{margin:.2rem 0}"
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _src(file: str) -> str:
    return _e(quote(file, safe="/"))


def _unit_html(u, lang: str, fmt: str, root: Path) -> list[str]:
    parts = [f"<h2>{_e(u.label)} <small>({_e(u.fmt)})</small></h2>"]
    if u.source is not None:
        parts.append(
            f"<p class='note'>{_e(tr('report.page.recognised', lang, reason=u.source.reason))}</p>"
        )
        for other in u.source.preferred_over:
            parts.append(
                f"<p class='note'>{_e(tr('report.page.preferred', lang, what=other))}</p>"
            )
    if u.settings:
        parts.append(
            f"<p class='note'>{_e(tr('report.page.settings', lang, what=u.settings))}</p>"
        )
    if u.log is None:
        parts.append(f"<p class='fail'>{_e(tr('report.page.not_read', lang, error=u.error))}</p>")
        return parts
    if u.summary:
        parts.append(f"<pre>{_e(u.summary)}</pre>")
    if u.notes:
        parts.append(f"<h3>{_e(tr('report.page.not_charted', lang))}</h3><ul class='notes'>")
        parts.extend(f"<li>{_e(n)}</li>" for n in u.notes)
        parts.append("</ul>")
    for c in u.charts:
        if not c.ok:
            text = tr("report.page.chart_failed", lang, title=c.plain_title, error=c.error)
            parts.append(f"<p class='fail'>{_e(text)}</p>")
            continue
        if fmt == "pdf":
            parts.append(f"<p><a href='{_src(c.file)}'>{_e(c.plain_title)}</a></p>")
        else:
            parts.append(f"<figure><img src='{_src(c.file)}' alt='{_e(c.plain_title)}'></figure>")
        if c.fixes:
            parts.append(
                f"<p class='note'>{_e(tr('report.page.fixed', lang, what='; '.join(c.fixes)))}</p>"
            )
        if c.findings:
            parts.append(
                f"<p class='fail'>{_e(tr('report.page.audit', lang))}</p><ul class='audit'>"
            )
            parts.extend(f"<li>{_e(f)}</li>" for f in c.findings)
            parts.append("</ul>")
    return parts


def write_index(out: Path, units: list, root: Path, fmt: str, lang: str, skipped: list) -> Path:
    """Write ``out/index.html`` for *units* (see `chartkit.metrics.report.Unit`); return it."""
    n_charts = sum(1 for u in units for c in u.charts if c.ok)
    n_logs = sum(1 for u in units if u.fmt != "scaling")
    page_title = tr("report.page.title", lang, path=root)
    head = (
        f"<!DOCTYPE html><html lang='{_e(lang)}'><head><meta charset='utf-8'>"
        f"<title>{_e(page_title)}</title><style>{_STYLE}</style></head><body>"
    )
    parts = [
        head,
        f"<h1>{_e(page_title)}</h1>",
        f"<p>{_e(tr('report.page.found', lang, n=n_logs, charts=n_charts))}</p>",
    ]
    for u in units:
        parts.extend(_unit_html(u, lang, fmt, root))
    if skipped:
        parts.append(f"<h2>{_e(tr('report.page.skipped', lang, n=len(skipped)))}</h2><ul>")
        parts.extend(f"<li>{_e(s.describe(root))}</li>" for s in skipped)
        parts.append("</ul>")
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
