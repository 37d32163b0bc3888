"""`gentool em fit`: Gaussian mixtures by EM, and k-means."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (ConfigOption, DeviceOption, JsonOption, QuietOption, SetOption,
                                TrainSeedOption, handle_errors)
from gentool.cli.oneshot import NoResumeOption, run_command
from gentool.em.config import COVARIANCES, INITS, METHODS, resolve_em_config
from gentool.em.run import run_em
from gentool.presets import available_presets

app = typer.Typer(help="EM and k-means: Gaussian mixtures on ring8, grid25 or a file of points; local optima "
                       "measured by the modes recovered.", no_args_is_help=True)


@app.command("fit")
@handle_errors
def fit(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('em'))} (default: default).")] = None,
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
        "--out", "-o", help="Run folder (default: runs/em-PRESET-TIME).")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit a mixture, keep the best of --restarts, and write a run folder (config, per-iteration log-likelihood,
    summary with BIC/AIC, modes recovered and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    flags = {"dataset": dataset, "method": method, "components": components, "covariance": covariance,
             "init": init, "restarts": restarts, "max_iter": max_iter, "seed": seed, "device": device}
    run_command(group="em", preset=preset or "default", resolve=resolve_em_config, run_core=run_em, flags=flags,
                config_file=config, assignments=set_, out_dir=out_dir, resume=resume, as_json=json_, quiet=quiet,
                lines=_lines)


def _lines(summary: dict) -> list[str]:
    final = summary["final"]
    lines = [f"{summary['method']} K={summary['components']} on {summary['dataset']}: log-likelihood per point "
             f"{final['log_likelihood']:.4f}, BIC {final['bic']:.1f}, AIC {final['aic']:.1f}, "
             f"{final['iterations']} iterations (best of {len(summary['restarts'])} restarts)"]
    if "modes_recovered" in final:
        fitted = final["mode_metrics"]["fitted"]
        lines.append(f"modes recovered: {final['modes_recovered']}/{final['modes']}; samples: "
                     f"{fitted['modes_captured']} modes captured, {100 * fitted['high_quality']:.1f}% high quality")
    return lines
