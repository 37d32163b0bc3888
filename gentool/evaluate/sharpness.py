"""Sharpness of letter images: the variance of their Laplacian.

"Blurry" is a claim about edges. The discrete Laplacian (4-neighbour, 3x3) of a crisp glyph is large and signed at
every stroke edge and zero inside flat ink or paper, so its variance over the image is high; blurring spreads an
edge over several pixels and shrinks every second difference, so the variance falls (a Gaussian blur of std 1 px
divides it by about 5 on the real letters; see tests). Each image's variance is taken on pixels in [0, 1]; the
figure is the mean over images. It is not a quality score on its own: uniform noise is the sharpest image there
is, so it is read beside the recognisable share and the held-out real letters' value, which is the reference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def laplacian_variances(images: torch.Tensor) -> torch.Tensor:
    """Per-image variance of the Laplacian, (N,), of images (N, 1, H, W) in [-1, 1]. The border row and column are
    left out (no padding), so the frame's edge is never mistaken for an edge in the image."""
    pixels = (images.float().clamp(-1, 1) + 1) / 2
    response = F.conv2d(pixels, LAPLACIAN.to(pixels.device).view(1, 1, 3, 3))
    return response.flatten(1).var(dim=1)


def sharpness(images: torch.Tensor, batch_size: int = 4096) -> float:
    """Mean Laplacian variance of the images (higher = sharper)."""
    values = [laplacian_variances(images[start:start + batch_size]) for start in range(0, len(images), batch_size)]
    return round(float(torch.cat(values).mean()), 5)


def gaussian_blur(images: torch.Tensor, std: float) -> torch.Tensor:
    """Images blurred by a Gaussian of `std` pixels (a 6-std-wide kernel, edges replicated): the reference blur the
    tests hold the measure against."""
    radius = max(1, int(3 * std + 0.5))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / std) ** 2)
    kernel = kernel / kernel.sum()
    padded = F.pad(images.float(), (radius, radius, radius, radius), mode="replicate")
    blurred = F.conv2d(padded, kernel.view(1, 1, 1, -1))
    return F.conv2d(blurred, kernel.view(1, 1, -1, 1))
