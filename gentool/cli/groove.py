"""`gentool groove ...`: a learned groove: train on MIDI performances (a sub-folder per performer or genre), play a
score with a performer's feel, measure the model beside the quantised score, per-instrument means and the
hand-made feel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    DeviceOption,
    EpochsOption,
    JsonOption,
    QuietOption,
    ResumeOption,
    SetOption,
    TensorboardOption,
    TrainSeedOption,
    bind_flags,
    context_for,
    handle_errors,
    out,
    print_json,
    run_command,
    show,
)
from gentool.groove import sessions
from gentool.groove.family import GROOVE
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable, resolved_paths
from gentool.runtime.seeding import MAX_SEED
from gentool.views.groove import apply_lines, measure_markdown, measure_view

app = typer.Typer(help="A learned groove: how a drummer plays a score (velocity and micro-timing of every hit), "
                       "trained on MIDI performances and measured against the quantised score, per-instrument means "
                       "and the hand-made feel.", no_args_is_help=True)

RunOption = Annotated[Optional[Path], typer.Option(
    "--run", show_default="the newest under runs/", help="A groove run folder.")]

TRAIN_FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("midi_dir", "--midi-dir", ("data.midi_dirs",), convert=resolved_paths),
    Flag("epochs", "--epochs", ("train.epochs",), on_resume=True),
    Flag("batch_size", "--batch-size", ("train.batch_size",)), Flag("lr", "--lr", ("optim.lr",)),
    Flag("hidden", "--hidden", ("model.hidden",)), Flag("seed", "--seed", ("seed",)),
    Flag("device", "--device", ("device",), on_resume=True),
    Flag("tensorboard", "--tensorboard", ("logging.tensorboard",)))


@app.command("train")
@handle_errors
def train(
    midi_dir: Annotated[Optional[list[Path]], typer.Option(
        "--midi-dir", help="Folder of drum MIDI performances, one sub-folder per performer or genre (repeatable; "
                           "`gentool data performances --out DIR` writes synthetic ones).")] = None,
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", show_default="default", help=f"Starting config: {', '.join(available_presets('groove'))}.")
    ] = None,
    config: ConfigOption = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Bars per update.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    hidden: Annotated[Optional[int], typer.Option(help="GRU units each way over a bar's 16 steps.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    tensorboard: TensorboardOption = False,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/groove-PRESET-TIME", help="Run folder.")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Learn how each performer plays: the velocity and micro-timing of every hit from the quantised score, the
    performer and the tempo. A finished run is measured on its held-out files beside the baselines
    (groove_measure.json).

    Config precedence: preset < --config FILE < named flags < --set key=value. Ctrl-C saves and exits 130.
    """
    run_command(GROOVE, TRAIN_FLAGS, locals())


bind_flags(train, TRAIN_FLAGS)


@app.command("apply")
@handle_errors
def apply(
    input_: Annotated[Path, typer.Option("--input", help="The score: a drum .mid or .npy pattern (its hits are "
                                                         "kept; velocities and timing are replaced).")],
    performer: Annotated[Optional[str], typer.Option(
        show_default="the run's only performer", help="Which of the run's performers plays it.")] = None,
    variations: Annotated[int, typer.Option(min=1, max=100, help="Performances to write.")] = 1,
    temperature: Annotated[float, typer.Option(
        min=0.0, max=10.0, help="Spread of the drawn performance (0 = the model's best guess, 1 = as learned).")
    ] = 1.0,
    bpm: Annotated[Optional[float], typer.Option(
        min=20.0, max=400.0, show_default="the input file's tempo (110 for a .npy)", help="Tempo of the output.")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed: the same seed gives the same files.")] = 0,
    run: RunOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="a folder in the run's samples/", help="Output folder.")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Play a score with a learned performer's feel: MIDI, WAV and piano roll of each performance and of the
    score, at the input's tempo, with the swing, pushes and micro-timing each performance has."""
    result = sessions.apply(context_for(device, quiet, data_dir), run, out_dir, input_=input_, performer=performer,
                            variations=variations, temperature=temperature, bpm=bpm, seed=seed)
    show(result, json_, apply_lines)


@app.command("measure")
@handle_errors
def measure(
    run: RunOption = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print every performer's rows as one Markdown "
                                                              "table.")] = False,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Measure a groove run on its held-out performances beside the baselines: timing MAE (ms) and velocity MAE,
    swing, pushes, micro-timing per instrument, overlapping areas. Rewrites the run's groove_measure.json."""
    report = sessions.measure(context_for(device, quiet, data_dir), run)
    if json_:
        print_json(report)
    elif markdown:
        out.print(measure_markdown(report))
    else:
        show(report, False, measure_view)
