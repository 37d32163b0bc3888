"""A trained seq2seq model opened for measurement: the model on the command's device, its config, its data (the
same expressions, split and glyphs it trained on) and its run folder. `seq2seq eval` and `predict` start here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from gentool.errors import UsageError
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import pick_run
from gentool.seq2seq.config import Seq2SeqConfig, read_saved_seq2seq_config
from gentool.seq2seq.data import ArithmeticData, load_arithmetic
from gentool.seq2seq.family import SEQ2SEQ
from gentool.seq2seq.model import Seq2Seq
from gentool.seq2seq.train import CHECKPOINT_KIND, build_model


@dataclass(kw_only=True)
class TrainedSeq2Seq:
    model: Seq2Seq  # eval mode, on `device`
    config: Seq2SeqConfig
    data: ArithmeticData
    folder: Path
    checkpoint: Path
    device: torch.device


def load_seq2seq(path: str | Path, ctx: RunContext) -> tuple[Seq2Seq, Seq2SeqConfig]:
    """A model and its config from any seq2seq checkpoint, on the device `ctx` decides (--device, else the
    config's)."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    try:
        config = read_saved_seq2seq_config(state["config"])
        model = build_model(config)
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise UsageError(f"checkpoint '{path}' is damaged: it does not hold a seq2seq model of its own config "
                         f"({str(err).splitlines()[0][:120]}); train again or pick another checkpoint") from None
    return model.to(ctx.decide_device(config.device)).eval(), config


def open_trained(ctx: RunContext, run: Path | None = None, best: bool = False) -> TrainedSeq2Seq:
    """--run DIR (default: the newest seq2seq run under runs/), its last.pt or best.pt."""
    folder = pick_run(run, SEQ2SEQ.name).path
    checkpoint = folder / "checkpoints" / ("best.pt" if best else "last.pt")
    if not checkpoint.is_file():
        raise UsageError(f"run '{folder}' has no {checkpoint.name} yet; train it (or resume it) first")
    model, config = load_seq2seq(checkpoint, ctx)
    return TrainedSeq2Seq(model=model, config=config, data=load_arithmetic(config, ctx), folder=folder,
                          checkpoint=checkpoint, device=ctx.device)
