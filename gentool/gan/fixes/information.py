"""InfoGAN (Chen et al. 2016): a categorical latent code the generator must make recoverable from its images."""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F

from gentool.config import option
from gentool.gan.fixes.base import Fix, code_letters_line, register_fix, unconditional_letters_only
from gentool.gan.model import latent_codes


@dataclass
class InfoGanOptions:
    codes: int = option(26, min=2, max=1024, help="categories of the latent code (the paper used 10, MNIST's digit "
                                                  "count; 26 is the letters' count; no data labels are used)")
    weight: float = option(1.0, min=0.0, min_exclusive=True,
                           help="lambda: weight of the code's cross-entropy (the mutual-information bound)")


@register_fix
class InfoGan(Fix):
    """Chen et al. 2016: part of the noise becomes a categorical code c, uniform over K categories, and a head Q on
    the discriminator's features guesses c from the image; G and Q both minimise that guess's cross-entropy (a
    lower bound on the mutual information between c and the image). A generator that lets a code's images merge
    with another's pays for it, so the K codes tend to become K distinct kinds of image, each drawn 1/K of the
    time: a push against a generator that draws some modes rarely. Unsupervised: the data's labels are not used.
    The code is read off the noise (gentool.gan.model.latent_codes), so sampling a trained generator needs no
    extra input. Letters only."""

    name = "infogan"
    summary = "a categorical latent code the discriminator must recover from the image (Chen et al. 2016)"
    Options = InfoGanOptions
    incompatible = {"pacgan": "a pack of m samples has m codes, and InfoGAN's head guesses one per image"}
    adds_generator_loss = True

    def check(self, config):
        return unconditional_letters_only(self.name, config)

    def configure(self, setup):
        setup.discriminator.codes = self.options.codes

    def _code_loss(self, step, output):
        return F.cross_entropy(output.code_logits, latent_codes(step.noise, self.options.codes))

    def discriminator_loss(self, step, critic, loss, real, fake, metrics):
        return loss + self.options.weight * self._code_loss(step, fake)  # trains Q (and the shared trunk)

    def generator_loss(self, step, loss, fake, metrics):
        code_loss = self._code_loss(step, fake)
        metrics["code_loss"] = code_loss.detach()
        return loss + self.options.weight * code_loss

    @classmethod
    def outcome_lines(cls, summary):
        return code_letters_line(f"{cls.name} codes", summary)
