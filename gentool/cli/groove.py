"""`gentool groove ...`: a learned groove: train on MIDI performances (a sub-folder per performer or genre), play a
score with a performer's feel, measure the model beside the quantised score, per-instrument means and the
hand-made feel."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import context_for, handle_errors, out, print_json, run_command, show
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    ResumeOption,
    SetOption,
    out_option,
    preset_option,
    resolved_paths,
    run_option,
    seed_option,
)
from gentool.groove.config import GrooveConfig

app = Commands()
flags = ConfigFlags(GrooveConfig)

RunOption = run_option("a groove")


@app.command("train")
@handle_errors
def train(
    midi_dir: flags("drums.midi_dirs", "--midi-dir", convert=resolved_paths, metavar="<dir>",
                    note="`gentool data performances --out DIR` writes synthetic ones") = None,
    preset: preset_option("groove", "default") = None,
    config: ConfigOption = None,
    epochs: flags("train.epochs", on_resume=True) = None,
    batch_size: flags("train.batch_size") = None,
    lr: flags("optim.lr") = None,
    hidden: flags("model.hidden") = None,
    seed: flags("seed") = None,
    device: flags("device", on_resume=True, envvar="GENTOOL_DEVICE") = None,
    tensorboard: flags("logging.tensorboard") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/groove-PRESET-TIME") = None,
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
    from gentool.groove.family import GROOVE

    run_command(GROOVE, train, locals())


@app.command("apply")
@handle_errors
def apply(
    input_: Annotated[Path, typer.Option("--input", help="The score: a drum .mid or .npy pattern (its hits are "
                                                         "kept; velocities and timing are replaced).")],
    performer: Annotated[Optional[str], typer.Option(
        help="Which of the run's performers plays it.  [default: the run's only performer]")] = None,
    variations: Annotated[int, typer.Option(min=1, max=100, help="Performances to write.")] = 1,
    temperature: Annotated[float, typer.Option(
        min=0.0, max=10.0, help="Spread of the drawn performance (0 = the model's best guess, 1 = as learned).")
    ] = 1.0,
    bpm: Annotated[Optional[float], typer.Option(
        min=20.0, max=400.0, help="Tempo of the output.  [default: the input file's tempo (110 for a .npy)]")
    ] = None,
    seed: seed_option("Seed: the same seed gives the same files.") = 0,
    run: RunOption = None,
    out_dir: out_option("Output folder.", "a folder in the run's samples/") = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Play a score with a learned performer's feel: MIDI, WAV and piano roll of each performance and of the
    score, at the input's tempo, with the swing, pushes and micro-timing each performance has."""
    from gentool.groove import sessions
    from gentool.views.groove import apply_lines

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
    from gentool.groove import sessions
    from gentool.views.groove import measure_markdown, measure_view

    report = sessions.measure(context_for(device, quiet, data_dir), run)
    if json_:
        print_json(report)
    elif markdown:
        out(measure_markdown(report))
    else:
        show(report, False, measure_view)
