#!/usr/bin/env bash
# CD-1 vs CD-10 vs PCD vs parallel tempering on the letters, at the same number of parameter updates (EPOCHS epochs
# of 176 batches of 100), over several seeds: each run's held-out log-likelihood (AIS), then `gentool rbm compare`
# prints the table (mean ± std over seeds) that the README shows.
#
# Usage: examples/rbm_methods.sh [EPOCHS] [SEED...]      (default: 20 epochs, seeds 0 1 2)
# Each run takes 1-4 minutes on one CPU core (CD-10 and PT run ten Gibbs sweeps per update).
set -euo pipefail
epochs=${1:-20}
shift || true
seeds=("${@:-0 1 2}")
root=runs/rbm-methods
mkdir -p "$root"
for seed in ${seeds[@]}; do
  for method in cd1 cd10 pcd pt; do
    run="$root/$method-s$seed"
    case $method in
      cd1) flags=(--preset default --cd 1) ;;
      cd10) flags=(--preset default --cd 10) ;;
      pcd) flags=(--preset pcd) ;;
      pt) flags=(--preset pt) ;;
    esac
    [ -f "$run/summary.json" ] || gentool rbm train "${flags[@]}" --seed "$seed" --epochs "$epochs" --eval-every 10 \
      --out "$run" --quiet > /dev/null
    [ -f "$run/likelihood.json" ] || gentool rbm likelihood --run "$run" --ais-steps 5000 --quiet > /dev/null
  done
done
gentool rbm compare "$root"/*/
