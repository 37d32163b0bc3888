"""The 2-D mixtures as targets with a known density: log p(x), its gradient, exact draws.

MCMC samples these and VI fits them, so both see the same ring8/grid25 as the GANs and EM (means and std from
datasets/points.py). Work is in float64 numpy: the densities are sharp (std 0.01 on ring8), so log p reaches -1e4
a short way from a mode, and the sampler loops are many small steps where numpy's per-call cost is lower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from gentool.datasets.points import PointDataConfig, mode_means, mode_std


@dataclass(frozen=True)
class MixtureTarget:
    """An equal-weight mixture of isotropic Gaussians N(mean_k, std^2 I)."""

    name: str
    means: np.ndarray  # (K, D)
    std: float

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def modes(self) -> int:
        return self.means.shape[0]

    @property
    def mode_spacing(self) -> float:
        """Distance between the two closest means (what a sampler has to cross)."""
        gaps = np.linalg.norm(self.means[:, None] - self.means[None], axis=-1)
        return float(gaps[~np.eye(self.modes, dtype=bool)].min())

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The box the noise baseline draws from: the means' bounding box grown by 1."""
        return self.means.min(axis=0) - 1.0, self.means.max(axis=0) + 1.0

    def _component_log_probs(self, x: np.ndarray) -> np.ndarray:
        sq = ((x[..., None, :] - self.means) ** 2).sum(-1)  # (..., K)
        norm = -0.5 * self.dim * math.log(2 * math.pi * self.std ** 2) - math.log(self.modes)
        return norm - sq / (2 * self.std ** 2)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """(..., D) -> (...)"""
        comp = self._component_log_probs(x)
        top = comp.max(-1, keepdims=True)
        return (top + np.log(np.exp(comp - top).sum(-1, keepdims=True)))[..., 0]

    def responsibilities(self, x: np.ndarray) -> np.ndarray:
        """p(component k | x): (..., D) -> (..., K)"""
        comp = self._component_log_probs(x)
        comp = comp - comp.max(-1, keepdims=True)
        weights = np.exp(comp)
        return weights / weights.sum(-1, keepdims=True)

    def log_prob_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log p and grad log p = sum_k r_k(x) (mean_k - x) / std^2, in closed form."""
        resp = self.responsibilities(x)  # (..., K)
        grad = (resp @ self.means - x) / self.std ** 2
        return self.log_prob(x), grad

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        modes = rng.integers(0, self.modes, size=count)
        return self.means[modes] + self.std * rng.standard_normal((count, self.dim))

    def log_prob_torch(self, x: torch.Tensor) -> torch.Tensor:
        """The same density for autograd (VI): (..., D) -> (...)"""
        means = torch.as_tensor(self.means, dtype=x.dtype, device=x.device)
        sq = ((x.unsqueeze(-2) - means) ** 2).sum(-1)  # (..., K)
        norm = -0.5 * self.dim * math.log(2 * math.pi * self.std ** 2) - math.log(self.modes)
        return torch.logsumexp(norm - sq / (2 * self.std ** 2), dim=-1)


def mixture_target(name: str, config: PointDataConfig | None = None) -> MixtureTarget:
    config = config or PointDataConfig()
    return MixtureTarget(name, mode_means(name, config).double().numpy(), float(mode_std(name, config)))
