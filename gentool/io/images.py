"""Image files: sample grids (PIL, fast enough to write every few epochs) and labelled sheets (matplotlib)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from gentool.runtime.files import atomic_write, atomic_write_dir


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> [0, 1]."""
    return ((images.detach().float().cpu() + 1.0) / 2.0).clamp_(0.0, 1.0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, 1, H, W) generator output in [-1, 1] -> (N, H, W) uint8 with 255 = ink on 0, as the letter dataset
    stores its letters (and MNIST its digits)."""
    return (to_unit_range(images)[:, 0].numpy() * 255).round().astype(np.uint8)


def write_png_folder(folder: str | Path, pixels: np.ndarray) -> Path:
    """(N, H, W) uint8 as one grayscale PNG per image (000000.png, 000001.png, ...): the folder is built beside
    its place and renamed into it, so a reader never sees half of it."""
    digits = max(6, len(str(len(pixels) - 1)))

    def fill(tmp: Path) -> None:
        for index, image in enumerate(pixels):
            Image.fromarray(image).save(tmp / f"{index:0{digits}d}.png", format="PNG")

    return atomic_write_dir(folder, fill)


GUTTER = 0.8  # light grey between tiles, so white backgrounds stay apart


def grid_image(images: torch.Tensor, nrow: int | None = None, padding: int = 2, scale: int = 2) -> Image.Image:
    """(N, 1, H, W) in [0, 1] (1 = ink) -> one grayscale mosaic, `nrow` images per row, drawn as dark ink on
    white like every letter figure (sheets, alphabet, coverage samples, dataset preview)."""
    count, _, height, width = images.shape
    nrow = nrow or math.ceil(math.sqrt(count))
    rows = math.ceil(count / nrow)
    canvas = np.full((rows * (height + padding) + padding, nrow * (width + padding) + padding), GUTTER,
                     dtype=np.float32)
    pixels = 1.0 - images[:, 0].numpy()
    for index in range(count):
        top = padding + (index // nrow) * (height + padding)
        left = padding + (index % nrow) * (width + padding)
        canvas[top:top + height, left:left + width] = pixels[index]
    image = Image.fromarray((canvas * 255).round().astype(np.uint8), mode="L")
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST) if scale > 1 else image


def save_grid(path: str | Path, images: torch.Tensor, nrow: int | None = None) -> Path:
    image = grid_image(images, nrow)
    return atomic_write(path, lambda tmp: image.save(tmp, format="PNG"))


def save_letter_sheet(path: str | Path, rows: np.ndarray, row_labels: Sequence[str], column_labels: str) -> Path:
    """(R, C, H, W) images in [0, 1] as a labelled table: one row per font face, one column per letter."""
    from gentool.io.figures import plt  # pyplot only where a sheet is drawn: grids need PIL alone

    count_rows, count_cols, height, width = rows.shape
    mosaic = 1.0 - rows.transpose(0, 2, 1, 3).reshape(count_rows * height, count_cols * width)  # dark ink
    fig_w = 2.5 + count_cols * 0.32
    fig_h = 0.6 + count_rows * 0.32
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=100)
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([width * (i + 0.5) for i in range(count_cols)], list(column_labels))
    ax.set_yticks([height * (i + 0.5) for i in range(count_rows)], list(row_labels), fontsize=8)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"))
    plt.close(fig)
    return Path(path)
