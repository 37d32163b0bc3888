"""Precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020) of generated samples
against real ones, in a feature space: the letter evaluator's features for letters, the points themselves for the
2-D mixtures.

Each real point gets a ball reaching its k-th nearest real neighbour (each generated point one reaching its k-th
nearest generated neighbour). Then:
- precision: the share of generated points inside some real ball ("samples look real");
- recall: the share of real points inside some generated ball ("the data is covered"), which outliers among the
  generated points inflate;
- density: how many real balls hold each generated point, over k, averaged (about 1 when the two sets are alike;
  above 1 where samples crowd the dense parts of the data);
- coverage: the share of real points whose own ball holds a generated point (recall without the outlier problem).

The definitions are those of the `prdc` package (NAVER, the authors' code), strict inequalities included; the tests
check the numbers against it on the same features.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gentool.evaluate.config import PRDC_DEFAULT_K, PRDC_KEYS

ROWS_PER_CHUNK = 2048  # distance rows computed at once: 2048 x 10,000 float64 distances are 160 MB


def kth_neighbour_distances(features: torch.Tensor, k: int) -> torch.Tensor:
    """(N,) distance from each point to its k-th nearest other point (the point itself is the first, at 0)."""
    radii = [torch.cdist(features[start:start + ROWS_PER_CHUNK], features).kthvalue(k + 1, dim=1).values
             for start in range(0, len(features), ROWS_PER_CHUNK)]
    return torch.cat(radii)


@dataclass
class RealBalls:
    """The real side of the measurement, built once and reused for every set of samples measured against it."""

    features: torch.Tensor  # (M, D) float64
    radii: torch.Tensor  # (M,) distance to the k-th nearest real neighbour
    k: int

    @classmethod
    def of(cls, features: torch.Tensor, k: int = PRDC_DEFAULT_K) -> "RealBalls":
        features = features.detach().double().cpu().flatten(1)
        if len(features) <= k:
            raise ValueError(f"{len(features)} real points give no k-th neighbour for k = {k}")
        return cls(features, kth_neighbour_distances(features, k), k)


def prdc(real: RealBalls, generated: torch.Tensor) -> dict:
    """{prdc_precision, prdc_recall, prdc_density, prdc_coverage} of generated points (N, D) against `real`; all
    None when N <= k (too few points for a k-th neighbour: not measured rather than invented)."""
    fake = generated.detach().double().cpu().flatten(1)
    k = real.k
    if len(fake) <= k:
        return dict.fromkeys(PRDC_KEYS)
    fake_radii = kth_neighbour_distances(fake, k)
    fake_in_real = torch.zeros(len(fake), dtype=torch.bool)  # inside some real ball
    real_balls_holding = torch.zeros(len(fake), dtype=torch.long)  # how many real balls hold each generated point
    real_in_fake, real_ball_hit = [], []
    for start in range(0, len(real.features), ROWS_PER_CHUNK):
        distances = torch.cdist(real.features[start:start + ROWS_PER_CHUNK], fake)  # (m, N)
        radii = real.radii[start:start + ROWS_PER_CHUNK, None]
        inside_real = distances < radii
        fake_in_real |= inside_real.any(dim=0)
        real_balls_holding += inside_real.sum(dim=0)
        real_in_fake.append((distances < fake_radii[None, :]).any(dim=1))
        real_ball_hit.append(distances.min(dim=1).values < radii[:, 0])
    return {"prdc_precision": round(float(fake_in_real.double().mean()), 4),
            "prdc_recall": round(float(torch.cat(real_in_fake).double().mean()), 4),
            "prdc_density": round(float(real_balls_holding.double().mean()) / k, 4),
            "prdc_coverage": round(float(torch.cat(real_ball_hit).double().mean()), 4)}
