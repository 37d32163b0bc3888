"""`gentool gan ...`: train GANs on letters and 2-D mixtures, list the fixes; measuring commands in gan_eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli import gan_bench, gan_eval
from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    DeviceOption,
    EpochsOption,
    FontsDirOption,
    JsonOption,
    PrecisionOption,
    QuietOption,
    ResumeOption,
    SetOption,
    TensorboardOption,
    TrainSeedOption,
    bind_flags,
    handle_errors,
    run_command,
    show,
)
from gentool.gan.config import DATASETS
from gentool.gan.family import GAN
from gentool.gan.fixes import FIXES, describe_fixes
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable, resolved_paths
from gentool.views.gan import fixes_lines

app = typer.Typer(help="GANs on letters A-Z and on 2-D mixtures (ring8, grid25): train with fixes against mode "
                       "collapse, measure coverage, benchmark the fixes.",
                  no_args_is_help=True)

TRAIN_FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("dataset", "--dataset", ("dataset",)), Flag("fix", "--fix", ("fixes",)),
    Flag("epochs", "--epochs", ("train.epochs",), on_resume=True),
    Flag("batch_size", "--batch-size", ("train.batch_size",)), Flag("lr", "--lr", ("optim.lr",)),
    Flag("precision", "--precision", ("train.precision",)),
    Flag("seed", "--seed", ("seed",)), Flag("conditional", "--conditional", ("model.conditional",)),
    Flag("eval_every", "--eval-every", ("evaluation.every",)),
    Flag("device", "--device", ("device",), on_resume=True),
    Flag("tensorboard", "--tensorboard", ("logging.tensorboard",)),
    Flag("fonts_dir", "--fonts-dir", ("fonts.fonts_dirs",), convert=resolved_paths))


@app.command("train", help=f"""Train a GAN (letters: DCGAN; ring8/grid25: MLPs) and write a run folder (config, metrics,
checkpoints, samples, figures).

Presets: {', '.join(available_presets('gan'))}.

Fixes: {', '.join(sorted(FIXES))} (`gentool gan fixes` says what each does).

Config precedence: preset < --config FILE < named flags < --set key=value.
Ctrl-C saves a checkpoint and exits 130; --resume RUN continues it.
""")
@handle_errors
def train(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="vanilla", help="Starting config: one of the presets listed above.")] = None,
    config: ConfigOption = None,
    dataset: Annotated[Optional[str], typer.Option(
        help=f"What to learn: {', '.join(DATASETS)} (ring8/grid25: 2-D Gaussian mixtures with MLP models).")] = None,
    fix: Annotated[Optional[list[str]], typer.Option(
        "--fix", help="Stabilisation fix, one of those listed above (repeatable; replaces the preset's list).")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Images per batch.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate for G and D.")] = None,
    seed: TrainSeedOption = None,
    conditional: Annotated[Optional[bool], typer.Option(
        "--conditional/--unconditional", help="Condition G and D on the letter.")] = None,
    eval_every: Annotated[Optional[int], typer.Option(
        help="Measure letter coverage every N epochs and at the last (0 = never).")] = None,
    precision: PrecisionOption = None,
    device: DeviceOption = None,
    tensorboard: TensorboardOption = False,
    fonts_dir: FontsDirOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="new",
        help="Run folder (by default a new one in runs/, named after the preset and the time).")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """`gentool gan train`; its help (above, in `app.command`) lists the presets and fixes."""
    run_command(GAN, TRAIN_FLAGS, locals())


bind_flags(train, TRAIN_FLAGS)


@app.command("fixes")
@handle_errors
def fixes(json_: JsonOption = False) -> None:
    """List the stabilisation fixes: what each does, its options with defaults, and what it cannot combine with."""
    show({"fixes": describe_fixes()}, json_, lambda described: fixes_lines(described["fixes"]))


gan_eval.register(app)
gan_bench.register(app)
