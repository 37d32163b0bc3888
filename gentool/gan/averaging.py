"""A moving average of the generator's weights (Karras et al. 2018; Yazıcı et al. 2019), sampled in its place.

GAN training oscillates: the live generator's last weights are one point on a cycle, and a run's figures depend
on where the cycle happened to stop. The average sits near the cycle's centre. It is updated after every
generator step and never trained; the discriminator still plays against the live generator.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class GeneratorAverage:
    def __init__(self, generator: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)
        self.updates = 0

    def current_decay(self) -> float:
        """The decay of the next update warms up as (1 + t) / (10 + t) after t updates, so early evaluations are
        not held back at the initial weights (TensorFlow's ExponentialMovingAverage with num_updates)."""
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        keep = self.current_decay()
        self.updates += 1
        for average, live in zip(self.model.parameters(), generator.parameters(), strict=True):
            average.lerp_(live, 1.0 - keep)
        for average, live in zip(self.model.buffers(), generator.buffers(), strict=True):
            average.copy_(live)  # batch-norm statistics follow the live generator's

    def state_dict(self) -> dict:
        return {"weights": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["weights"])
        self.updates = state["updates"]
