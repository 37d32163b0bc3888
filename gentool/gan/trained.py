"""A trained GAN opened for measurement: its generator on the command's device, its config, and where its outputs
go. Every `gan` command that reads a model starts here."""

from __future__ import annotations

from pathlib import Path

from gentool.errors import UsageError
from gentool.evaluate.trained_letters import TrainedSampler
from gentool.gan.config import GanConfig
from gentool.gan.family import GAN
from gentool.gan.tasks import evaluation_noise, run_title
from gentool.gan.train import load_generator
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run

TrainedGan = TrainedSampler  # a GAN's generator is a sampler of letters (or of 2-D points)


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
    return TrainedGan(generator=generator, config=config, folder=folder, checkpoint=checkpoint, device=ctx.device,
                      evaluation_noise=evaluation_noise(config), title=run_title(RunDir(folder), config))


def letters_only(config: GanConfig, command: str) -> None:
    if config.on_points:
        raise UsageError(f"`gentool gan {command}` is for letter runs; this run learned {config.dataset} "
                         f"(use `gentool gan coverage` or `gentool gan figures` for its modes, and "
                         f"`gentool gan benchmark` to compare fixes)")
