#!/usr/bin/env bash
# Train the vanilla and the feature-matching presets with the same seeds and print one table of their last epochs.
# Usage: examples/vanilla_vs_fixed.sh [EPOCHS] [SEEDS...]     e.g. examples/vanilla_vs_fixed.sh 20 0 1 2
# Runs go to runs/compare/<preset>-s<seed>; a run that already finished is reused, an interrupted one resumed.
set -euo pipefail
epochs=${1:-20}
shift || true
seeds=("${@:-0}")
root=runs/compare
mkdir -p "$root"

for seed in "${seeds[@]}"; do
  for preset in vanilla fixed; do
    out="$root/$preset-s$seed"
    if [ -f "$out/summary.json" ] && grep -q '"status": "completed"' "$out/summary.json"; then
      echo "reusing $out" >&2
    elif [ -d "$out/checkpoints" ]; then
      gentool gan train --resume "$out" --epochs "$epochs" --quiet > /dev/null
    else
      gentool gan train --preset "$preset" --epochs "$epochs" --seed "$seed" --out "$out" --quiet > /dev/null
    fi
  done
done

python3 - "$root" <<'PY'
import json, pathlib, sys
rows = []
for summary_path in sorted(pathlib.Path(sys.argv[1]).glob("*/summary.json")):
    s = json.loads(summary_path.read_text())
    f = s["final"] or {}
    rows.append((summary_path.parent.name, s["epochs_completed"], f.get("loss_d"), f.get("loss_g"),
                 f.get("d_real"), f.get("d_fake"), s["images_per_s"], s["samples"][-1] if s["samples"] else "-"))
print(f"{'run':<14}{'epochs':>7}{'loss_d':>9}{'loss_g':>9}{'D(x)':>8}{'D(G(z))':>9}{'img/s':>8}  last grid")
for name, epochs, ld, lg, dx, dg, speed, grid in rows:
    print(f"{name:<14}{epochs:>7}{ld:>9.3f}{lg:>9.3f}{dx:>8.3f}{dg:>9.3f}{speed:>8.0f}  {sys.argv[1]}/{name}/samples/{grid}")
PY
