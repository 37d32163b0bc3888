#!/usr/bin/env bash
# The sweep engine's overhead: the same 6 runs (ring8, vanilla and feature matching x seeds 0-2, one short epoch
# each) as a plain shell loop of `gentool gan train`, as `gentool sweep` on local processes, and as `gentool sweep`
# on a local Ray cluster (needs pip install -e ".[ray]"), one run at a time each; wall times side by side.
# Usage: examples/sweep_overhead.sh [OUT] [STEPS]
set -euo pipefail
OUT=${1:-runs/sweep_overhead}
STEPS=${2:-100}
GENTOOL=${GENTOOL:-gentool}
SETTINGS=(--set train.epochs=1 --set "train.max_steps_per_epoch=$STEPS" --set mlp.g_hidden=128
          --set mlp.d_hidden=128)
rm -rf "$OUT" && mkdir -p "$OUT"

seconds() { local start=$SECONDS; "$@" > /dev/null; echo $((SECONDS - start)); }

loop() {
  for fixes in vanilla feature-matching; do
    for seed in 0 1 2; do
      fix=(); [ "$fixes" = vanilla ] || fix=(--fix "$fixes")
      $GENTOOL gan train --dataset ring8 "${fix[@]}" --seed "$seed" "${SETTINGS[@]}" --out "$OUT/loop/$fixes-s$seed" -q
    done
  done
}

sweep() { $GENTOOL sweep gan --dataset ring8 --grid fixes=vanilla,feature-matching --seeds 3 "${SETTINGS[@]}" -q "$@"; }

LOOP=$(seconds loop)
LOCAL=$(seconds sweep --out "$OUT/local")
RAY=$(seconds sweep --out "$OUT/ray" --executor ray --jobs 1 --cpus-per-run 1 2> /dev/null)
echo "shell loop of gan train: $LOOP s"
echo "sweep, local executor:   $LOCAL s"
echo "sweep, local Ray:        $RAY s"
$GENTOOL sweep show "$OUT/local" --csv | cut -d, -f1,5,7-9
$GENTOOL sweep show "$OUT/ray" --csv | cut -d, -f1,5,7-9
