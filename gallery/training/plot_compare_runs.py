"""
Comparing runs: three learning rates, four seeds each, with honest intervals
============================================================================

``plot_compare`` puts groups of runs side by side the way a careful reviewer asks for:
each line is the interquartile mean (IQM) of a group's seeds at every step, the band its
95 % stratified-bootstrap confidence interval (seeds resampled with replacement, 2,000
times, whole curves at a time), and each group is named at its end with its number of
seeds. ``compare_table`` gives the final and best values with their intervals and the
probability that each group beats the best one. The runs are real DDP runs (2 ranks,
gloo) bundled with chartkit; groups and seeds come from the folder names.
"""

# %%
import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.compare import compare_table
from chartkit.metrics.plots import plot_compare

runs = read(sample_path("compare_lr_seeds"))  # 12 folders lr<lr>_seed<seed>
by, seed = r"lr([\d.]+)_", r"seed(\d+)"

with chartkit.theme("default"):
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    plot_compare(runs, "loss", by=by, seed=seed, smooth=0.8, ax=ax)
    chartkit.annotate.titles(ax, "Training loss by learning rate",
                             subtitle="IQM of 4 seeds with a 95% bootstrap band")
    plt.show()

table = compare_table(runs, "loss", by=by, seed=seed)
print(table.round(3).to_string())
