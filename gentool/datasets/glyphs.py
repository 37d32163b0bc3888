"""Render one capital letter from a font file, centred and scaled to fill the frame; augment many copies at once.

Glyphs are rendered at 4x the final resolution and averaged down, which gives clean anti-aliasing, and the
augmentation (rotation, shear, scale, stroke thickness, position jitter) runs as batched tensor ops on those
high-resolution masters, not in a per-image loop.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from gentool.datasets.config import AugmentConfig

IMAGE_SIZE = 28
OVERSAMPLE = 4
MASTER_SIZE = IMAGE_SIZE * OVERSAMPLE  # 112
RENDER_POINTS = 160  # glyph size when rasterising, before it is scaled to the frame


def render_master(font: ImageFont.FreeTypeFont, letter: str, margin_px: float = 2.0) -> np.ndarray | None:
    """The glyph at 112x112, float in [0, 1], bounding box centred and scaled to leave `margin_px` (at 28x28).

    Returns None when the glyph has no ink (the font maps the letter to an empty glyph).
    """
    canvas_size = RENDER_POINTS * 3
    canvas = Image.new("L", (canvas_size, canvas_size), 0)
    ImageDraw.Draw(canvas).text((RENDER_POINTS, RENDER_POINTS), letter, fill=255, font=font)
    return fit_to_frame(canvas, margin_px)


def rotated_master(master: np.ndarray, degrees: float) -> np.ndarray:
    """A master (112x112 in [0, 1]) turned by `degrees` (counter-clockwise) and fitted to the frame again."""
    image = Image.fromarray(np.round(master * 255).astype(np.uint8))
    return fit_to_frame(image.rotate(degrees, resample=Image.BILINEAR, expand=True))


def fit_to_frame(canvas: Image.Image, margin_px: float = 2.0) -> np.ndarray | None:
    """The ink of a grey image, its bounding box centred and scaled to leave `margin_px` (at 28x28), at 112x112
    in [0, 1]; None when there is no ink."""
    ink = np.asarray(canvas)
    rows = np.flatnonzero(ink.max(axis=1) > 8)
    cols = np.flatnonzero(ink.max(axis=0) > 8)
    if rows.size == 0 or cols.size == 0:
        return None
    glyph = canvas.crop((cols[0], rows[0], cols[-1] + 1, rows[-1] + 1))
    box = (IMAGE_SIZE - 2 * margin_px) * OVERSAMPLE
    scale = box / max(glyph.width, glyph.height)
    width = max(1, round(glyph.width * scale))
    height = max(1, round(glyph.height * scale))
    glyph = glyph.resize((width, height), Image.LANCZOS)
    master = Image.new("L", (MASTER_SIZE, MASTER_SIZE), 0)
    master.paste(glyph, ((MASTER_SIZE - width) // 2, (MASTER_SIZE - height) // 2))
    return np.asarray(master, dtype=np.float32) / 255.0


def downsample(masters: torch.Tensor) -> torch.Tensor:
    """(M, 1, 112, 112) -> (M, 1, 28, 28) by box averaging: the anti-aliasing step."""
    return F.avg_pool2d(masters, OVERSAMPLE)


def _change_stroke(masters: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
    """Thicken (pixels > 0) or thin (pixels < 0) strokes by whole master pixels, per sample."""
    out = masters.clone()
    for amount in pixels.unique().tolist():
        if amount == 0:
            continue
        rows = pixels == amount
        radius = abs(int(amount))
        kernel = 2 * radius + 1
        if amount > 0:  # dilation = max filter
            out[rows] = F.max_pool2d(masters[rows], kernel, stride=1, padding=radius)
        else:  # erosion = min filter
            out[rows] = -F.max_pool2d(-masters[rows], kernel, stride=1, padding=radius)
    return out


def augment(masters: torch.Tensor, config: AugmentConfig, generator: torch.Generator,
            keep_first: bool = False) -> torch.Tensor:
    """Random affine + stroke change of each master, then downsample: (M, 1, 112, 112) -> (M, 1, 28, 28).

    `keep_first` leaves masters[0] as it is, so each (letter, font) keeps one clean sample.
    """
    count = masters.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(count, generator=generator)

    angle = uniform(-1, 1) * math.radians(config.rotation_deg)
    shear = uniform(-1, 1) * config.shear
    scale = uniform(config.min_scale, 1.0)
    shift = uniform(-1, 1) * config.jitter_px, uniform(-1, 1) * config.jitter_px
    max_thicken = round(config.stroke_px * OVERSAMPLE)
    max_thin = max_thicken // 2
    stroke = torch.randint(-max_thin, max_thicken + 1, (count,), generator=generator)
    if keep_first:
        angle[0], shear[0], scale[0], stroke[0] = 0.0, 0.0, 1.0, 0
        shift[0][0], shift[1][0] = 0.0, 0.0

    # forward map (glyph -> image) = rotate . shear . scale, in normalised [-1, 1] coordinates
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotate = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)  # (M, 2, 2)
    shear_m = torch.eye(2).repeat(count, 1, 1)
    shear_m[:, 0, 1] = shear
    forward = rotate @ shear_m * scale[:, None, None]
    translate = torch.stack(shift, -1) * (2.0 / IMAGE_SIZE)  # pixels -> normalised units
    # affine_grid wants the inverse map: for each output pixel, where to read in the master
    inverse = torch.linalg.inv(forward)
    theta = torch.cat([inverse, -(inverse @ translate[:, :, None])], dim=2)  # (M, 2, 3)

    thickened = _change_stroke(masters, stroke)
    grid = F.affine_grid(theta, list(thickened.shape), align_corners=False)
    warped = F.grid_sample(thickened, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return downsample(warped).clamp_(0.0, 1.0)
