"""`gentool seq2seq ...`: recurrent encoder-decoders on arithmetic: train (text2text, image2text, text2image),
eval (accuracy tables), predict (one answer)."""

from typing import Annotated

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import context_for, handle_errors, run_command, show
from gentool.cli.options import (
    BestOption,
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
    run_option,
    seed_option,
)
from gentool.config import did_you_mean
from gentool.errors import UsageError
from gentool.seq2seq.config import TASKS, Seq2SeqConfig

app = Commands()
flags = ConfigFlags(Seq2SeqConfig)
run_settings = ConfigFlags(Seq2SeqConfig, source="the run's")

RunOption = run_option("a seq2seq")
BeamOption = Annotated[int, typer.Option(min=1, max=64, help="Beam width (1 = greedy; text answers only).")]


@app.command("train")
@handle_errors
def train(
    task: flags("task", note="it also picks the preset of that name unless --preset is given") = None,
    train_fraction: flags("expressions.train_fraction") = None,
    preset: preset_option("seq2seq", "the task's") = None,
    config: ConfigOption = None,
    cell: flags("model.cell") = None,
    hidden: flags("model.hidden") = None,
    epochs: flags("train.epochs", on_resume=True) = None,
    batch_size: flags("train.batch_size") = None,
    lr: flags("optim.lr") = None,
    seed: flags("seed") = None,
    device: flags("device", on_resume=True, envvar="GENTOOL_DEVICE") = None,
    tensorboard: flags("logging.tensorboard") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/seq2seq-TASK-fFRACTION-CELL-TIME") = None,
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
    from gentool.seq2seq.family import SEQ2SEQ

    if task is not None and task not in TASKS:
        raise UsageError(f"--task '{task}' is not a task{did_you_mean(task, TASKS)}; choose {', '.join(TASKS)}")
    run_command(SEQ2SEQ, train, {**locals(), "preset": preset or (task if resume is None else None)})


@app.command("eval")
@handle_errors
def eval_(
    run: RunOption = None,
    best: BestOption = False,
    beam: BeamOption = 1,
    seed: run_settings("evaluation.seed") = None,
    out_file: out_option("Where eval.json goes.", "the run's folder") = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Answer every held-out and training expression: exact-match and per-character accuracy beside baselines,
    accuracy by operator and answer length, and the answer-length confusion."""
    from gentool.seq2seq import measure
    from gentool.seq2seq.trained import open_trained
    from gentool.views.seq2seq import eval_view

    ctx = context_for(device, quiet, data_dir)
    show(measure.evaluate(open_trained(ctx, run, best), ctx, beam=beam, seed=seed, out=out_file), json_, eval_view)


@app.command("predict")
@handle_errors
def predict(
    expression: Annotated[str, typer.Argument(
        metavar="EXPRESSION", help="Like 81-17: two whole numbers joined by + or -.")],
    run: RunOption = None,
    best: BestOption = False,
    beam: BeamOption = 1,
    seed: seed_option("Which held-out glyphs draw an image input.") = 0,
    out_file: out_option("The PNG strip of an image task.", "RUN/predictions/") = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """One expression's answer (first line of the output); image tasks write a PNG strip of the glyphs read or
    drawn and print its path."""
    from gentool.seq2seq import measure
    from gentool.seq2seq.trained import open_trained
    from gentool.views.seq2seq import predict_lines

    ctx = context_for(device, quiet, data_dir)
    show(measure.predict(open_trained(ctx, run, best), ctx, expression, beam=beam, seed=seed, out=out_file), json_,
         predict_lines)
