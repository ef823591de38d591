"""Tiny DistributedDataParallel run on CPU (gloo), launched with torchrun.

Copied from the shared fixture generator; adds --log-batch-size and --no-tb (chartkit tests).

Each rank writes per-step JSONL (its own file) and TensorBoard events (its own
log dir) via torch.utils.tensorboard.SummaryWriter.

  torchrun --standalone --nproc_per_node 2 ddp_train.py --out OUT --seed 0

Options for awkward variants (crash, resume, divergence):
  --crash-rank R --crash-step S   rank R writes half a JSON line at step S, then dies
  --ckpt-every N                  rank 0 saves a checkpoint every N steps
  --resume                        resume from OUT/checkpoint.pt (steps repeat)
  --stop-after S                  all ranks exit cleanly after global step S (simulated stop)
  --lr X --lr-growth G           lr grows by G per step (LR range test)
  --lr-jump-step S --lr-jump X    lr jumps to X at step S (a bad schedule); loss goes inf then NaN
"""

import argparse
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from torch.utils.tensorboard import SummaryWriter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--num-samples", type=int, default=16384)
    ap.add_argument("--batch-size", type=int, default=16)  # per rank
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--crash-rank", type=int, default=-1)
    ap.add_argument("--crash-step", type=int, default=-1)
    ap.add_argument("--ckpt-every", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--stop-after", type=int, default=-1)
    ap.add_argument(
        "--lr-growth",
        type=float,
        default=1.0,
        help="multiply lr by this every step (LR range test)",
    )
    ap.add_argument(
        "--lr-jump-step",
        type=int,
        default=-1,
        help="at this step set lr to --lr-jump (a bad schedule)",
    )
    ap.add_argument("--lr-jump", type=float, default=8.0)
    ap.add_argument("--log-batch-size", action="store_true", help="also log batch_size per step")
    ap.add_argument("--no-tb", action="store_true", help="write JSONL only (small test logs)")
    a = ap.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    d, k = 32, 8
    centers = torch.randn(k, d, generator=g)
    y = torch.randint(0, k, (a.num_samples,), generator=g)
    x = centers[y] + torch.randn(a.num_samples, d, generator=g) * 1.2
    ds = TensorDataset(x, y)
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=a.seed)
    loader = DataLoader(ds, batch_size=a.batch_size, sampler=sampler)
    model = nn.Sequential(
        nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, k)
    )
    ddp = DDP(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=a.lr, momentum=0.9)
    crit = nn.CrossEntropyLoss()

    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "checkpoint.pt")
    step, start_epoch, skip = 0, 0, 0
    if a.resume and os.path.exists(ckpt_path):
        st = torch.load(ckpt_path)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, start_epoch, skip = st["step"], st["epoch"], st["batch_in_epoch"]
    log = open(os.path.join(a.out, f"rank{rank}.jsonl"), "a", buffering=1)  # noqa: SIM115
    tb = SummaryWriter(log_dir=os.path.join(a.out, "tb", f"rank{rank}")) if not a.no_tb else None
    if rank == 0 and tb is not None:
        tb.add_text("run/config", json.dumps({**vars(a), "world_size": world}), step)

    for epoch in range(start_epoch, a.epochs):
        sampler.set_epoch(epoch)
        t_last = time.perf_counter()
        for bi, (xb, yb) in enumerate(loader):
            if epoch == start_epoch and bi < skip:
                continue
            opt.zero_grad()
            loss = crit(ddp(xb), yb)
            loss.backward()
            opt.step()
            if a.lr_growth != 1.0:
                for g_ in opt.param_groups:
                    g_["lr"] *= a.lr_growth
            step += 1
            if step == a.lr_jump_step:
                for g_ in opt.param_groups:
                    g_["lr"] = a.lr_jump
            now = time.perf_counter()
            dt = now - t_last
            t_last = now
            rec = {
                "step": step,
                "epoch": epoch,
                "loss": loss.item(),
                "samples_per_sec": len(xb) / dt,
                "wall_time": time.time(),
                "rank": rank,
                "world_size": world,
                "lr": opt.param_groups[0]["lr"],
            }
            if a.log_batch_size:
                rec["batch_size"] = len(xb)
            line = json.dumps(rec)
            if rank == a.crash_rank and step == a.crash_step:
                log.write(line[: len(line) // 2])
                log.flush()
                os._exit(1)  # hard crash: no close, no flush of the SummaryWriter
            log.write(line + "\n")
            if tb is not None:
                tb.add_scalar("train/loss", rec["loss"], step)
                tb.add_scalar("perf/samples_per_sec", rec["samples_per_sec"], step)
            if a.ckpt_every and step % a.ckpt_every == 0 and rank == 0:
                torch.save(
                    {
                        "model": model.state_dict(),
                        "opt": opt.state_dict(),
                        "step": step,
                        "epoch": epoch,
                        "batch_in_epoch": bi + 1,
                    },
                    ckpt_path,
                )
            if a.stop_after > 0 and step >= a.stop_after:
                log.close()
                if tb is not None:
                    tb.close()
                dist.destroy_process_group()
                return
        # epoch-level metric: mean loss over ranks
        if tb is not None:
            tb.add_scalar("epoch/last_loss", loss.item(), step)
    log.close()
    if tb is not None:
        tb.close()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
