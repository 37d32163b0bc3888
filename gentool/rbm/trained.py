"""A trained RBM opened for measurement: the model on the command's device, its config, and its run folder. Every
`rbm` command that reads a model starts here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from gentool.errors import UsageError
from gentool.rbm.config import RbmConfig, read_saved_rbm_config
from gentool.rbm.family import RBM_FAMILY
from gentool.rbm.model import RBM
from gentool.rbm.train import CHECKPOINT_KIND, VISIBLE
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import pick_run


@dataclass(kw_only=True)
class TrainedRbm:
    rbm: RBM  # on `device`
    config: RbmConfig
    folder: Path
    checkpoint: Path
    device: torch.device


def load_rbm(path: str | Path, ctx: RunContext | None = None) -> tuple[RBM, RbmConfig]:
    """An RBM and its config from any RBM checkpoint, on the device `ctx` decides (--device, else the config's)."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    try:
        config = read_saved_rbm_config(state["config"])
        rbm = RBM(VISIBLE, config.model.hidden)
        rbm.load_state_dict(state["rbm"])
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise UsageError(f"checkpoint '{path}' is damaged: it does not hold an RBM of its own config "
                         f"({str(err).splitlines()[0][:120]}); train again or pick another checkpoint") from None
    return rbm.to((ctx or RunContext.on("cpu")).decide_device(config.device)), config


def open_trained(ctx: RunContext, run: Path | None = None, best: bool = False) -> TrainedRbm:
    """--run DIR (default: the newest RBM run under runs/), its last.pt or best.pt."""
    folder = pick_run(run, RBM_FAMILY.name).path
    checkpoint = folder / "checkpoints" / ("best.pt" if best else "last.pt")
    if best and not checkpoint.is_file():
        raise UsageError(f"run '{folder}' has no best.pt (it was trained without evaluation); drop --best")
    rbm, config = load_rbm(checkpoint, ctx)
    return TrainedRbm(rbm=rbm, config=config, folder=folder, checkpoint=checkpoint, device=ctx.device)
