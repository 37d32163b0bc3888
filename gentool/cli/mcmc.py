"""`gentool mcmc sample`: MCMC samplers on ring8, grid25 and the Ising lattice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (ConfigOption, DeviceOption, JsonOption, QuietOption, SetOption,
                                TrainSeedOption, handle_errors)
from gentool.cli.oneshot import NoResumeOption, run_command
from gentool.mcmc.config import SAMPLERS, TARGETS, resolve_mcmc_config
from gentool.mcmc.run import run_mcmc
from gentool.presets import available_presets

app = typer.Typer(help="MCMC: random-walk MH, MALA, HMC, Gibbs and parallel tempering on ring8, grid25 and a 2-D "
                       "Ising lattice, with R-hat, ESS and the modes each sampler visits.", no_args_is_help=True)


@app.command("sample")
@handle_errors
def sample(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('mcmc'))} (default: default).")] = None,
    config: ConfigOption = None,
    target: Annotated[Optional[str], typer.Option(help=f"{', '.join(TARGETS)}.")] = None,
    sampler: Annotated[Optional[str], typer.Option(help=f"{', '.join(SAMPLERS)}.")] = None,
    chains: Annotated[Optional[int], typer.Option(help="Independent chains (default 4).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Iterations per chain (ising: sweeps).")] = None,
    budget: Annotated[Optional[int], typer.Option(
        help="Target evaluations per chain; sets --steps from the sampler's cost per step.")] = None,
    burn_in: Annotated[Optional[int], typer.Option(help="Iterations dropped before diagnostics (default 10%).")] = None,
    step: Annotated[Optional[float], typer.Option(help="Proposal / Langevin / leapfrog step size.")] = None,
    leapfrog: Annotated[Optional[int], typer.Option(help="hmc: leapfrog steps per iteration.")] = None,
    temperatures: Annotated[Optional[int], typer.Option(help="tempering: replicas per chain.")] = None,
    size: Annotated[Optional[int], typer.Option(help="ising: lattice side.")] = None,
    beta: Annotated[Optional[float], typer.Option(help="ising: inverse temperature.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Run folder (default: runs/mcmc-PRESET-TIME).")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Sample a target with C chains and write a run folder (config, modes visited over time, summary with
    acceptance, R-hat, ESS, autocorrelation time and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    flags = {"target": target, "sampler": sampler, "chains": chains, "steps": steps, "budget": budget,
             "burn_in": burn_in, "step": step, "leapfrog": leapfrog, "temperatures": temperatures, "size": size,
             "beta": beta, "seed": seed, "device": device}
    run_command(group="mcmc", preset=preset or "default", resolve=resolve_mcmc_config, run_core=run_mcmc,
                flags=flags, config_file=config, assignments=set_, out_dir=out_dir, resume=resume, as_json=json_,
                quiet=quiet, lines=_lines)


def _lines(summary: dict) -> list[str]:
    final = summary["final"]
    ess = f"ESS bulk {final['ess_bulk_min']}, tail {final['ess_tail_min']}, R-hat {final['rhat_max']}"
    if summary["target"] == "ising":
        return [f"ising {summary['size']}x{summary['size']}, beta {summary['beta']}: |m| {final['abs_magnetisation']}, "
                f"energy per site {final['energy_per_site']} (Onsager, infinite lattice: "
                f"{final['onsager_energy_per_site']}); flip rate {final['flip_rate']}; worst of m, |m|, E: {ess}"]
    kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
    return [f"{summary['sampler']} on {summary['target']}: acceptance {final['acceptance']:.3f}, "
            f"{final['evaluations_per_chain']} evaluations per chain",
            f"modes visited {final['modes_visited']}/{len(final['mode_counts'])} (per chain "
            f"{final['modes_visited_per_chain']}); pooled draws: {final['modes_captured']} captured, "
            f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}",
            f"worst coordinate: {ess}, ESS per 1,000 evaluations {final['ess_per_1000_evaluations']}"]
