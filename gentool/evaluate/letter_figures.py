"""The figures of a trained letter model, whichever family made it (a GAN's generator, a VAE's decoder): coverage
beside baselines, the dynamics figures, the alphabet and interpolation grids.

A "sampler" here is any module called as sampler(z, labels) -> images (N, 1, 28, 28) in [-1, 1] (labels None
unless it is conditional); its `config` needs `seed`, `model.z_dim`, `model.conditional` and `evaluation`
(gentool.evaluate.coverage.LetterEvaluationConfig). Nothing here trains.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gentool.datasets.font_faces import LETTERS
from gentool.errors import UsageError
from gentool.evaluate import coverage_figures as figures
from gentool.evaluate.coverage import CoverageSettings, generate
from gentool.evaluate.letters import LetterEvaluator
from gentool.io.images import save_letter_sheet, to_unit_range
from gentool.latent import INTERPOLATION_METHODS, interpolator
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import RunDir

FIGURE_ROWS = 6


def measure_sampler(generator: nn.Module, config, evaluator: LetterEvaluator,
                      settings: CoverageSettings, seed: int, baselines: list[str], out_dir: Path,
                      device: torch.device) -> dict:
    """coverage.json and figures for a generator, with the requested baselines measured the same way."""
    started = time.perf_counter()
    images = generate(generator, settings.samples, config.model.z_dim, config.model.conditional, seed, device)
    return figures.coverage_beside_baselines(images, evaluator, settings, seed=seed, baselines=baselines,
                                             out_dir=out_dir, started=started)


def alphabet(path: Path, generator: nn.Module, config, evaluator: LetterEvaluator, seed: int,
             device: torch.device) -> Path:
    """Conditional: rows of fixed z across the 26 letters. Unconditional: the most confident sample of each
    predicted letter among evaluation.samples draws (blank where the generator never makes that letter)."""
    if config.model.conditional:
        rng = torch.Generator().manual_seed(seed)
        z = torch.randn(FIGURE_ROWS, 1, config.model.z_dim, generator=rng)
        z = z.expand(-1, 26, -1).reshape(-1, config.model.z_dim)
        labels = torch.arange(26).repeat(FIGURE_ROWS)
        generator.eval()
        with torch.no_grad():
            images = generator(z.to(device), labels.to(device)).cpu()
        rows = to_unit_range(images)[:, 0].numpy().reshape(FIGURE_ROWS, 26, 28, 28)
        return save_letter_sheet(path, rows, [f"z{i + 1}" for i in range(FIGURE_ROWS)], LETTERS)
    images = generate(generator, config.evaluation.samples, config.model.z_dim, False, seed, device)
    probabilities, _ = evaluator.classify(images)
    confidence, predicted = probabilities.max(dim=1)
    row = np.zeros((1, 26, 28, 28), dtype=np.float32)
    pixels = to_unit_range(images)[:, 0].numpy()
    for letter in range(26):
        chosen = ((predicted == letter) & (confidence >= config.evaluation.threshold)).nonzero().flatten()
        if len(chosen):
            row[0, letter] = pixels[chosen[confidence[chosen].argmax()]]
    return save_letter_sheet(path, row, ["most confident"], LETTERS)


def interpolation(path: Path, generator: nn.Module, config, evaluator: LetterEvaluator, *, rows: int,
                  steps: int, method: str, seed: int, device: torch.device, letter: str | None = None) -> dict:
    """Rows of latent paths between random z pairs; each frame labelled by the evaluator's prediction."""
    if method not in INTERPOLATION_METHODS:
        raise UsageError(f"unknown interpolation method '{method}'; use slerp or lerp")
    if letter is not None and letter.upper() not in LETTERS:
        raise UsageError(f"--letter must be one letter A-Z, got '{letter}'")
    rng = torch.Generator().manual_seed(seed)
    start, end = torch.randn(2, rows, 1, config.model.z_dim, generator=rng)
    t = torch.linspace(0, 1, steps).view(1, steps, 1)
    z = interpolator(method)(start, end, t)  # (rows, steps, z_dim)
    labels = None
    if config.model.conditional:
        fixed = LETTERS.index(letter.upper()) if letter else None
        per_row = torch.full((rows,), fixed) if fixed is not None else torch.arange(rows) % 26
        labels = per_row.repeat_interleave(steps).to(device)
    generator.eval()
    with torch.no_grad():
        images = generator(z.reshape(-1, config.model.z_dim).to(device), labels).cpu()
    probabilities, _ = evaluator.classify(images)
    confidence, predicted = probabilities.max(dim=1)
    names = [(LETTERS + "?")[p] if c >= config.evaluation.threshold else "?" for p, c in zip(predicted, confidence)]
    paths = ["".join(names[r * steps:(r + 1) * steps]) for r in range(rows)]
    pixels = to_unit_range(images)[:, 0].numpy().reshape(rows, steps, 28, 28)
    save_letter_sheet(path, pixels, [f"{p[0]}→{p[-1]}" for p in paths], [f"{v:.2f}" for v in t.flatten().tolist()])
    return {"figure": str(path), "method": method, "rows": rows, "steps": steps, "predicted": paths}


def write_run_figures(run: RunDir, config, generator: nn.Module, evaluator: LetterEvaluator, device: torch.device,
                      title: str) -> list[Path]:
    """dynamics.png (coverage, entropy, letter FID over epochs, collapse onset marked), letter_heatmap.png and
    alphabet.png in the run's figures/ folder."""
    records = run.read_metrics()
    onset = figures.collapse_onset(records, config.evaluation.collapse_drop)
    written = []
    if any(r.get("letters_covered") is not None for r in records):
        written.append(figures.dynamics(run.figures / "dynamics.png", records, onset, title))
        written.append(figures.letter_heatmap(run.figures / "letter_heatmap.png", records, title))
    written.append(alphabet(run.figures / "alphabet.png", generator, config, evaluator, config.seed, device))
    return written


def save_coverage(path: Path, result: dict) -> Path:
    return atomic_write_json(path, result)


def most_confident_latent(sampler: nn.Module, config, evaluator: LetterEvaluator, letter: str, seed: int,
                          device: torch.device) -> torch.Tensor:
    """The z (1, z_dim) of the most confident sample of `letter` among evaluation.samples draws (asked for that
    letter when the sampler is conditional); a UsageError when none of them is a confident one."""
    index = LETTERS.index(letter)
    count = config.evaluation.samples
    noise = torch.randn(count, config.model.z_dim, generator=torch.Generator().manual_seed(seed))
    labels = torch.full((count,), index, device=device) if config.model.conditional else None
    sampler.eval()
    with torch.no_grad():
        images = torch.cat([sampler(noise[s:s + 1000].to(device), None if labels is None else labels[s:s + 1000])
                            .cpu() for s in range(0, count, 1000)])
    probabilities, _ = evaluator.classify(images)
    confidence, predicted = probabilities.max(dim=1)
    hits = ((predicted == index) & (confidence >= config.evaluation.threshold)).nonzero().flatten()
    if not len(hits):
        raise UsageError(f"none of {count} samples is a confident {letter} (p >= {config.evaluation.threshold}), so "
                         f"there is no {letter} to start or end at; pick letters the run covers (see `coverage`), "
                         f"or train longer")
    return noise[hits[confidence[hits].argmax()]].unsqueeze(0)


def letter_to_letter(path: Path, sampler: nn.Module, config, evaluator: LetterEvaluator, *, start: str, end: str,
                     steps: int, method: str, seed: int, device: torch.device) -> dict:
    """A latent path from the most confident sample of one letter to that of another, each frame named by the
    evaluator. A conditional sampler also moves its letter code from one letter's one-hot to the other's (it must
    take mixed codes as float labels, as the letter VAE does)."""
    if method not in INTERPOLATION_METHODS:
        raise UsageError(f"unknown interpolation method '{method}'; use slerp or lerp")
    letters = []
    for name, letter in (("--from", start), ("--to", end)):
        if len(letter) != 1 or letter.upper() not in LETTERS:
            raise UsageError(f"{name} must be one letter A-Z for a letter model, got '{letter}'")
        letters.append(letter.upper())
    first = most_confident_latent(sampler, config, evaluator, letters[0], seed, device)
    last = most_confident_latent(sampler, config, evaluator, letters[1], seed + 1, device)
    t = torch.linspace(0, 1, steps).view(steps, 1)
    z = interpolator(method)(first, last, t)  # (steps, z_dim)
    labels = None
    if config.model.conditional:
        codes = torch.eye(len(LETTERS))[[LETTERS.index(letter) for letter in letters]]
        labels = (codes[0] + (codes[1] - codes[0]) * t).to(device)
    with torch.no_grad():
        images = sampler(z.to(device), labels).cpu()
    probabilities, _ = evaluator.classify(images)
    confidence, predicted = probabilities.max(dim=1)
    names = [(LETTERS + "?")[p] if c >= config.evaluation.threshold else "?" for p, c in zip(predicted, confidence)]
    pixels = to_unit_range(images)[:, 0].numpy().reshape(1, steps, 28, 28)
    save_letter_sheet(path, pixels, [f"{letters[0]}→{letters[1]}"], names)
    return {"figure": str(path), "method": method, "from": letters[0], "to": letters[1], "steps": steps,
            "t": [round(v, 4) for v in t.flatten().tolist()], "predicted": names,
            "confidence": [round(float(c), 4) for c in confidence]}
