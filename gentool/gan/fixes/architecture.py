"""Fixes that change the discriminator itself: minibatch discrimination, PacGAN, spectral norm."""

from __future__ import annotations

from dataclasses import dataclass

from gentool.config import option
from gentool.gan.fixes.base import Fix, register_fix


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
        setup.discriminator.minibatch_kernels = self.options.kernels
        setup.discriminator.minibatch_kernel_dims = self.options.kernel_dims


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
        setup.discriminator.spectral_norm = True
        if not self.options.keep_batch_norm:
            setup.discriminator.normalization = "none"
