#!/usr/bin/env bash
# Real DDP runs (torch DDP on CPU/gloo, 2 ranks) for run comparison: 3 learning rates x
# 4 seeds, written by ddp_train.py (beside this script) with its own JSONL.
# Usage: gen_compare_runs.sh OUT [PYTHON_VENV_BIN]
set -euo pipefail
OUT=${1:?out dir}
BIN=${2:-/work/genvenv/bin}
HERE="$(cd "$(dirname "$0")" && pwd)"
GEN="$HERE/ddp_train.py"
port=29600
for lr in 0.01 0.03 0.1; do
  for seed in 0 1 2 3; do
    run="$OUT/lr${lr}_seed${seed}"
    port=$((port + 1))
    "$BIN/torchrun" --standalone --nproc_per_node 2 --master-port $port "$GEN" \
      --out "$run" --seed "$seed" --lr "$lr" --epochs 2 --num-samples 2048 >/dev/null 2>&1 \
      || "$BIN/torchrun" --nproc_per_node 2 --master-port $port "$GEN" \
      --out "$run" --seed "$seed" --lr "$lr" --epochs 2 --num-samples 2048
    rm -rf "$run/tb"
  done
done
