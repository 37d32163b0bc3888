#!/usr/bin/env bash
# The course's question: does feature matching reduce mode collapse? Train the vanilla and feature-matching presets
# over several seeds, then compare letters covered, entropy, letter FID and collapse onset as mean ± std over the
# seeds. (The fix that does cover the alphabet is the `fixed` preset, self-conditioning.)
#
# Usage: examples/vanilla_vs_feature_matching.sh [EPOCHS] [SEEDS...]
#        e.g. examples/vanilla_vs_feature_matching.sh 50 0 1 2
# Env:   JOBS=2 runs two trainings at a time, one CPU thread each (two 2-thread runs on 2 cores slow each other
#        down far more than they gain); RUNS=runs/vanilla_vs_feature_matching is where the runs go.
# A run that already finished is reused and an interrupted one resumed, so the script can be run again after Ctrl-C.
set -euo pipefail
epochs=${1:-50}
shift || true
if [ $# -gt 0 ]; then seeds=("$@"); else seeds=(0 1 2); fi
jobs=${JOBS:-1}
root=${RUNS:-runs/vanilla_vs_feature_matching}
mkdir -p "$root"

train_one() {  # preset seed
  local out="$root/$1-s$2"
  if [ -f "$out/summary.json" ] && grep -q '"status": "completed"' "$out/summary.json"; then
    echo "reusing $out" >&2
  elif [ -d "$out/checkpoints" ] && [ -f "$out/checkpoints/last.pt" ]; then
    gentool gan train --resume "$out" --epochs "$epochs" --quiet > /dev/null
  else
    rm -rf "$out"
    gentool gan train --preset "$1" --epochs "$epochs" --seed "$2" --out "$out" --quiet > /dev/null
  fi
  echo "done: $out" >&2
}
export -f train_one
export root epochs

# build the letter dataset once, before parallel runs would each build it (the letter evaluator is shipped)
gentool data fonts --quiet > /dev/null

threads=""
[ "$jobs" -gt 1 ] && threads="OMP_NUM_THREADS=1"
for seed in "${seeds[@]}"; do for preset in vanilla feature-matching; do echo "$preset $seed"; done; done |
  xargs -P "$jobs" -L 1 env $threads bash -c 'train_one "$0" "$1"'

gentool gan compare "$root"/vanilla-s* "$root"/feature-matching-s* --out "$root/compare.png"
