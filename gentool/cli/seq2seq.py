"""`gentool seq2seq ...`: recurrent encoder-decoders on arithmetic: train (text2text, image2text, text2image),
eval (accuracy tables), predict (one answer)."""

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
    run_command,
    show,
)
from gentool.config import did_you_mean
from gentool.errors import UsageError
from gentool.presets import available_presets
from gentool.runtime.flags import Flag, FlagTable
from gentool.runtime.seeding import MAX_SEED
from gentool.seq2seq import measure
from gentool.seq2seq.config import TASKS
from gentool.seq2seq.family import SEQ2SEQ
from gentool.seq2seq.trained import open_trained
from gentool.views.seq2seq import eval_view, predict_lines

app = typer.Typer(help="Sequence to sequence on arithmetic: read '57+8' as text or as glyph images and write the "
                       "answer, or draw it as glyphs; accuracy on held-out expressions.", no_args_is_help=True)

RunOption = Annotated[Optional[Path], typer.Option(
    "--run", help="A seq2seq run folder (default: the newest under runs/).")]
BestOption = Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")]
BeamOption = Annotated[int, typer.Option(min=1, max=64, help="Beam width (1 = greedy; text answers only).")]

TRAIN_FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("task", "--task", ("task",)), Flag("train_fraction", "--train-fraction", ("expressions.train_fraction",)),
    Flag("cell", "--cell", ("model.cell",)), Flag("hidden", "--hidden", ("model.hidden",)),
    Flag("epochs", "--epochs", ("train.epochs",), on_resume=True),
    Flag("batch_size", "--batch-size", ("train.batch_size",)), Flag("lr", "--lr", ("optim.lr",)),
    Flag("seed", "--seed", ("seed",)), Flag("device", "--device", ("device",), on_resume=True),
    Flag("tensorboard", "--tensorboard", ("logging.tensorboard",)))


@app.command("train")
@handle_errors
def train(
    task: Annotated[Optional[str], typer.Option(
        help=f"{', '.join(TASKS)}; also picks the preset of that name unless --preset is given.",
        show_default="text2text")] = None,
    train_fraction: Annotated[Optional[float], typer.Option(
        "--train-fraction", help="Share of all expressions trained on; the rest are held out.")] = None,
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('seq2seq'))} (default: the task's).")
    ] = None,
    config: ConfigOption = None,
    cell: Annotated[Optional[str], typer.Option(help="gru or lstm.")] = None,
    hidden: Annotated[Optional[int], typer.Option(help="Recurrent state size.")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Expressions per update.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    tensorboard: TensorboardOption = False,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Run folder (default: runs/seq2seq-TASK-fFRACTION-CELL-TIME).")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train an encoder-decoder on every a+b and a-b of the training split and write a run folder (config,
    metrics, checkpoints, learning curves; image tasks: a strip of held-out glyphs read or drawn).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    Ctrl-C saves a checkpoint and exits 130; --resume RUN continues it.
    """
    if task is not None and task not in TASKS:
        raise UsageError(f"--task '{task}' is not a task{did_you_mean(task, TASKS)}; choose {', '.join(TASKS)}")
    run_command(SEQ2SEQ, TRAIN_FLAGS, {**locals(), "preset": preset or (task if resume is None else None)})


bind_flags(train, TRAIN_FLAGS)


@app.command("eval")
@handle_errors
def eval_(
    run: RunOption = None,
    best: BestOption = False,
    beam: BeamOption = 1,
    seed: Annotated[Optional[int], typer.Option(
        min=0, max=MAX_SEED, show_default="the run's evaluation.seed",
        help="Which held-out glyphs draw the image inputs.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where eval.json goes (default: the run).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Answer every held-out and training expression: exact-match and per-character accuracy beside baselines,
    accuracy by operator and answer length, and the answer-length confusion."""
    ctx = context_for(device, quiet, data_dir)
    show(measure.evaluate(open_trained(ctx, run, best), ctx, beam=beam, seed=seed, out=out), json_, eval_view)


@app.command("predict")
@handle_errors
def predict(
    expression: Annotated[str, typer.Argument(help="Like 81-17: two whole numbers joined by + or -.")],
    run: RunOption = None,
    best: BestOption = False,
    beam: BeamOption = 1,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Which held-out glyphs draw an image input.")] = 0,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="The PNG strip of an image task (default: RUN/predictions/).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """One expression's answer (first line of the output); image tasks write a PNG strip of the glyphs read or
    drawn and print its path."""
    ctx = context_for(device, quiet, data_dir)
    show(measure.predict(open_trained(ctx, run, best), ctx, expression, beam=beam, seed=seed, out=out), json_,
         predict_lines)
