"""The MCMC run config. Presets live in gentool/presets/mcmc/ (one per sampler, and `tempering` as the fix).

Left null, step sizes, the top temperature, burn-in and the logging interval are derived from the target and the
budget by `resolve_mcmc_config`, so config.yaml always holds the values that ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gentool.config import build_config, option, parse_set_overrides
from gentool.datasets.config import PointDataConfig
from gentool.errors import ConfigError
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED

TARGETS = ("ring8", "grid25", "ising")
SAMPLERS = ("rwmh", "mala", "hmc", "gibbs", "tempering")
ISING_SAMPLERS = ("gibbs", "rwmh")

# step size as a multiple of the mixture's std (near-optimal for one Gaussian in 2-D): random walk 2.38 / sqrt(D),
# MALA about 1.65 D^(-1/6), HMC small enough that 10 leapfrog steps stay accurate
STEP_PER_STD = {"rwmh": 2.38 / math.sqrt(2), "tempering": 2.38 / math.sqrt(2), "mala": 1.4, "hmc": 0.4}


@dataclass
class McmcConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="seed of the starting points and of every draw")
    device: str = device_option("cpu", "the samplers run in numpy on the CPU whatever this says; it is recorded")
    target: str = option("ring8", choices=TARGETS, help="ring8 / grid25 (the mixtures) or ising (a 2-D lattice)")
    points: PointDataConfig = field(default_factory=PointDataConfig)
    sampler: str = option("rwmh", choices=SAMPLERS,
                          help="rwmh: random-walk Metropolis-Hastings (ising: single-spin flips); mala: Metropolis-"
                               "adjusted Langevin; hmc: Hamiltonian Monte Carlo; gibbs: the mixture through its "
                               "component indicator, or the lattice site by site; tempering: parallel tempering "
                               "with random-walk moves")
    chains: int = option(4, min=1, max=100_000, help="independent chains (R-hat compares them)")
    steps: int = option(20_000, min=1, max=100_000_000, help="iterations per chain (ising: sweeps)")
    budget: int | None = option(None, min=1, help="target evaluations per chain; when set, steps = budget / "
                                                  "evaluations per step (hmc: leapfrog, tempering: temperatures)")
    burn_in: int | None = option(None, min=0, help="iterations dropped before the diagnostics (null: 10%)")
    step: float | None = option(None, min=0.0, min_exclusive=True,
                                help="proposal scale (rwmh, tempering at T=1), Langevin step (mala) or leapfrog "
                                     "step (hmc); null: a multiple of the mixture's std")
    leapfrog: int = option(10, min=1, max=10_000, help="hmc: leapfrog steps per iteration")
    temperatures: int = option(10, min=2, max=1000, help="tempering: replicas per chain, geometric from 1")
    max_temperature: float | None = option(None, min=1.0, min_exclusive=True,
                                           help="tempering: the hottest replica's T (null: (mode spacing / std)^2, "
                                                "where the modes' tails overlap)")
    size: int = option(16, min=2, max=1024, help="ising: lattice side (even, periodic boundaries)")
    beta: float = option(0.44, min=0.0, max=10.0, help="ising: inverse temperature (critical: 0.4407)")
    log_every: int | None = option(None, min=1, help="iterations between metrics.jsonl records (null: 200 records)")
    max_lag: int = option(200, min=1, help="lags in the autocorrelation figure")

    def check(self) -> list[tuple[str, str]]:
        problems = device_problems(self.device)
        if self.target == "ising":
            if self.sampler not in ISING_SAMPLERS:
                problems.append(("sampler", f"'{self.sampler}' needs a continuous target (ring8, grid25); the "
                                            f"ising lattice takes {' or '.join(ISING_SAMPLERS)}"))
            if self.size % 2:
                problems.append(("size", f"got {self.size}; the checkerboard update needs an even side"))
        if self.burn_in is not None and self.budget is None and self.burn_in >= self.steps:
            problems.append(("burn_in", f"got {self.burn_in}, not below steps={self.steps}; lower it"))
        return problems

    @property
    def evaluations_per_step(self) -> int:
        return {"hmc": self.leapfrog, "tempering": self.temperatures}.get(self.sampler, 1)


def resolve_mcmc_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                        assignments: list[str] | None = None) -> McmcConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value, then the derived values filled in."""
    merged = layered("mcmc", preset, config_file, flags, assignments)
    flags = flags or {}
    if (flags.get("steps") is not None and flags.get("budget") is None
            and "budget" not in parse_set_overrides(assignments or [])):
        merged["budget"] = None  # --steps names the length outright: a budget from a preset or file gives way
    config = build_config(McmcConfig, merged)
    if config.budget is not None:
        config.steps = max(1, config.budget // config.evaluations_per_step)
    if config.burn_in is None:
        config.burn_in = config.steps // 10
    if config.burn_in >= config.steps:
        raise ConfigError("burn_in", f"got {config.burn_in}, not below the {config.steps} steps; lower it")
    if config.log_every is None:
        config.log_every = max(1, config.steps // 200)
    if config.target != "ising":
        from gentool.datasets.targets import mixture_target

        target = mixture_target(config.target, config.points)
        if config.step is None and config.sampler in STEP_PER_STD:  # gibbs draws exactly: no step
            config.step = round(STEP_PER_STD[config.sampler] * target.std, 6)
        if config.max_temperature is None:
            config.max_temperature = round((target.mode_spacing / target.std) ** 2, 1)
    return config
