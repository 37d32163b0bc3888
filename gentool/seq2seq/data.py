"""The arithmetic data: every expression `a+b` and `a-b` of whole numbers with 1 to `operand_digits` digits (no
leading zeros), its answer, a deterministic split, the token vocabulary, and for the image tasks the glyphs that
draw them (digits and operators of the letter dataset's faces: training fonts for training, held-out fonts for the
held-out expressions).

Tokens: 0 = padding, 1 = start, 2 = end, then the symbols 0-9 + - (gentool.datasets.symbols.SYMBOLS).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

import torch

from gentool.datasets.symbols import SYMBOLS, SymbolDataset, load_symbol_dataset
from gentool.errors import UsageError
from gentool.evaluate.digits import DigitEvaluator, load_digit_evaluator
from gentool.runtime.context import RunContext
from gentool.seq2seq.config import CANONICAL_FACE, Seq2SeqConfig

PAD, START, END = 0, 1, 2
SPECIALS = 3
VOCABULARY = SPECIALS + len(SYMBOLS)
TOKEN_NAMES = "_^$" + SYMBOLS  # for messages only
MINUS_SIGNS = "\u2212\u2013"  # typed minus and en dash are read as '-'


def symbol_token(symbol: str) -> int:
    return SPECIALS + SYMBOLS.index(symbol)


def all_expressions(operand_digits: int) -> list[tuple[str, str]]:
    """(expression, answer) for every a+b and a-b with 0 <= a, b < 10**operand_digits, in a fixed order."""
    limit = 10 ** operand_digits
    return [(f"{a}{op}{b}", str(a + b if op == "+" else a - b))
            for a in range(limit) for op in "+-" for b in range(limit)]


def split_indices(count: int, train_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and held-out indices into all_expressions(): a seeded permutation cut at the fraction (at least one
    expression on each side). The same (count, fraction, seed) always gives the same split."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    cut = min(max(round(train_fraction * count), 1), count - 1)
    return order[:cut].sort().values, order[cut:].sort().values


def max_lengths(operand_digits: int) -> tuple[int, int]:
    """(longest expression, longest answer plus its end token)."""
    return 2 * operand_digits + 1, operand_digits + 2


def allowed_form(operand_digits: int) -> str:
    biggest = 10 ** operand_digits - 1
    return (f"two whole numbers from 0 to {biggest} ({operand_digits} digit{'s' if operand_digits > 1 else ''} at "
            f"most, no leading zeros) joined by + or -, like '{biggest}-{biggest // 9 * 4 or 1}'")


def check_expression(text: str, operand_digits: int) -> str:
    """The expression as the vocabulary writes it, or a UsageError naming the allowed form."""
    cleaned = "".join(text.split())
    for sign in MINUS_SIGNS:
        cleaned = cleaned.replace(sign, "-")
    number = rf"(0|[1-9][0-9]{{0,{operand_digits - 1}}})"
    if not re.fullmatch(rf"{number}[+-]{number}", cleaned):
        raise UsageError(f"'{text}' is not an expression this model can read: it reads {allowed_form(operand_digits)}")
    return cleaned


def evaluate_expression(expression: str) -> str:
    """The true answer of a checked expression."""
    match = re.fullmatch(r"([0-9]+)([+-])([0-9]+)", expression)
    a, op, b = int(match.group(1)), match.group(2), int(match.group(3))
    return str(a + b if op == "+" else a - b)


def encode(texts: list[str], length: int, end: bool = False) -> torch.Tensor:
    """(N, length) tokens of each text (then the end token if `end`), padded."""
    tokens = torch.full((len(texts), length), PAD, dtype=torch.long)
    for row, text in enumerate(texts):
        ids = [symbol_token(symbol) for symbol in text] + ([END] if end else [])
        tokens[row, :len(ids)] = torch.tensor(ids)
    return tokens


def decode(tokens: torch.Tensor) -> list[str]:
    """Each row's symbols up to its end token (or padding)."""
    texts = []
    for row in tokens.tolist():
        text = ""
        for token in row:
            if token < SPECIALS:
                break
            text += SYMBOLS[token - SPECIALS]
        texts.append(text)
    return texts


def draw_glyphs(tokens: torch.Tensor, pool: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """(B, L) tokens -> (B, L, 1, 28, 28) glyphs: each symbol one of its K images in `pool` (S, K, 1, 28, 28),
    drawn at random; padding, start and end are blank (-1)."""
    symbol = (tokens - SPECIALS).clamp_min(0)
    pick = torch.randint(pool.shape[1], tokens.shape, device=tokens.device, generator=generator)
    glyphs = pool[symbol, pick]
    return torch.where((tokens >= SPECIALS)[..., None, None, None], glyphs, torch.full_like(glyphs, -1.0))


@dataclass
class ArithmeticData:
    operand_digits: int
    expressions: list[str]
    answers: list[str]
    inputs: torch.Tensor  # (N, Lin) tokens, on the device
    input_lengths: torch.Tensor  # (N,) on the CPU (packing wants them there)
    targets: torch.Tensor  # (N, Lout) answer tokens, end, padding
    train_index: torch.Tensor  # (T,) on the device
    test_index: torch.Tensor  # (H,)
    pools: dict[str, torch.Tensor] | None  # image tasks: "train"/"val" -> (S, K, 1, 28, 28) on the device;
    # text2image also "target": the glyphs drawings are trained to match (expressions.target_style)
    symbols: SymbolDataset | None
    evaluator: DigitEvaluator | None  # text2image
    fingerprint: str

    @property
    def answer_steps(self) -> int:
        """Decoder steps: the longest answer and its end token (or, drawn, a blank glyph)."""
        return max_lengths(self.operand_digits)[1]

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(inputs, input lengths, targets) of these examples, trimmed to the batch's longest input."""
        lengths = self.input_lengths[index.cpu()]
        return self.inputs[index, :int(lengths.max())], lengths, self.targets[index]


def expression_fingerprint(config: Seq2SeqConfig, symbols: SymbolDataset | None) -> str:
    data = config.expressions
    payload = {"operand_digits": data.operand_digits, "train_fraction": data.train_fraction,
               "split_seed": data.split_seed, "symbols": symbols.fingerprint if symbols else None,
               "evaluator": asdict(config.evaluation.evaluator) if config.image_output else None}
    if config.image_output:  # a key only where it matters, so other tasks' runs keep their fingerprints
        payload["target_style"] = data.target_style
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def load_arithmetic(config: Seq2SeqConfig, ctx: RunContext) -> ArithmeticData:
    """Every expression, its split and tokens on the device; the glyphs (and the digit evaluator) for image tasks.
    A split too small for a batch fails here, before a run folder exists."""
    device = ctx.decide_device(config.device)
    data = config.expressions
    pairs = all_expressions(data.operand_digits)
    expressions, answers = [p[0] for p in pairs], [p[1] for p in pairs]
    train_index, test_index = split_indices(len(pairs), data.train_fraction, data.split_seed)
    if len(train_index) < config.train.batch_size:
        raise UsageError(f"the training split holds {len(train_index)} expressions, fewer than train.batch_size="
                         f"{config.train.batch_size}; lower --batch-size or raise --train-fraction")
    in_length, out_length = max_lengths(data.operand_digits)
    symbols = pools = evaluator = None
    if config.task != "text2text":
        symbols = load_symbol_dataset(config.fonts, ctx.data_dir, reporter=ctx.reporter)
        pools = {split: symbols.pools(split, device) for split in ("train", "val")}
    if config.image_output:
        pools["target"] = (symbols.clean_glyphs(CANONICAL_FACE, device) if data.target_style == "canonical"
                           else pools["train"])
        evaluator = load_digit_evaluator(config.fonts, ctx.data_dir, device, settings=config.evaluation.evaluator,
                                         reporter=ctx.reporter)
    return ArithmeticData(
        data.operand_digits, expressions, answers, encode(expressions, in_length).to(device),
        torch.tensor([len(e) for e in expressions]), encode(answers, out_length, end=True).to(device),
        train_index.to(device), test_index.to(device), pools, symbols, evaluator,
        expression_fingerprint(config, symbols))
