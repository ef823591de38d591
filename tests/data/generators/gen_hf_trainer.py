"""Write small real Hugging Face Trainer output folders (JSON files only) for the reader's tests.

Run with the generation venv (transformers + accelerate + torch CPU)::

    /work/genvenv/bin/python tests/data/generators/gen_hf_trainer.py tests/data/hf_trainer

A tiny BERT classifier (built from a config: nothing is downloaded) is trained on random
tokens. ``run_plain``: 40 steps, logging every 2, evaluation and a checkpoint every 10, then
``save_state`` and ``save_metrics`` (``train_results.json``, ``eval_results.json``,
``all_results.json``). ``run_resumed``: the first attempt stops at step 32 (a callback, as a
crash would), the second resumes from ``checkpoint-20`` and runs to 40, rewriting
``checkpoint-30``. Weights, optimizer and RNG states (pickles) are deleted: only the JSON
files are kept.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys

import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)


class Random(torch.utils.data.Dataset):
    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randint(5, 100, (n, 12), generator=g)
        self.y = (self.x[:, 0] > 50).long()

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        return {"input_ids": self.x[i], "attention_mask": torch.ones(12), "labels": self.y[i]}


class StopAt(TrainerCallback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args, state, control, **kw):
        if state.global_step >= self.step:
            control.should_training_stop = True


def model():
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=100, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2,
    )
    return BertForSequenceClassification(cfg)


def args(out: str) -> TrainingArguments:
    return TrainingArguments(
        output_dir=out, max_steps=40, per_device_train_batch_size=8, learning_rate=5e-3,
        logging_steps=2, eval_strategy="steps", eval_steps=10, save_steps=10,
        report_to=[], use_cpu=True, seed=0, lr_scheduler_type="linear", warmup_steps=4,
    )


def trainer(out: str, callbacks=()) -> Trainer:
    return Trainer(
        model=model(), args=args(out), train_dataset=Random(256, 0), eval_dataset=Random(64, 1),
        callbacks=list(callbacks),
    )


def keep_json(out: str) -> None:
    for p in glob.glob(os.path.join(out, "**", "*"), recursive=True):
        if os.path.isfile(p) and not p.endswith(".json"):
            os.remove(p)
    for p in glob.glob(os.path.join(out, "**", "*.json"), recursive=True):
        if os.path.basename(p) in ("config.json", "generation_config.json"):
            os.remove(p)


def main(root: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    plain = os.path.join(root, "run_plain")
    t = trainer(plain)
    res = t.train()
    t.save_state()
    t.save_metrics("train", res.metrics)
    t.save_metrics("eval", t.evaluate())
    keep_json(plain)

    resumed = os.path.join(root, "run_resumed")
    trainer(resumed, [StopAt(32)]).train()  # the "crash": checkpoints 10, 20, 30 written
    t = trainer(resumed)
    res = t.train(resume_from_checkpoint=os.path.join(resumed, "checkpoint-20"))
    t.save_state()
    t.save_metrics("train", res.metrics)
    keep_json(resumed)
    for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
        if os.path.isfile(p):
            print(p, os.path.getsize(p))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/hf_trainer")
