"""What a fitted mixture is worth: information criteria, the true modes it recovered, and its samples scored by
the mode metrics beside the real / noise / one-mode baselines (so the numbers can be read against a failure)."""

from __future__ import annotations

import itertools
import math

import torch

from gentool.datasets.point_files import PointSource
from gentool.em.model import Mixture
from gentool.evaluate.modes import POINT_BASELINES, baseline_points, mode_metrics
from gentool.evaluate.recovery import modes_recovered


def free_parameters(components: int, dim: int, covariance: str) -> int:
    per_covariance = dim * (dim + 1) // 2 if covariance == "full" else dim
    return (components - 1) + components * dim + components * per_covariance


def information_criteria(log_likelihood_per_point: float, points: int, parameters: int) -> dict:
    total = log_likelihood_per_point * points
    return {"parameters": parameters, "bic": round(-2 * total + parameters * math.log(points), 3),
            "aic": round(-2 * total + 2 * parameters, 3)}


def is_monotone(history: list[float], slack: float = 1e-9) -> bool:
    """No step down by more than rounding (relative to the values' size)."""
    return all(b >= a - slack * max(1.0, abs(a)) for a, b in itertools.pairwise(history))


def measure_modes(mixture: Mixture, source: PointSource, *, samples: int, seed: int) -> dict:
    """Modes recovered by the means, and the mode metrics of `samples` draws beside the baselines (2-D only)."""
    if not source.known_modes:
        return {}
    means, std = source.means, source.std
    report = modes_recovered(mixture.means.cpu(), means, std)
    drawn = mixture.to("cpu").sample(samples, torch.Generator().manual_seed(seed))
    scored = {"fitted": _brief(mode_metrics(drawn, means.float(), std))}
    for baseline in POINT_BASELINES:
        scored[baseline] = _brief(mode_metrics(baseline_points(baseline, means.float(), std, samples, seed),
                                               means.float(), std))
    report["mode_metrics"] = scored
    return report


def _brief(metrics: dict) -> dict:
    return {key: metrics[key] for key in ("modes_captured", "high_quality", "reverse_kl")}
