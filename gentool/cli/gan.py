"""`gentool gan ...`: train the font GAN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli import gan_bench, gan_eval
from gentool.cli.common import (ConfigOption, DataDirOption, DeviceOption, EpochsOption, FontsDirOption, JsonOption,
                                QuietOption, ResumeOption, SetOption, TrainSeedOption,
                                command_line, handle_errors, open_for_resume, out, print_json, report_outcome,
                                reporter_for, stop_on_ctrl_c)
from gentool.gan.config import DATASETS, resolve_gan_config
from gentool.gan.fixes import FIXES, describe_fixes
from gentool.gan.tasks import load_task
from gentool.gan.train import new_trainer, read_run_config, resumed_trainer
from gentool.presets import available_presets
from gentool.runtime.device import describe_device, resolve_device
from gentool.runtime.rundir import RunDir
from gentool.runtime.trainer import StopRequest

app = typer.Typer(help="GANs on letters A-Z and on 2-D mixtures (ring8, grid25): train with fixes against mode "
                       "collapse, measure coverage, benchmark the fixes.",
                  no_args_is_help=True)


@app.command("train")
@handle_errors
def train(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('gan'))} (default: vanilla).")] = None,
    config: ConfigOption = None,
    dataset: Annotated[Optional[str], typer.Option(
        help=f"What to learn: {', '.join(DATASETS)} (ring8/grid25: 2-D Gaussian mixtures with MLP models).")] = None,
    fix: Annotated[Optional[list[str]], typer.Option(
        "--fix", help=f"Stabilisation fix (repeatable; replaces the preset's list): {', '.join(sorted(FIXES))}.")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Images per batch.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate for G and D.")] = None,
    seed: TrainSeedOption = None,
    conditional: Annotated[Optional[bool], typer.Option(
        "--conditional/--unconditional", help="Condition G and D on the letter.")] = None,
    eval_every: Annotated[Optional[int], typer.Option(
        help="Measure letter coverage every N epochs and at the last (0 = never).")] = None,
    device: DeviceOption = None,
    fonts_dir: FontsDirOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Run folder (default: runs/gan-PRESET-TIME).")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train a GAN (letters: DCGAN; ring8/grid25: MLPs) and write a run folder (config, metrics, checkpoints,
    samples, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    Ctrl-C saves a checkpoint and exits 130; --resume RUN continues it.
    """
    reporter = reporter_for(quiet)
    stop = StopRequest()
    if resume is not None:
        given = {"--preset": preset, "--config": config, "--dataset": dataset, "--fix": fix,
                 "--batch-size": batch_size, "--lr": lr,
                 "--seed": seed, "--conditional": conditional, "--eval-every": eval_every, "--fonts-dir": fonts_dir,
                 "--set": set_, "--out": out_dir}
        run, run_config, torch_device = open_for_resume(resume, read_run_config, given, epochs, device)
        task = load_task(run_config, data_dir, torch_device, reporter)
        trainer = resumed_trainer(run, run_config, task, torch_device, reporter, stop)
        reporter.info(f"resuming {run.path} at epoch {trainer.epoch}/{run_config.train.epochs} "
                      f"on {describe_device(torch_device)}")
        preset = run.previous_preset()
    else:
        preset = preset or "vanilla"
        flags = {"dataset": dataset, "fixes": fix, "train.epochs": epochs, "train.batch_size": batch_size,
                 "optim.lr": lr, "seed": seed,
                 "model.conditional": conditional, "evaluation.every": eval_every, "device": device,
                 "data.fonts_dirs": [str(p.resolve()) for p in fonts_dir] if fonts_dir else None}
        run_config = resolve_gan_config(preset, str(config) if config else None, flags, set_)
        torch_device = resolve_device(run_config.device)
        task = load_task(run_config, data_dir, torch_device, reporter)
        task.batches_per_epoch()  # fail on a batch larger than the data before making a folder
        name = (f"gan-{preset}" + ("" if run_config.dataset == "fonts" else f"-{run_config.dataset}")
                + ("".join(f"-{f}" for f in fix) if fix else ""))
        run = RunDir.create(out_dir, name)
        trainer = new_trainer(run_config, run, task, torch_device, reporter, stop)
        reporter.info(f"training {run.path} on {describe_device(torch_device)} (dataset {run_config.dataset}, "
                      f"preset {preset}, fixes: {', '.join(run_config.fixes) or 'none'}, seed {run_config.seed})")
    with stop_on_ctrl_c(stop):
        outcome = trainer.run_to_end(preset, command_line())
    report_outcome(outcome.summary, outcome.status, json_, _report_lines(outcome.summary), "gan")


@app.command("fixes")
@handle_errors
def fixes(json_: JsonOption = False) -> None:
    """List the stabilisation fixes: what each does, its options with defaults, and what it cannot combine with."""
    described = describe_fixes()
    if json_:
        print_json({"fixes": described})
        return
    for fix in described:
        options = ", ".join(f"{key}={value}" for key, value in fix["options"].items()) or "none"
        out.print(f"[bold]{fix['name']}[/bold]: {fix['summary']}")
        out.print(f"    options (fix_options.{fix['name']}.*): {options}; preset: --preset {fix['name']}")
        if fix["incompatible"]:
            out.print(f"    cannot be combined with: {', '.join(fix['incompatible'])}")


def _report_lines(summary: dict) -> list[str]:
    final = summary.get("final") or {}
    if not final:
        return []
    if "d_real" in final:
        judged = f"D(x) {final['d_real']:.3f}  D(G(z)) {final['d_fake']:.3f}"
    else:  # Wasserstein critic: scores, not probabilities
        judged = f"critic gap {final['critic_gap']:.3f}"
    rate = "img/s" if "images_per_s" in final else "points/s"
    lines = [f"last epoch: loss_d {final['loss_d']:.3f}  loss_g {final['loss_g']:.3f}  {judged}  "
             f"{final.get('images_per_s', final.get('points_per_s')):.0f} {rate}"]
    if final.get("modes_captured") is not None:
        kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
        lines.append(f"modes: {final['modes_captured']}/{len(final['mode_counts'])} captured, "
                     f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}; "
                     f"best epoch {summary['best']['epoch']}")
    if final.get("letters_covered") is not None:
        missing = "".join(final["missing"]) or "none"
        lines.append(f"coverage: {final['letters_covered']}/26 letters (missing: {missing}), entropy "
                     f"{final['entropy']}, letter FID {final['letter_fid']:.1f}; best epoch {summary['best']['epoch']}, "
                     f"collapse onset: {summary['collapse_onset_epoch'] or 'none'}")
    if summary["samples"]:
        lines.append(f"samples: {Path(summary['run']) / 'samples' / summary['samples'][-1]}")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


gan_eval.register(app)
gan_bench.register(app)
