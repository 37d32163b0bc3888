#!/usr/bin/env bash
# The learned groove end to end: the synthetic performers, a groove trained on them, every performer's figures
# beside the baselines, then one performer heard rather than read: a plain rock score with 16th hats played by
# `laid-back`, and the onsets and levels of both WAV files found by gentool's onset detector (from the audio alone).
#
# Usage: examples/groove_listen.sh [OUT] [PERFORMER]   OUT: default groove-demo/; PERFORMER: default laid-back
set -euo pipefail
out=${1:-groove-demo}
performer=${2:-laid-back}
mkdir -p "$out"
[ -d "$out/performances" ] || gentool data performances --out "$out/performances" > /dev/null
[ -f "$out/run/summary.json" ] || gentool groove train --midi-dir "$out/performances" --out "$out/run" --quiet > /dev/null
gentool groove measure --run "$out/run" --markdown --quiet

python3 - "$out/score.npy" <<'PY'
import sys
import numpy as np
hits = np.zeros((4 * 16, 9), dtype=np.uint8)  # four bars: kick on 1 and 3, snare on 2 and 4, 16th closed hats
hits[0::8, 0] = 1
hits[4::8, 1] = 1
hits[:, 2] = 1
np.save(sys.argv[1], hits)
PY
gentool groove apply --run "$out/run" --input "$out/score.npy" --performer "$performer" --bpm 100 --seed 0 \
  --out "$out/listen" --quiet > /dev/null

python3 - "$out/listen" "$performer" <<'PY'
import sys
from pathlib import Path
import numpy as np
from gentool.evaluate.onsets import detect_onsets
from gentool.io.audio import read_wav
from gentool.io.midi import read_midi

folder, performer = Path(sys.argv[1]), sys.argv[2]
step = 60 / 100 / 4
heard = {}
for label, name in (("score", "score_score.wav"), ("played", f"score_{performer}_01.wav")):
    samples, rate = read_wav(folder / name)
    heard[label] = detect_onsets(samples, rate)

def by_step(onsets):
    """Each 16th of the four bars: the onsets within half a step of it (ms off the grid, level in dBFS)."""
    found = {}
    for seconds, level in onsets:
        index = round(seconds / step)
        if index < 64:
            found.setdefault(index, []).append((1000 * (seconds - index * step), level))
    return found

def shown(onsets):
    return ", ".join(f"{ms:+.1f} ms {level:.1f} dB" for ms, level in onsets) if onsets else "-"

def detector_check(midi_path, onsets):
    """How many of the MIDI file's hit times (hits within 8 ms counted once) the detector found within 4 ms."""
    pattern = read_midi(midi_path).pattern
    times = sorted(max(0.0, (s + pattern.offset[s, i]) * step) for s, i in zip(*pattern.hits.nonzero()))
    groups = [t for n, t in enumerate(times) if n == 0 or t - times[n - 1] >= 0.008]
    found = np.array([t for t, _ in onsets])
    errors = [1000 * (found[np.abs(found - t).argmin()] - t) for t in groups]
    matched = [e for e in errors if abs(e) <= 4]
    return (f"the detector found {len(matched)} of the {len(groups)} hit times in the MIDI file within 4 ms (mean "
            f"error {np.mean(matched):+.2f} ms, largest {max(map(abs, matched)):.2f} ms) and "
            f"{len(onsets) - len(matched)} onsets that are none of them")

print(f"{performer}: " + detector_check(folder / f"score_{performer}_01.mid", heard["played"]))
score, played = by_step(heard["score"]), by_step(heard["played"])
print(f"onsets read from the WAV files (100 BPM, a 16th = {1000 * step:.0f} ms): {len(heard['score'])} in the score, "
      f"{len(heard['played'])} played by {performer}; bar 1, each onset's distance from its 16th and its level:")
print("| 16th | score | played |")
print("|---|---|---|")
for index in range(16):
    print(f"| {index + 1} | {shown(score.get(index))} | {shown(played.get(index))} |")
for label, found in (("score", score), ("played", played)):
    odd = [found[i][0][0] for i in found if i % 2]
    even = [found[i][0][0] for i in found if i % 2 == 0 and i % 8 != 4]
    backbeat = [found[i][-1][0] for i in found if i % 8 == 4 and len(found[i]) > 1]
    levels = [level for onsets in found.values() for _, level in onsets]
    swing = 50 * (1 + (np.mean(odd) - np.mean(even)) / (1000 * step))
    late = f"{np.mean(backbeat):+.1f} ms off the grid ({len(backbeat)} of 8 found)" if backbeat else "not told apart"
    print(f"{label}, all four bars: swing {swing:.1f}% (the hats' off-beat 16ths against their 8ths off 2 and 4); "
          f"the snare on 2 and 4 (the second onset of those 16ths) {late}; levels {min(levels):.1f} to "
          f"{max(levels):.1f} dBFS")
PY
