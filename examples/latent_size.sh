#!/usr/bin/env bash
# The latent-size study: a letter VAE and a letter GAN (vanilla DCGAN) at z = 16, 32, 64, 128, 256, several seeds
# each, one run at a time, then one table and one figure (python -m benchmarks.latent_size): negative ELBO and
# reconstruction (VAE), letters covered, letter FID, sharpness beside the real letters', recognisable share and
# seconds per epoch.
#
# Usage: examples/latent_size.sh [OUT]        OUT: where the runs go (default: runs/latent_size)
# Budget (environment): EPOCHS (5), SAMPLES_PER_GLYPH (12, the quick preset's dataset), EVERY (3: coverage
#   measured every N epochs and at the last), WARMUP (3: the VAE's KL warm-up in epochs), SEEDS ("0 1 2"),
#   SIZES ("16 32 64 128 256"), FAMILIES ("vae gan"). A finished run is kept and skipped when the script is run
#   again, so an interrupted study continues where it stopped.
set -euo pipefail
out=${1:-runs/latent_size}
epochs=${EPOCHS:-5}
per_glyph=${SAMPLES_PER_GLYPH:-12}
every=${EVERY:-3}
warmup=${WARMUP:-3}
seeds=${SEEDS:-"0 1 2"}
sizes=${SIZES:-"16 32 64 128 256"}
families=${FAMILIES:-"vae gan"}
mkdir -p "$out"

finished() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }

for seed in $seeds; do
  for z in $sizes; do
    for family in $families; do
      run="$out/$family-z$z-s$seed"
      if finished "$run"; then continue; fi
      if [ -d "$run" ]; then rm -r "$run"; fi  # a run cut short: start it again from nothing
      echo "$(date +%T) $run" >&2
      if [ "$family" = vae ]; then
        gentool vae train --dataset fonts --seed "$seed" --epochs "$epochs" --out "$run" --quiet \
          --set model.z_dim="$z" --set fonts.samples_per_glyph="$per_glyph" --set evaluation.every="$every" \
          --set anneal.warmup_epochs="$warmup" > /dev/null
      else
        gentool gan train --preset vanilla --seed "$seed" --epochs "$epochs" --out "$run" --quiet \
          --set model.z_dim="$z" --set fonts.samples_per_glyph="$per_glyph" --set evaluation.every="$every" \
          --set train.sample_epochs="[$epochs]" > /dev/null
      fi
    done
  done
done
python3 -m benchmarks.latent_size "$out"
