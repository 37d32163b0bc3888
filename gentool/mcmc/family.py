"""MCMC sampling as a family of the shared run path (gentool.runtime.runs): a one-shot run, no checkpoints."""

from __future__ import annotations

from functools import partial

from gentool.config import build_config, config_to_dict
from gentool.mcmc.config import McmcConfig, resolve_mcmc_config
from gentool.mcmc.run import run_mcmc
from gentool.runtime.runs import one_shot_family


def outcome_lines(summary: dict) -> list[str]:
    """What `mcmc sample` prints about a finished run, from its summary."""
    final = summary["final"]
    ess = f"ESS bulk {final['ess_bulk_min']}, tail {final['ess_tail_min']}, R-hat {final['rhat_max']}"
    figures = [f"figure: {figure}" for figure in summary.get("figures", [])]
    if summary.get("draws"):
        figures.append(f"draws (chain, draw, dim; burn-in marked; ArviZ reads them): {summary['draws']}")
    if summary["target"] == "ising":
        return [f"ising {summary['size']}x{summary['size']}, beta {summary['beta']}: |m| "
                f"{final['abs_magnetisation']}, energy per site {final['energy_per_site']} (Onsager, infinite "
                f"lattice: {final['onsager_energy_per_site']}); flip rate {final['flip_rate']}; worst of m, |m|, E: "
                f"{ess}", *figures]
    kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
    return [f"{summary['sampler']} on {summary['target']}: acceptance {final['acceptance']:.3f}, "
            f"{final['evaluations_per_chain']} evaluations per chain",
            f"modes visited {final['modes_visited']}/{len(final['mode_counts'])} (per chain "
            f"{final['modes_visited_per_chain']}); pooled draws: {final['modes_captured']} captured, "
            f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}",
            f"worst coordinate: {ess}, ESS per 1,000 evaluations {final['ess_per_1000_evaluations']}", *figures]


MCMC = one_shot_family(name="mcmc", resolve_config=resolve_mcmc_config, read_config=partial(build_config, McmcConfig),
                       config_dict=config_to_dict, run_core=run_mcmc, outcome_lines=outcome_lines,
                       verb="sampling", command="sample")
