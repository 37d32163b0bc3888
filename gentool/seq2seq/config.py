"""The seq2seq run config: which task (text2text, image2text, text2image), the expressions and their split, the
fonts the image tasks draw glyphs from, the encoder-decoder, training, and the per-epoch evaluation. Presets live
in gentool/presets/seq2seq/ (one per task: `--task` picks its preset unless --preset names another)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gentool.config import build_config, config_to_dict, option, renamed_keys
from gentool.datasets.config import FontDataConfig
from gentool.evaluate.config import EvaluatorSettings, pinned_instruments
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig

TASKS = ("text2text", "image2text", "text2image")
# matplotlib's default face, regular weight: installed with matplotlib, a training face of the default font split,
# and the first face the letter checks compare others with, so its digits are the plainest at hand
CANONICAL_FACE = "DejaVu Sans Book"


@dataclass
class ExpressionConfig:
    operand_digits: int = option(2, min=1, max=3, help="operands have 1 to this many digits (2: 0..99)")
    train_fraction: float = option(0.9, min=0.0, min_exclusive=True, max=0.99,
                                   help="share of all expressions trained on; the rest are held out")
    split_seed: int = option(0, min=0, max=MAX_SEED, help="seed of the expression split (separate from the "
                                                          "training seed, so runs can share one split)")
    target_style: Literal["canonical", "random"] = option(
        "canonical", help="text2image: the glyphs the drawing is trained to match; canonical: each symbol's one clean "
                          f"{CANONICAL_FACE} glyph (one right drawing per digit); random: a glyph of a random "
                          "training face, augmented, fresh every step (the pixel-wise best is a blur over fonts)")


@dataclass
class Seq2SeqModelConfig:
    cell: Literal["gru", "lstm"] = option("gru", help="the recurrent cell of encoder and decoder")
    hidden: int = option(256, min=4, max=8192, help="recurrent state size")
    layers: int = option(1, min=1, max=8)
    embed: int = option(64, min=2, max=4096, help="token embedding / glyph feature size")
    decoder_reads: Literal["token", "glyph"] = option(
        "token", help="text2image: what the decoder reads of its previous step; token: the symbol (the true one while "
                      "training, its own prediction from a symbol head when drawing: no train/draw mismatch); glyph: "
                      "the glyph itself (the true one while training, its own drawing when drawing)")


@dataclass
class Seq2SeqTrainConfig:
    epochs: int = option(30, min=1, max=1_000_000, help="epochs to train (a resumed run goes on to this total)")
    batch_size: int = option(128, min=1, max=65536, help="expressions per update")
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    checkpoint_every: int = option(10, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")
    grad_clip: float = option(1.0, min=0.0, help="clip the gradient norm to this (0 = no clipping)")
    adversarial_weight: float = option(0.0, min=0.0, max=100.0,
                                       help="text2image: weight of a glyph discriminator's loss beside the pixel "
                                            "loss (0 = pixel loss only)")


@dataclass
class Seq2SeqOptimConfig:
    lr: float = option(2e-3, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate")
    d_lr: float = option(2e-4, min=0.0, min_exclusive=True, max=1.0, help="the discriminator's (adversarial only)")


@dataclass
class Seq2SeqEvaluationConfig:
    every: int = option(1, min=0, help="score held-out expressions every N epochs and at the last (0 = only the last)")
    expressions: int = option(1000, min=1, help="held-out expressions scored per epoch (eval scores all of them)")
    seed: int = option(0, min=0, max=MAX_SEED, help="which glyphs of the held-out fonts draw the held-out inputs")
    evaluator: EvaluatorSettings = field(default_factory=EvaluatorSettings)  # text2image: the digit evaluator


@dataclass
class Seq2SeqConfig:
    task: Literal["text2text", "image2text", "text2image"] = option(
        "text2text", help="text2text: '57+8' -> '65'; image2text: glyph images -> '65'; text2image: -> glyphs")
    seed: int = option(0, min=0, max=MAX_SEED, help="training seed")
    device: str = device_option("auto")
    expressions: ExpressionConfig = field(default_factory=ExpressionConfig)
    fonts: FontDataConfig = field(default_factory=FontDataConfig)  # image tasks: the letter dataset's faces
    model: Seq2SeqModelConfig = field(default_factory=Seq2SeqModelConfig)
    train: Seq2SeqTrainConfig = field(default_factory=Seq2SeqTrainConfig)
    optim: Seq2SeqOptimConfig = field(default_factory=Seq2SeqOptimConfig)
    evaluation: Seq2SeqEvaluationConfig = field(default_factory=Seq2SeqEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def check(self) -> list[tuple[str, str]]:
        problems = list(device_problems(self.device))
        if self.train.adversarial_weight and self.task != "text2image":
            problems.append(("train.adversarial_weight", "only text2image draws images; set it to 0 for "
                                                         f"{self.task}"))
        return problems

    @property
    def image_input(self) -> bool:
        return self.task == "image2text"

    @property
    def image_output(self) -> bool:
        return self.task == "text2image"


def seq2seq_config_dict(config: Seq2SeqConfig) -> dict:
    return config_to_dict(config)


def build_seq2seq_config(data: dict) -> Seq2SeqConfig:
    return build_config(Seq2SeqConfig, data)


def read_saved_seq2seq_config(data: dict) -> Seq2SeqConfig:
    """A run's config.yaml or a checkpoint's config. A saved config without expressions.target_style or
    model.decoder_reads trained on random glyph targets and read glyphs, so it reads as that, not as today's
    defaults; one that names the expressions' section `data` (with the fonts as `data.glyphs`) reads too."""
    data = pinned_instruments(renamed_keys(data, {"data.glyphs": "fonts", "data": "expressions"}))
    data = {**data, "expressions": {"target_style": "random", **data.get("expressions", {})},
            "model": {"decoder_reads": "glyph", **data.get("model", {})}}
    return build_seq2seq_config(data)


def resolve_seq2seq_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                           assignments: list[str] | None = None) -> Seq2SeqConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_seq2seq_config(layered("seq2seq", preset, config_file, flags, assignments))
