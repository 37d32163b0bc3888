"""What `seq2seq eval` and `seq2seq predict` compute from a trained run. Nothing here trains or prints.

eval: exact-match and per-character accuracy on every held-out expression (glyphs from held-out fonts) and every
training one, beside baselines measured the same way (text answers: always the most common training answer;
drawn answers: the true answer drawn with real held-out glyphs, and noise, both read by the digit evaluator), then
accuracy by operator and answer length, and which answer lengths the model gives for each true length.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import torch

from gentool.io.images import save_grid
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import RunDir, writing_into
from gentool.seq2seq.data import check_expression, decode, draw_glyphs, evaluate_expression
from gentool.seq2seq.scoring import Answers, accuracy, answer, encode_one, most_common_answer
from gentool.seq2seq.trained import TrainedSeq2Seq

BASELINE_SAMPLE = 2000


def by_operator_and_length(answers: Answers) -> list[dict]:
    """Accuracy of each (operator, true answer length) group, in order."""
    groups: dict[tuple[str, int], list[int]] = {}
    for row, (expression, truth) in enumerate(zip(answers.expressions, answers.truth)):
        operator = "+" if "+" in expression else "-"
        groups.setdefault((operator, len(truth)), []).append(row)
    table = []
    for (operator, length), rows in sorted(groups.items()):
        score = accuracy([answers.truth[r] for r in rows], [answers.predicted[r] for r in rows])
        table.append({"operator": operator, "answer_length": length, **score})
    return table


def length_confusion(answers: Answers) -> dict:
    """{true length: {predicted length: count}}: does the model give answers of the right size?"""
    confusion: dict[int, Counter] = {}
    for truth, predicted in zip(answers.truth, answers.predicted):
        confusion.setdefault(len(truth), Counter())[len(predicted)] += 1
    return {str(length): dict(sorted(counts.items())) for length, counts in sorted(confusion.items())}


def baselines(trained: TrainedSeq2Seq, held: Answers, seed: int) -> dict:
    """Text answers: always the most common training answer. Drawn answers: the true answers drawn with real
    held-out glyphs, and uniform noise, both read by the digit evaluator (on at most BASELINE_SAMPLE held-out
    expressions, a seeded choice: they bound the reading, not the model)."""
    data = trained.data
    if not trained.model.image_output:
        common = most_common_answer(data)
        return {f"always '{common}'": accuracy(held.truth, [common] * len(held.truth))}
    chosen = torch.randperm(len(data.test_index), generator=torch.Generator().manual_seed(seed))[:BASELINE_SAMPLE]
    index = data.test_index[chosen.sort().values.to(data.test_index.device)]
    truth = [data.answers[i] for i in index.tolist()]
    targets = data.targets[index]
    generator = torch.Generator(device=targets.device).manual_seed(seed)
    real = data.evaluator.read(draw_glyphs(targets, data.pools["val"], generator))
    noise_glyphs = torch.rand(targets.shape + (1, 28, 28), generator=generator, device=targets.device) * 2 - 1
    results = {"real glyphs": accuracy(truth, real), "noise": accuracy(truth, data.evaluator.read(noise_glyphs))}
    if trained.config.expressions.target_style == "canonical":  # a perfect copy of the training targets reads this well
        results["target glyphs"] = accuracy(truth, data.evaluator.read(draw_glyphs(targets, data.pools["target"])))
    return results


def evaluate(trained: TrainedSeq2Seq, ctx: RunContext, *, beam: int = 1, seed: int | None = None,
             out: Path | None = None) -> dict:
    """Every held-out and training expression answered (greedy, or a beam of `beam`); writes eval.json."""
    started = time.perf_counter()
    data, config = trained.data, trained.config
    seed = config.evaluation.seed if seed is None else seed
    held = answer(trained.model, data, data.test_index, seed=seed, beam=beam)
    trained_answers = answer(trained.model, data, data.train_index, seed=seed, beam=beam)
    result = {
        "run": str(trained.folder), "checkpoint": str(trained.checkpoint), "task": config.task,
        "decoding": f"beam {beam}" if beam > 1 else "greedy", "seed": seed,
        "train_fraction": config.expressions.train_fraction, "operand_digits": config.expressions.operand_digits,
        "heldout": accuracy(held.truth, held.predicted), "train": accuracy(trained_answers.truth,
                                                                           trained_answers.predicted),
        "baselines": baselines(trained, held, seed), "by_group": by_operator_and_length(held),
        "length_confusion": length_confusion(held),
        "mistakes": [{"expression": e, "answer": t, "predicted": p}
                     for e, t, p in zip(held.expressions, held.truth, held.predicted) if t != p][:10],
    }
    if trained.model.image_input:  # font generalisation alone: expressions it trained on, in fonts it never saw
        unseen = answer(trained.model, data, data.train_index, seed=seed, beam=beam, glyph_split="val")
        result["train_heldout_fonts"] = accuracy(unseen.truth, unseen.predicted)
    if data.evaluator is not None:
        result["evaluator"] = {"path": str(data.evaluator.path),
                               "held_out_accuracy": data.evaluator.report["held_out"]["accuracy"]}
        result["instrument"] = data.evaluator.instrument.record()
    if data.symbols is not None:
        result["heldout_fonts"] = [f["name"] for f in data.symbols.faces if f["split"] == "val"]
    result["seconds"] = round(time.perf_counter() - started, 2)
    with writing_into(RunDir(trained.folder), out):
        result["path"] = str(atomic_write_json(out or trained.folder / "eval.json", result))
    return result


def strip_name(expression: str) -> str:
    return "predict-" + expression.replace("+", "plus").replace("-", "minus") + ".png"


def predict(trained: TrainedSeq2Seq, ctx: RunContext, expression: str, *, beam: int = 1, seed: int = 0,
            out: Path | None = None) -> dict:
    """One expression's answer. Image input reads its glyphs from held-out fonts (chosen by `seed`); image output
    is read by the digit evaluator. Image tasks write a PNG strip of the glyphs read or drawn."""
    data, model = trained.data, trained.model
    checked = check_expression(expression, data.operand_digits)
    truth = evaluate_expression(checked)
    tokens, lengths = encode_one(data, checked)
    inputs = tokens
    generator = torch.Generator(device=tokens.device).manual_seed(seed)
    if model.image_input:
        inputs = draw_glyphs(tokens, data.pools["val"], generator)
    result = {"run": str(trained.folder), "task": trained.config.task, "expression": checked, "truth": truth}
    strip = None
    if model.image_output:
        drawn = model.draw(inputs, lengths, data.answer_steps)
        result["answer"] = data.evaluator.read(drawn)[0]
        result["read_by"] = "digit evaluator"
        strip = drawn[0]
    else:
        steps = data.answer_steps
        found, score = model.beam(inputs, lengths, steps, beam) if beam > 1 else model.greedy(inputs, lengths, steps)
        result["answer"] = decode(found)[0]
        result["log_prob"] = round(float(score[0]), 4)
        result["decoding"] = f"beam {beam}" if beam > 1 else "greedy"
        if model.image_input:
            strip = inputs[0]
    result["correct"] = result["answer"] == truth
    result["in_training_split"] = checked in {data.expressions[i] for i in data.train_index.tolist()}
    if strip is not None:
        path = out or trained.folder / "predictions" / strip_name(checked)
        with writing_into(RunDir(trained.folder), out):
            result["png"] = str(save_grid(path, ((strip.cpu() + 1) / 2).clamp(0, 1), nrow=len(strip)))
    return result

