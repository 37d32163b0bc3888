"""Fréchet distance between two Gaussians fitted to feature sets (the formula behind FID)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class FeatureStats:
    mean: torch.Tensor  # (D,) float64
    cov: torch.Tensor  # (D, D) float64
    count: int

    @classmethod
    def of(cls, features: torch.Tensor) -> "FeatureStats":
        features = features.detach().double().cpu()
        mean = features.mean(dim=0)
        centred = features - mean
        cov = centred.T @ centred / max(len(features) - 1, 1)
        return cls(mean, cov, len(features))


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def frechet_distance(a: FeatureStats, b: FeatureStats) -> float:
    """|mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2).

    Computed with symmetric eigendecompositions, which stay real and stable where a general matrix square
    root of S_a S_b can pick up imaginary noise.
    """
    root_a = _psd_sqrt(a.cov)
    middle = root_a @ b.cov @ root_a
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0).sqrt().sum()
    distance = (a.mean - b.mean).pow(2).sum() + a.cov.trace() + b.cov.trace() - 2 * trace_sqrt
    return float(distance.clamp_min(0))
