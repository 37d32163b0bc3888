"""`gentool gan evaluator|coverage|figures|interpolate|compare|sample`: measure trained GANs (letters; coverage and
figures also for ring8/grid25 runs) and hand their samples to other tools."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import context_for, handle_errors, out, show
from gentool.cli.options import (
    BestOption,
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    SetOption,
    choice_option,
    config_overrides,
    out_option,
    preset_option,
    renamed,
    resolved_paths,
    run_option,
    seed_option,
)
from gentool.datasets.config import LETTERS
from gentool.errors import UsageError
from gentool.evaluate.config import BASELINES
from gentool.gan.config import GanConfig

flags = ConfigFlags(GanConfig)
run_settings = ConfigFlags(GanConfig, source="the run's")

RunOption = run_option("a GAN")
SeedOption = seed_option("Seed of the noise drawn for the samples.")
CheckpointOption = Annotated[Optional[Path], typer.Option(help="A GAN checkpoint file instead of a run.")]
# the options of every letter-coverage command (gan coverage, vae coverage): one declaration, the same help
SamplesOption = run_settings("evaluation.samples")
ThresholdOption = run_settings("evaluation.threshold")
MinShareOption = run_settings("evaluation.min_share")
BaselineOption = Annotated[Optional[list[str]], choice_option(
    "--baseline", choices=BASELINES, help="Baseline to print beside the model.  [repeatable; default: all]")]
CoverageOutOption = out_option("Folder for coverage.json and figures/.", "the run's folder")


@handle_errors
def evaluator(
    preset: preset_option("gan", "vanilla") = None,
    config: ConfigOption = None,
    fonts_dir: flags("fonts.fonts_dirs", "--fonts-dir", convert=resolved_paths, metavar="<dir>") = None,
    source: flags("evaluation.evaluator.source") = None,
    set_: SetOption = None,
    build: Annotated[bool, typer.Option(
        "--build", "--rebuild", help="Train a local evaluator now, even when one is cached, from this config's "
                                     "fonts (matplotlib's and --fonts-dir), cache it and show it (--source local "
                                     "shows the cached one); runs use it with --set "
                                     "evaluation.evaluator.source=local.")] = False,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Show the letter evaluator that measures letter runs: its identity and its own figures (held-out accuracy,
    non-letter glyphs rejected by category). The shipped one by default; --build makes a local one from this
    config's fonts (its recipe: --set evaluation.evaluator.KEY=VALUE)."""
    from gentool.evaluate.letters import load_letter_evaluator, shipped_report
    from gentool.gan.config import resolve_gan_config
    from gentool.views.gan import evaluator_json, evaluator_lines

    overrides = config_overrides(evaluator, locals())
    if build:
        if source == "shipped":
            raise UsageError("--build makes a local evaluator, so it cannot be given with --source shipped; drop one")
        overrides["evaluation.evaluator.source"] = "local"
    gan_config = resolve_gan_config(preset or "vanilla", str(config) if config else None, overrides, set_)
    ctx = context_for(device, quiet, data_dir)
    letter_evaluator = load_letter_evaluator(gan_config.fonts, data_dir, ctx.decide_device(gan_config.device),
                                             rebuild=build, settings=gan_config.evaluation.evaluator,
                                             reporter=ctx.reporter, baseline=False)
    show(evaluator_json(letter_evaluator, shipped_report()), json_, evaluator_lines)


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
    from gentool.gan import measure
    from gentool.gan.trained import open_trained
    from gentool.views.gan import coverage_view

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
    from gentool.gan import measure

    out(*map(str, measure.redraw_figures(context_for(device, quiet, data_dir), run)))


@handle_errors
def interpolate(
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
    rows: Annotated[int, typer.Option(min=1, max=64, help="Latent paths, one per row.")] = 6,
    steps: Annotated[int, typer.Option(min=2, max=64, help="Frames along each path.")] = 10,
    method: Annotated[str, choice_option(
        "--method", choices=("slerp", "lerp"), help="slerp (along the noise sphere) or lerp (straight line).")
    ] = "slerp",
    letter: Annotated[Optional[str], choice_option(
        "--letter", choices=tuple(LETTERS), help="Conditional models: the letter to hold fixed.")] = None,
    seed: SeedOption = 0,
    out_file: out_option("PNG to write.", "interpolation.png in the run's figures/") = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Walk the latent space between random points and show what the generator draws along the way."""
    from gentool.gan import measure
    from gentool.gan.trained import open_trained
    from gentool.views.gan import interpolation_lines

    ctx = context_for(device, quiet, data_dir)
    result = measure.interpolate(open_trained(ctx, run, checkpoint), ctx, out_file, rows=rows, steps=steps,
                                 method=method, seed=seed, letter=letter)
    show(result, json_, interpolation_lines)


@handle_errors
def sample(
    out_path: Annotated[Path, typer.Option(
        "--out", "-o", help="Where to write: DIR/ (one PNG per letter) or FILE.npz for letter runs; FILE.npy or "
                            "FILE.csv for ring8/grid25 runs.")],
    n: Annotated[int, typer.Option("--n", min=1, max=1_000_000, help="How many samples.")] = 10_000,
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
    best: BestOption = False,
    real: Annotated[bool, typer.Option(
        "--real", help="Write N examples of the run's training data instead, the same way: the reference set an "
                       "FID tool compares the samples with.")] = False,
    seed: SeedOption = 0,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a trained GAN's samples as files other tools read: PNGs for torch-fidelity and clean-fid, an .npz of
    images, or the points of a 2-D run as .npy/.csv (docs/exports.md)."""
    from gentool.gan import export
    from gentool.gan.trained import open_trained
    from gentool.views.gan import sample_lines

    ctx = context_for(device, quiet, data_dir)
    result = export.write_samples(open_trained(ctx, run, checkpoint, best), ctx, n=n, out=out_path, seed=seed,
                                  real=real)
    show(result, json_, sample_lines)


@handle_errors
def compare(
    runs: Annotated[list[Path], typer.Argument(metavar="RUN", help="Run folders to compare.")],
    out_file: out_option("Overlay figure to write.", "compare.png beside the first run") = None,
    json_: JsonOption = False,
) -> None:
    """Compare runs: final and best coverage, entropy, letter FID, collapse onset; groups of runs that share
    their fixes get mean ± std over seeds."""
    from gentool.gan import measure
    from gentool.views.gan import compare_view

    show(measure.compare(runs, out_file), json_, compare_view)


def register(app: typer.Typer) -> None:
    for command in (evaluator, coverage, figures, interpolate, sample):
        app.command(command.__name__)(command)
    app.command("compare", context_settings=renamed(figure="out"))(compare)
