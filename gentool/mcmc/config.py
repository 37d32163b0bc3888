"""The MCMC run configs, one per target kind: `MixtureMcmcConfig` (target ring8 or grid25, the mixtures) and
`IsingMcmcConfig` (target ising, a 2-D lattice), each with only its own keys. Presets live in
gentool/presets/mcmc/ (one per sampler, and `tempering` as the fix); the family resolves them
(gentool.mcmc.family).

Left null, step sizes, the top temperature, burn-in and the logging interval are derived from the target and the
budget by `fill_in`, so config.yaml always holds the values that ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gentool.config import option
from gentool.datasets.config import PointDataConfig
from gentool.errors import ConfigError
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
    """The keys every MCMC run config starts with; each target kind's config adds its own after them."""

    seed: int = option(0, min=0, max=MAX_SEED, help="seed of the starting points and of every draw")
    device: str = device_option("cpu", "the samplers run in numpy on the CPU whatever this says; it is recorded")
    target: str = option("ring8", choices=TARGETS, help="ring8 / grid25 (the mixtures) or ising (a 2-D lattice)")
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
    log_every: int | None = option(None, min=1, help="iterations between metrics.jsonl records (null: 200 records)")
    max_lag: int = option(200, min=1, help="lags in the autocorrelation figure")

    def check(self) -> list[tuple[str, str]]:
        problems = device_problems(self.device)
        if self.burn_in is not None and self.budget is None and self.burn_in >= self.steps:
            problems.append(("burn_in", f"got {self.burn_in}, not below steps={self.steps}; lower it"))
        return problems

    @property
    def evaluations_per_step(self) -> int:
        return 1

    def fill_in(self) -> None:
        """The values left null, derived: steps from the budget, burn-in and the logging interval from steps."""
        if self.budget is not None:
            self.steps = max(1, self.budget // self.evaluations_per_step)
        if self.burn_in is None:
            self.burn_in = self.steps // 10
        if self.burn_in >= self.steps:
            raise ConfigError("burn_in", f"got {self.burn_in}, not below the {self.steps} steps; lower it")
        if self.log_every is None:
            self.log_every = max(1, self.steps // 200)


@dataclass
class MixtureMcmcConfig(McmcConfig):
    target: str = option("ring8", choices=("ring8", "grid25"), help="ring8 or grid25: the mixtures")
    points: PointDataConfig = field(default_factory=PointDataConfig)
    step: float | None = option(None, min=0.0, min_exclusive=True,
                                help="proposal scale (rwmh, tempering at T=1), Langevin step (mala) or leapfrog "
                                     "step (hmc); null: a multiple of the mixture's std")
    leapfrog: int = option(10, min=1, max=10_000, help="hmc: leapfrog steps per iteration")
    temperatures: int = option(10, min=2, max=1000, help="tempering: replicas per chain, geometric from 1")
    max_temperature: float | None = option(None, min=1.0, min_exclusive=True,
                                           help="tempering: the hottest replica's T (null: (mode spacing / std)^2, "
                                                "where the modes' tails overlap)")

    @property
    def evaluations_per_step(self) -> int:
        return {"hmc": self.leapfrog, "tempering": self.temperatures}.get(self.sampler, 1)

    def fill_in(self) -> None:
        """Also the step size (gibbs draws exactly: none) and the top temperature, from the mixture."""
        from gentool.datasets.targets import mixture_target  # torch and numpy: only once a run is resolved

        super().fill_in()
        target = mixture_target(self.target, self.points)
        if self.step is None and self.sampler in STEP_PER_STD:
            self.step = round(STEP_PER_STD[self.sampler] * target.std, 6)
        if self.max_temperature is None:
            self.max_temperature = round((target.mode_spacing / target.std) ** 2, 1)


@dataclass
class IsingMcmcConfig(McmcConfig):
    target: str = option("ising", choices=("ising",), help="ising: a 2-D lattice")
    size: int = option(16, min=2, max=1024, help="lattice side (even, periodic boundaries)")
    beta: float = option(0.44, min=0.0, max=10.0, help="inverse temperature (critical: 0.4407)")

    def check(self) -> list[tuple[str, str]]:
        problems = super().check()
        if self.sampler not in ISING_SAMPLERS:
            problems.append(("sampler", f"'{self.sampler}' needs a continuous target (ring8, grid25); the "
                                        f"ising lattice takes {' or '.join(ISING_SAMPLERS)}"))
        if self.size % 2:
            problems.append(("size", f"got {self.size}; the checkerboard update needs an even side"))
        return problems
