"""Light-weight capitals as more letter material for the evaluator, never for the generators.

The letter dataset's faces are regular to bold; a light, thin or hairline face draws its strokes a fraction as
wide, narrower than the dataset's augmentation ever thins them. An evaluator that never saw a thin letter while its
"not a letter" class is full of thin-lined symbols (box drawing, arrows, math) takes thinness itself for evidence
against a letter. These renders give the
letter class thin strokes: each capital of the training faces is thinned to its one-pixel skeleton (Zhang-Suen
thinning at the 112x112 master resolution) and drawn again with a square pen of 1 to 7 master pixels (0.25-1.75 px
at 28x28), then augmented like every glyph (without the stroke change, which would erase a one-pixel line).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from gentool.datasets.glyphs import AugmentConfig, augment

PEN_RADII = (0, 1, 2, 3)  # pen widths 2r+1 master pixels: 1, 3, 5, 7
INK = 0.5  # a master pixel belongs to the glyph at this much ink


def _neighbours(image: np.ndarray) -> list[np.ndarray]:
    """The 8 neighbours of every pixel of (B, H, W) bool images, clockwise from north (P2..P9 in Zhang-Suen)."""
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))
    height, width = image.shape[1:]
    return [padded[:, 1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
            for dy, dx in ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]


def skeleton(image: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of (B, H, W) bool images to one-pixel-wide, connected centre lines."""
    image = image.copy()
    changed = True
    while changed:
        changed = False
        for sub_step in (0, 1):
            p2, p3, p4, p5, p6, p7, p8, p9 = neighbours = _neighbours(image)
            count = sum(n.astype(np.int8) for n in neighbours)
            ring = neighbours + [p2]
            transitions = sum((~ring[i] & ring[i + 1]).astype(np.int8) for i in range(8))
            if sub_step == 0:
                side = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
            else:
                side = ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
            remove = image & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                image &= ~remove
                changed = True
    return image


def monoline(masters: np.ndarray, radius: int) -> torch.Tensor:
    """(M, 112, 112) masters drawn again along their skeleton with a pen 2*radius+1 master pixels wide:
    (M, 1, 112, 112) in [0, 1]."""
    lines = torch.from_numpy(skeleton(masters > INK)).float()[:, None]
    return F.max_pool2d(lines, 2 * radius + 1, stride=1, padding=radius) if radius else lines


def light_capitals(masters: np.ndarray, labels: np.ndarray, samples_per_glyph: int, seed: int
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """`samples_per_glyph` augmented light renders of each master (M, 112, 112) with its letter label: images
    (M * samples, 1, 28, 28) in [-1, 1], quantised like the cached letters, and labels. Each render takes a pen
    width at random."""
    generator = torch.Generator().manual_seed(seed)
    drawn = torch.stack([monoline(masters, radius) for radius in PEN_RADII], dim=1)  # (M, R, 1, 112, 112)
    pens = torch.randint(len(PEN_RADII), (len(masters), samples_per_glyph), generator=generator)
    picked = drawn[torch.arange(len(masters))[:, None], pens].flatten(0, 1)  # (M * samples, 1, 112, 112)
    no_stroke_change = AugmentConfig(stroke_px=0.0)
    images = torch.cat([augment(picked[start:start + 256], no_stroke_change, generator)
                        for start in range(0, len(picked), 256)])
    pixels = (images * 255.0).round_() / 127.5 - 1.0
    return pixels, torch.from_numpy(np.repeat(labels, samples_per_glyph)).long()
