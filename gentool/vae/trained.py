"""A trained VAE opened for use: its model on the command's device, its config, data and genre classifier. Every
`vae` command that reads a model starts here, and refuses a run of the other model kind (drums or letters) with the
commands that take it."""

from __future__ import annotations

from pathlib import Path

from gentool.datasets.drums import load_drum_dataset
from gentool.errors import UsageError
from gentool.evaluate.genres import load_genre_classifier
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run
from gentool.runtime.runs import read_run_config
from gentool.vae.config import VaeConfig
from gentool.vae.creative import Studio
from gentool.vae.family import VAE
from gentool.vae.model import HierarchicalVAE
from gentool.vae.train import load_vae

# the commands each model kind takes (besides `vae train`, which makes both)
COMMANDS = {"drums": ("sample", "interpolate", "blend", "humanize", "transfer", "complexity", "analyze"),
            "fonts": ("sample", "interpolate", "coverage", "figures")}
KIND_NAMES = {"drums": "a drum VAE run", "fonts": "a letter VAE run"}


def run_dataset(run: RunDir) -> str:
    """Which model kind a VAE run holds: its config's dataset (runs from before letters existed: drums)."""
    return read_run_config(run, VAE).dataset


def require_dataset(run: Path | None, wanted: str, command: str | None = None) -> RunDir:
    """--run DIR (default: the newest VAE run) when it holds the `wanted` kind; else a UsageError saying which kind
    it is and which commands take it."""
    chosen = pick_run(run, VAE.name)
    found = run_dataset(chosen)
    if found != wanted:
        takes = ", ".join(COMMANDS[found])
        asked = f"`gentool vae {command}`" if command else "this command"
        raise UsageError(f"--run '{chosen.path}' is {KIND_NAMES[found]} (dataset {found}), and {asked} takes "
                         f"{KIND_NAMES[wanted].removeprefix('a ')}s only; {KIND_NAMES[found]} takes "
                         f"`gentool vae {takes}`")
    return chosen


def open_trained(ctx: RunContext, run: Path | None,
                 command: str | None = None) -> tuple[RunDir, HierarchicalVAE, VaeConfig]:
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


