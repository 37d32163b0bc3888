"""`gentool rbm ...`: restricted Boltzmann machines on binarised letters: train (CD-k, PCD, parallel tempering),
sample (letter coverage of Gibbs samples), likelihood (exact or AIS)."""

from pathlib import Path
from typing import Annotated

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import context_for, handle_errors, out, print_json, run_command, show
from gentool.cli.gan_eval import BaselineOption
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
    renamed,
    resolved_paths,
    run_option,
    seed_option,
)
from gentool.rbm.config import RbmConfig

app = Commands()
flags = ConfigFlags(RbmConfig)

RunOption = run_option("an RBM")
SeedOption = seed_option("Seed of the chains' noise.")


@app.command("train")
@handle_errors
def train(
    preset: preset_option("rbm", "default (CD-1)") = None,
    config: ConfigOption = None,
    hidden: flags("model.hidden") = None,
    cd: flags("train.cd_k", "--cd") = None,
    epochs: flags("train.epochs", on_resume=True) = None,
    batch_size: flags("train.batch_size") = None,
    lr: flags("optim.lr") = None,
    seed: flags("seed") = None,
    eval_every: flags("evaluation.every", "--eval-every") = None,
    device: flags("device", on_resume=True, envvar="GENTOOL_DEVICE") = None,
    tensorboard: flags("logging.tensorboard") = None,
    fonts_dir: flags("fonts.fonts_dirs", "--fonts-dir", convert=resolved_paths, metavar="<dir>") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/rbm-PRESET-METHOD-hH-TIME") = None,
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
    from gentool.rbm.family import RBM_FAMILY

    run_command(RBM_FAMILY, train, locals())


@app.command("sample", context_settings=renamed(gibbs="steps"))  # --steps per chain, as mcmc sample names it
@handle_errors
def sample(
    run: RunOption = None,
    best: BestOption = False,
    chains: Annotated[int, typer.Option(help="Independent chains from uniform noise, one sample each (100 per "
                                             "letter: 2600).")] = 2600,
    steps: Annotated[int, typer.Option(help="Gibbs steps per chain.")] = 1000,
    baseline: BaselineOption = None,
    seed: SeedOption = 0,
    out_dir: out_option("Folder for coverage.json and figures/.", "the run's folder") = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run Gibbs chains and score their samples with the letter evaluator beside baselines: letters covered,
    entropy, letter FID, recognisable share (the figures of `gan coverage`)."""
    from gentool.rbm import measure
    from gentool.rbm.trained import open_trained
    from gentool.views.rbm import sample_view

    measure.check_baselines(baseline)
    ctx = context_for(device, quiet, data_dir)
    result = measure.sample(open_trained(ctx, run, best), ctx, chains=chains, gibbs=steps, baselines=baseline,
                            seed=seed, out_dir=out_dir)
    show(result, json_, sample_view)


@app.command("likelihood")
@handle_errors
def likelihood(
    run: RunOption = None,
    best: BestOption = False,
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
    from gentool.rbm import measure
    from gentool.rbm.trained import open_trained
    from gentool.views.rbm import likelihood_lines

    ctx = context_for(device, quiet, data_dir)
    result = measure.likelihood(open_trained(ctx, run, best), ctx, ais_runs=ais_runs, ais_steps=ais_steps, seed=seed,
                                exact=False if ais else None)
    show(result, json_, likelihood_lines)


@app.command("compare")
@handle_errors
def compare(
    runs: Annotated[list[Path], typer.Argument(metavar="RUN", help="RBM run folders to compare.")],
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the methods table as Markdown.")] = False,
    json_: JsonOption = False,
) -> None:
    """Compare runs: held-out log-likelihood (after `rbm likelihood`), pseudo-likelihood, letters covered, letter
    FID and wall time; runs that share their method and H get mean ± std over seeds."""
    from gentool.rbm import measure
    from gentool.views.rbm import compare_tables

    result = measure.compare(runs)
    if json_:
        print_json(result)
        return
    tables, text = compare_tables(result)
    out(*([text] if markdown else tables))
