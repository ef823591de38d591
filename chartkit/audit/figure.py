"""`check_figure`: one draw of a finished figure, then every rule on its artists.

The figure is drawn once, with the rendering calls turned off (``RendererBase._draw_disabled``,
what ``Figure.draw_without_rendering`` does): layout engines run, tick labels and text
extents come up to date, and the texts that were actually drawn are recorded. The rules
then read the artists (`chartkit.audit.colors`, `chartkit.audit.text`); nothing is guessed
from pixels. pyplot is never imported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from chartkit._validate import check_in_list
from chartkit.audit.report import KINDS, AuditReport, Finding, sort_findings
from chartkit.audit.text import MIN_SIZE_PT

__all__ = ["check_figure"]


def _check_rules(rules: Any) -> tuple[str, ...]:
    if rules is None:
        return KINDS
    if isinstance(rules, str):
        rules = [rules]
    out = []
    for k, r in enumerate(rules):
        check_in_list(KINDS, rules=r, entry=k if len(rules) > 1 else None)
        out.append(r)
    return tuple(k for k in KINDS if k in out)


def _draw_recording_texts(fig: Any) -> tuple[Any, list[Any]]:
    """Draw *fig* once without rendering; return the renderer and the texts drawn."""
    from matplotlib import colors as mcolors
    from matplotlib.text import Text

    drawn: list[Any] = []
    original = Text.draw

    def recording_draw(self: Any, renderer: Any) -> None:
        drawn.append(self)
        return original(self, renderer)

    renderer = fig._get_renderer()
    Text.draw = recording_draw
    try:
        with renderer._draw_disabled(), warnings.catch_warnings():
            # Characters without a glyph are reported as missing-glyph findings instead.
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            fig.draw(renderer)
    finally:
        Text.draw = original
    seen: set[int] = set()
    texts = []
    for t in drawn:
        if id(t) in seen or not t.get_visible():
            continue
        seen.add(id(t))
        s = t.get_text()
        if not s or s.isspace():
            continue
        if mcolors.to_rgba(t.get_color(), t.get_alpha())[3] == 0:
            continue  # fully transparent: nothing to read
        texts.append(t)
    return renderer, texts


def _axes_names(fig: Any) -> dict[int, str]:
    names = {}
    for i, ax in enumerate(fig.axes):
        title = next(
            (t.get_text() for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()), ""
        )
        if getattr(ax, "_colorbar", None) is not None:
            names[id(ax)] = f"axes {i} (colorbar)"
        else:
            names[id(ax)] = f"axes {i}" + (f" ({title!r})" if title else "")
    return names


def _non_series_texts(ax: Any) -> set[int]:
    out = {id(ax.title), id(ax._left_title), id(ax._right_title)}
    for axis in ax._axis_map.values():
        out.add(id(axis.label))
        out.add(id(axis.offsetText))
        out.update(id(t) for t in axis.get_ticklabels(minor=False, which="both"))
        out.update(id(t) for t in axis.get_ticklabels(minor=True, which="both"))
    return out


def _text_roles(fig: Any) -> dict[int, tuple[str, str]]:
    """``{id(text): (role, group)}`` for axis texts: ``("x tick label", group)``,
    ``("y-axis offset text", group)``, ``("y-axis label", group)``. Tick labels of one axis
    share a group, so their collisions with each other are counted in one finding."""
    roles: dict[int, tuple[str, str]] = {}
    for i, ax in enumerate(fig.axes):
        for name, axis in ax._axis_map.items():
            group = f"{i}:{name}"
            roles[id(axis.offsetText)] = (f"{name}-axis offset text", "")
            roles[id(axis.label)] = (f"{name}-axis label", "")
            for minor in (False, True):  # the tick objects the draw made (none created)
                for tick in axis.minorTicks if minor else axis.majorTicks:
                    for lab in (tick.label1, tick.label2):
                        roles[id(lab)] = (f"{name} tick label", group)
    return roles


def check_figure(
    fig: Any,
    *,
    rules: Iterable[str] | str | None = None,
    severity: float = 100,
    min_size: float = MIN_SIZE_PT,
) -> AuditReport:
    """Audit a finished figure for colour-blind confusion, contrast, glyphs and layout.

    The figure is drawn once (without rendering pixels); then the artists are read:

    * ``cvd-confusable``: two series or legend entries of one Axes (lines, scatter
      collections, bars, labelled patches and collections) that normal vision separates
      (ΔE >= 15 in CAM02-UCS) but a simulated deficiency (Machado 2009 at *severity*)
      brings below ΔE 10 (the palette check's CVD pass, 9, plus a margin of 1: plain
      ``"red"``/``"green"`` score 9.02 under protanopia), unless a marker, line style,
      hatch or direct label (a text in the series' colour or with its name) tells them
      apart; a scatter with one marker per point (seaborn's ``style=``) is read per
      colour;
    * ``cmap-lightness``: a colormap in use whose lightness does not order the values
      (`chartkit.palettes.check_cmap` fails it: jet, turbo, rainbow);
    * ``low-contrast-text``: text below WCAG's 4.5:1 against its effective background
      (3:1 for 18 pt, or 14 pt bold);
    * ``missing-glyph``: characters that no font of the text's fallback list can draw;
    * ``text-overlap``: extents of the texts the draw drew that intersect (rotated texts
      by their rotated rectangles) or leave the figure (saving with ``bbox_inches="tight"``
      would grow the canvas instead: leave this rule out then). Axis texts count and are
      named by role (``y-axis offset text '1e7'``, ``x tick label``); tick labels of one
      axis that collide with each other make one finding with counts; tick labels of
      ticks outside the view are not drawn, so not measured; an annotation is measured
      without its arrow, a clipped text only where it shows;
    * ``small-text``: text below *min_size* points;
    * ``legend-overlap``: a legend covering lines, markers or bars.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, with its final size and content (audit right before saving).
    rules : str or iterable of str, optional
        The kinds above to check; all when None.
    severity : float, default: 100
        Severity (0-100) of the simulated colour-vision deficiencies.
    min_size : float, default: 6
        Smallest font size in points that passes ``small-text``.

    Returns
    -------
    AuditReport
        ``.ok`` is true when nothing was found; an empty figure gives an ok report with a
        note.

    Raises
    ------
    TypeError
        When *fig* is not a `matplotlib.figure.Figure`, naming its type.
    ValueError
        For an unknown rule name (listing the rules) or a severity outside 0-100.

    See Also
    --------
    chartkit.testing.assert_accessible : the same check as a test assertion.
    chartkit.audit.audit_image : the colour check on a rendered PNG.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> ax.plot([0, 1], color="#d62728", label="train")
    >>> ax.plot([1, 0], color="#2ca02c", label="val")
    >>> print(check_figure(fig, rules="cvd-confusable"))  # doctest: +SKIP
    audit of Figure(640x480): 1 finding (cvd-confusable)
      cvd-confusable [axes 0]: 'train' (#d62728) and 'val' (#2ca02c) are ΔE 5.2 apart ...
    """
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from chartkit.audit import colors, text
    from chartkit.palettes.cvd import _check_severity

    if not isinstance(fig, Figure):
        t = type(fig)
        name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
        raise TypeError(f"'fig' must be an instance of matplotlib.figure.Figure, not {name}")
    wanted = _check_rules(rules)
    severity = _check_severity(severity)
    report = AuditReport(rules=wanted, subject=str(fig))
    if not fig.axes and not fig.texts and not fig.legends and not fig.subfigs:
        report.notes.append("the figure is empty (no Axes, no text): nothing to check")
        return report

    renderer, drawn = _draw_recording_texts(fig)
    names = _axes_names(fig)
    axis_texts = {}
    for ax in fig.axes:
        for tid in _non_series_texts(ax):
            axis_texts[tid] = names[id(ax)]

    for ax in fig.axes:  # the texts of an Axes' title stack belong to that Axes
        stack = getattr(ax, "_chartkit_title_stack", None)
        for item in getattr(stack, "items", {}).values():
            for t in [item, *item.get_children()]:  # a RichText draws its runs' Texts
                axis_texts[id(t)] = names[id(ax)]

    def where_of(artist: Any) -> str:
        if id(artist) in axis_texts:
            return axis_texts[id(artist)]
        ax = getattr(artist, "axes", None)
        return names.get(id(ax), "figure") if ax is not None else "figure"

    findings: list[Finding] = []
    if "missing-glyph" in wanted:
        findings += text.missing_glyphs(fig, where_of)
    legends = [leg for leg in fig.findobj(Legend) if leg.get_visible()]

    if "cvd-confusable" in wanted:
        groups = []
        for ax in fig.axes:
            if getattr(ax, "_colorbar", None) is not None or not ax.get_visible():
                continue
            skip = _non_series_texts(ax)
            leg = ax.get_legend()
            if leg is not None:
                skip.update(id(t) for t in [*leg.get_texts(), leg.get_title()])
            direct = [t for t in drawn if t.axes is ax and id(t) not in skip]
            series = colors.series_of(ax, direct)
            if leg is not None and leg.get_visible():
                entries = colors._legend_series(leg)
                colors._mark_direct(entries, direct)
                series += entries
            groups.append((names[id(ax)], None, series))
        for leg in legends:
            if leg.axes is None:
                groups.append(("figure legend", None, colors._legend_series(leg)))
        findings += colors.confusable(groups, severity=severity)

    if "cmap-lightness" in wanted:
        mappables = []
        for ax in fig.axes:
            if getattr(ax, "_colorbar", None) is not None or not ax.get_visible():
                continue
            for m in [*ax.images, *ax.collections]:
                if not m.get_visible() or m.get_array() is None:
                    continue
                if getattr(m.get_array(), "ndim", 0) == 3:  # RGB(A) image: no colormap
                    continue
                mappables.append((names[id(ax)], m))
        findings += colors.cmap_lightness(mappables)

    items = []
    for t in drawn:
        bbox = text.drawn_extent(t, renderer)
        if bbox is not None:
            items.append((t, bbox, where_of(t)))
    if "low-contrast-text" in wanted:
        findings += text.low_contrast(items, fig, renderer, legends)
    if "text-overlap" in wanted:
        findings += text.text_overlap(items, fig, renderer, roles=_text_roles(fig))
    if "small-text" in wanted:
        findings += text.small_text(items, float(min_size))
    if "legend-overlap" in wanted:
        root_axes = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]
        entries = []
        for leg in legends:
            if leg.axes is not None:
                entries.append((leg, [leg.axes], names.get(id(leg.axes), "figure")))
            else:
                entries.append((leg, root_axes, "figure legend"))
        findings += text.legend_overlap(entries, renderer)
    report.findings = sort_findings(findings)
    return report
