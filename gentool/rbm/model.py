"""A Bernoulli-Bernoulli restricted Boltzmann machine: energy, Gibbs sampling, free energy, pseudo-likelihood, and
its log-partition function, exact (by enumerating the hidden states) or estimated by annealed importance sampling.

E(v, h) = -b·v - c·h - v·W·h with v in {0,1}^V, h in {0,1}^H; p(v, h) = exp(-E) / Z. Summing out h gives the free
energy F(v) = -b·v - sum_j softplus(c_j + (v·W)_j), so log p(v) = -F(v) - log Z. Every sampling function takes an
`rng` (a torch.Generator on the model's device) or None for the global stream.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

# hidden states enumerated per chunk for the exact log Z: 2^14 states x 784 visible floats stay under 100 MB
ENUMERATION_CHUNK = 2**14
EXACT_MAX_HIDDEN = 20  # 2^20 hidden states at most (the cost doubles with each hidden unit); beyond, AIS


class RBM(torch.nn.Module):
    def __init__(self, visible: int, hidden: int):
        super().__init__()
        # Hinton's practical guide (section 8): small random weights, zero hidden biases; the visible biases are
        # set from the data's pixel frequencies by `init_visible_bias`
        self.weight = torch.nn.Parameter(torch.randn(visible, hidden) * 0.01)  # (V, H)
        self.visible_bias = torch.nn.Parameter(torch.zeros(visible))  # (V,)
        self.hidden_bias = torch.nn.Parameter(torch.zeros(hidden))  # (H,)
        self.requires_grad_(False)  # trained by explicit CD statistics, never by autograd

    @property
    def visible(self) -> int:
        return self.weight.shape[0]

    @property
    def hidden(self) -> int:
        return self.weight.shape[1]

    def init_visible_bias(self, data: torch.Tensor) -> None:
        """b_i = log(p_i / (1 - p_i)) with p_i the share of on pixels (clipped so all-off pixels stay finite)."""
        share = data.float().mean(dim=0).clamp(1e-3, 1 - 1e-3)
        self.visible_bias.copy_(torch.log(share / (1 - share)))

    # ------------------------------------------------------------------------------------------ conditionals

    def hidden_probs(self, v: torch.Tensor, beta: float | torch.Tensor = 1.0) -> torch.Tensor:
        """p(h = 1 | v) at inverse temperature beta: (B, V) -> (B, H)."""
        return torch.sigmoid(beta * (v @ self.weight + self.hidden_bias))

    def visible_probs(self, h: torch.Tensor, beta: float | torch.Tensor = 1.0) -> torch.Tensor:
        """p(v = 1 | h): (B, H) -> (B, V)."""
        return torch.sigmoid(beta * (h @ self.weight.T + self.visible_bias))

    def gibbs_step(self, v: torch.Tensor, rng: torch.Generator | None = None, beta: float | torch.Tensor = 1.0
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """v -> h -> v': the new binary visible state, its probabilities, and the hidden probabilities given v."""
        h_probs = self.hidden_probs(v, beta)
        h = torch.bernoulli(h_probs, generator=rng)
        v_probs = self.visible_probs(h, beta)
        return torch.bernoulli(v_probs, generator=rng), v_probs, h_probs

    # ------------------------------------------------------------------------------------------- densities

    def free_energy(self, v: torch.Tensor, beta: float | torch.Tensor = 1.0) -> torch.Tensor:
        """F_beta(v) = -beta b·v - sum_j softplus(beta (c + v·W)_j): (..., V) -> (...). A tensor beta has v's
        leading shape and a last dimension of 1, e.g. (M, 1, 1) for chains (M, B, V) at M temperatures."""
        scale = beta[..., 0] if isinstance(beta, torch.Tensor) else beta
        return (-scale * (v @ self.visible_bias)
                - F.softplus(beta * (v @ self.weight + self.hidden_bias)).sum(-1))

    def pseudo_likelihood(self, v: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        """scikit-learn's stochastic pseudo-log-likelihood: V x log sigmoid(F(v~) - F(v)), where v~ is v with the
        pixel `flip` (one per image, (B,)) flipped; its mean over pixels is the pseudo-likelihood. (B,) in nats."""
        flipped = v.clone()
        rows = torch.arange(len(v), device=v.device)
        flipped[rows, flip] = 1 - flipped[rows, flip]
        return self.visible * F.logsigmoid(self.free_energy(flipped) - self.free_energy(v))

    def log_likelihood(self, v: torch.Tensor, log_z: float) -> torch.Tensor:
        """log p(v) = -F(v) - log Z per image (nats): (B, V) -> (B,)."""
        return -self.free_energy(v).double() - log_z


# ------------------------------------------------------------------------------------------- log-partition

@torch.no_grad()
def exact_log_partition(rbm: RBM) -> float:
    """log Z = logsumexp over all 2^H hidden states of [c·h + sum_i softplus(b_i + (W h)_i)], in float64."""
    hidden = rbm.hidden
    if hidden > EXACT_MAX_HIDDEN:
        raise ValueError(f"enumerating 2^{hidden} hidden states is too slow; use AIS")
    weight, b, c = rbm.weight.double(), rbm.visible_bias.double(), rbm.hidden_bias.double()
    bits = 2 ** torch.arange(hidden, device=weight.device)
    parts = []
    for start in range(0, 2**hidden, ENUMERATION_CHUNK):
        codes = torch.arange(start, min(start + ENUMERATION_CHUNK, 2**hidden), device=weight.device)
        h = ((codes.unsqueeze(1) & bits) > 0).double()  # (S, H)
        parts.append(torch.logsumexp(h @ c + F.softplus(h @ weight.T + b).sum(1), dim=0))
    return float(torch.logsumexp(torch.stack(parts), dim=0))


@torch.no_grad()
def brute_force_log_partition(rbm: RBM) -> float:
    """log Z by summing exp(-E) over every (v, h) pair: only for tiny RBMs, as the check of the other two."""
    weight, b, c = rbm.weight.double(), rbm.visible_bias.double(), rbm.hidden_bias.double()

    def states(n: int) -> torch.Tensor:
        codes = torch.arange(2**n)
        return ((codes.unsqueeze(1) & (2 ** torch.arange(n))) > 0).double()

    v, h = states(rbm.visible), states(rbm.hidden)  # (2^V, V), (2^H, H)
    minus_energy = (v @ b).unsqueeze(1) + (h @ c).unsqueeze(0) + v @ weight @ h.T  # (2^V, 2^H)
    return float(torch.logsumexp(minus_energy.flatten(), dim=0))


@torch.no_grad()
def ais_log_partition(rbm: RBM, *, runs: int, steps: int, base_visible_bias: torch.Tensor,
                      rng: torch.Generator | None = None, advance: Callable[[], None] = lambda: None) -> dict:
    """Annealed importance sampling (Salakhutdinov & Murray 2008) from a base RBM with no weights and visible
    biases `base_visible_bias` (the data's, so the base is close to the data) to this RBM, through `steps`
    intermediate distributions p_k(v) ∝ exp((1 - beta_k) b_A·v) exp(beta_k b·v) prod_j (1 + exp(beta_k (c + v W)_j)).

    Returns log Z with the spread of the estimate: log of (mean weight ± 3 standard errors) over `runs` runs.
    """
    device = rbm.weight.device
    base_bias = base_visible_bias.to(device)
    betas = torch.linspace(0.0, 1.0, steps + 1, device=device, dtype=torch.float64)

    def log_unnormalised(v: torch.Tensor, beta: float) -> torch.Tensor:  # (R, V) -> (R,) in float64
        return ((1 - beta) * (v @ base_bias) + beta * (v @ rbm.visible_bias)
                + F.softplus(beta * (v @ rbm.weight + rbm.hidden_bias)).sum(1)).double()

    v = torch.bernoulli(torch.sigmoid(base_bias).expand(runs, -1), generator=rng)  # (R, V): exact base samples
    log_weights = torch.zeros(runs, dtype=torch.float64, device=device)
    for k in range(1, steps + 1):
        beta, previous = float(betas[k]), float(betas[k - 1])
        log_weights += log_unnormalised(v, beta) - log_unnormalised(v, previous)
        # one Gibbs transition that leaves p_k invariant: hidden units at beta_k, visible units between the two
        h = torch.bernoulli(torch.sigmoid(beta * (v @ rbm.weight + rbm.hidden_bias)), generator=rng)
        v = torch.bernoulli(torch.sigmoid((1 - beta) * base_bias + beta * (h @ rbm.weight.T + rbm.visible_bias)),
                            generator=rng)
        advance()  # progress, once per intermediate distribution
    # the base: factorial visible units, and each hidden unit free (2 states) at beta = 0
    log_z_base = float(F.softplus(base_bias.double()).sum()) + rbm.hidden * math.log(2.0)
    log_mean = float(torch.logsumexp(log_weights, dim=0)) - math.log(runs)
    weights = torch.exp(log_weights - log_weights.max())
    relative_se = float(weights.std() / weights.mean()) / math.sqrt(runs) if runs > 1 else float("inf")
    low = log_z_base + log_mean + (math.log(1 - 3 * relative_se) if 3 * relative_se < 1 else -math.inf)
    return {"log_z": log_z_base + log_mean, "log_z_low": low, "log_z_high": log_z_base + log_mean
            + math.log(1 + 3 * relative_se), "runs": runs, "steps": steps,
            "log_weight_std": float(log_weights.std()) if runs > 1 else 0.0, "log_z_base": log_z_base}


# ------------------------------------------------------------------------------------------------ sampling

@torch.no_grad()
def gibbs_chains(rbm: RBM, *, chains: int, steps: int, rng: torch.Generator | None,
                 snapshots: tuple[int, ...] = (), advance: Callable[[], None] = lambda: None
                 ) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """`chains` independent Gibbs chains from uniform binary noise, `steps` steps each. Returns the last step's
    p(v | h) (chains, V), the grey image an RBM sample is conventionally shown and scored as, and the same for the
    first 8 chains at each step in `snapshots` (0 = the starting noise)."""
    device = rbm.weight.device
    v = torch.bernoulli(torch.full((chains, rbm.visible), 0.5, device=device), generator=rng)  # (N, V)
    v_probs = v
    kept = {0: v[:8].cpu()} if 0 in snapshots else {}
    for step in range(1, steps + 1):
        v, v_probs, _ = rbm.gibbs_step(v, rng)
        advance()
        if step in snapshots:
            kept[step] = v_probs[:8].cpu()
    return v_probs, kept


def as_images(v: torch.Tensor) -> torch.Tensor:
    """Visible vectors in [0, 1] -> letter images in [-1, 1] as the letter evaluator reads them: (N, 784) ->
    (N, 1, 28, 28)."""
    return v.reshape(-1, 1, 28, 28) * 2 - 1
