"""Answers of a model to a set of expressions, and how right they are: exact match, and per character (the share
of the true answer's characters the prediction has at the same position). For text->image the drawn glyphs are
read by the digit evaluator. Training (per epoch) and `seq2seq eval` score the same way."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from gentool.seq2seq.data import ArithmeticData, decode, draw_glyphs, encode
from gentool.seq2seq.model import Seq2Seq

BATCH = 1024


@dataclass
class Answers:
    expressions: list[str]
    truth: list[str]
    predicted: list[str]
    inputs: torch.Tensor | None = None  # image input: the glyphs read (N, L, 1, 28, 28), on the CPU
    drawn: torch.Tensor | None = None  # image output: the glyphs drawn (N, T, 1, 28, 28), on the CPU


def split_of(data: ArithmeticData, index: torch.Tensor) -> str:
    """Glyphs of held-out expressions come from held-out fonts."""
    return "val" if bool(torch.isin(index[:1], data.test_index).all()) else "train"


def answer(model: Seq2Seq, data: ArithmeticData, index: torch.Tensor, *, seed: int, beam: int = 1,
           keep_glyphs: bool = False, glyph_split: str | None = None) -> Answers:
    """The model's answers to expressions `index` (greedy, or a beam of `beam`); image inputs are drawn from the
    fonts of the expressions' side of the split with a generator seeded by `seed`, so a score repeats exactly."""
    model.eval()
    device = data.inputs.device
    generator = torch.Generator(device=device).manual_seed(seed)
    pool = data.pools[glyph_split or split_of(data, index)] if data.pools else None
    steps = data.answer_steps
    predicted, inputs_kept, drawn_kept = [], [], []
    for start in range(0, len(index), BATCH):
        inputs, lengths, _ = data.batch(index[start:start + BATCH])
        if model.image_input:
            inputs = draw_glyphs(inputs, pool, generator)
            if keep_glyphs:
                inputs_kept.append(inputs.cpu())
        if model.image_output:
            glyphs = model.draw(inputs, lengths, steps)
            predicted += data.evaluator.read(glyphs)
            if keep_glyphs:
                drawn_kept.append(glyphs.cpu())
        else:
            tokens, _ = model.beam(inputs, lengths, steps, beam) if beam > 1 else model.greedy(inputs, lengths, steps)
            predicted += decode(tokens)
    rows = index.tolist()
    return Answers([data.expressions[i] for i in rows], [data.answers[i] for i in rows], predicted,
                   torch.cat(inputs_kept) if inputs_kept else None, torch.cat(drawn_kept) if drawn_kept else None)


def accuracy(truth: list[str], predicted: list[str]) -> dict:
    exact = sum(t == p for t, p in zip(truth, predicted))
    right = sum(sum(a == b for a, b in zip(t, p)) for t, p in zip(truth, predicted))
    characters = sum(len(t) for t in truth)
    return {"count": len(truth), "exact": round(exact / max(len(truth), 1), 4),
            "per_char": round(right / max(characters, 1), 4)}


def most_common_answer(data: ArithmeticData) -> str:
    """The training expressions' most common answer: always giving it is the baseline a text answer must beat."""
    return Counter(data.answers[i] for i in data.train_index.tolist()).most_common(1)[0][0]


def encode_one(data: ArithmeticData, expression: str) -> tuple[torch.Tensor, torch.Tensor]:
    """One expression's tokens (1, L) on the data's device and its length (1,)."""
    return encode([expression], len(expression)).to(data.inputs.device), torch.tensor([len(expression)])
