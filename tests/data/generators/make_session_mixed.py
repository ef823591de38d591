"""Write tests/data/session_mixed: one GPU session folder holding five logs of five kinds.

Run with the generator venv (torch for the real TensorBoard writer):
``/work/genvenv/bin/python tests/data/generators/make_session_mixed.py SAMPLE_DATA OUT``.
SAMPLE_DATA is chartkit/metrics/sample_data (the H100 session's real files are cut short);
the TensorBoard log and the probe CSV (with its own column names, as a user's script writes
them) are written here by the real tools.
"""

import csv
import shutil
import sys
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

src, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
smi = (src / "gpu_h100" / "nvidia_smi_query.csv").read_text().splitlines(keepends=True)
(out / "nvidia_smi_query.csv").write_text("".join(smi[:61]))
steps = (src / "gpu_h100" / "gpu_train_steps.jsonl").read_text().splitlines(keepends=True)
(out / "train_steps.jsonl").write_text("".join(steps[:150]))
w = SummaryWriter(str(out / "tb"))
for i in range(120):
    w.add_scalar("train/loss", 2.0 / (1 + i / 10), i)
    w.add_scalar("train/lr", 0.1 if i < 60 else 0.01, i)
w.close()
with open(out / "probe.csv", "w", newline="") as fh:
    wr = csv.writer(fh)
    wr.writerow(["batch_size", "status", "step_seconds", "peak_allocated_mib", "oom"])
    for k, bs in enumerate([32, 64, 128, 256, 512]):
        ok = bs < 512
        wr.writerow([bs, "ok" if ok else "oom", f"{0.01 * (k + 1):.3f}",
                     f"{600 * (k + 1):.1f}" if ok else "", int(not ok)])
lit = out / "lightning" / "lit_mlp"
shutil.copytree(src / "lightning" / "lit_mlp", lit, dirs_exist_ok=True)
(out / "notes.txt").write_text("H100 session, batch-size search then 20 s of training.\n")
(out / "train.py").write_text("print('the training script')\n")
