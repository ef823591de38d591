"""
Hugging Face Trainer runs read from their trainer_state.json
============================================================

``chartkit.metrics.read`` recognises a ``transformers.Trainer`` output_dir by its
``trainer_state.json`` (at the top and in every ``checkpoint-*/``) and reads only JSON:
weights, optimizer states and ``training_args.bin`` (a pickle) are never opened. The copies
in the checkpoints are merged (a later file wins for one metric at one step; identical
repeats are counted, differing values reported). Output_dirs side by side are the runs of
one log, read in one pass, as the trials of a Ray experiment are. The data are two small
real runs bundled with chartkit (a tiny BERT trained for 40 steps on CPU, evaluated every
10): ``run_resumed`` was stopped and resumed from ``checkpoint-20``, so its
``train_runtime`` covers only the resumed part.
"""

import matplotlib.pyplot as plt

import chartkit
from chartkit.metrics import read, sample_path
from chartkit.metrics.plots import plot_curves

log = read(sample_path("hf_trainer_runs"))
print(log)
print(log.params[["run", "train_runtime", "train_loss"]])
print(log.info.extra["checkpoints"])

# %%
# Training loss, evaluation loss and the learning-rate schedule of both runs. The resumed
# run (dashed) retraced the plain one exactly: the merge of its checkpoint copy and its
# final state left no step twice and no gap at step 20.
styles = {"run_plain": {"lw": 2.5}, "run_resumed": {"ls": (0, (4, 3)), "lw": 1.5}}
with chartkit.theme("default"):
    fig, axs = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    for ax, metric in zip(axs, ["loss", "eval_loss", "learning_rate"], strict=True):
        for k, (run, style) in enumerate(styles.items()):
            part = log.metrics[log.metrics["run"] == run]
            plot_curves(part, metric, smooth=None, label=run, color=f"C{k}", ax=ax, **style)
    axs[0].legend(title="run")
    plt.show()
