#!/bin/sh
# Regenerate tests/data/ddp_variants/ (real 2-rank DDP runs on CPU; needs torch):
#   sh tests/data/generators/make_ddp_variants.sh /path/to/torchrun
set -e
TR=${1:-torchrun}
HERE=$(dirname "$0")
OUT=$HERE/../ddp_variants
run() { name=$1; shift; rm -rf "$OUT/$name"; "$TR" --standalone --nproc_per_node 2 "$HERE/ddp_train.py" --out "$OUT/$name" --no-tb --num-samples 2048 "$@"; }
run diverged_jump --seed 1 --lr-jump-step 100 --lr-jump 8
run diverged_growth --seed 2 --lr 0.01 --lr-growth 1.08
run crashed --seed 3 --crash-rank 1 --crash-step 120 || true
run resumed --seed 4 --ckpt-every 50 --stop-after 130
"$TR" --standalone --nproc_per_node 2 "$HERE/ddp_train.py" --out "$OUT/resumed" --no-tb --num-samples 2048 --seed 4 --resume
rm -f "$OUT/resumed/checkpoint.pt"
run batch_logged --seed 5 --batch-size 32 --log-batch-size
