#!/usr/bin/env bash
# Accuracy against train fraction for the three seq2seq tasks (the README table "Sequence to sequence on
# arithmetic"): every task and fraction trained for the same number of updates (STEPS batches of 128), then scored
# on every held-out expression by `seq2seq eval` (image inputs drawn from held-out fonts; drawn answers read by the
# digit evaluator). One run at a time. Run again with more STEPS and the runs there are resumed to the new total
# (a resumed run ends where a run trained straight to that total would) and scored again.
#
# Usage: examples/seq2seq_fractions.sh [OUT] [STEPS] [FRACTIONS] [TASKS]
#        defaults: runs/seq2seq-fractions 3000 "0.1 0.5 0.9" "text2text image2text text2image"
set -euo pipefail
out=${1:-runs/seq2seq-fractions}
steps=${2:-3000}
fractions=${3:-0.1 0.5 0.9}
tasks=${4:-text2text image2text text2image}
expressions=20000  # operands of up to 2 digits, + and -
mkdir -p "$out"
for task in $tasks; do
  for fraction in $fractions; do
    run="$out/$task-$fraction"
    # the same number of updates at every fraction: epochs = STEPS / batches per epoch
    epochs=$(python3 -c "import math; b = round($fraction * $expressions) // 128; print(math.ceil($steps / b))")
    if [ ! -f "$run/summary.json" ]; then
      gentool seq2seq train --task "$task" --train-fraction "$fraction" --epochs "$epochs" \
        --set evaluation.every=$(( (epochs + 4) / 5 )) --out "$run" --quiet > /dev/null
      rm -f "$run/eval.json"
    elif [ "$(python3 -c "import json; print(json.load(open('$run/summary.json'))['epochs_completed'])")" -lt "$epochs" ]; then
      gentool seq2seq train --resume "$run" --epochs "$epochs" --quiet > /dev/null
      rm -f "$run/eval.json"
    fi
    [ -f "$run/eval.json" ] || gentool seq2seq eval --run "$run" --quiet --json > /dev/null
  done
done

python3 - "$out" $tasks <<'PY'
import json, pathlib, sys
out, tasks = pathlib.Path(sys.argv[1]), sys.argv[2:]
print("| task | train fraction | updates | held-out exact | held-out per char | training exact | training, unseen fonts "
      "| baseline (exact) |")
print("|---|---|---|---|---|---|---|---|")
for task in tasks:
    for path in sorted(out.glob(f"{task}-*/eval.json"), key=lambda p: float(p.parent.name.split("-")[-1])):
        e, s = json.loads(path.read_text()), json.loads((path.parent / "summary.json").read_text())
        base = "; ".join(f"{name}: {b['exact']:.1%}" for name, b in e["baselines"].items())
        unseen = f"{e['train_heldout_fonts']['exact']:.1%}" if "train_heldout_fonts" in e else "n/a"
        print(f"| {task} | {e['train_fraction']:g} ({e['train']['count']}) | {s['steps']} | "
              f"{e['heldout']['exact']:.1%} | {e['heldout']['per_char']:.1%} | {e['train']['exact']:.1%} | {unseen} | "
              f"{base} |")
PY
