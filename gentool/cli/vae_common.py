"""What the `vae` commands share: the run they work on and its model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import torch
import typer

from gentool.errors import UsageError
from gentool.runtime.device import resolve_device
from gentool.runtime.rundir import RunDir, newest_run
from gentool.vae.config import VaeConfig
from gentool.vae.model import HierarchicalVAE
from gentool.vae.train import CHECKPOINT_KIND, load_vae, read_run_config

RunOption = Annotated[Optional[Path], typer.Option("--run", help="A VAE run folder (default: the newest under runs/).")]


def pick_run(run: Path | None) -> RunDir:
    if run is not None:
        return RunDir.open_existing(run, what="--run")
    found = newest_run(CHECKPOINT_KIND)
    if found is None:
        raise UsageError("no trained VAE run found under runs/; train one with `gentool vae train` "
                         "(or pass --run DIR)")
    return found


def load_run(run: Path | None, device: str | None) -> tuple[RunDir, HierarchicalVAE, VaeConfig, torch.device]:
    chosen = pick_run(run)
    torch_device = resolve_device(device or read_run_config(chosen).device)
    model, config = load_vae(chosen.last_checkpoint, torch_device)
    return chosen, model, config, torch_device
