"""`gentool gan evaluator|coverage|figures|interpolate|compare`: measure trained GANs (letters; coverage and
figures also for ring8/grid25 runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    DeviceOption,
    FontsDirOption,
    JsonOption,
    QuietOption,
    SetOption,
    context_for,
    handle_errors,
    out,
    show,
)
from gentool.evaluate.coverage import BASELINES
from gentool.evaluate.letters import load_letter_evaluator, shipped_report
from gentool.gan import measure
from gentool.gan.config import resolve_gan_config
from gentool.gan.trained import open_trained
from gentool.runtime.flags import resolved_paths
from gentool.runtime.seeding import MAX_SEED
from gentool.views.gan import compare_view, coverage_view, evaluator_json, evaluator_lines, interpolation_lines

RunOption = Annotated[Optional[Path], typer.Option(
    "--run", show_default="the newest under runs/", help="A GAN run folder.")]
SeedOption = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the noise drawn for the samples.")]
CheckpointOption = Annotated[Optional[Path], typer.Option(help="A GAN checkpoint file instead of a run.")]
# the options of every letter-coverage command (gan coverage, vae coverage): one declaration, the same help
BestOption = Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")]
SamplesOption = Annotated[Optional[int], typer.Option(
    show_default="the run's evaluation.samples", help="Images to generate (2600 = 100 per letter).")]
ThresholdOption = Annotated[Optional[float], typer.Option(
    show_default="the run's evaluation.threshold", help="Softmax probability that counts as confident.")]
MinShareOption = Annotated[Optional[float], typer.Option(
    show_default="the run's evaluation.min_share", help="Covered at this share of a uniform count.")]
BaselineOption = Annotated[Optional[list[str]], typer.Option(
    show_default="all", help=f"Baselines to print beside the model: {', '.join(BASELINES)} (repeatable).")]
CoverageOutOption = Annotated[Optional[Path], typer.Option(
    "--out", show_default="the run's folder", help="Folder for coverage.json and figures/.")]


@handle_errors
def evaluator(
    preset: Annotated[str, typer.Option(help="Use the fonts and split of this GAN preset.")] = "vanilla",
    config: ConfigOption = None,
    fonts_dir: FontsDirOption = None,
    set_: SetOption = None,
    build: Annotated[bool, typer.Option(
        "--build", "--rebuild", help="Build a local evaluator now from this config's fonts (matplotlib's and "
                                     "--fonts-dir), cache it and show it; runs use it with --set "
                                     "evaluation.evaluator.source=local.")] = False,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Show the letter evaluator that measures letter runs: its identity and its own figures (held-out accuracy,
    non-letter glyphs rejected by category). The shipped one by default; --build makes a local one."""
    flags = {"data.fonts_dirs": resolved_paths(fonts_dir) if fonts_dir else None,
             "evaluation.evaluator.source": "local" if build else None}
    gan_config = resolve_gan_config(preset, str(config) if config else None, flags, set_)
    ctx = context_for(device, quiet, data_dir)
    letter_evaluator = load_letter_evaluator(gan_config.data, data_dir, ctx.decide_device(gan_config.device),
                                             rebuild=build, settings=gan_config.evaluation.evaluator,
                                             reporter=ctx.reporter, baseline=False)
    result = evaluator_json(letter_evaluator, shipped_report())
    show(result, json_, evaluator_lines)


@handle_errors
def coverage(
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
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
    """Generate samples and report mode coverage beside baselines: letters covered, entropy and letter FID (with
    the letter evaluator) for letter runs; modes captured, high-quality share and reverse KL for ring8/grid25."""
    measure.check_baselines(baseline)
    ctx = context_for(device, quiet, data_dir)
    trained = open_trained(ctx, run, checkpoint, best)
    result = measure.coverage(trained, ctx, samples=samples, threshold=threshold, min_share=min_share,
                              baselines=baseline, seed=seed, out_dir=out_dir)
    show(result, json_, coverage_view)


@handle_errors
def figures(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    quiet: QuietOption = False,
) -> None:
    """Redraw a run's figures: dynamics (coverage, entropy, letter FID, collapse onset), heatmap, alphabet."""
    for path in measure.redraw_figures(context_for(device, quiet, data_dir), run):
        out.print(str(path))


@handle_errors
def interpolate(
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
    rows: Annotated[int, typer.Option(min=1, max=64, help="Latent paths, one per row.")] = 6,
    steps: Annotated[int, typer.Option(min=2, max=64, help="Frames along each path.")] = 10,
    method: Annotated[str, typer.Option(help="slerp (along the noise sphere) or lerp (straight line).")] = "slerp",
    letter: Annotated[Optional[str], typer.Option(help="Conditional models: the letter to hold fixed.")] = None,
    seed: SeedOption = 0,
    out_file: Annotated[Optional[Path], typer.Option(
        "--out", show_default="in the run's figures/", help="PNG to write (interpolation.png by default).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Walk the latent space between random points and show what the generator draws along the way."""
    ctx = context_for(device, quiet, data_dir)
    result = measure.interpolate(open_trained(ctx, run, checkpoint), ctx, out_file, rows=rows, steps=steps,
                                 method=method, seed=seed, letter=letter)
    show(result, json_, interpolation_lines)


@handle_errors
def compare(
    runs: Annotated[list[Path], typer.Argument(help="Run folders to compare.")],
    figure: Annotated[Optional[Path], typer.Option(
        show_default="compare.png beside the first run", help="Overlay figure to write.")] = None,
    json_: JsonOption = False,
) -> None:
    """Compare runs: final and best coverage, entropy, letter FID, collapse onset; groups of runs that share
    their fixes get mean ± std over seeds."""
    result = measure.compare(runs, figure)
    show(result, json_, compare_view)


def register(app: typer.Typer) -> None:
    for command in (evaluator, coverage, figures, interpolate, compare):
        app.command(command.__name__)(command)
