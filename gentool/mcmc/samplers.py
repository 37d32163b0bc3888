"""Samplers for a continuous target with log p and grad log p: random-walk MH, MALA, HMC, Gibbs through a
mixture's component indicator, and parallel tempering. All vectorised over chains: the state is (C, D).

Each sampler counts the target evaluations it spends (one log p, or one log p with its gradient), so samplers
can be compared at a fixed budget rather than a fixed number of iterations.
"""

from __future__ import annotations

import numpy as np

from gentool.datasets.targets import MixtureTarget


class Sampler:
    evaluations_per_step = 1

    def __init__(self, target: MixtureTarget, start: np.ndarray):
        self.target = target
        self.x = start.copy()  # (C, D)
        self.log_p, self.grad = target.log_prob_and_grad(self.x)
        self.evaluations = 1

    def step(self, rng: np.random.Generator) -> np.ndarray:
        """Advance every chain once; returns which chains accepted a move, (C,) bool."""
        raise NotImplementedError

    def _accept(self, rng: np.random.Generator, log_ratio: np.ndarray) -> np.ndarray:
        return np.log(rng.random(log_ratio.shape)) < log_ratio


class RandomWalk(Sampler):
    def __init__(self, target: MixtureTarget, start: np.ndarray, *, step: float):
        super().__init__(target, start)
        self.scale = step

    def step(self, rng):
        proposal = self.x + self.scale * rng.standard_normal(self.x.shape)
        log_p = self.target.log_prob(proposal)
        self.evaluations += 1
        accepted = self._accept(rng, log_p - self.log_p)
        self.x[accepted], self.log_p[accepted] = proposal[accepted], log_p[accepted]
        return accepted


class Langevin(Sampler):
    """MALA: a Langevin step x + (eps^2 / 2) grad log p(x) + eps xi, corrected by Metropolis-Hastings."""

    def __init__(self, target: MixtureTarget, start: np.ndarray, *, step: float):
        super().__init__(target, start)
        self.eps = step

    def _log_q(self, to: np.ndarray, start: np.ndarray, grad: np.ndarray) -> np.ndarray:
        mean = start + 0.5 * self.eps ** 2 * grad
        return -((to - mean) ** 2).sum(-1) / (2 * self.eps ** 2)

    def step(self, rng):
        proposal = self.x + 0.5 * self.eps ** 2 * self.grad + self.eps * rng.standard_normal(self.x.shape)
        log_p, grad = self.target.log_prob_and_grad(proposal)
        self.evaluations += 1
        log_ratio = (log_p - self.log_p + self._log_q(self.x, proposal, grad)
                     - self._log_q(proposal, self.x, self.grad))
        accepted = self._accept(rng, log_ratio)
        self.x[accepted], self.log_p[accepted], self.grad[accepted] = (
            proposal[accepted], log_p[accepted], grad[accepted])
        return accepted


class Hamiltonian(Sampler):
    """HMC with an identity mass matrix: `leapfrog` steps of size eps, then a Metropolis test on the energy."""

    def __init__(self, target: MixtureTarget, start: np.ndarray, *, step: float, leapfrog: int):
        super().__init__(target, start)
        self.eps = step
        self.leapfrog = leapfrog
        self.evaluations_per_step = leapfrog

    def step(self, rng):
        momentum = rng.standard_normal(self.x.shape)
        start_energy = -self.log_p + 0.5 * (momentum ** 2).sum(-1)
        position, grad = self.x.copy(), self.grad
        momentum = momentum + 0.5 * self.eps * grad
        for index in range(self.leapfrog):
            position = position + self.eps * momentum
            log_p, grad = self.target.log_prob_and_grad(position)
            self.evaluations += 1
            momentum = momentum + (self.eps if index < self.leapfrog - 1 else 0.5 * self.eps) * grad
        end_energy = -log_p + 0.5 * (momentum ** 2).sum(-1)
        with np.errstate(invalid="ignore"):  # a diverged trajectory gives inf - inf: rejected below
            log_ratio = np.nan_to_num(start_energy - end_energy, nan=-np.inf)
        accepted = self._accept(rng, log_ratio)
        self.x[accepted], self.log_p[accepted], self.grad[accepted] = (
            position[accepted], log_p[accepted], grad[accepted])
        return accepted


class MixtureGibbs(Sampler):
    """Gibbs on (x, z) for the mixture: z ~ p(z | x) (the responsibilities), then x ~ N(mean_z, std^2 I).

    Exact draws from each conditional, so every move is accepted; but p(z | x) is all but one-hot away from the
    boundaries between modes, so the chain keeps its component."""

    def step(self, rng):
        resp = self.target.responsibilities(self.x)  # (C, K)
        component = (rng.random((len(self.x), 1)) > resp.cumsum(axis=1)).sum(axis=1)
        component = np.minimum(component, self.target.modes - 1)  # cumsum can end a hair below 1
        self.x = self.target.means[component] + self.target.std * rng.standard_normal(self.x.shape)
        self.log_p, self.grad = self.target.log_prob_and_grad(self.x)
        self.evaluations += 1
        return np.ones(len(self.x), dtype=bool)


def temperature_ladder(count: int, hottest: float) -> np.ndarray:
    return np.geomspace(1.0, hottest, count)


class Tempering(Sampler):
    """Parallel tempering: per chain, replicas of p^(1/T) on a geometric ladder, each moved by a random walk
    scaled by sqrt(T); then neighbouring replicas propose to swap states (even pairs, then odd pairs, in turn).
    Only the T = 1 replica is a sample of p; the hot ones cross between modes and hand their states down."""

    def __init__(self, target: MixtureTarget, start: np.ndarray, *, step: float, temperatures: np.ndarray,
                 rng: np.random.Generator):
        chains, dim = start.shape
        self.temperatures = temperatures  # (T,)
        self.betas = 1.0 / temperatures
        self.target = target
        # hot replicas start spread over the box like the cold one
        low, high = target.bounds()
        replicas = low + (high - low) * rng.random((chains, len(temperatures), dim))
        replicas[:, 0] = start
        self.replicas = replicas  # (C, T, D)
        self.replica_log_p = target.log_prob(replicas)  # (C, T)
        self.evaluations = len(temperatures)
        self.evaluations_per_step = len(temperatures)
        self.scales = step * np.sqrt(temperatures)[None, :, None]  # (1, T, 1)
        self.swaps_tried = 0
        self.swaps_accepted = 0
        self.parity = 0

    @property
    def x(self) -> np.ndarray:
        return self.replicas[:, 0]

    def step(self, rng):
        proposal = self.replicas + self.scales * rng.standard_normal(self.replicas.shape)
        log_p = self.target.log_prob(proposal)  # (C, T)
        self.evaluations += len(self.temperatures)
        accepted = self._accept(rng, self.betas * (log_p - self.replica_log_p))
        self.replicas[accepted], self.replica_log_p[accepted] = proposal[accepted], log_p[accepted]
        self._swap(rng)
        return accepted[:, 0]

    def _swap(self, rng: np.random.Generator) -> None:
        lower = np.arange(self.parity, len(self.temperatures) - 1, 2)  # pairs (i, i + 1)
        self.parity = 1 - self.parity
        if not len(lower):
            return
        upper = lower + 1
        log_ratio = ((self.betas[lower] - self.betas[upper])
                     * (self.replica_log_p[:, upper] - self.replica_log_p[:, lower]))  # (C, pairs)
        swap = self._accept(rng, log_ratio)
        self.swaps_tried += swap.size
        self.swaps_accepted += int(swap.sum())
        chain_index, pair = np.nonzero(swap)
        i, j = lower[pair], upper[pair]
        self.replicas[chain_index, i], self.replicas[chain_index, j] = (
            self.replicas[chain_index, j].copy(), self.replicas[chain_index, i].copy())
        self.replica_log_p[chain_index, i], self.replica_log_p[chain_index, j] = (
            self.replica_log_p[chain_index, j].copy(), self.replica_log_p[chain_index, i].copy())


def build_sampler(name: str, target: MixtureTarget, start: np.ndarray, *, step: float, leapfrog: int,
                  temperatures: np.ndarray, rng: np.random.Generator) -> Sampler:
    if name == "rwmh":
        return RandomWalk(target, start, step=step)
    if name == "mala":
        return Langevin(target, start, step=step)
    if name == "hmc":
        return Hamiltonian(target, start, step=step, leapfrog=leapfrog)
    if name == "gibbs":
        return MixtureGibbs(target, start)
    if name == "tempering":
        return Tempering(target, start, step=step, temperatures=temperatures, rng=rng)
    raise ValueError(f"unknown sampler {name!r}")
