"""Fixes that change the discriminator itself: minibatch discrimination, PacGAN, spectral norm."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from gentool.config import option
from gentool.gan.fixes.base import Fix, register_fix


def pairwise_l1(points: torch.Tensor, second_order: bool) -> torch.Tensor:
    """L1 distances between the rows of each (N, C) matrix of a (B, N, C) tensor: (B, N, N).

    torch.cdist never builds the (B, N, N, C) differences, but its backward has no derivative of its own, so a
    gradient penalty through it (R1, WGAN-GP) fails; with `second_order` the differences are built (B x N x N x C
    numbers: 100 kernels x 64 x 64 x 5 is 2 M) and autograd can differentiate twice."""
    if second_order:
        return (points.unsqueeze(2) - points.unsqueeze(1)).abs().sum(dim=3)
    return torch.cdist(points, points, p=1)


class MinibatchFeatures(nn.Module):
    """Salimans et al. 2016: for each sample, how close it is to the others in the batch, through B learned
    projections of C dims each (the tensor T is A x B x C). A collapsed batch gives large similarities, which the
    discriminator can see, while per-sample features cannot."""

    def __init__(self, in_features: int, kernels: int, kernel_dims: int, second_order: bool = False):
        super().__init__()
        self.kernels, self.kernel_dims, self.second_order = kernels, kernel_dims, second_order
        self.out_features = kernels  # one similarity per kernel
        # scaled so a projection is O(1) whatever A is; otherwise exp(-distance) starts at zero for wide features
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dims) / in_features ** 0.5)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        projected = (features @ self.T).view(-1, self.kernels, self.kernel_dims).transpose(0, 1)  # (B, N, C)
        distances = pairwise_l1(projected, self.second_order)  # (B, N, N)
        return torch.exp(-distances).sum(dim=2).t() - 1.0  # (N, B); minus each sample's similarity to itself


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Miyato et al. 2018: every linear and conv weight divided by its largest singular value (one power
    iteration per forward pass)."""
    for child in list(module.modules()):
        if isinstance(child, (nn.Linear, nn.Conv2d)):
            nn.utils.parametrizations.spectral_norm(child)
    return module


@dataclass
class MinibatchDiscriminationOptions:
    kernels: int = option(100, min=1, max=4096, help="B: number of similarity kernels in T (A x B x C)")
    kernel_dims: int = option(5, min=1, max=512, help="C: dimensions of each kernel's projection")


@register_fix
class MinibatchDiscrimination(Fix):
    """Salimans et al. 2016: the discriminator also sees how similar each sample is to the rest of its batch,
    through a learned tensor T of A x B x C (A = the discriminator's feature count), so a collapsed batch of
    fakes is easy to tell from a varied real one."""

    name = "minibatch-discrimination"
    summary = "discriminator sees each sample's similarity to its batch (Salimans et al. 2016)"
    Options = MinibatchDiscriminationOptions

    def configure(self, setup):
        kernels, dims = self.options.kernels, self.options.kernel_dims
        # the module's attribute name is the prefix of its weights in every checkpoint
        setup.discriminator.batch_features["minibatch"] = (
            lambda features, second_order: MinibatchFeatures(features, kernels, dims, second_order))


@dataclass
class PacGanOptions:
    packs: int = option(2, min=2, max=64, help="m: samples packed into one discriminator input")


@register_fix
class PacGan(Fix):
    """Lin et al. 2018: the discriminator judges m samples at once (concatenated along channels, or coordinates
    for 2-D points), all real or all fake; a generator missing modes makes packs that look alike. train.batch_size
    must be a multiple of m."""

    name = "pacgan"
    summary = "discriminator judges packs of m samples at once (Lin et al. 2018)"
    Options = PacGanOptions

    def check(self, config):
        packs = self.options.packs
        if config.train.batch_size % packs:
            return [("train.batch_size", f"{self.name} packs {packs} samples per discriminator input, so the batch "
                                         f"size must be a multiple of {packs} (got {config.train.batch_size})")]
        return []

    def configure(self, setup):
        setup.discriminator.pack = self.options.packs


@dataclass
class SpectralNormOptions:
    keep_batch_norm: bool = option(False, help="keep the letter discriminator's batch norm (it undoes the "
                                               "Lipschitz bound, so the paper's discriminator has none)")


@register_fix
class SpectralNorm(Fix):
    """Miyato et al. 2018: every discriminator weight is divided by its largest singular value (one power
    iteration per step), bounding how sharply the discriminator can change."""

    name = "spectral-norm"
    summary = "discriminator weights divided by their spectral norm (Miyato et al. 2018)"
    Options = SpectralNormOptions

    def configure(self, setup):
        setup.discriminator.transforms.append(apply_spectral_norm)
        if not self.options.keep_batch_norm:
            setup.discriminator.normalization = "none"
