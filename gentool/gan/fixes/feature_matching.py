"""Feature matching (Salimans et al. 2016)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gentool.config import option
from gentool.gan.fixes.base import Fix, register_fix


@dataclass
class FeatureMatchingOptions:
    weight: float = option(1.0, min=0.0, min_exclusive=True, help="weight of the feature-matching term")
    adversarial_weight: float = option(0.0, min=0.0,
                                       help="weight kept on the usual generator loss (0 = pure feature matching, "
                                            "as in the paper)")


@register_fix
class FeatureMatching(Fix):
    """The generator matches the mean penultimate discriminator features of a real batch.

    The distance is the mean over features of the squared difference of batch means (the paper's squared L2 norm
    divided by the feature count, so that `weight` means the same for any discriminator width).
    """

    name = "feature-matching"
    summary = "generator matches mean discriminator features of real data (Salimans et al. 2016)"
    Options = FeatureMatchingOptions

    @classmethod
    def replaces_generator_loss(cls, options):
        # the pure form returns weight x distance alone
        if not options.get("adversarial_weight"):
            return "whose pure form (adversarial_weight 0) replaces the generator loss built before it"
        return None

    def generator_loss(self, step, loss, fake, metrics):
        with torch.no_grad():  # the real features are a target, not something to move
            real_features = step.discriminator(step.real, step.real_labels).features.mean(dim=0)
        distance = (fake.features.mean(dim=0) - real_features).pow(2).mean()
        metrics["fm_distance"] = distance.detach()
        return self.options.adversarial_weight * loss + self.options.weight * distance
