"""Mode coverage of a letter generator, measured with the letter evaluator.

From N images: the evaluator's confident predictions (top class a letter, not "not a letter", with softmax
probability >= threshold) give a letter histogram; a letter is covered when it has at least `min_share` of the
count a uniform generator would give it (ceil(min_share * N / 26)). Reported: per-letter counts, letters covered,
coverage = covered / 26, the missing letters, the normalised entropy and the KL divergence from uniform of the
histogram, the confident share ("recognisable letters"), the letter FID (Fréchet distance of evaluator
features to held-out real letters: the evaluator's own reference, stored with it), and precision, recall, density
and coverage in the same features against the reference half of the run's held-out letters (gentool.evaluate.prdc;
with the default fonts, the letters of the FID reference). Every report names the evaluator that measured it.

Baselines on the same scale show that the numbers can fail: held-out real letters, uniform noise, and a
collapsed generator (one image repeated).
"""

from __future__ import annotations

import math
from dataclasses import asdict

import torch
from torch import nn

from gentool.datasets.font_faces import LETTERS
from gentool.errors import UsageError
from gentool.evaluate.config import BASELINES, PRDC_KEYS, CoverageSettings
from gentool.evaluate.frechet import FeatureStats, frechet_distance
from gentool.evaluate.letters import NOT_A_LETTER, LetterEvaluator
from gentool.evaluate.prdc import prdc
from gentool.evaluate.sharpness import sharpness

# what an evaluated epoch adds to a letter model's metrics.jsonl record
RECORD_KEYS = ("letters_covered", "coverage", "entropy", "kl_uniform", "confident_share", "not_letter_share",
               "letter_fid", *PRDC_KEYS, "sharpness", "missing", "letter_counts", "instrument")


def coverage_of(probabilities: torch.Tensor, features: torch.Tensor, evaluator: LetterEvaluator,
                settings: CoverageSettings) -> dict:
    confidence, predicted = probabilities.max(dim=1)
    confident = (confidence >= settings.threshold) & (predicted != NOT_A_LETTER)
    counts = torch.bincount(predicted[confident], minlength=len(LETTERS))
    min_count = settings.min_count()
    covered = counts >= min_count
    total = int(counts.sum())
    if total:
        share = counts.double() / total
        nonzero = share[share > 0]
        entropy = float(-(nonzero * nonzero.log()).sum())
        entropy_norm = entropy / math.log(len(LETTERS))
        kl_uniform = math.log(len(LETTERS)) - entropy
    else:  # no recognisable letter at all: the histogram has no distribution to measure
        entropy_norm = kl_uniform = None
    return {
        "samples": len(probabilities),
        "threshold": settings.threshold,
        "min_count": min_count,
        "letter_counts": {LETTERS[i]: int(c) for i, c in enumerate(counts)},
        "letters_covered": int(covered.sum()),
        "coverage": round(float(covered.double().mean()), 4),
        "missing": [LETTERS[i] for i in range(len(LETTERS)) if not covered[i]],
        "entropy": None if entropy_norm is None else round(entropy_norm, 4) + 0.0,  # never -0.0
        "kl_uniform": None if kl_uniform is None else round(kl_uniform, 4),
        "confident_share": round(float(confident.double().mean()), 4),
        "not_letter_share": round(float((predicted == NOT_A_LETTER).double().mean()), 4),
        "letter_fid": round(frechet_distance(FeatureStats.of(features), evaluator.real_stats), 3),
        **prdc(evaluator.real_balls(settings.prdc_k), features), "prdc_k": settings.prdc_k,
        "instrument": evaluator.instrument.record(),
    }


def measure(images: torch.Tensor, evaluator: LetterEvaluator, settings: CoverageSettings) -> tuple[dict, torch.Tensor]:
    """The coverage report of images in [-1, 1] with their sharpness (gentool.evaluate.sharpness), and the
    probabilities behind it."""
    probabilities, features = evaluator.classify(images)
    return {**coverage_of(probabilities, features, evaluator, settings), "sharpness": sharpness(images)}, probabilities


def sample_noise(count: int, z_dim: int, seed: int) -> torch.Tensor:
    """The noise `generate` feeds a generator. All in one draw: torch's CPU randn orders its draws differently for
    different sizes, so drawing per batch would make the samples depend on the batch size."""
    return torch.randn(count, z_dim, generator=torch.Generator().manual_seed(seed))


def letters_by_code(probabilities: torch.Tensor, codes: torch.Tensor, code_count: int,
                    threshold: float) -> list[str | None]:
    """For a generator with a categorical latent code (InfoGAN): the letter each code's samples are most often
    confidently read as, or None where a code draws no confident letter. Shows whether the codes took the letters
    apart (26 different letters) or split some letters over several codes and left others without one."""
    confidence, predicted = probabilities.max(dim=1)
    confident = (confidence >= threshold) & (predicted != NOT_A_LETTER)
    table = torch.zeros(code_count, len(LETTERS) + 1, dtype=torch.long)
    table.index_put_((codes[confident], predicted[confident]), torch.ones(int(confident.sum()), dtype=torch.long),
                     accumulate=True)
    counts, best = table[:, :len(LETTERS)].max(dim=1)
    return [LETTERS[int(letter)] if count else None for letter, count in zip(best, counts)]


@torch.no_grad()
def generate(generator: nn.Module, count: int, z_dim: int, conditional: bool, seed: int,
             device: torch.device, batch_size: int = 1000) -> torch.Tensor:
    """`count` images from a generator in eval mode, from noise of its own seeded stream (the global random
    state is left alone, so evaluating during training does not change the training run). A conditional
    generator is asked for every letter equally often."""
    was_training = generator.training
    generator.eval()
    noise = sample_noise(count, z_dim, seed)
    labels = torch.arange(count) % len(LETTERS)
    images = []
    for start in range(0, count, batch_size):
        z = noise[start:start + batch_size].to(device)
        batch_labels = labels[start:start + batch_size].to(device) if conditional else None
        images.append(generator(z, batch_labels).cpu())
    generator.train(was_training)
    return torch.cat(images)


def check_baselines(names: list[str] | None) -> list[str]:
    """The baselines asked for (default: all), or a UsageError naming the unknown one."""
    for name in names or []:
        if name not in BASELINES:
            raise UsageError(f"unknown baseline '{name}'; choose from {', '.join(BASELINES)}")
    return list(names or BASELINES)


def baseline_images(name: str, evaluator: LetterEvaluator, count: int, seed: int) -> torch.Tensor:
    """Images of a reference generator: held-out real letters, uniform noise, or one real letter repeated."""
    rng = torch.Generator().manual_seed(seed)
    real = evaluator.real_images
    if name == "real":
        if count <= len(real):
            return real[torch.randperm(len(real), generator=rng)[:count]]
        return real[torch.randint(len(real), (count,), generator=rng)]
    if name == "noise":
        return torch.rand(count, 1, 28, 28, generator=rng) * 2 - 1
    if name == "collapsed":
        return real[:1].expand(count, -1, -1, -1).clone()
    raise ValueError(f"unknown baseline {name!r}")


def settings_dict(settings: CoverageSettings) -> dict:
    return {**asdict(settings), "min_count": settings.min_count()}
