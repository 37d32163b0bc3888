"""Fixes that change the losses: one-sided label smoothing, the R1 gradient penalty, and WGAN-GP."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gentool.config import option
from gentool.gan.fixes.base import Fix, register_fix


@dataclass
class LabelSmoothingOptions:
    real_target: float = option(0.9, min=0.5, max=1.0, min_exclusive=True,
                                help="the discriminator's target for real data (fakes stay at 0)")


@register_fix
class LabelSmoothing(Fix):
    """Salimans et al. 2016, one-sided: real data is labelled 0.9 instead of 1, so the discriminator stops
    pushing towards extreme confidence; fake labels stay 0 (smoothing them would reward fakes where data is
    absent)."""

    name = "label-smoothing"
    summary = "one-sided: real target 0.9 for the discriminator (Salimans et al. 2016)"
    Options = LabelSmoothingOptions
    incompatible = {"wgan-gp": "the Wasserstein loss has no targets to smooth"}

    def configure(self, setup):
        setup.real_target = self.options.real_target


def _input_gradient_norms(critic, inputs: torch.Tensor, labels: torch.Tensor | None, pack: int) -> torch.Tensor:
    """|| d critic / d input || for each discriminator input (a pack of m samples counts as one input)."""
    inputs = inputs.detach().requires_grad_(True)
    scores = critic(inputs, labels).logits
    (gradients,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return gradients.reshape(len(inputs) // pack, -1).norm(dim=1)


@dataclass
class R1Options:
    gamma: float = option(10.0, min=0.0, min_exclusive=True, help="penalty weight: gamma/2 * E ||grad D(x)||^2")


@register_fix
class R1Penalty(Fix):
    """Mescheder et al. 2018: penalise the discriminator's gradient on real data, gamma/2 * E||grad D(x)||^2,
    with the usual (non-saturating) GAN loss. Costs one extra discriminator forward and a double backward."""

    name = "r1"
    summary = "gradient penalty on real data, gamma/2 E||grad D(x)||^2 (Mescheder et al. 2018)"
    Options = R1Options
    incompatible = {"wgan-gp": "both are gradient penalties"}

    def configure(self, setup):
        setup.discriminator.second_order = True

    def discriminator_loss(self, step, critic, loss, real, fake, metrics):
        norms = _input_gradient_norms(critic, step.real, step.real_labels, step.setup.discriminator.pack)
        penalty = norms.pow(2).mean()
        metrics["r1_penalty"] = penalty.detach()
        return loss + 0.5 * self.options.gamma * penalty


@dataclass
class WganGpOptions:
    weight: float = option(10.0, min=0.0, min_exclusive=True, help="lambda: weight of (||grad D|| - 1)^2")
    critic_steps: int = option(5, min=1, max=100, help="critic updates per generator update (the paper's 5)")


@register_fix
class WganGp(Fix):
    """Gulrajani et al. 2017: the Wasserstein loss (critic scores, no sigmoid), a penalty (||grad D(x_hat)|| - 1)^2
    on random interpolates between real and fake, and several critic steps per generator step. The letter
    critic loses its batch norm (a per-sample penalty on a batch-normalised critic is ill-defined)."""

    name = "wgan-gp"
    summary = "Wasserstein loss with a gradient penalty on interpolates (Gulrajani et al. 2017)"
    Options = WganGpOptions
    incompatible = {"label-smoothing": LabelSmoothing.incompatible["wgan-gp"],
                    "r1": R1Penalty.incompatible["wgan-gp"]}

    def configure(self, setup):
        setup.loss = "wasserstein"
        setup.d_steps = max(setup.d_steps, self.options.critic_steps)
        setup.discriminator.normalization = "none"
        setup.discriminator.second_order = True

    def discriminator_loss(self, step, critic, loss, real, fake, metrics):
        fake_batch = step.fake.detach()
        mix = torch.rand(len(step.real), *([1] * (step.real.dim() - 1)), device=step.real.device)
        between = mix * step.real + (1 - mix) * fake_batch
        # conditional letters: the interpolate keeps the real image's label
        norms = _input_gradient_norms(critic, between, step.real_labels, step.setup.discriminator.pack)
        penalty = (norms - 1).pow(2).mean()
        metrics["gp_penalty"] = penalty.detach()
        return loss + self.options.weight * penalty
