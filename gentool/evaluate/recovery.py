"""Modes recovered by a fitted mixture: a true mode counts once when some fitted mean lies within 3 std of it."""

from __future__ import annotations

import torch

from gentool.evaluate.modes import QUALITY_STDS


def modes_recovered(fitted_means: torch.Tensor, true_means: torch.Tensor, std: float) -> dict:
    """Two fitted means on one mode still recover one mode; a fitted mean between modes recovers none."""
    distances = torch.cdist(true_means.double(), fitted_means.double())  # (K_true, K_fit)
    hit = distances.min(dim=1).values <= QUALITY_STDS * std
    return {"modes_recovered": int(hit.sum()), "modes": len(true_means),
            "missed_modes": [i for i, found in enumerate(hit.tolist()) if not found]}
