"""The 2-D Ising model on a periodic L x L lattice, p(s) proportional to exp(beta sum_<ij> s_i s_j), J = 1, no field.

Both samplers update one colour of the checkerboard at a time: sites of one colour do not touch, so updating
them all at once is still an exact single-site sweep, vectorised over the sites and the chains.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

CRITICAL_BETA = 0.5 * math.log(1 + math.sqrt(2))  # 0.4407


def neighbour_sum(spins: np.ndarray) -> np.ndarray:
    """(C, L, L) -> (C, L, L): the four periodic neighbours' sum."""
    return (np.roll(spins, 1, axis=1) + np.roll(spins, -1, axis=1)
            + np.roll(spins, 1, axis=2) + np.roll(spins, -1, axis=2))


def energy_per_site(spins: np.ndarray) -> np.ndarray:
    """-sum over bonds s_i s_j / L^2 (each bond once: right and down neighbours): (C, L, L) -> (C,)"""
    bonds = spins * np.roll(spins, -1, axis=1) + spins * np.roll(spins, -1, axis=2)
    return -bonds.sum(axis=(1, 2)) / spins[0].size


def magnetisation(spins: np.ndarray) -> np.ndarray:
    return spins.mean(axis=(1, 2))


def checkerboard(size: int) -> tuple[np.ndarray, np.ndarray]:
    even = (np.add.outer(np.arange(size), np.arange(size)) % 2) == 0
    return even, ~even


def sweep(spins: np.ndarray, beta: float, rng: np.random.Generator, method: str) -> float:
    """One sweep in place; returns the share of site updates that flipped a spin."""
    flips = 0
    for colour in checkerboard(spins.shape[1]):
        field = neighbour_sum(spins)[:, colour]  # (C, sites of this colour)
        current = spins[:, colour]
        uniform = rng.random(current.shape)
        if method == "gibbs":  # heat bath: draw the site from its conditional
            new = np.where(uniform < 1.0 / (1.0 + np.exp(-2.0 * beta * field)), 1, -1).astype(spins.dtype)
        else:  # Metropolis: propose the flip, accept with min(1, exp(-beta dE)), dE = 2 s h
            accept = np.log(uniform) < -2.0 * beta * current * field
            new = np.where(accept, -current, current)
        flips += int((new != current).sum())
        spins[:, colour] = new
    return flips / spins.size


def exact_moments(size: int, beta: float) -> dict:
    """E[energy per site], E[|m|], E[m^2] by enumerating all 2^(L^2) states (L <= 4)."""
    if size * size > 16:
        raise ValueError("exact enumeration is for lattices of at most 16 sites")
    states = np.array(list(itertools.product((-1, 1), repeat=size * size)), dtype=np.float64)
    spins = states.reshape(-1, size, size)
    energy = energy_per_site(spins)
    log_weight = -beta * energy * size * size
    weight = np.exp(log_weight - log_weight.max())
    weight /= weight.sum()
    m = magnetisation(spins)
    return {"energy": float(weight @ energy), "abs_magnetisation": float(weight @ np.abs(m)),
            "magnetisation_sq": float(weight @ m ** 2)}


def onsager_energy_per_site(beta: float) -> float:
    """The infinite lattice's exact energy per site (Onsager), for comparison with a finite one."""
    k = 2 * math.sinh(2 * beta) / math.cosh(2 * beta) ** 2
    # complete elliptic integral of the first kind, K(k) = pi / (2 AGM(1, sqrt(1 - k^2)))
    a, b = 1.0, math.sqrt(max(1 - k * k, 0.0))
    if b == 0.0:
        return -math.sqrt(2)  # at the critical point
    for _ in range(60):
        a, b = (a + b) / 2, math.sqrt(a * b)
    elliptic_k = math.pi / (2 * a)
    return -(1 / math.tanh(2 * beta)) * (1 + (2 / math.pi) * (2 * math.tanh(2 * beta) ** 2 - 1) * elliptic_k)
