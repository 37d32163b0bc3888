"""`gentool em fit`: Gaussian mixtures by EM, and k-means."""

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
from gentool.em.config import COVARIANCES, INITS, METHODS
from gentool.em.family import EM
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable

app = typer.Typer(help="EM and k-means: Gaussian mixtures on ring8, grid25 or a file of points; local optima "
                       "measured by the modes recovered.", no_args_is_help=True)


FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("seed", "--seed", ("seed",)), Flag("device", "--device", ("device",)),
    *[Flag(name, f"--{name.replace('_', '-')}", (name,))
      for name in ("dataset", "method", "components", "covariance", "init", "restarts", "max_iter")])

@app.command("fit")
@handle_errors
def fit(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="default",
        help=f"Starting config: {', '.join(available_presets('em'))}.")] = None,
    config: ConfigOption = None,
    dataset: Annotated[Optional[str], typer.Option(
        help="ring8, grid25, or a .npy/.csv file of points (one per row).")] = None,
    method: Annotated[Optional[str], typer.Option(help=f"{' or '.join(METHODS)}.")] = None,
    components: Annotated[Optional[int], typer.Option("--components", "-k", help="Components K.")] = None,
    covariance: Annotated[Optional[str], typer.Option(help=f"EM covariance: {', '.join(COVARIANCES)}.")] = None,
    init: Annotated[Optional[str], typer.Option(help=f"Initialisation: {', '.join(INITS)}.")] = None,
    restarts: Annotated[Optional[int], typer.Option(help="Initialisations; the best fit is kept.")] = None,
    max_iter: Annotated[Optional[int], typer.Option(help="Iterations per restart at most.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/em-PRESET-TIME", help="Run folder.")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit a mixture, keep the best of --restarts, and write a run folder (config, per-iteration log-likelihood,
    summary with BIC/AIC, modes recovered and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    run_command(EM, FLAGS, locals())


bind_flags(fit, FLAGS)
