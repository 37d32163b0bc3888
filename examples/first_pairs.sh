#!/usr/bin/env bash
# Each family's first pair of commands (docs/demo.md), one after the other, each timed from start to exit.
#
# Usage: examples/first_pairs.sh [OUT]    (default: runs/first-pairs; the data folder is OUT/data unless
# GENTOOL_DATA_DIR is set, so the first drum and letter runs include building their data)
# Time on 2 CPU cores: about 6 minutes.
set -uo pipefail
out=${1:-runs/first-pairs}
gentool=${GENTOOL:-gentool}  # GENTOOL="python3 -m gentool" runs a source checkout
mkdir -p "$out"
export GENTOOL_DATA_DIR=${GENTOOL_DATA_DIR:-$out/data}

# NAME COMMAND...: the run goes to OUT/NAME, its summary to OUT/NAME.txt, its progress to OUT/NAME.err
timed() {
  local name=$1
  shift
  local start end rc
  start=$(date +%s.%N)
  $gentool "$@" --out "$out/$name" > "$out/$name.txt" 2> "$out/$name.err"
  rc=$?
  end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" -v rc="$rc" -v cmd="gentool $*" \
    'BEGIN { printf "%s\t%.1f s\texit %s\t%s\n", n, e - s, rc, cmd }' | tee -a "$out/times.tsv"
}

timed vae-default vae train
timed vae-no-anneal vae train --preset no-anneal
timed em-kmeanspp em fit
timed em-random em fit --init random-points
timed mcmc-rwmh mcmc sample --preset rwmh
timed mcmc-tempering mcmc sample --preset tempering
timed vi-reverse vi fit
timed vi-forward vi fit --preset forward
timed rbm-cd1 rbm train
timed rbm-pcd rbm train --preset pcd
timed seq2seq-quick seq2seq train --preset quick --task text2text
grep -h "" "$out"/*.txt
