"""A trained sampler of letters, whichever family made it, and the measurements every letter model shares: coverage
beside baselines (with sharpness), the run's figures redrawn, interpolation. `gan coverage` and `vae coverage`
both end here, so a GAN and a letter VAE are scored one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from gentool.config import build_config, config_to_dict
from gentool.evaluate.coverage import CoverageSettings
from gentool.evaluate.letter_figures import interpolation, measure_sampler, save_coverage, write_run_figures
from gentool.evaluate.letters import LetterEvaluator, load_letter_evaluator
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, writing_into


@dataclass(kw_only=True)
class TrainedSampler:
    generator: nn.Module  # sampler(z, labels) -> images in [-1, 1]; eval mode, on `device`
    config: Any  # a GanConfig or VaeConfig: seed, model.z_dim, model.conditional, evaluation, fonts
    folder: Path  # the run folder (outputs go under it by default)
    checkpoint: Path
    device: torch.device
    evaluation_noise: dict  # the samples and noise seed of the run's own evaluations
    title: str = ""  # how figures name the run


def letter_evaluator_for(trained: TrainedSampler, ctx: RunContext) -> LetterEvaluator:
    config = trained.config
    return load_letter_evaluator(config.fonts, ctx.data_dir, trained.device, settings=config.evaluation.evaluator,
                                 reporter=ctx.reporter)


def letter_coverage(trained: TrainedSampler, ctx: RunContext, *, samples: int | None, threshold: float | None,
                    min_share: float | None, baselines: list[str], seed: int, out_dir: Path | None) -> dict:
    """Letters covered, entropy, letter FID, recognisable share and sharpness of a letter sampler beside real, noise
    and collapsed images; writes coverage.json and figures (the run's folder, or --out)."""
    config = trained.config
    given = {"samples": samples, "threshold": threshold, "min_share": min_share}
    run_settings = {key: value for key, value in config_to_dict(config.evaluation).items()
                    if key in (*given, "prdc_k")}
    settings = build_config(CoverageSettings, {**run_settings, **{k: v for k, v in given.items() if v is not None}},
                            prefix="coverage")
    evaluator = letter_evaluator_for(trained, ctx)
    with writing_into(RunDir(trained.folder), out_dir):
        result = measure_sampler(trained.generator, config, evaluator, settings, seed, baselines,
                                 out_dir or (trained.folder / "figures"), trained.device)
        result.update(checkpoint=str(trained.checkpoint), kind="letters", threshold=settings.threshold,
                      samples=settings.samples)
        result["path"] = str(save_coverage((out_dir or trained.folder) / "coverage.json", result))
    return {**result, "run_evaluation": trained.evaluation_noise}


def redraw_letter_figures(trained: TrainedSampler, ctx: RunContext) -> list[Path]:
    """dynamics, letter heatmap and alphabet drawn again from the run's metrics and the sampler."""
    chosen = RunDir(trained.folder)
    with chosen.locked():
        return write_run_figures(chosen, trained.config, trained.generator, letter_evaluator_for(trained, ctx),
                                 trained.device, trained.title or chosen.path.name)


def interpolate_letters(trained: TrainedSampler, ctx: RunContext, out_file: Path | None,
                        draw: Callable[..., dict] = interpolation, name: str = "interpolation.png",
                        **options) -> dict:
    """A latent walk drawn into out_file (default: `name` in the run's figures/), each frame named by the
    evaluator."""
    with writing_into(RunDir(trained.folder), out_file):
        return draw(out_file or trained.folder / "figures" / name, trained.generator, trained.config,
                    letter_evaluator_for(trained, ctx), device=trained.device, **options)
