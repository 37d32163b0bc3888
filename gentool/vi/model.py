"""Variational families q for a 2-D target: a mixture of K full-covariance Gaussians (K = 1: one Gaussian), with
reparameterised draws, and the two objectives.

Reverse KL(q || p) = E_q[log q - log p] is the negative ELBO (the target is normalised, so log Z = 0). For a
mixture q its draws are not reparameterisable through the component choice, so the expectation is written as
sum_k pi_k E_{q_k}[log q - log p] and each E_{q_k} is estimated with reparameterised draws of component k.
Forward KL(p || q) = E_p[log p - log q]: only -E_p[log q] depends on q, estimated from exact target draws.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from gentool.datasets.targets import MixtureTarget


class MixtureQ(nn.Module):
    def __init__(self, means: torch.Tensor, init_scale: float):
        super().__init__()
        components, dim = means.shape
        self.logits = nn.Parameter(torch.zeros(components, dtype=means.dtype))
        self.means = nn.Parameter(means.clone())  # (K, D)
        # Cholesky factor: free strictly-lower part, log of the diagonal (so it stays positive)
        self.lower = nn.Parameter(torch.zeros(components, dim, dim, dtype=means.dtype))
        self.log_diag = nn.Parameter(torch.full((components, dim), math.log(init_scale), dtype=means.dtype))

    def scale_tril(self) -> torch.Tensor:
        return torch.tril(self.lower, diagonal=-1) + torch.diag_embed(self.log_diag.exp())  # (K, D, D)

    def components(self) -> torch.distributions.MultivariateNormal:
        return torch.distributions.MultivariateNormal(self.means, scale_tril=self.scale_tril())

    def log_weights(self) -> torch.Tensor:
        return torch.log_softmax(self.logits, dim=0)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(..., D) -> (...)"""
        per_component = self.components().log_prob(x.unsqueeze(-2))  # (..., K)
        return torch.logsumexp(per_component + self.log_weights(), dim=-1)

    def rsample_each(self, count: int) -> torch.Tensor:
        """count reparameterised draws of every component: (count, K, D)"""
        return self.components().rsample((count,))

    @torch.no_grad()
    def sample(self, count: int, generator: torch.Generator) -> torch.Tensor:
        chosen = torch.multinomial(self.log_weights().exp(), count, replacement=True, generator=generator)
        noise = torch.randn(count, self.means.shape[1], 1, dtype=self.means.dtype, generator=generator)
        return self.means[chosen] + (self.scale_tril()[chosen] @ noise).squeeze(-1)


def reverse_kl(q: MixtureQ, target: MixtureTarget, draws: int) -> torch.Tensor:
    """Estimate of KL(q || p) = -ELBO, differentiable in q's parameters."""
    x = q.rsample_each(draws)  # (S, K, D)
    gap = q.log_prob(x) - target.log_prob_torch(x)  # (S, K)
    return (q.log_weights().exp() * gap.mean(dim=0)).sum()


def forward_cross_entropy(q: MixtureQ, target_draws: torch.Tensor) -> torch.Tensor:
    """-E_p[log q], the part of KL(p || q) that depends on q."""
    return -q.log_prob(target_draws).mean()


@torch.no_grad()
def kl_estimates(q: MixtureQ, target: MixtureTarget, count: int, generator: torch.Generator) -> dict:
    """Both KL divergences by Monte Carlo (nats), from `count` draws of q and of p."""
    from_q = q.sample(count, generator)
    rng = np.random.default_rng(int(torch.randint(0, 2 ** 31, (1,), generator=generator)))
    from_p = torch.from_numpy(target.sample(count, rng)).to(q.means.dtype)
    kl_q_p = float((q.log_prob(from_q) - target.log_prob_torch(from_q)).mean())
    kl_p_q = float((target.log_prob_torch(from_p) - q.log_prob(from_p)).mean())
    return {"kl_q_p": round(kl_q_p, 4), "kl_p_q": round(kl_p_q, 4)}
