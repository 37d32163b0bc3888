"""`gentool vae ...`: the hierarchical drum VAE: train, analyze posterior collapse; creative commands in
vae_creative."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli import vae_creative, vae_letters
from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    DeviceOption,
    EpochsOption,
    JsonOption,
    PrecisionOption,
    QuietOption,
    ResumeOption,
    SetOption,
    TensorboardOption,
    TrainSeedOption,
    bind_flags,
    context_for,
    handle_errors,
    run_command,
    show,
)
from gentool.cli.vae_creative import RunOption
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable, resolved_paths
from gentool.vae.family import VAE
from gentool.vae.sessions import analyze
from gentool.views.vae import analyze_view

app = typer.Typer(help="VAEs: the hierarchical drum VAE (train with KL annealing and free bits, see which latents "
                       "are alive, sample genres) and a convolutional letter VAE (--dataset fonts), measured like "
                       "the letter GAN.", no_args_is_help=True)

TRAIN_FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("anneal", "--anneal", ("anneal.schedule",)),
    Flag("free_bits", "--free-bits", ("free_bits",)),
    Flag("epochs", "--epochs", ("train.epochs",), on_resume=True),
    Flag("batch_size", "--batch-size", ("train.batch_size",)), Flag("lr", "--lr", ("optim.lr",)),
    Flag("precision", "--precision", ("train.precision",)),
    Flag("seed", "--seed", ("seed",)), Flag("device", "--device", ("device",), on_resume=True),
    Flag("dataset", "--dataset", ("dataset",)),
    Flag("tensorboard", "--tensorboard", ("logging.tensorboard",)),
    Flag("midi_dir", "--midi-dir", ("drums.midi_dirs",), convert=resolved_paths))


@app.command("train")
@handle_errors
def train(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="default",
        help=f"Starting config: {', '.join(available_presets('vae'))}.")] = None,
    config: ConfigOption = None,
    dataset: Annotated[Optional[str], typer.Option(
        show_default="drums", help="drums (the hierarchical drum VAE) or fonts (a convolutional VAE on the letters, "
                                   "measured like the letter GAN).")] = None,
    anneal: Annotated[Optional[str], typer.Option(help="KL weight schedule: none, linear, sigmoid, cyclical.")] = None,
    free_bits: Annotated[Optional[float], typer.Option(
        help="Free nats per latent dimension, both levels (per dimension, never on the sum).")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Bars per batch.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    seed: TrainSeedOption = None,
    midi_dir: Annotated[Optional[list[Path]], typer.Option(
        "--midi-dir", help="Folder of your drum MIDI files in genre sub-folders (repeatable), added to the "
                           "data (drums.midi_dirs).")] = None,
    precision: PrecisionOption = None,
    device: DeviceOption = None,
    tensorboard: TensorboardOption = False,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/vae-PRESET-TIME", help="Run folder.")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train the two-level drum VAE and write a run folder; every epoch records reconstruction, KL per level and
    dimension, beta, active units, mutual information, and the validity, diversity and genre accuracy of samples.

    Config precedence: preset < --config FILE < named flags < --set key=value. Ctrl-C saves and exits 130.
    """
    run_command(VAE, TRAIN_FLAGS, locals())


bind_flags(train, TRAIN_FLAGS)


@handle_errors
def analyze_command(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Posterior-collapse report: KL per dimension, KL over epochs with beta, z_high by genre, genre probes on
    z_high and z_low, and the latent dimensions that control density. Writes posterior_collapse.json + figures."""
    chosen, report = analyze(context_for(device, quiet, data_dir), run)
    show(report, json_, lambda shown: analyze_view(shown, chosen.path, chosen.figures))


app.command("analyze")(analyze_command)
vae_creative.register(app)
vae_letters.register(app)
