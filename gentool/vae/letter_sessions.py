"""The `vae` commands on a letter VAE run, as library calls: sample (a grid scored by the letter evaluator),
interpolate (letter to letter), coverage and figures (the letter GAN's measurements, shared code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.datasets.font_faces import LETTERS
from gentool.errors import UsageError
from gentool.evaluate.coverage import CoverageSettings, check_baselines, measure
from gentool.evaluate.letter_figures import letter_to_letter
from gentool.evaluate.trained_letters import (
    TrainedSampler,
    interpolate_letters,
    letter_coverage,
    letter_evaluator_for,
    redraw_letter_figures,
)
from gentool.io.images import save_letter_sheet, to_unit_range
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import writing_into
from gentool.vae.letter_model import LetterSampler
from gentool.vae.letter_train import evaluation_noise, load_letter_vae, run_title
from gentool.vae.trained import require_dataset

ROW = 8  # images per row of a sample sheet


def open_letter_vae(ctx: RunContext, run: Path | None, command: str, best: bool = False) -> TrainedSampler:
    """--run DIR (default: the newest VAE run), which must be a letter VAE run: its decoder as a letter sampler."""
    chosen = require_dataset(run, "fonts", command)
    checkpoint = chosen.checkpoints / ("best.pt" if best else "last.pt")
    model, config = load_letter_vae(checkpoint, ctx)
    return TrainedSampler(generator=LetterSampler(model).eval(), config=config, folder=chosen.path,
                          checkpoint=checkpoint, device=ctx.device, evaluation_noise=evaluation_noise(config),
                          title=run_title(chosen, config))


def sample(ctx: RunContext, run: Path | None, out: Path | None, *, style: str | None, n: int | None,
           temperature: float | None, bars: int, bpm: float, seed: int) -> dict:
    """--n letters (64) from the prior, the noise scaled by --temperature (1; a conditional model cycles through
    A-Z), drawn as a sheet with the evaluator's name for each, and their letter measurements. --bars and --bpm are
    the drum VAE's and play no part."""
    chosen = require_dataset(run, "fonts", "sample")
    if style is not None:
        raise UsageError(f"--style is a drum genre, and '{chosen.path}' is a letter VAE run; drop --style")
    n = 64 if n is None else n
    temperature = 1.0 if temperature is None else temperature
    trained = open_letter_vae(ctx, chosen.path, "sample")
    config = trained.config
    evaluator = letter_evaluator_for(trained, ctx)
    noise = torch.randn(n, config.model.z_dim, generator=torch.Generator().manual_seed(seed)) * temperature
    labels = (torch.arange(n) % len(LETTERS)).to(trained.device) if config.model.conditional else None
    with torch.no_grad():
        images = trained.generator(noise.to(trained.device), labels).cpu()
    settings = CoverageSettings(samples=max(n, 26), threshold=config.evaluation.threshold,
                                min_share=config.evaluation.min_share)
    report, probabilities = measure(images, evaluator, settings)
    confidence, predicted = probabilities.max(dim=1)
    names = [(LETTERS + "?")[p] if c >= settings.threshold else "?" for p, c in zip(predicted, confidence)]
    rows = -(-n // ROW)
    pixels = np.zeros((rows * ROW, 28, 28), dtype=np.float32)
    pixels[:n] = to_unit_range(images)[:, 0].numpy()
    labels_per_row = [" ".join(names[r * ROW:(r + 1) * ROW]) for r in range(rows)]
    with writing_into(chosen, out):
        folder = out or chosen.samples / "letters"
        figure = save_letter_sheet(folder / f"samples_seed{seed}.png", pixels.reshape(rows, ROW, 28, 28),
                                   labels_per_row, [" "] * ROW)
        result = {"run": str(chosen.path), "n": n, "temperature": temperature, "seed": seed, "figure": str(figure),
                  "predicted": names, "recognisable": report["confident_share"], "sharpness": report["sharpness"],
                  "letter_counts": {k: v for k, v in report["letter_counts"].items() if v}}
        result["json"] = str(atomic_write_json(folder / f"samples_seed{seed}.json", result))
    return result


def interpolate(ctx: RunContext, run: Path | None, out: Path | None, *, from_: str, to: str, steps: int,
                level: str | None, method: str, bpm: float, seed: int) -> dict:
    """From the most confident sample of one letter to that of another; every frame named by the evaluator."""
    chosen = require_dataset(run, "fonts", "interpolate")
    if level is not None:
        raise UsageError(f"--level names a drum VAE's latent, and '{chosen.path}' is a letter VAE run (one latent); "
                         f"drop --level")
    trained = open_letter_vae(ctx, chosen.path, "interpolate")
    name = f"interpolate-{from_.upper()}-{to.upper()}.png"
    return interpolate_letters(trained, ctx, out / name if out else None, draw=letter_to_letter, name=name,
                               start=from_, end=to, steps=steps, method=method, seed=seed)


def coverage(ctx: RunContext, run: Path | None, *, best: bool, samples: int | None, threshold: float | None,
             min_share: float | None, baselines: list[str] | None, seed: int, out_dir: Path | None) -> dict:
    """`vae coverage`: the letter GAN's coverage report (gentool.evaluate.trained_letters), for a letter VAE."""
    baselines = check_baselines(baselines)
    trained = open_letter_vae(ctx, run, "coverage", best)
    return letter_coverage(trained, ctx, samples=samples, threshold=threshold, min_share=min_share,
                           baselines=baselines, seed=seed, out_dir=out_dir)


def figures(ctx: RunContext, run: Path | None) -> list[Path]:
    return redraw_letter_figures(open_letter_vae(ctx, run, "figures"), ctx)
