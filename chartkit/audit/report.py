"""What an audit found: `Finding` (one problem, with its numbers) and `AuditReport`.

Plain data only (no matplotlib import): a report can be built, printed and serialised to JSON
anywhere, and `chartkit.testing.assert_accessible` turns it into an assertion message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "AuditReport", "Finding"]

#: The fixed vocabulary of finding kinds, in the order reports list them.
KINDS = (
    "cvd-confusable",
    "cmap-lightness",
    "low-contrast-text",
    "missing-glyph",
    "text-overlap",
    "small-text",
    "legend-overlap",
)


@dataclass(frozen=True)
class Finding:
    """One accessibility problem of a figure or image.

    Attributes
    ----------
    kind : str
        One of `KINDS`.
    message : str
        One readable sentence naming what is wrong and where.
    artist : object or None
        The offending artist (or Axes); for a rendered image, None. Not serialised.
    where : str
        Short description of the place: ``"axes 1 (title 'Loss')"``, ``"figure"``.
    values : dict
        The numbers behind the finding (ΔE, contrast ratio, size in points, ...), JSON-ready.
    """

    kind: str
    message: str
    artist: Any = field(default=None, repr=False, compare=False)
    where: str = ""
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """``{"kind", "message", "where", "values"}`` (the artist is left out)."""
        return {
            "kind": self.kind,
            "message": self.message,
            "where": self.where,
            "values": dict(self.values),
        }


@dataclass
class AuditReport:
    """Result of `chartkit.audit.check_figure` or `chartkit.audit.audit_image`.

    Attributes
    ----------
    findings : list of Finding
        In `KINDS` order, then in the order they were found.
    notes : list of str
        Remarks that are not problems (an empty figure, a rule that found nothing to check).
    rules : tuple of str
        The rules that ran.
    subject : str
        What was audited (``"Figure(640x480)"``, a file name).
    """

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: tuple[str, ...] = KINDS
    subject: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    @property
    def kinds(self) -> list[str]:
        """The distinct kinds found, in `KINDS` order."""
        found = {f.kind for f in self.findings}
        return [k for k in KINDS if k in found]

    def without(self, kinds: Any) -> AuditReport:
        """A copy without the findings of *kinds* (a kind name or an iterable of them)."""
        drop = {kinds} if isinstance(kinds, str) else set(kinds)
        return AuditReport(
            [f for f in self.findings if f.kind not in drop],
            list(self.notes),
            self.rules,
            self.subject,
        )

    def __str__(self) -> str:
        head = f"audit of {self.subject}: " if self.subject else "audit: "
        if self.ok:
            lines = [head + "OK (no findings)"]
        else:
            n = len(self.findings)
            lines = [head + f"{n} finding{'s' if n != 1 else ''} ({', '.join(self.kinds)})"]
            for f in self.findings:
                where = f" [{f.where}]" if f.where else ""
                lines.append(f"  {f.kind}{where}: {f.message}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A compact table for notebooks: one row per finding (kind, where, message)."""
        from functools import partial
        from html import escape

        escape = partial(escape, quote=False)  # element text only: quotes stay readable
        head = escape(str(self).splitlines()[0])
        rows = "".join(
            f"<tr><td><code>{escape(f.kind)}</code></td><td>{escape(f.where)}</td>"
            f"<td style='text-align:left'>{escape(f.message)}</td></tr>"
            for f in self.findings
        )
        table = (
            "<table><thead><tr><th>kind</th><th>where</th><th>finding</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if self.findings
            else ""
        )
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        notes = f"<ul>{notes}</ul>" if notes else ""
        return f"<div class='chartkit-audit'><p><b>{head}</b></p>{table}{notes}</div>"

    def to_dict(self) -> dict:
        """JSON-ready ``{"subject", "ok", "kinds", "findings", "notes", "rules"}``."""
        return {
            "subject": self.subject,
            "ok": self.ok,
            "kinds": self.kinds,
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
            "rules": list(self.rules),
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in `KINDS` order, stable within a kind."""
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(findings, key=lambda f: order.get(f.kind, len(order)))
