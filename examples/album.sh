#!/usr/bin/env bash
# A small "album" from one trained drum VAE: blends, an interpolation, humanized and transferred tracks, a long
# track and a complexity sweep, each as MIDI + WAV + PNG, and one table of their measured figures.
#
# Usage: examples/album.sh [RUN] [OUT]     RUN: a VAE run (default: train one with the default preset)
#                                          OUT: where the album goes (default: album/)
set -euo pipefail
run=${1:-}
album=${2:-album}
if [ -z "$run" ]; then
  run=runs/album-vae
  [ -f "$run/summary.json" ] || gentool vae train --out "$run" --quiet > /dev/null
fi
mkdir -p "$album"
common=(--run "$run" --seed 7 --bpm 100 --json --quiet)

gentool vae blend jazz rock --ratios 0,0.25,0.5,0.75,1 --n 2 --bars 4 "${common[@]}" --out "$album/01-blend-jazz-rock" > "$album/blend.json"
gentool vae interpolate --from latin --to electronic --steps 8 "${common[@]}" --out "$album/02-latin-to-electronic" > "$album/interpolate.json"
gentool vae sample --style hiphop --bars 8 --n 2 "${common[@]}" --out "$album/03-hiphop-long" > "$album/sample.json"
gentool vae transfer --content rock --style latin --count 8 "${common[@]}" --out "$album/04-rock-as-latin" > "$album/transfer.json"
gentool vae humanize --style rock --amount 0.6 --variations 3 "${common[@]}" --out "$album/05-rock-humanized" > "$album/humanize.json"
gentool vae complexity --style jazz --levels 6 "${common[@]}" --out "$album/06-jazz-complexity" > "$album/complexity.json"

python3 - "$album" <<'PY'
import json, pathlib, sys
album = pathlib.Path(sys.argv[1])
load = lambda name: json.loads((album / f"{name}.json").read_text())
print(f"{'track':<34} figures")
for b in load("blend")["blends"]:
    p = b["genre_probabilities"]
    print(f"{'blend jazz/rock r=' + format(b['ratio'], '.2f'):<34} jazz {p['jazz']:.0%}  rock {p['rock']:.0%}  validity {b['validity']:.2f}")
steps = load("interpolate")["steps"]
print(f"{'latin -> electronic (8 steps)':<34} " + " ".join(max(s['genre_probabilities'], key=s['genre_probabilities'].get)[:4] for s in steps))
s = load("sample")
print(f"{'hiphop, 8 bars x 2':<34} bars kept genre {s['bars_keeping_genre']:.0%}  groove consistency {s['groove_consistency']:.2f}  validity {s['validity']:.2f}")
t = load("transfer")
print(f"{'rock played as latin (8 bars)':<34} rhythm kept {t['rhythm_preservation']:.0%}  style success {t['style_success']:.0%}")
for i, v in enumerate(load("humanize")["variations"], 1):
    print(f"{'rock humanized #' + str(i):<34} {v['hits_changed']} hits changed  timing spread {v['timing_spread']:.3f} steps  velocity {v['velocity_range'][0]}-{v['velocity_range'][1]}")
c = load("complexity")
print(f"{'jazz complexity (6 levels)':<34} density " + " ".join(f"{d:.3f}" for d in c["expected_density"]) + ("  monotonic" if c["monotonic"] else "  NOT monotonic"))
PY
