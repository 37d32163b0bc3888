"""The KL weight beta over training: none, linear, sigmoid, or cyclical (Fu et al. 2019).

Schedules run on optimisation steps, so a resumed run continues the same curve; tests check each at known steps.
"""

from __future__ import annotations

import math

from gentool.vae.config import AnnealConfig


def beta_at(step: int, total_steps: int, steps_per_epoch: int, config: AnnealConfig) -> float:
    """beta for the given (0-based) step."""
    top = config.beta_max
    if config.schedule == "none":
        return top
    if config.schedule == "cyclical":
        period = max(total_steps / config.cycles, 1.0)
        position = (step % period) / period  # where in the current cycle, 0..1
        return top * min(1.0, position / config.ratio)
    progress = step / max(config.warmup_epochs * steps_per_epoch, 1.0)
    if config.schedule == "linear":
        return top * min(1.0, progress)
    # sigmoid: centred on the middle of the warm-up, reaching ~0.998 of beta_max at its end
    return top / (1.0 + math.exp(-12.0 * (progress - 0.5)))
