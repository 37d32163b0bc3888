"""`gan sample`: a trained GAN's samples, or the real data it learned, as files other tools read.

Letter runs: a folder of grayscale 28x28 PNGs (what torch-fidelity and clean-fid read: they convert to RGB and
resize to their Inception network themselves) or an .npz (`images`: (N, 28, 28) uint8, 255 = ink on 0, as the
letter dataset stores letters; `labels`: each image's letter, 0 = A, where it is known). 2-D runs: an .npy of
(N, 2) float64 points, or a .csv of them (one point a row, no header: what `--dataset FILE` of em and vi reads).
`real=True` writes the run's training data the same way: the reference set an FID tool compares the samples with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import load_font_dataset
from gentool.datasets.points import load_point_dataset
from gentool.errors import UsageError
from gentool.evaluate.coverage import generate
from gentool.gan.trained import TrainedGan
from gentool.io.images import to_uint8, write_png_folder
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write, atomic_write_stream

LETTER_FORMATS = {"": "a folder of PNGs", ".npz": "an .npz of images"}
POINT_FORMATS = {".npy": "an .npy of points", ".csv": "a .csv of points"}


def output_format(out: Path, on_points: bool) -> str:
    """The suffix that decides the format ("" for a folder), or a UsageError naming what the run's kind takes."""
    suffix = out.suffix.lower()
    formats, other = (POINT_FORMATS, LETTER_FORMATS) if on_points else (LETTER_FORMATS, POINT_FORMATS)
    if suffix not in formats or (suffix == "" and out.is_file()):
        kind = "a 2-D run's samples are points" if on_points else "a letter run's samples are images"
        wanted = " or ".join(f"{name} (--out {'DIR/' if key == '' else 'FILE' + key})" for key, name in formats.items())
        hint = "" if suffix not in other else f" ({other[suffix]} is for the other kind of run)"
        raise UsageError(f"--out '{out}': {kind}; write {wanted}{hint}")
    if suffix == "" and out.is_dir() and any(out.iterdir()):
        raise UsageError(f"--out '{out}' is a folder that already holds files, and FID tools read every image in a "
                         f"folder; give a new or empty folder")
    return suffix


def _subset(count: int, n: int, seed: int, what: str) -> torch.Tensor:
    if n > count:
        raise UsageError(f"the run's training split holds {count:,} {what}, fewer than --n {n:,}; ask for at most "
                         f"{count:,} (a reference set of repeated examples would flatter the samples)")
    return torch.randperm(count, generator=torch.Generator().manual_seed(seed))[:n]


def letter_arrays(trained: TrainedGan, ctx: RunContext, n: int, seed: int, real: bool) -> dict[str, np.ndarray]:
    config = trained.config
    if real:
        images, labels = load_font_dataset(config.fonts, ctx.data_dir, reporter=ctx.reporter).tensors("train")
        chosen = _subset(len(images), n, seed, "letters")
        return {"images": to_uint8(images[chosen]), "labels": labels[chosen].numpy()}
    images = generate(trained.generator, n, config.model.z_dim, config.model.conditional, seed, trained.device)
    arrays = {"images": to_uint8(images)}
    if config.model.conditional:  # generate asks for the letters in turn
        arrays["labels"] = (torch.arange(n) % len(LETTERS)).numpy()
    return arrays


def point_array(trained: TrainedGan, n: int, seed: int, real: bool) -> np.ndarray:
    config = trained.config
    if real:
        points = load_point_dataset(config.dataset, config.points).tensors()
        return points[_subset(len(points), n, seed, "points")].double().numpy()
    return generate(trained.generator, n, config.model.z_dim, False, seed, trained.device).double().numpy()


def write_samples(trained: TrainedGan, ctx: RunContext, *, n: int, out: Path, seed: int, real: bool = False) -> dict:
    """n samples of the generator (noise drawn with `seed`), or with `real` n examples of its training data
    (chosen with `seed`), written to `out` in the format its suffix names."""
    on_points = trained.config.on_points
    suffix = output_format(out, on_points)
    if on_points:
        points = point_array(trained, n, seed, real)
        if suffix == ".npy":
            atomic_write_stream(out, lambda handle: np.save(handle, points))
        else:
            atomic_write(out, lambda tmp: np.savetxt(tmp, points, delimiter=",", fmt="%.9g"))
    else:
        arrays = letter_arrays(trained, ctx, n, seed, real)
        if suffix == ".npz":
            atomic_write_stream(out, lambda handle: np.savez(handle, **arrays))
        else:
            write_png_folder(out, arrays["images"])
    return {"run": str(trained.folder), "checkpoint": None if real else str(trained.checkpoint),
            "dataset": trained.config.dataset, "what": "real" if real else "samples", "n": n, "seed": seed,
            "out": str(out), "format": {**LETTER_FORMATS, **POINT_FORMATS}[suffix]}

