#!/usr/bin/env bash
# Which GAN fix helps, by how much, at what cost? Vanilla and every fix alone over seeds on grid25 and ring8, and
# on the letters, each in a table beside PacGAN's published figures. These are the exact commands behind the
# README's benchmark tables: a CPU-budget run (2 epochs of 1,000 steps with Adam 1e-3 and 128-unit MLPs on the
# 2-D sets; the letters with the quick preset for 4 epochs). For PacGAN's own regime drop the --set options.
#
# Usage: examples/fix_benchmark.sh [OUT] [SEEDS]       (default: runs/fix_benchmark, 3 seeds)
# The two benchmarks run side by side, one thread each. Run the script again after Ctrl-C: finished runs are
# read and unfinished ones resume.
set -euo pipefail
out=${1:-runs/fix_benchmark}
seeds=${2:-3}
export OMP_NUM_THREADS=1
mkdir -p "$out"
gentool gan benchmark --dataset grid25 --dataset ring8 --seeds "$seeds" \
  --set train.epochs=2 --set optim.lr=1e-3 --set mlp.g_hidden=128 --set mlp.d_hidden=128 \
  --out "$out/points" > "$out/points.txt" &
points=$!
gentool gan benchmark --dataset fonts --seeds "$seeds" --set train.epochs=4 --out "$out/fonts" > "$out/fonts.txt"
wait "$points"
cat "$out/points.txt" "$out/fonts.txt"
