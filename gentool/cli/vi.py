"""`gentool vi fit`: variational inference on the mode benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    ConfigOption,
    DeviceOption,
    JsonOption,
    NoResumeOption,
    QuietOption,
    SetOption,
    TrainSeedOption,
    bind_flags,
    handle_errors,
    run_command,
)
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable
from gentool.vi.config import DIVERGENCES, FAMILIES, METHODS
from gentool.vi.family import VI

app = typer.Typer(help="Variational inference: a Gaussian or mixture q fitted to ring8/grid25 by reverse or "
                       "forward KL, and CAVI for a Bayesian Gaussian mixture.", no_args_is_help=True)


FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("seed", "--seed", ("seed",)), Flag("device", "--device", ("device",)),
    *[Flag(name, f"--{name}", (name,))
      for name in ("method", "dataset", "family", "divergence", "components", "steps", "lr")])

@app.command("fit")
@handle_errors
def fit(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="default",
        help=f"Starting config: {', '.join(available_presets('vi'))}.")] = None,
    config: ConfigOption = None,
    method: Annotated[Optional[str], typer.Option(help=f"{' or '.join(METHODS)}.")] = None,
    dataset: Annotated[Optional[str], typer.Option(
        help="ring8 or grid25 (cavi: also a .npy/.csv file of points).")] = None,
    family: Annotated[Optional[str], typer.Option(help=f"q: {' or '.join(FAMILIES)}.")] = None,
    divergence: Annotated[Optional[str], typer.Option(help=f"{' or '.join(DIVERGENCES)} KL.")] = None,
    components: Annotated[Optional[int], typer.Option("--components", "-k", help="q's (or CAVI's) K.")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimiser steps (reparam).")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/vi-PRESET-TIME", help="Run folder.")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit q and write a run folder (config, objective per step, summary with both KL estimates, mode metrics of
    q's draws, figures); --method cavi runs mean-field CAVI and EM on the same data.

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    run_command(VI, FLAGS, locals())


bind_flags(fit, FLAGS)
