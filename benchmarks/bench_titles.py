"""Title stacks against plain ``set_title`` in every layout mode, saved from pyplot figures.

Target (issue 19.2): adding 36 ``titles()`` (title + subtitle) to a 6x6 ``plt.subplots``
figure and saving it to PNG costs at most 1.2x adding 36 plain ``set_title`` titles (same
two lines, ``"title\\nsubtitle"``) and saving, in each layout mode: no layout engine
(``layout="none"``), ``"constrained"`` and ``"tight"``; and a save draws the figure as many
times with titles as with set_title. The benchmark counts full draws (``Figure.draw``) per
save and asserts that: without a layout engine one save is one draw; with an engine
matplotlib's ``savefig`` itself draws twice (a draw-disabled layout pass, then the
rendering pass) for both.

Each repetition builds a fresh figure with two lines per Axes (not timed), then times "add
the titles + savefig to an in-memory PNG". Repetitions are interleaved; medians of process
CPU time are compared.
"""

from __future__ import annotations

import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import matplotlib
from _harness import Row, median, report

matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np

from chartkit.annotate import titles

N = 36
FIGSIZE = (18, 12)
MODES = {"none": 1, "constrained": 2, "tight": 2}  # layout -> Figure.draw calls per save


def _figure(layout):
    fig, axs = plt.subplots(6, 6, figsize=FIGSIZE, dpi=100, layout=layout)
    x = np.arange(50)
    rng = np.random.default_rng(0)
    for ax in axs.flat:
        ax.plot(x, 1 / (1 + x) + rng.normal(0, 0.01, x.size), label="loss")
        ax.plot(x, 1.2 / (1 + x) + rng.normal(0, 0.01, x.size), label="val_loss")
    return fig, axs.ravel().tolist()


def _count_draws(fig) -> list[int]:
    count = [0]
    original = fig.draw

    def draw(renderer):
        count[0] += 1
        return original(renderer)

    fig.draw = draw  # the canvas calls figure.draw(renderer): the instance attribute
    return count


def _plain(fig, axes):
    for ax in axes:
        ax.set_title("loss by step\nseed 0, lr 3e-4", loc="left")


def _titles(fig, axes):
    for ax in axes:
        titles(ax, title="loss by step", subtitle="seed 0, lr 3e-4")


def _timed(fn, layout) -> float:
    fig, axes = _figure(layout)
    draws = _count_draws(fig)
    t0 = time.process_time()
    fn(fig, axes)
    fig.savefig(io.BytesIO(), format="png")
    dt = time.process_time() - t0
    want = MODES[layout]
    assert draws[0] == want, f"{fn.__name__}/{layout}: {draws[0]} draws per save, not {want}"
    plt.close(fig)
    return dt


def main(repeat: int = 5) -> bool:
    times = {(fn.__name__, m): [] for fn in (_plain, _titles) for m in MODES}
    for m in MODES:  # warm caches once
        _timed(_plain, m)
        _timed(_titles, m)
    for _ in range(repeat):
        for m in MODES:
            for fn in (_plain, _titles):
                times[(fn.__name__, m)].append(_timed(fn, m))
    med = {k: median(v) for k, v in times.items()}
    rows = [
        Row(
            f"36 titles() + save, layout={m!r} ({d} draw{'s' if d > 1 else ''})",
            med[("_titles", m)],
            "set_title",
            med[("_plain", m)],
            target=("<=", 1.2),
        )
        for m, d in MODES.items()
    ]
    return report(f"title stacks on {N} axes of a pyplot figure, median of {repeat} runs", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
