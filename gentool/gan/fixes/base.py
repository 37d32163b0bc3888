"""What a fix is: a class with a name, an options dataclass and hooks, registered with `@register_fix`.

Hooks, all optional, so that adding a fix means adding a class (the config, the models and the training loop are
not edited):
- `check(config)`: what the fix asks of the rest of the run config, as (key, problem) pairs; runs once the fix
  list and every fix's options are valid. `incompatible` names fixes this one cannot be combined with, and why;
  `replaces_generator_loss(options)` says why the generator loss built by the fixes listed before this one is
  dropped (those with `adds_generator_loss` must then come after it).
- `configure(setup)`: change how the models and losses are built (pack inputs, add batch features to the
  discriminator, transform its built layers, switch to the Wasserstein loss). Runs once, before the models exist.
- `discriminator_loss` / `generator_loss`: add to or replace one step's losses.
- `discriminator_for_generator`: hand the generator's update a different discriminator (one k steps ahead).
- `prepare(real, generator, seed)`: once when training starts, with the whole training split; `conditioning`
  then gives the labels G and D are conditioned on in each step, in place of the data's own; `state` /
  `load_state` carry what `prepare` computed in the checkpoint, and `summary_extras` / `outcome_lines` report it.
The trainer calls every enabled fix's hooks in the order given.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import torch
from torch import nn

from gentool.gan.model import DiscriminatorOutput, DiscriminatorSetup

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
    # its generator_loss adds a term, which a later fix that replaces the generator loss would drop
    adds_generator_loss: ClassVar[bool] = False

    def __init__(self, options):
        self.options = options

    @classmethod
    def replaces_generator_loss(cls, options: dict) -> str | None:
        """Why, with these (raw) options, this fix's generator loss drops the one built before it; None: kept."""
        return None

    def check(self, config: Any) -> list[tuple[str, str]]:
        return []

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

    def prepare(self, real: torch.Tensor, generator: nn.Module, seed: int) -> None:
        pass

    def conditioning(self, index: torch.Tensor, noise: torch.Tensor,
                     generator: nn.Module) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The labels of the real batch `index` and of the fakes made from `noise`; None: the data's own."""
        return None

    def state(self) -> dict:
        """Tensors for the checkpoint (top-level keys of its state)."""
        return {}

    def load_state(self, state: dict) -> None:
        pass

    def summary_extras(self, labels: torch.Tensor | None) -> dict:
        """Entries of summary.json; `labels`: the training split's data labels (letters), None where there are none."""
        return {}

    @classmethod
    def outcome_lines(cls, summary: dict) -> list[str]:
        """What `gan train` prints about a finished run with this fix."""
        return []


def unconditional_letters_only(name: str, config: Any) -> list[tuple[str, str]]:
    """The problem of a fix that conditions an unconditional letter generator on a code of its own."""
    if not (config.on_points or config.model.conditional):
        return []
    why = (f"the 2-D dataset {config.dataset}" if config.on_points
           else "a conditional generator (its labels are its code)")
    return [("fixes", f"{name} is for unconditional letter generators, not {why}; drop it")]


def code_letters_line(kind: str, summary: dict) -> list[str]:
    """Which letter each of a generator's codes draws most often, from the last evaluation."""
    letters = (summary.get("final") or {}).get("code_letters")
    if letters is None:
        return []
    shown = " ".join(letter or "-" for letter in letters)
    return [f"{kind}: {len(letters)}, most often drawing {shown} "
            f"({len({letter for letter in letters if letter})} different letters; '-': no confident letter)"]
