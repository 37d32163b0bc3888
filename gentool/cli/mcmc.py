"""`gentool mcmc sample`: MCMC samplers on ring8, grid25 and the Ising lattice."""

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
from gentool.mcmc.config import SAMPLERS, TARGETS
from gentool.mcmc.family import MCMC
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable

app = typer.Typer(help="MCMC: random-walk MH, MALA, HMC, Gibbs and parallel tempering on ring8, grid25 and a 2-D "
                       "Ising lattice, with R-hat, ESS and the modes each sampler visits.", no_args_is_help=True)


FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("seed", "--seed", ("seed",)), Flag("device", "--device", ("device",)),
    *[Flag(name, f"--{name.replace('_', '-')}", (name,))
      for name in ("target", "sampler", "chains", "steps", "budget", "burn_in", "step", "leapfrog", "temperatures",
                   "size", "beta")])

@app.command("sample")
@handle_errors
def sample(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="default",
        help=f"Starting config: {', '.join(available_presets('mcmc'))}.")] = None,
    config: ConfigOption = None,
    target: Annotated[Optional[str], typer.Option(help=f"{', '.join(TARGETS)}.")] = None,
    sampler: Annotated[Optional[str], typer.Option(help=f"{', '.join(SAMPLERS)}.")] = None,
    chains: Annotated[Optional[int], typer.Option(help="Independent chains.")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Iterations per chain (ising: sweeps).")] = None,
    budget: Annotated[Optional[int], typer.Option(
        help="Target evaluations per chain; sets --steps from the sampler's cost per step.")] = None,
    burn_in: Annotated[Optional[int], typer.Option(
        show_default="10% of the steps", help="Iterations dropped before diagnostics.")] = None,
    step: Annotated[Optional[float], typer.Option(help="Proposal / Langevin / leapfrog step size.")] = None,
    leapfrog: Annotated[Optional[int], typer.Option(help="hmc: leapfrog steps per iteration.")] = None,
    temperatures: Annotated[Optional[int], typer.Option(help="tempering: replicas per chain.")] = None,
    size: Annotated[Optional[int], typer.Option(help="ising: lattice side.")] = None,
    beta: Annotated[Optional[float], typer.Option(help="ising: inverse temperature.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/mcmc-PRESET-TIME", help="Run folder.")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Sample a target with C chains and write a run folder (config, modes visited over time, summary with
    acceptance, R-hat, ESS, autocorrelation time and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    run_command(MCMC, FLAGS, locals())


bind_flags(sample, FLAGS)
