"""Rich titles on a 36-axes pyplot figure: chartkit against plain ``set_title`` and
highlight_text, each called the way its documentation tells users to call it.

Target: adding 36 rich titles (``"<loss> falls below <val_loss>"``, each name in its series'
colour) to a 6x6 figure and drawing it once costs at most 1.2x adding 36 plain ``set_title``
titles and drawing it once.

Every variant runs on a **pyplot** figure (``plt.subplots``), as users (and highlight_text's
own examples) make them. highlight_text 0.2's ``ax_text`` calls ``fig.canvas.draw()`` on
``plt.gcf()`` (``set_renderer``) once per call: on a ``Figure()`` built outside pyplot that
lands on an empty pyplot figure and costs nothing, which is how an earlier version of this
benchmark reported 1.09x instead of the 14-17x users pay. The benchmark counts the full draws
of the real figure (``Figure.draw``) for each variant and asserts that highlight_text drew it
once per call plus once at the end, and every other variant exactly once.

Each repetition builds a fresh 18x12 in (3 in panels, where the plain title fits on one
line) constrained-layout figure with two labelled lines per Axes (not timed), then times
"add the titles + one full draw". A second, informational pair uses 12x10 in (2 in panels),
where chartkit wraps the title to the panel (three lines) and ``set_title`` lets it run into
the neighbours. Repetitions are interleaved so machine load hits every variant alike;
medians of process CPU time are compared (highlight_text, ~30x slower, runs in the first two
rounds only).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import matplotlib
from _harness import Row, median, report

matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import rich_text, titles

N = 36
MARKUP = "<loss> falls below <val_loss>"
PLAIN = "loss falls below val_loss"
# Panels wide enough (3 in) for the plain title to fit on one line, as a reader would need:
# set_title does not wrap, so a narrower panel would make the plain titles overlap.
FIGSIZE = (18, 12)


def _figure(figsize=FIGSIZE):
    fig, axs = plt.subplots(6, 6, figsize=figsize, dpi=100, layout="constrained")
    axes = axs.ravel().tolist()
    x = np.arange(50)
    rng = np.random.default_rng(0)
    for ax in axes:
        ax.plot(x, 1 / (1 + x) + rng.normal(0, 0.01, x.size), label="loss")
        ax.plot(x, 1.2 / (1 + x) + rng.normal(0, 0.01, x.size), label="val_loss")
    return fig, axes


def count_draws(fig) -> list[int]:
    """Count full draws of *fig* (``Figure.draw`` calls) from now on: ``[n]``."""
    count = [0]
    original = fig.draw

    def draw(renderer):
        count[0] += 1
        return original(renderer)

    fig.draw = draw  # the canvas calls figure.draw(renderer): the instance attribute
    return count


def _plain(fig, axes):
    for ax in axes:
        ax.set_title(PLAIN)
    fig.canvas.draw()


def _chartkit_titles(fig, axes):
    for ax in axes:
        titles(ax, title=MARKUP)
    fig.canvas.draw()


def _chartkit_axes_title_slot(fig, axes):
    # Rich text in the axes' own title position (no stack): annotation-style use.
    for ax in axes:
        rich_text(ax, 0.0, 1.02, MARKUP, transform=ax.transAxes, va="bottom")
    fig.canvas.draw()


def _plain_narrow(fig, axes):
    _plain(fig, axes)


def _titles_narrow(fig, axes):
    _chartkit_titles(fig, axes)


def _highlight(fig, axes):
    from highlight_text import ax_text

    for ax in axes:  # as its README does: ax_text(..., ax=ax) on the current pyplot figure
        ax_text(
            0,
            1.1,
            MARKUP,
            highlight_textprops=[{"color": "C0"}, {"color": "C1"}],
            ax=ax,
            transform=ax.transAxes,
            va="bottom",
        )
    fig.canvas.draw()


NARROW = {_plain_narrow, _titles_narrow}
HIGHLIGHT_REPEAT = 2
#: Full draws of the real figure each variant must make (the benchmark checks it did the work).
EXPECTED_DRAWS = {_highlight: N + 1}


def _timed(fn, repeat: int) -> list[float]:
    """CPU seconds of this process (the machine is shared: wall time swings with others'
    load, CPU time much less)."""
    out = []
    for _ in range(repeat):
        fig, axes = _figure((12, 10) if fn in NARROW else FIGSIZE)
        assert plt.gcf() is fig  # what highlight_text draws is the figure being timed
        draws = count_draws(fig)
        t0 = time.process_time()
        fn(fig, axes)
        out.append(time.process_time() - t0)
        want = EXPECTED_DRAWS.get(fn, 1)
        assert draws[0] == want, f"{fn.__name__} drew the figure {draws[0]} times, not {want}"
        plt.close(fig)
    return out


def main(repeat: int = 5) -> bool:
    variants = {
        "plain": _plain,
        "titles": _chartkit_titles,
        "rich_text": _chartkit_axes_title_slot,
        "plain_narrow": _plain_narrow,
        "titles_narrow": _titles_narrow,
    }
    has_ht = importlib.util.find_spec("highlight_text") is not None
    if has_ht:
        variants["highlight_text"] = _highlight
    else:
        print('highlight_text not installed (pip install "chartkit[bench]"): skipping it')
    with chartkit.theme("default", korean_font="bundled"):
        for fn in variants.values():  # warm caches (fonts, text metrics) once
            if fn is not _highlight:  # 37 full draws: warm after the first of them
                _timed(fn, 1)
        times: dict[str, list[float]] = {k: [] for k in variants}
        for k in range(repeat):
            for name, fn in variants.items():
                if fn is _highlight and k >= HIGHLIGHT_REPEAT:
                    continue  # ~30x slower: a few runs are enough for its ratio
                times[name].extend(_timed(fn, 1))
    med = {k: median(v) for k, v in times.items()}
    rows = [
        Row(
            "36 rich titles (titles()) + draw",
            med["titles"],
            "set_title",
            med["plain"],
            target=("<=", 1.2),
        ),
        Row(
            "36 rich_text() in axes + draw",
            med["rich_text"],
            "set_title",
            med["plain"],
            target=("<=", 1.2),
        ),
        Row(
            "  same in 2 in panels: titles wrap, 3 lines",
            med["titles_narrow"],
            "set_title",
            med["plain_narrow"],
        ),
    ]
    if has_ht:
        rows.append(
            Row(
                f"highlight_text ax_text x36 + draw ({N + 1} draws)",
                med["highlight_text"],
                "set_title",
                med["plain"],
            )
        )
        rows.append(
            Row(
                "titles() vs highlight_text",
                med["titles"],
                "highlight_text",
                med["highlight_text"],
            )
        )
    return report(
        f"rich text on {N} axes of a pyplot figure, median of {repeat} interleaved runs", rows
    )


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
