"""A trained drum VAE opened for use: its model on the command's device, its config, data and genre classifier.
Every `vae` command that reads a model starts here."""

from __future__ import annotations

from pathlib import Path

from gentool.datasets.drums import load_drum_dataset
from gentool.evaluate.genres import load_genre_classifier
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run
from gentool.vae.config import VaeConfig
from gentool.vae.creative import Studio
from gentool.vae.family import VAE
from gentool.vae.model import HierarchicalVAE
from gentool.vae.train import load_vae


def open_trained(ctx: RunContext, run: Path | None) -> tuple[RunDir, HierarchicalVAE, VaeConfig]:
    """--run DIR (default: the newest VAE run): its last checkpoint's model on the command's device."""
    chosen = pick_run(run, VAE.name)
    model, config = load_vae(chosen.last_checkpoint, ctx)
    return chosen, model, config


def open_studio(ctx: RunContext, run: Path | None) -> tuple[RunDir, Studio]:
    """The run and a Studio over its model, its dataset and the genre classifier trained on that dataset."""
    chosen, model, config = open_trained(ctx, run)
    dataset = load_drum_dataset(config.data, ctx.data_dir, reporter=ctx.reporter)
    classifier = load_genre_classifier(dataset, ctx.data_dir, settings=config.evaluation.classifier,
                                       reporter=ctx.reporter)
    return chosen, Studio(model=model, dataset=dataset, classifier=classifier, device=ctx.device)
