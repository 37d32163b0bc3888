"""A convolutional VAE for 28x28 letters, optionally class-conditional.

Likelihood: Bernoulli per pixel, with the pixel's ink level (in [0, 1]) as the target. A glyph is ink or paper
except at its anti-aliased edges, which is the data a Bernoulli decoder fits well; a Gaussian with a fixed variance
would make the reconstruction term a scaled squared error whose weight against the KL is an arbitrary choice of
that variance, and a learned variance lets the model buy likelihood by shrinking it on the flat paper. The image a
sample shows is the decoder's mean (the Bernoulli probabilities), as is usual: drawing every pixel would add
salt-and-pepper noise that no letter has, and it is this mean that "blurry" is said of.

Encoder: two stride-2 convolutions (28 -> 14 -> 7) and a linear layer to the posterior's mean and log-variance.
Decoder: a linear layer to 7x7 feature maps and two stride-2 transposed convolutions back to 28x28 logits. A
conditional model gives both the letter's one-hot code (q(z | x, y), p(x | z, y)), so z is free to hold the style.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from gentool.datasets.font_faces import LETTERS
from gentool.vae.model import Gaussian


class LetterVaeOutput(NamedTuple):
    logits: torch.Tensor  # (B, 1, 28, 28)
    q: Gaussian  # (B, z_dim)
    z: torch.Tensor


class LetterVAE(nn.Module):
    def __init__(self, z_dim: int = 32, width: int = 32, conditional: bool = False):
        super().__init__()
        self.z_dim = z_dim
        self.width = width
        self.classes = len(LETTERS) if conditional else 0
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten())
        self.posterior = nn.Linear(2 * width * 7 * 7 + self.classes, 2 * z_dim)
        self.expand = nn.Sequential(nn.Linear(z_dim + self.classes, 2 * width * 7 * 7), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1))

    @property
    def conditional(self) -> bool:
        return self.classes > 0

    def _with_label(self, features: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return features
        if labels is None:
            raise ValueError("a conditional letter VAE needs the letters (labels)")
        code = labels if labels.is_floating_point() else F.one_hot(labels, self.classes).float()
        return torch.cat([features, code], dim=1)  # float labels: a mix of letters (interpolation)

    def encode(self, ink: torch.Tensor, labels: torch.Tensor | None = None) -> Gaussian:
        """q(z | x[, y]) of images as ink levels in [0, 1], (B, 1, 28, 28)."""
        params = self.posterior(self._with_label(self.encoder(ink), labels)).float()  # fp32 under bf16 autocast
        mean, logvar = params.chunk(2, dim=-1)
        return Gaussian(mean, logvar.clamp(-10.0, 6.0))  # keeps exp() finite early in training

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28)."""
        hidden = self.expand(self._with_label(z, labels)).view(-1, 2 * self.width, 7, 7)
        return self.decoder(hidden).float()  # fp32 logits under bf16 autocast too

    def forward(self, ink: torch.Tensor, labels: torch.Tensor | None = None) -> LetterVaeOutput:
        q = self.encode(ink, labels)
        z = q.sample()
        return LetterVaeOutput(self.decode(z, labels), q, z)


class LetterSampler(nn.Module):
    """The decoder as a sampler of letters: sampler(z, labels) -> the mean image in [-1, 1], the interface every
    letter measurement takes (gentool.evaluate.letter_figures)."""

    def __init__(self, vae: LetterVAE):
        super().__init__()
        self.vae = vae

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return torch.sigmoid(self.vae.decode(z, labels)) * 2 - 1
