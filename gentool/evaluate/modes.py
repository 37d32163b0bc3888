"""Mode metrics for the 2-D mixtures, as VEEGAN and PacGAN report them.

From N generated points: each point's nearest mode and its distance to it. A point is high quality when it lies
within 3 standard deviations of its nearest mode. A mode is captured when it is the nearest mode of at least one
high-quality point. The reverse KL is KL(generated || real) between the histogram of high-quality points over
modes and the real, uniform one: log(K / k) when k modes are hit evenly, 0 for a perfect spread. With no
high-quality point at all there is no histogram, and the KL is reported as missing rather than invented.

These are the definitions of PacGAN's released code (its MetricLogger), checked line by line: the Mahalanobis
distance with the modes' diagonal variance, which for gentool's isotropic modes is the Euclidean distance over
the std, below 3 (gentool counts a point at exactly 3 std too, a set of measure zero); a mode captured by one
high-quality point; the histogram normalised over high-quality points only; and KL(generated || uniform) =
log K - the histogram's entropy, which is the sum below. PacGAN measures 2,500 samples, as gentool's
`evaluation.samples` does by default on the 2-D sets. VEEGAN and GDPP report under other training and measuring
protocols, so their figures are not set beside these.

Beside them, precision, recall, density and coverage (gentool.evaluate.prdc) on the points themselves, against a
draw from the mixture of the same size as the samples, made with a seed of its own (`reference_balls`).

Baselines on the same scale show that the numbers can fail: real points from the mixture, uniform noise over the
data's bounding box, and a collapsed generator (every point from one mode).
"""

from __future__ import annotations

import math

import torch

from gentool.evaluate.prdc import RealBalls, prdc

POINT_BASELINES = ("real", "noise", "collapsed")
QUALITY_STDS = 3.0
REFERENCE_SEED = 2_000_029  # the real points of precision/recall: apart from every baseline's and evaluation's seed


def mode_metrics(points: torch.Tensor, means: torch.Tensor, std: float) -> dict:
    points = points.detach().float().cpu()
    distances = torch.cdist(points, means)  # (N, K)
    nearest_distance, nearest = distances.min(dim=1)
    high_quality = nearest_distance <= QUALITY_STDS * std
    counts = torch.bincount(nearest[high_quality], minlength=len(means))
    captured = int((counts > 0).sum())
    total = int(counts.sum())
    if total:
        share = counts.double() / total
        nonzero = share[share > 0]
        reverse_kl = float((nonzero * (nonzero * len(means)).log()).sum())
    else:
        reverse_kl = None
    return {"samples": len(points), "modes": len(means), "modes_captured": captured,
            "high_quality": round(total / len(points), 4),
            "reverse_kl": None if reverse_kl is None else round(reverse_kl, 4),
            "mode_counts": counts.tolist()}


def point_metrics(points: torch.Tensor, means: torch.Tensor, std: float, real: RealBalls) -> dict:
    """The mode metrics with precision, recall, density and coverage against `real` (reference_balls)."""
    return {**mode_metrics(points, means, std), **prdc(real, points), "prdc_k": real.k}


def reference_balls(means: torch.Tensor, std: float, count: int, k: int) -> RealBalls:
    """`count` points of the mixture, the same for every measurement of that size, with their k-NN balls."""
    return RealBalls.of(baseline_points("real", means, std, count, REFERENCE_SEED), k)


def baseline_points(name: str, means: torch.Tensor, std: float, count: int, seed: int) -> torch.Tensor:
    rng = torch.Generator().manual_seed(seed)
    if name == "real":
        modes = torch.randint(0, len(means), (count,), generator=rng)
        return means[modes] + std * torch.randn(count, 2, generator=rng)
    if name == "noise":
        low, high = means.min(dim=0).values - 1.0, means.max(dim=0).values + 1.0
        return low + (high - low) * torch.rand(count, 2, generator=rng)
    if name == "collapsed":
        return means[0] + std * torch.randn(count, 2, generator=rng)
    raise ValueError(f"unknown baseline '{name}'; choose from {', '.join(POINT_BASELINES)}")


def expected_real_high_quality() -> float:
    """Share of a 2-D Gaussian within 3 std of its mean: 1 - exp(-9/2) = 0.9889 (chi distribution, 2 dof)."""
    return 1.0 - math.exp(-QUALITY_STDS ** 2 / 2)
