"""A trained drum VAE opened for use: its model on the command's device, its config, data and genre classifier.
Every `vae` command that reads a model starts at `require_dataset`, which refuses a run of the other task (drums or
letters) and says which dataset the command takes."""

from __future__ import annotations

from pathlib import Path

from gentool.config import load_yaml_file
from gentool.datasets.drums import load_drum_dataset
from gentool.errors import UsageError
from gentool.evaluate.genres import load_genre_classifier
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run
from gentool.vae.config import DrumVaeConfig, VaeConfig
from gentool.vae.creative import Studio
from gentool.vae.model import HierarchicalVAE
from gentool.vae.train import CHECKPOINT_KIND, load_vae


def run_dataset(run: RunDir) -> str:
    """Which task a VAE run is: the dataset its config.yaml names (one that names none is a drum VAE's)."""
    return load_yaml_file(run.config_path).get("dataset", VaeConfig.dataset)


def require_dataset(run: Path | None, wanted: str, command: str | None = None) -> RunDir:
    """--run DIR (default: the newest VAE run) when it is a run on the `wanted` dataset; else a UsageError saying
    which dataset it is on and which one `gentool vae COMMAND` takes."""
    chosen = pick_run(run, CHECKPOINT_KIND)
    found = run_dataset(chosen)
    if found != wanted:
        asked = f"`gentool vae {command}`" if command else "this command"
        raise UsageError(f"--run '{chosen.path}' is a VAE run on {found} (dataset: {found}), and {asked} takes VAE "
                         f"runs on {wanted} only; pass one with --run, or train one with `gentool vae train --dataset "
                         f"{wanted}`")
    return chosen


def open_trained(ctx: RunContext, run: Path | None,
                 command: str | None = None) -> tuple[RunDir, HierarchicalVAE, DrumVaeConfig]:
    """--run DIR (default: the newest VAE run), a drum VAE run: its last checkpoint's model on the command's
    device."""
    chosen = require_dataset(run, "drums", command)
    model, config = load_vae(chosen.last_checkpoint, ctx)
    return chosen, model, config


def open_studio(ctx: RunContext, run: Path | None, command: str | None = None) -> tuple[RunDir, Studio]:
    """The run and a Studio over its model, its dataset and the genre classifier trained on that dataset."""
    chosen, model, config = open_trained(ctx, run, command)
    dataset = load_drum_dataset(config.drums, ctx.data_dir, reporter=ctx.reporter)
    classifier = load_genre_classifier(dataset, ctx.data_dir, settings=config.evaluation.classifier,
                                       reporter=ctx.reporter)
    return chosen, Studio(model=model, dataset=dataset, classifier=classifier, device=ctx.device)


