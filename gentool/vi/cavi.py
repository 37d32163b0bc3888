"""Mean-field CAVI for a Bayesian Gaussian mixture with known component variance (Blei, Kucukelbir and McAuliffe
2017, section 3):

    mu_k ~ N(0, prior_var I),  c_i ~ Categorical(1/K),  x_i | c_i, mu ~ N(mu_{c_i}, like_var I)
    q(mu_k) = N(m_k, s2_k I),  q(c_i) = Categorical(phi_i)

Each update sets one factor to its optimum given the others, so the ELBO can only rise: the history it returns
is checked for that in the tests. float64 throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class CaviFit:
    means: torch.Tensor  # (K, D) posterior means m_k
    variances: torch.Tensor  # (K,) posterior variances s2_k (per coordinate)
    phi: torch.Tensor  # (N, K) cluster responsibilities
    history: list[float] = field(default_factory=list)  # ELBO per point after each sweep
    converged: bool = False

    @property
    def iterations(self) -> int:
        return len(self.history)


def update_assignments(x: torch.Tensor, m: torch.Tensor, s2: torch.Tensor, like_var: float) -> torch.Tensor:
    """phi_ik proportional to exp(x_i . m_k / like_var - E[mu_k . mu_k] / (2 like_var))."""
    expected_sq = (m ** 2).sum(dim=1) + x.shape[1] * s2  # (K,)
    return torch.softmax((x @ m.T - 0.5 * expected_sq) / like_var, dim=1)


def update_means(x: torch.Tensor, phi: torch.Tensor, prior_var: float,
                 like_var: float) -> tuple[torch.Tensor, torch.Tensor]:
    counts = phi.sum(dim=0)  # (K,)
    s2 = 1.0 / (1.0 / prior_var + counts / like_var)
    m = s2.unsqueeze(1) * (phi.T @ x) / like_var
    return m, s2


def elbo(x: torch.Tensor, phi: torch.Tensor, m: torch.Tensor, s2: torch.Tensor, prior_var: float,
         like_var: float) -> float:
    """E_q[log p(x, c, mu)] - E_q[log q(c, mu)], summed over the data."""
    count, dim = x.shape
    components = len(m)
    expected_sq = (m ** 2).sum(dim=1) + dim * s2  # (K,)
    log_prior_mu = (-0.5 * dim * math.log(2 * math.pi * prior_var) - expected_sq / (2 * prior_var)).sum()
    log_prior_c = -count * math.log(components)
    sq = (x ** 2).sum(dim=1, keepdim=True) - 2 * x @ m.T + expected_sq  # (N, K): E[|x_i - mu_k|^2]
    log_like = (phi * (-0.5 * dim * math.log(2 * math.pi * like_var) - sq / (2 * like_var))).sum()
    entropy_c = -torch.special.xlogy(phi, phi).sum()
    entropy_mu = (0.5 * dim * (1 + torch.log(2 * math.pi * s2))).sum()
    return float(log_prior_mu + log_prior_c + log_like + entropy_c + entropy_mu)


def fit_cavi(x: torch.Tensor, init_means: torch.Tensor, *, prior_var: float, like_var: float, max_iter: int,
             tol: float, on_iteration: Callable[[int, float], bool] | None = None) -> CaviFit:
    m = init_means.clone()
    s2 = torch.full((len(m),), prior_var, dtype=x.dtype, device=x.device)
    fit = CaviFit(m, s2, update_assignments(x, m, s2, like_var))
    previous = -math.inf
    for iteration in range(1, max_iter + 1):
        fit.phi = update_assignments(x, fit.means, fit.variances, like_var)
        fit.means, fit.variances = update_means(x, fit.phi, prior_var, like_var)
        value = elbo(x, fit.phi, fit.means, fit.variances, prior_var, like_var) / len(x)
        fit.history.append(value)
        stop = on_iteration(iteration, value) if on_iteration else False
        if value - previous < tol:
            fit.converged = True
            break
        previous = value
        if stop:  # the caller reads the stop flag itself (its status "interrupted")
            break
    return fit
