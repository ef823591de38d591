"""Variant of gen_lightning_csv.py (chartkit tests): DeviceStatsMonitor on CPU, validation
rows every --val-every steps, several rows per step (issue 11.6). Otherwise as the original:
Tiny LightningModule trained on CPU with CSVLogger (+ LearningRateMonitor).

train_loss is logged every step (written every --log-every steps), val_loss and
val_acc once per epoch. Usage:
  python gen_lightning_csv.py OUT --seed 0 --epochs 4 [--resume-demo]
--resume-demo --phase 1: checkpoints every 50 steps, interrupted (Ctrl-C path) at
step 190; Lightning then exits the process.  --resume-demo --phase 2 (a new
process): resume from the newest checkpoint (step 150) with a fresh CSVLogger
(version=None -> version_1), so steps 150..190 exist in both version dirs.
"""
import argparse
import os

import lightning as L
import torch
import torch.nn as nn
from lightning.pytorch.callbacks import DeviceStatsMonitor, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset


class Mod(L.LightningModule):
    def __init__(self, lr=0.05, hidden=64):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(16, hidden), nn.ReLU(), nn.Linear(hidden, 4))

    def training_step(self, batch, _):
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, _):
        x, y = batch
        out = self.net(x)
        self.log("val_loss", nn.functional.cross_entropy(out, y))
        self.log("val_acc", (out.argmax(1) == y).float().mean())

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)
        sch = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return {"optimizer": opt, "lr_scheduler": sch}


class StopAt(L.Callback):
    def __init__(self, step):
        self.step = step

    def on_train_batch_end(self, trainer, *args):
        if trainer.global_step >= self.step:
            raise KeyboardInterrupt  # Lightning handles it like a user Ctrl-C


def data(seed):
    g = torch.Generator().manual_seed(seed)
    c = torch.randn(4, 16, generator=g) * 1.5
    y = torch.randint(0, 4, (3000,), generator=g)
    x = c[y] + torch.randn(3000, 16, generator=g) * 1.8
    tr = TensorDataset(x[:2400], y[:2400]); va = TensorDataset(x[2400:], y[2400:])
    return DataLoader(tr, batch_size=32, shuffle=True, generator=g), DataLoader(va, batch_size=128)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--resume-demo", action="store_true")
    ap.add_argument("--phase", type=int, default=1)
    ap.add_argument("--val-every", type=int, default=25)
    ap.add_argument("--train-size", type=int, default=2400)
    a = ap.parse_args()
    torch.set_num_threads(1)
    L.seed_everything(a.seed)
    tr, va = data(a.seed)
    logger = CSVLogger(a.out, name="lit_devstats", version=0)
    common = dict(accelerator="cpu", devices=1, log_every_n_steps=a.log_every,
                  enable_progress_bar=False, enable_model_summary=False)
    ckdir = os.path.join(a.out, "ckpt")
    if not a.resume_demo:
        t = L.Trainer(max_epochs=a.epochs, logger=logger,
                      callbacks=[LearningRateMonitor("step"), DeviceStatsMonitor(cpu_stats=True)],
                      enable_checkpointing=False, val_check_interval=a.val_every,
                      limit_train_batches=a.train_size // 32, **common)
        t.fit(Mod(), tr, va)
        return
    if a.phase == 1:
        # mid-epoch checkpoints every 50 steps, interrupted at step 190 (75 steps/epoch)
        ck = ModelCheckpoint(dirpath=ckdir, every_n_train_steps=50, save_top_k=-1)
        t = L.Trainer(max_epochs=a.epochs, logger=logger,
                      callbacks=[LearningRateMonitor("step"), ck, StopAt(190)], **common)
        t.fit(Mod(), tr, va)
        return
    last = sorted(os.listdir(ckdir), key=lambda f: os.path.getmtime(os.path.join(ckdir, f)))[-1]
    print("resuming from", last)
    logger2 = CSVLogger(a.out, name="lit_mlp")  # version=None -> next free version
    t2 = L.Trainer(max_epochs=a.epochs, logger=logger2, callbacks=[LearningRateMonitor("step")],
                   enable_checkpointing=False, **common)
    t2.fit(Mod(), tr, va, ckpt_path=os.path.join(ckdir, last))


if __name__ == "__main__":
    main()
