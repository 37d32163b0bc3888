"""Stabilisation fixes for GAN training, each one self-contained and registered by name.

A fix is a class with a name, an options dataclass and hooks that adjust the discriminator's and the generator's
loss for one step. The trainer calls every enabled fix's hooks in turn, so adding a fix means adding a class here
with `@register_fix`; the training loop is not edited.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import torch
from torch import nn

from gentool.config import build_config, did_you_mean, option
from gentool.gan.models import DiscriminatorOutput

FIXES: dict[str, type["Fix"]] = {}


def register_fix(cls: type["Fix"]) -> type["Fix"]:
    FIXES[cls.name] = cls
    return cls


@dataclass
class StepContext:
    """What one training step knows, handed to every fix hook."""

    real: torch.Tensor  # (B, 1, 28, 28)
    real_labels: torch.Tensor | None
    fake: torch.Tensor  # (B, 1, 28, 28), attached to the generator's graph
    fake_labels: torch.Tensor | None
    generator: nn.Module
    discriminator: nn.Module


class Fix:
    name: ClassVar[str]
    summary: ClassVar[str]
    Options: ClassVar[type]

    def __init__(self, options):
        self.options = options

    def discriminator_loss(self, step: StepContext, loss: torch.Tensor, real: DiscriminatorOutput,
                           fake: DiscriminatorOutput, metrics: dict) -> torch.Tensor:
        return loss

    def generator_loss(self, step: StepContext, loss: torch.Tensor, fake: DiscriminatorOutput,
                       metrics: dict) -> torch.Tensor:
        return loss


@dataclass
class FeatureMatchingOptions:
    weight: float = option(1.0, min=0.0, min_exclusive=True, help="weight of the feature-matching term")
    adversarial_weight: float = option(0.0, min=0.0,
                                       help="weight kept on the usual generator loss (0 = pure feature matching, "
                                            "as in the paper)")


@register_fix
class FeatureMatching(Fix):
    """Salimans et al. 2016: the generator matches the mean penultimate discriminator features of a real batch.

    The distance is the mean over features of the squared difference of batch means (the paper's squared L2 norm
    divided by the feature count, so that `weight` means the same for any discriminator width).
    """

    name = "feature-matching"
    summary = "generator matches mean discriminator features of real data (Salimans et al. 2016)"
    Options = FeatureMatchingOptions

    def generator_loss(self, step, loss, fake, metrics):
        with torch.no_grad():  # the real features are a target, not something to move
            real_features = step.discriminator(step.real, step.real_labels).features.mean(dim=0)
        distance = (fake.features.mean(dim=0) - real_features).pow(2).mean()
        metrics["fm_distance"] = distance.detach()
        return self.options.adversarial_weight * loss + self.options.weight * distance


def check_fixes(names: list[str], options: dict) -> list[tuple[str, str]]:
    """Config problems with the fix list and its options, as (key, problem) pairs."""
    problems = []
    for index, name in enumerate(names):
        if name not in FIXES:
            problems.append((f"fixes[{index}]", f"unknown fix '{name}'{did_you_mean(name, FIXES)}; "
                                                f"available fixes: {', '.join(sorted(FIXES))}"))
        elif names.index(name) != index:
            problems.append((f"fixes[{index}]", f"fix '{name}' is listed twice"))
    for name in options:
        if name not in FIXES:
            problems.append((f"fix_options.{name}", f"unknown fix{did_you_mean(name, FIXES)}; "
                                                    f"available fixes: {', '.join(sorted(FIXES))}"))
    return problems


def _build_options(name: str, options: dict):
    return build_config(FIXES[name].Options, options.get(name, {}), prefix=f"fix_options.{name}")


def build_fixes(names: list[str], options: dict) -> list[Fix]:
    return [FIXES[name](_build_options(name, options)) for name in names]


def resolved_fix_options(names: list[str], options: dict) -> dict:
    """Options of every enabled fix with defaults filled in, as written to the run's config.yaml.

    Options given for a fix that is not enabled are validated and kept too, so a typo never hides.
    """
    return {name: asdict(_build_options(name, options)) for name in [*names, *[n for n in options if n not in names]]}


def describe_fixes() -> list[dict]:
    return [{"name": name, "summary": cls.summary, "options": asdict(cls.Options())} for name, cls in FIXES.items()]

