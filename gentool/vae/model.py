"""A two-level VAE for one-bar drum patterns (16 x 9 hits).

With an N(0, I) prior on both levels and z_high inferred from z_low, z_high can only copy what z_low already
holds, at a KL cost and no gain, so it collapses. This design gives z_high a job that z_low cannot take over:

- inference, bottom-up then top-down: q(z_high | x) from the pattern, then q(z_low | x, z_high);
- a learned conditional prior p(z_low | z_high): when z_high names the style, the prior over z_low becomes that
  style's prior, so every bit z_high carries about style is paid back in a smaller KL for z_low;
- the decoder p(x | z_high, z_low) reads both levels (a skip path from z_high), so style reaches the output
  directly instead of only through z_low.

The decoder gives Bernoulli logits per step and instrument.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR

CELLS = STEPS_PER_BAR * len(INSTRUMENTS)


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index, (size_in, size_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(size_in, size_out))
        if index < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Gaussian(NamedTuple):
    mean: torch.Tensor
    logvar: torch.Tensor

    def sample(self, scale: float = 1.0) -> torch.Tensor:
        return self.mean + scale * torch.randn_like(self.mean) * (0.5 * self.logvar).exp()


class VaeOutput(NamedTuple):
    logits: torch.Tensor  # (B, 16, 9)
    q_high: Gaussian  # (B, z_high)
    q_low: Gaussian  # (B, z_low)
    p_low: Gaussian  # (B, z_low): the prior given the sampled z_high
    z_high: torch.Tensor
    z_low: torch.Tensor


def kl_standard_normal(q: Gaussian) -> torch.Tensor:
    """KL(q || N(0, I)) per dimension, (B, D)."""
    return 0.5 * (q.mean.pow(2) + q.logvar.exp() - 1.0 - q.logvar)


def kl_gaussians(q: Gaussian, p: Gaussian) -> torch.Tensor:
    """KL(q || p) per dimension for diagonal Gaussians, (B, D)."""
    return 0.5 * (p.logvar - q.logvar + (q.logvar.exp() + (q.mean - p.mean).pow(2)) / p.logvar.exp() - 1.0)


class HierarchicalVAE(nn.Module):
    def __init__(self, z_high: int = 4, z_low: int = 12, hidden: int = 256):
        super().__init__()
        self.z_high_dim = z_high
        self.z_low_dim = z_low
        self.encoder = nn.Sequential(mlp([CELLS, hidden, hidden]), nn.ReLU())  # (B, hidden)
        self.q_high = nn.Linear(hidden, 2 * z_high)
        self.q_low = mlp([hidden + z_high, hidden, 2 * z_low])
        self.p_low = mlp([z_high, hidden // 2, 2 * z_low])
        self.decoder = mlp([z_high + z_low, hidden, hidden, CELLS])

    @staticmethod
    def _gaussian(params: torch.Tensor) -> Gaussian:
        mean, logvar = params.float().chunk(2, dim=-1)  # fp32 under bf16 autocast: the KL terms need it
        return Gaussian(mean, logvar.clamp(-10.0, 6.0))  # keeps exp() finite early in training

    def infer_high(self, hits: torch.Tensor) -> tuple[Gaussian, torch.Tensor]:
        features = self.encoder(hits.float().flatten(1))
        return self._gaussian(self.q_high(features)), features

    def infer_low(self, features: torch.Tensor, z_high: torch.Tensor) -> Gaussian:
        return self._gaussian(self.q_low(torch.cat([features, z_high], dim=1)))

    def prior_low(self, z_high: torch.Tensor) -> Gaussian:
        return self._gaussian(self.p_low(z_high))

    def decode(self, z_high: torch.Tensor, z_low: torch.Tensor) -> torch.Tensor:
        logits = self.decoder(torch.cat([z_high, z_low], dim=1)).float()  # fp32 under bf16 autocast
        return logits.view(-1, STEPS_PER_BAR, len(INSTRUMENTS))

    def forward(self, hits: torch.Tensor) -> VaeOutput:
        q_high, features = self.infer_high(hits)
        z_high = q_high.sample()
        q_low = self.infer_low(features, z_high)
        z_low = q_low.sample()
        return VaeOutput(self.decode(z_high, z_low), q_high, q_low, self.prior_low(z_high), z_high, z_low)

    @torch.no_grad()
    def posterior_means(self, hits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """E_q[z_high | x] and E_q[z_low | x, z_high = its mean]: the codes analysis reads."""
        q_high, features = self.infer_high(hits)
        return q_high.mean, self.infer_low(features, q_high.mean).mean

    @torch.no_grad()
    def sample(self, z_high: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """Patterns from given z_high: z_low from the learned prior (noise scaled by temperature), then each hit
        drawn from the decoder's Bernoulli. Drawing, not thresholding at p > 0.5: a jazz bar has one to three
        comping snare hits at varying steps, each step well under 0.5, and thresholding would delete them all."""
        z_low = self.prior_low(z_high).sample(temperature)
        probabilities = torch.sigmoid(self.decode(z_high, z_low))
        return torch.rand_like(probabilities) < probabilities
