"""DCGAN-style generator and discriminator for 28x28 letters, optionally class-conditional.

The discriminator returns its logits and the features before its last layer; fixes such as feature matching
read those features, so the architecture is written once for every fix.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from gentool.datasets.glyphs import IMAGE_SIZE

NUM_LETTERS = 26


class DiscriminatorOutput(NamedTuple):
    logits: torch.Tensor  # (B,)
    features: torch.Tensor  # (B, F): the penultimate layer, flattened


def init_dcgan_weights(module: nn.Module) -> None:
    """Radford et al. 2016: conv weights from N(0, 0.02), batch-norm scales from N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    def __init__(self, z_dim: int = 100, width: int = 64, num_classes: int = 0):
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.width = width
        hidden = 2 * width * 7 * 7
        self.project = nn.Sequential(
            nn.Linear(z_dim + num_classes, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True))
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            z = torch.cat([z, nn.functional.one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        hidden = self.project(z).view(-1, 2 * self.width, 7, 7)  # (B, 2w, 7, 7)
        return self.upsample(hidden)  # (B, 1, 28, 28) in [-1, 1]


class Discriminator(nn.Module):
    def __init__(self, width: int = 64, num_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        # conditional: the label enters as an extra input channel, a learned 28x28 map per letter
        self.label_map = nn.Embedding(num_classes, IMAGE_SIZE * IMAGE_SIZE) if num_classes else None
        in_channels = 2 if num_classes else 1
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),  # (B, w, 14, 14)
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2, inplace=True),  # (B, 2w, 7, 7)
            nn.Flatten())
        self.classify = nn.Linear(2 * width * 7 * 7, 1)
        self.apply(init_dcgan_weights)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> DiscriminatorOutput:
        if self.label_map is not None:
            label_plane = self.label_map(labels).view(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
            images = torch.cat([images, label_plane], dim=1)
        features = self.features(images)
        return DiscriminatorOutput(self.classify(features).squeeze(1), features)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
