"""2-D mixture-of-Gaussians benchmarks from the mode-collapse literature (VEEGAN, PacGAN), generated in memory.

ring8: 8 Gaussians with means (r cos(2 pi i / 8), r sin(2 pi i / 8)), r = 1, std 0.01 (variance 1e-4).
grid25: 25 Gaussians with means (-4 + 2i, -4 + 2j), i, j = 0..4, std 0.05 (variance 0.0025).
Both as PacGAN describes them, with 100,000 training points drawn evenly from the modes. Nothing is cached: both
are drawn in memory from their seed, and the fingerprint (a hash of the settings) guards resumes all the same.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

import torch

from gentool.datasets.config import POINT_DATASETS, PointDataConfig


def mode_means(name: str, config: PointDataConfig) -> torch.Tensor:
    """(K, 2) centres of the mixture."""
    if name == "ring8":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return (config.ring_radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()
    if name == "grid25":
        steps = (torch.arange(5, dtype=torch.float32) - 2) * config.grid_spacing
        return torch.cartesian_prod(steps, steps)
    raise ValueError(f"unknown point dataset '{name}'; choose from {', '.join(POINT_DATASETS)}")


def mode_std(name: str, config: PointDataConfig) -> float:
    return config.ring_std if name == "ring8" else config.grid_std


def sample_mixture(means: torch.Tensor, std: float, count: int, generator: torch.Generator) -> torch.Tensor:
    """`count` points, the modes used in turn (so every mode holds count/K of them, +-1), shuffled."""
    modes = torch.arange(count) % len(means)
    points = means[modes] + std * torch.randn(count, 2, generator=generator)
    return points[torch.randperm(count, generator=generator)]


@dataclass
class PointDataset:
    name: str
    config: PointDataConfig
    points: torch.Tensor  # (N, 2)
    means: torch.Tensor  # (K, 2)
    std: float
    fingerprint: str

    @property
    def size(self) -> int:
        return len(self.points)

    def tensors(self, device: torch.device | str = "cpu") -> torch.Tensor:
        return self.points.to(device)


def load_point_dataset(name: str, config: PointDataConfig) -> PointDataset:
    means = mode_means(name, config)
    std = mode_std(name, config)
    points = sample_mixture(means, std, config.samples, torch.Generator().manual_seed(config.seed))
    settings = json.dumps({"name": name, **asdict(config)}, sort_keys=True)
    fingerprint = f"{name}-{hashlib.sha256(settings.encode()).hexdigest()[:12]}"
    return PointDataset(name, config, points, means, std, fingerprint)
