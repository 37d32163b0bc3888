"""`gentool rbm ...`: restricted Boltzmann machines on binarised letters: train (CD-k, PCD, parallel tempering),
sample (letter coverage of Gibbs samples), likelihood (exact or AIS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    DeviceOption,
    EpochsOption,
    FontsDirOption,
    JsonOption,
    QuietOption,
    ResumeOption,
    SetOption,
    TensorboardOption,
    TrainSeedOption,
    context_for,
    handle_errors,
    out,
    print_json,
    run_command,
    show,
)
from gentool.evaluate.coverage import BASELINES
from gentool.presets import available_presets
from gentool.rbm import measure
from gentool.rbm.family import RBM_FAMILY
from gentool.rbm.trained import open_trained
from gentool.runtime.flags import Flag, FlagTable, resolved_paths
from gentool.runtime.seeding import MAX_SEED
from gentool.views.rbm import compare_tables, likelihood_lines, sample_view

app = typer.Typer(help="Restricted Boltzmann machines on binarised letters: train with CD-k, PCD or parallel "
                       "tempering, measure the letter coverage of Gibbs samples and the likelihood.",
                  no_args_is_help=True)

RunOption = Annotated[Optional[Path], typer.Option(
    "--run", help="An RBM run folder (default: the newest under runs/).")]
SeedOption = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the chains' noise.")]

TRAIN_FLAGS = FlagTable(
    Flag("preset", "--preset"), Flag("config", "--config"), Flag("set_", "--set"), Flag("out_dir", "--out"),
    Flag("hidden", "--hidden", ("model.hidden",)), Flag("cd", "--cd", ("train.cd_k",)),
    Flag("epochs", "--epochs", ("train.epochs",), on_resume=True),
    Flag("batch_size", "--batch-size", ("train.batch_size",)), Flag("lr", "--lr", ("optim.lr",)),
    Flag("seed", "--seed", ("seed",)), Flag("eval_every", "--eval-every", ("evaluation.every",)),
    Flag("device", "--device", ("device",), on_resume=True),
    Flag("tensorboard", "--tensorboard", ("logging.tensorboard",)),
    Flag("fonts_dir", "--fonts-dir", ("fonts.fonts_dirs",), convert=resolved_paths))


@app.command("train")
@handle_errors
def train(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('rbm'))} (default: default, CD-1).")
    ] = None,
    config: ConfigOption = None,
    hidden: Annotated[Optional[int], typer.Option(help="Hidden units H (H <= 20: exact likelihood).")] = None,
    cd: Annotated[Optional[int], typer.Option(help="Gibbs steps per update: k of CD-k (PCD, PT: per update).")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Images per update (PCD/PT: also the chains).")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Learning rate.")] = None,
    seed: TrainSeedOption = None,
    eval_every: Annotated[Optional[int], typer.Option(
        help="Measure the letter coverage of Gibbs samples every N epochs and at the last (0 = never).")] = None,
    device: DeviceOption = None,
    tensorboard: TensorboardOption = False,
    fonts_dir: FontsDirOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Run folder (default: runs/rbm-PRESET-METHOD-hH-TIME).")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train a Bernoulli-Bernoulli RBM on the letters binarised (784 visible units) and write a run folder
    (config, metrics, checkpoints, samples, figures: filters, chains, dynamics, letter heatmap).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    Ctrl-C saves a checkpoint and exits 130; --resume RUN continues it.
    """
    run_command(RBM_FAMILY, TRAIN_FLAGS, locals())


TRAIN_FLAGS.bind(train)


@app.command("sample")
@handle_errors
def sample(
    run: RunOption = None,
    best: Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")] = False,
    chains: Annotated[int, typer.Option(help="Independent chains from uniform noise (100 per letter: 2600).")] = 2600,
    gibbs: Annotated[int, typer.Option(help="Gibbs steps per chain.")] = 1000,
    baseline: Annotated[Optional[list[str]], typer.Option(
        help=f"Baselines to print beside the model: {', '.join(BASELINES)} (repeatable; default: all).")] = None,
    seed: SeedOption = 0,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for coverage.json and figures/ "
                                                                  "(default: the run).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run Gibbs chains and score their samples with the letter evaluator beside baselines: letters covered,
    entropy, letter FID, recognisable share (the figures of `gan coverage`)."""
    measure.check_baselines(baseline)
    ctx = context_for(device, quiet, data_dir)
    result = measure.sample(open_trained(ctx, run, best), ctx, chains=chains, gibbs=gibbs, baselines=baseline,
                            seed=seed, out_dir=out_dir)
    show(result, json_, sample_view)


@app.command("likelihood")
@handle_errors
def likelihood(
    run: RunOption = None,
    best: Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")] = False,
    ais_runs: Annotated[int, typer.Option(help="AIS: independent annealing runs (the spread comes from them).")
                        ] = 100,
    ais_steps: Annotated[int, typer.Option(help="AIS: intermediate temperatures.")] = 10_000,
    ais: Annotated[bool, typer.Option("--ais", help="Use AIS even when H <= 20 (to check it against exact).")
                   ] = False,
    seed: SeedOption = 0,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Held-out log-likelihood in nats per image: log Z exact by enumerating the hidden states (H <= 20),
    otherwise estimated by annealed importance sampling with its spread."""
    ctx = context_for(device, quiet, data_dir)
    result = measure.likelihood(open_trained(ctx, run, best), ctx, ais_runs=ais_runs, ais_steps=ais_steps, seed=seed,
                                exact=False if ais else None)
    show(result, json_, likelihood_lines)


@app.command("compare")
@handle_errors
def compare(
    runs: Annotated[list[Path], typer.Argument(help="RBM run folders to compare.")],
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the methods table as Markdown.")] = False,
    json_: JsonOption = False,
) -> None:
    """Compare runs: held-out log-likelihood (after `rbm likelihood`), pseudo-likelihood, letters covered, letter
    FID and wall time; runs that share their method and H get mean ± std over seeds."""
    result = measure.compare(runs)
    if json_:
        print_json(result)
        return
    tables, text = compare_tables(result)
    if markdown:
        out.print(text)
        return
    for table in tables:
        out.print(table)
