"""Figure audit cost: ``check_figure`` on a 6-panel figure against one ``fig.canvas.draw()``.

Target (issue 8): ``check_figure(fig)`` costs at most 1.5x one ``fig.canvas.draw()`` of the
same figure. The figure is a themed 2x3 dashboard (constrained layout): four training
curves with an outside legend, a 500-point scatter, bars, an annotated heatmap with a
colorbar, a histogram and a band with its line, with titles, Korean axis labels and tick
labels. Both calls run on the same figure, interleaved, after a warm-up draw; medians are
compared. ``audit_image`` on the saved PNG is printed for information, against
``fig.savefig`` of that PNG.
"""

from __future__ import annotations

import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("MPLBACKEND", "agg")

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt
import numpy as np
from _harness import Row, median, report

import chartkit
from chartkit.audit import audit_image, check_figure


def six_panels():
    rng = np.random.default_rng(0)
    fig, axs = plt.subplots(2, 3, figsize=(12, 7), dpi=100, layout="constrained")
    steps = np.arange(2000)
    colors = chartkit.palettes.palette("okabe_ito")
    for k in range(4):
        axs[0, 0].plot(
            steps, np.cumsum(rng.normal(size=steps.size)), color=colors[k], label=f"rank {k}"
        )
    axs[0, 0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axs[0, 1].scatter(rng.normal(size=500), rng.normal(size=500), s=5, color=colors[4])
    axs[0, 2].bar(list("abcdef"), rng.random(6), color=colors[5])
    values = rng.random((8, 8))
    im = axs[1, 0].imshow(values, cmap="viridis")
    fig.colorbar(im, ax=axs[1, 0])
    chartkit.annotate.heatmap_labels(im, fmt="{:.1f}", fontsize=7)
    axs[1, 1].hist(rng.normal(size=1000), bins=30, color=colors[6])
    axs[1, 2].fill_between(
        steps, np.sin(steps / 100) - 0.2, np.sin(steps / 100) + 0.2, alpha=0.3, color=colors[0]
    )
    axs[1, 2].plot(steps, np.sin(steps / 100), color=colors[0])
    for ax in axs.flat:
        ax.set(title="panel", xlabel="스텝 (step)", ylabel="손실 (loss)")
    return fig


def main(repeat: int = 7) -> bool:
    with chartkit.theme("default"):
        fig = six_panels()
        fig.canvas.draw()  # warm-up: fonts, caches
        first = check_figure(fig)
        if not first.ok:
            print(first)
        draws, checks = [], []

        for _ in range(repeat):
            t0 = time.perf_counter()
            fig.canvas.draw()
            draws.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            check_figure(fig)
            checks.append(time.perf_counter() - t0)
        saves, images = [], []
        for _ in range(3):
            buf = io.BytesIO()
            t0 = time.perf_counter()
            fig.savefig(buf, format="png")
            saves.append(time.perf_counter() - t0)
            img = np.asarray(plt.imread(io.BytesIO(buf.getvalue())) * 255, dtype=np.uint8)
            t0 = time.perf_counter()
            audit_image(img)
            images.append(time.perf_counter() - t0)
        plt.close(fig)
    rows = [
        Row(
            "check_figure, 6-panel figure",
            median(checks),
            "canvas.draw",
            median(draws),
            target=("<=", 1.5),
        ),
        Row("audit_image of its PNG (1200x700 px)", median(images), "savefig", median(saves)),
    ]
    return report(f"figure audit, median of {repeat} interleaved runs", rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
