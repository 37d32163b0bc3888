"""A trained GAN opened for measurement: its generator on the command's device, its config, and where its outputs
go. Every `gan` command that reads a model starts here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from gentool.errors import UsageError
from gentool.evaluate.letters import LetterEvaluator, load_letter_evaluator
from gentool.gan.config import GanConfig
from gentool.gan.family import GAN
from gentool.gan.train import load_generator
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import pick_run


@dataclass(kw_only=True)
class TrainedGan:
    generator: nn.Module  # eval mode, on `device`
    config: GanConfig
    folder: Path  # the run folder (outputs go under it by default)
    checkpoint: Path
    device: torch.device


def open_trained(ctx: RunContext, run: Path | None = None, checkpoint: Path | None = None,
                 best: bool = False) -> TrainedGan:
    """From --checkpoint FILE, or --run DIR (default: the newest GAN run) and its last.pt or best.pt."""
    if run is not None and checkpoint is not None:
        raise UsageError("give --run or --checkpoint, not both")
    if checkpoint is not None:
        folder = checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent
    else:
        folder = pick_run(run, GAN.name).path
        checkpoint = folder / "checkpoints" / ("best.pt" if best else "last.pt")
        if best and not checkpoint.is_file():
            raise UsageError(f"run '{folder}' has no best.pt (it was trained without evaluation); drop --best")
    generator, config = load_generator(checkpoint, ctx)
    return TrainedGan(generator=generator, config=config, folder=folder, checkpoint=checkpoint, device=ctx.device)


def letter_evaluator_for(trained: TrainedGan, ctx: RunContext) -> LetterEvaluator:
    config = trained.config
    return load_letter_evaluator(config.data, ctx.data_dir, trained.device, settings=config.evaluation.evaluator,
                                 reporter=ctx.reporter)


def letters_only(config: GanConfig, command: str) -> None:
    if config.on_points:
        raise UsageError(f"`gentool gan {command}` is for letter runs; this run learned {config.dataset} "
                         f"(use `gentool gan coverage` or `gentool gan figures` for its modes, and "
                         f"`gentool gan benchmark` to compare fixes)")
