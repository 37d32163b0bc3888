"""`gentool vae coverage|figures`: a letter VAE run measured like a letter GAN (the same core code)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    context_for,
    handle_errors,
    out,
    show,
)
from gentool.cli.gan_eval import SeedOption
from gentool.cli.vae_creative import RunOption
from gentool.evaluate.coverage import BASELINES
from gentool.vae import letter_sessions
from gentool.views.gan import coverage_view


@handle_errors
def coverage(
    run: RunOption = None,
    best: Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")] = False,
    samples: Annotated[Optional[int], typer.Option(
        show_default="the run's evaluation.samples", help="Images to generate (2600 = 100 per letter).")] = None,
    threshold: Annotated[Optional[float], typer.Option(
        show_default="the run's evaluation.threshold", help="Softmax probability that counts as confident.")] = None,
    min_share: Annotated[Optional[float], typer.Option(
        show_default="the run's evaluation.min_share", help="Covered at this share of a uniform count.")] = None,
    baseline: Annotated[Optional[list[str]], typer.Option(
        show_default="all", help=f"Baselines to print beside the model: {', '.join(BASELINES)} (repeatable).")] = None,
    seed: SeedOption = 0,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", show_default="the run's folder", help="Folder for coverage.json and figures/.")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Letter VAE runs: letters covered, entropy, letter FID, recognisable share and sharpness of samples from the
    prior, beside real, noise and collapsed baselines (the same report as `gentool gan coverage`)."""
    result = letter_sessions.coverage(context_for(device, quiet, data_dir), run, best=best, samples=samples,
                                      threshold=threshold, min_share=min_share, baselines=baseline, seed=seed,
                                      out_dir=out_dir)
    show(result, json_, coverage_view)


@handle_errors
def figures(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    quiet: QuietOption = False,
) -> None:
    """Letter VAE runs: redraw the dynamics (coverage, entropy, letter FID), the letter heatmap and the alphabet."""
    for path in letter_sessions.figures(context_for(device, quiet, data_dir), run):
        out.print(str(path))


def register(app: typer.Typer) -> None:
    for command in (coverage, figures):
        app.command(command.__name__)(command)
