"""MCMC sampling as a family of the shared run path (gentool.runtime.tasks): one task per kind of target, picked by
the config's `target`: the mixtures (ring8, grid25) or the Ising lattice. A one-shot run, no checkpoints."""

from __future__ import annotations

from gentool.config import parse_set_overrides
from gentool.mcmc.config import IsingMcmcConfig, McmcConfig, MixtureMcmcConfig
from gentool.mcmc.train import run_ising, run_mixture
from gentool.presets import layered
from gentool.runtime.runs import no_data, one_shot
from gentool.runtime.tasks import Task, TaskSet, task_family


def ess_line(final: dict) -> str:
    return f"ESS bulk {final['ess_bulk_min']}, tail {final['ess_tail_min']}, R-hat {final['rhat_max']}"


def file_lines(summary: dict) -> list[str]:
    """The figures and the draws file a finished run wrote."""
    lines = [f"figure: {figure}" for figure in summary.get("figures", [])]
    if summary.get("draws"):
        lines.append(f"draws (chain, draw, dim; burn-in marked; ArviZ reads them): {summary['draws']}")
    return lines


def mixture_outcome_lines(summary: dict) -> list[str]:
    """What `mcmc sample` prints about a finished run on a mixture, from its summary."""
    final = summary["final"]
    kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
    return [f"{summary['sampler']} on {summary['target']}: acceptance {final['acceptance']:.3f}, "
            f"{final['evaluations_per_chain']} evaluations per chain",
            f"modes visited {final['modes_visited']}/{len(final['mode_counts'])} (per chain "
            f"{final['modes_visited_per_chain']}); pooled draws: {final['modes_captured']} captured, "
            f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}",
            f"worst coordinate: {ess_line(final)}, ESS per 1,000 evaluations {final['ess_per_1000_evaluations']}",
            *file_lines(summary)]


def ising_outcome_lines(summary: dict) -> list[str]:
    """What `mcmc sample` prints about a finished run on the Ising lattice, from its summary."""
    final = summary["final"]
    return [f"ising {summary['size']}x{summary['size']}, beta {summary['beta']}: |m| "
            f"{final['abs_magnetisation']}, energy per site {final['energy_per_site']} (Onsager, infinite "
            f"lattice: {final['onsager_energy_per_site']}); flip rate {final['flip_rate']}; worst of m, |m|, E: "
            f"{ess_line(final)}", *file_lines(summary)]


def describe(config: McmcConfig, preset: str) -> str:
    return f"preset {preset}, seed {config.seed}"


MIXTURES = Task(values=("ring8", "grid25"), config_class=MixtureMcmcConfig, load_data=no_data,
                make_trainer=one_shot(run_mixture), run_name=lambda config, preset: f"mcmc-{preset}",
                describe=describe, outcome_lines=mixture_outcome_lines)
ISING = Task(values=("ising",), config_class=IsingMcmcConfig, load_data=no_data, make_trainer=one_shot(run_ising),
             run_name=lambda config, preset: f"mcmc-{preset}", describe=describe, outcome_lines=ising_outcome_lines)
MCMC_TASKS = TaskSet((MIXTURES, ISING), key="target")


def resolve_mcmc_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                        assignments: list[str] | None = None) -> MixtureMcmcConfig | IsingMcmcConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value, then the derived values filled in."""
    merged = layered("mcmc", preset, config_file, flags, assignments)
    flags = flags or {}
    if (flags.get("steps") is not None and flags.get("budget") is None
            and "budget" not in parse_set_overrides(assignments or [])):
        merged["budget"] = None  # --steps names the length outright: a budget from a preset or file gives way
    config = MCMC_TASKS.read_config(merged)
    config.fill_in()
    return config


MCMC = task_family(name="mcmc", tasks=MCMC_TASKS, resolve_config=resolve_mcmc_config, default_preset="default",
                   resumable=False, verb="sampling", command="sample")
