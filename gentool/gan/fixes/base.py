"""What a fix is: a class with a name, an options dataclass and hooks, registered with `@register_fix`.

Hooks, all optional:
- `configure(setup)`: change how the models and losses are built (PacGAN packs inputs, spectral norm wraps the
  discriminator's layers, WGAN-GP switches to the Wasserstein loss). Runs once, before the models exist.
- `discriminator_loss` / `generator_loss`: add to or replace one step's losses.
- `discriminator_for_generator`: hand the generator's update a different discriminator (unrolled GANs).
- `cluster(real, seed)`: the cluster of every training image, which G and D are then conditioned on
  (self-conditioning). Runs once, when training starts.
The trainer calls every enabled fix's hooks in the order given, so adding a fix means adding a class; the
training loop is not edited. `incompatible` names fixes this one cannot be combined with, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar

import torch
from torch import nn

from gentool.gan.models import DiscriminatorOutput, DiscriminatorSetup

FIXES: dict[str, type["Fix"]] = {}
LOSSES = ("bce", "wasserstein")

Critic = Callable[..., DiscriminatorOutput]  # (inputs, labels) -> output: the module, or an unrolled copy of it


def register_fix(cls: type["Fix"]) -> type["Fix"]:
    FIXES[cls.name] = cls
    return cls


@dataclass
class TrainingSetup:
    """What the fixes decide before training starts."""

    discriminator: DiscriminatorSetup = field(default_factory=DiscriminatorSetup)
    loss: str = "bce"  # "bce": the non-saturating GAN loss; "wasserstein": critic scores, no sigmoid
    real_target: float = 1.0  # the discriminator's target for real data (one-sided label smoothing lowers it)
    d_steps: int = 1  # discriminator updates per generator update


@dataclass(kw_only=True)
class StepContext:
    """What one training step knows, handed to every fix hook."""

    real: torch.Tensor  # (B, ...) a batch of training data
    real_labels: torch.Tensor | None
    fake: torch.Tensor  # (B, ...) attached to the generator's graph
    noise: torch.Tensor | None = None  # (B, z_dim) the generator's input for `fake`
    fake_labels: torch.Tensor | None
    generator: nn.Module
    discriminator: nn.Module  # the module itself (its parameters, its optimiser)
    d_optimizer: torch.optim.Optimizer
    setup: TrainingSetup


# (critic, fake batch, metrics) -> the discriminator's full loss (base loss and every fix's part), for a critic
# that may be an unrolled copy of the discriminator
DiscriminatorLoss = Callable[[Critic, torch.Tensor, dict], torch.Tensor]


class Fix:
    name: ClassVar[str]
    summary: ClassVar[str]
    Options: ClassVar[type]
    incompatible: ClassVar[dict[str, str]] = {}
    adds_generator_loss: ClassVar[bool] = False  # its generator_loss adds a term, which pure feature matching drops

    def __init__(self, options):
        self.options = options

    def configure(self, setup: TrainingSetup) -> None:
        pass

    def discriminator_loss(self, step: StepContext, critic: Critic, loss: torch.Tensor, real: DiscriminatorOutput,
                           fake: DiscriminatorOutput, metrics: dict) -> torch.Tensor:
        return loss

    def generator_loss(self, step: StepContext, loss: torch.Tensor, fake: DiscriminatorOutput,
                       metrics: dict) -> torch.Tensor:
        return loss

    def discriminator_for_generator(self, step: StepContext, critic: Critic,
                                    discriminator_loss: DiscriminatorLoss) -> Critic:
        return critic

    def cluster(self, real: torch.Tensor, seed: int) -> torch.Tensor | None:
        return None
