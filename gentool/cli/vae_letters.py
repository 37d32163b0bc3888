"""`gentool vae coverage|figures`: a letter VAE run measured like a letter GAN (the same core code)."""

import typer

from gentool.cli.common import context_for, handle_errors, out, show
from gentool.cli.gan_eval import (
    BaselineOption,
    CoverageOutOption,
    MinShareOption,
    SamplesOption,
    SeedOption,
    ThresholdOption,
)
from gentool.cli.options import BestOption, DataDirOption, DeviceOption, JsonOption, QuietOption
from gentool.cli.vae_creative import RunOption


@handle_errors
def coverage(
    run: RunOption = None,
    best: BestOption = False,
    samples: SamplesOption = None,
    threshold: ThresholdOption = None,
    min_share: MinShareOption = None,
    baseline: BaselineOption = None,
    seed: SeedOption = 0,
    out_dir: CoverageOutOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Letter VAE runs: letters covered, entropy, letter FID, recognisable share and sharpness of samples from the
    prior, beside real, noise and collapsed baselines (the same report as `gentool gan coverage`)."""
    from gentool.vae import letter_sessions
    from gentool.views.gan import coverage_view

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
    from gentool.vae import letter_sessions

    out(*map(str, letter_sessions.figures(context_for(device, quiet, data_dir), run)))


def register(app: typer.Typer) -> None:
    for command in (coverage, figures):
        app.command(command.__name__)(command)
