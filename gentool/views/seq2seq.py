"""What the `seq2seq` commands print: accuracy beside baselines, by operator and answer length, the answer-length
confusion, and one prediction."""

from __future__ import annotations

import textwrap

from rich.table import Table

from gentool.evaluate.instruments import instrument_of
from gentool.views.tables import cell

WIDTH = 80


def eval_view(result: dict) -> list[Table | str]:
    summary = Table(title=f"{result['task']} held-out expressions ({result['decoding']})", title_justify="left")
    for name, justify in (("", "left"), ("expressions", "right"), ("exact", "right"), ("per char", "right")):
        summary.add_column(name, justify=justify)
    rows = [("model, held-out", result["heldout"]), ("model, training", result["train"]),
            *([("model, training, unseen fonts", result["train_heldout_fonts"])]
              if "train_heldout_fonts" in result else []),
            *[(f"baseline: {name}", score) for name, score in result["baselines"].items()]]
    for label, score in rows:
        summary.add_row(label, str(score["count"]), f"{score['exact']:.1%}", f"{score['per_char']:.1%}")

    groups = Table(title="held-out accuracy by operator and answer length", title_justify="left")
    for name in ("operator", "answer length", "expressions", "exact", "per char"):
        groups.add_column(name, justify="right")
    for row in result["by_group"]:
        groups.add_row(row["operator"], str(row["answer_length"]), str(row["count"]), f"{row['exact']:.1%}",
                       f"{row['per_char']:.1%}")

    lengths = sorted({int(p) for counts in result["length_confusion"].values() for p in counts}
                     | {int(t) for t in result["length_confusion"]})
    confusion = Table(title="answer lengths: true (rows) against given (columns)", title_justify="left")
    confusion.add_column("true")
    for length in lengths:
        confusion.add_column(str(length), justify="right")
    for true, counts in result["length_confusion"].items():
        confusion.add_row(true, *[str(counts.get(str(length), counts.get(length, 0))) for length in lengths])

    lines: list[Table | str] = [summary, textwrap.fill(_caption(result), WIDTH), groups, confusion]
    if result["mistakes"]:
        lines.append(textwrap.fill("some held-out mistakes: " + ", ".join(
            f"{m['expression']}={m['predicted'] or '(none)'} (not {m['answer']})" for m in result["mistakes"][:6]),
            WIDTH))
    lines.append(f"scored in {result['seconds']:.1f} s; wrote {result['path']}")
    return lines


def _caption(result: dict) -> str:
    digits = result["operand_digits"]
    text = (f"trained on {result['train']['count']} of {result['train']['count'] + result['heldout']['count']} "
            f"expressions (train fraction {result['train_fraction']:g}, operands of up to {digits} "
            f"digit{'s' if digits > 1 else ''})")
    if "heldout_fonts" in result:
        text += f"; held-out glyphs from {len(result['heldout_fonts'])} unseen fonts"
    if "evaluator" in result:
        shown = cell(result["evaluator"]["held_out_accuracy"], "{:.1%}")
        text += (f"; drawn answers read by the {instrument_of(result['instrument']).label()} ({shown} on its "
                 f"held-out fonts)")
    return text


def predict_lines(result: dict) -> list[str]:
    verdict = "right" if result["correct"] else f"wrong: {result['expression']} = {result['truth']}"
    how = f", {result['decoding']}, log-prob {result['log_prob']:.3f}" if "log_prob" in result else ""
    if result.get("read_by"):
        how = f", as the {result['read_by']} reads the drawing"
    seen = "a training expression" if result["in_training_split"] else "a held-out expression"
    given = result["answer"] or "(none)"
    lines = [result["answer"] or "(no answer)", f"{result['expression']} -> {given} ({verdict}{how}; {seen})"]
    if result.get("png"):
        lines.append(result["png"])
    return lines
