"""`gentool vae ...`: the hierarchical drum VAE: train, analyze posterior collapse, sample a style."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from gentool.cli import vae_creative
from gentool.cli.vae_common import RunOption, load_run
from gentool.cli.common import (ConfigOption, DataDirOption, DeviceOption, EpochsOption, JsonOption, QuietOption,
                                ResumeOption, SetOption, TrainSeedOption, command_line,
                                handle_errors, open_for_resume, out, print_json, report_outcome,
                                reporter_for, stop_on_ctrl_c)
from gentool.datasets.drums import load_drum_dataset
from gentool.evaluate.genres import load_genre_classifier
from gentool.presets import available_presets
from gentool.runtime.device import describe_device, resolve_device
from gentool.runtime.rundir import RunDir
from gentool.runtime.trainer import StopRequest
from gentool.vae.config import resolve_vae_config
from gentool.vae.report import analyze_run
from gentool.vae.train import batches_per_epoch, new_trainer, read_run_config, resumed_trainer

app = typer.Typer(help="Hierarchical drum VAE: train with KL annealing and free bits, see which latents are alive, "
                       "sample genres.", no_args_is_help=True)



@app.command("train")
@handle_errors
def train(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('vae'))} (default: default).")] = None,
    config: ConfigOption = None,
    anneal: Annotated[Optional[str], typer.Option(help="KL weight schedule: none, linear, sigmoid, cyclical.")] = None,
    free_bits: Annotated[Optional[float], typer.Option(
        help="Free nats per latent dimension, both levels (per dimension, never on the sum).")] = None,
    epochs: EpochsOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Bars per batch.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Run folder (default: runs/vae-PRESET-TIME).")] = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train the two-level drum VAE and write a run folder; every epoch records reconstruction, KL per level and
    dimension, beta, active units, mutual information, and the validity, diversity and genre accuracy of samples.

    Config precedence: preset < --config FILE < named flags < --set key=value. Ctrl-C saves and exits 130.
    """
    reporter = reporter_for(quiet)
    stop = StopRequest()
    if resume is not None:
        given = {"--preset": preset, "--config": config, "--anneal": anneal, "--free-bits": free_bits,
                 "--batch-size": batch_size, "--lr": lr, "--seed": seed, "--set": set_, "--out": out_dir}
        run, run_config, torch_device = open_for_resume(resume, read_run_config, given, epochs, device)
        dataset = load_drum_dataset(run_config.data, data_dir, reporter=reporter)
        classifier = load_genre_classifier(dataset, data_dir, settings=run_config.evaluation.classifier)
        trainer = resumed_trainer(run, run_config, dataset, torch_device, classifier, reporter, stop)
        reporter.info(f"resuming {run.path} at epoch {trainer.epoch}/{run_config.train.epochs} "
                      f"on {describe_device(torch_device)}")
        preset = run.previous_preset()
    else:
        preset = preset or "default"
        flags = {"anneal.schedule": anneal, "free_bits.high": free_bits, "free_bits.low": free_bits,
                 "train.epochs": epochs, "train.batch_size": batch_size, "optim.lr": lr, "seed": seed,
                 "device": device}
        run_config = resolve_vae_config(preset, str(config) if config else None, flags, set_)
        torch_device = resolve_device(run_config.device)
        dataset = load_drum_dataset(run_config.data, data_dir, reporter=reporter)
        batches_per_epoch(run_config, dataset)  # fail on a batch larger than the data before making a folder
        classifier = load_genre_classifier(dataset, data_dir, settings=run_config.evaluation.classifier)
        run = RunDir.create(out_dir, f"vae-{preset}")
        trainer = new_trainer(run_config, run, dataset, torch_device, classifier, reporter, stop)
        reporter.info(f"training {run.path} on {describe_device(torch_device)} (preset {preset}, anneal "
                      f"{run_config.anneal.schedule}, free bits {run_config.free_bits.high}/{run_config.free_bits.low}, "
                      f"seed {run_config.seed})")
    with stop_on_ctrl_c(stop):
        outcome = trainer.run_to_end(preset, command_line())
    report_outcome(outcome.summary, outcome.status, json_, _report_lines(outcome.summary), "vae")


def _report_lines(summary: dict) -> list[str]:
    final = summary.get("final") or {}
    if not final:
        return []
    return [f"held out: recon {final['val_recon']:.2f} nats/bar, hit F1 {final['hit_f1']:.3f}, "
            f"KL z_high {final['val_kl_high']:.2f}, KL z_low {final['val_kl_low']:.2f}",
            f"active units: z_high {final['active_high']}/{len(final['kl_high_dims'])}, z_low "
            f"{final['active_low']}/{len(final['kl_low_dims'])}; collapsed z_high dims: "
            f"{summary['collapsed_high'] or 'none'}",
            f"samples: validity {final['sample_validity']:.3f}, diversity {final['sample_diversity']:.3f}, "
            f"genre accuracy {final['sample_genre_accuracy']:.3f}"]


@app.command("analyze")
@handle_errors
def analyze(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Posterior-collapse report: KL per dimension, KL over epochs with beta, z_high by genre, genre probes on
    z_high and z_low, and the latent dimensions that control density. Writes posterior_collapse.json + figures."""
    chosen, model, config, torch_device = load_run(run, device)
    dataset = load_drum_dataset(config.data, data_dir, reporter=reporter_for(quiet))
    report = analyze_run(chosen, model, config, dataset, torch_device)
    if json_:
        print_json(report)
        return
    table = Table(title=f"posterior collapse: {chosen.path} (epoch {report['epoch']}, anneal {report['anneal']})",
                  title_justify="left")
    for column in ("level", "KL (nats)", "KL per dimension", "active", "collapsed", "MI (nats)", "genre probe"):
        table.add_column(column, justify="left" if column in ("level", "KL per dimension") else "right")
    for level in ("high", "low"):
        dims = report[f"kl_{level}_dims"]
        table.add_row(f"z_{level}", f"{report[f'kl_{level}']:.2f}", " ".join(f"{v:.2f}" for v in dims),
                      f"{report[f'active_{level}']}/{len(dims)}", str(len(report[f"collapsed_{level}"])),
                      f"{report[f'mi_{level}']:.2f}", f"{report['probe_accuracy'][f'z_{level}']:.1%}")
    out.print(table)
    density = report["density"]
    level, dim = density["strongest_level"], density["strongest_dim"]
    strongest_low = max(density["correlation_low"], key=abs)
    out.print(f"density follows z_{level}[{dim}] most (correlation {density[f'correlation_{level}'][dim]:+.2f}; "
              f"strongest z_low: {strongest_low:+.2f}); expected density along its sweep: "
              f"{' '.join(f'{d:.3f}' for d in density['sweep_density'])}")
    samples = report["samples"]
    out.print(f"samples: validity {samples['sample_validity']:.3f}, genre accuracy "
              f"{samples['sample_genre_accuracy']:.3f} ({', '.join(f'{g} {a:.0%}' for g, a in samples['sample_genre_accuracy_by_genre'].items())})")
    out.print(f"wrote {chosen.path / 'posterior_collapse.json'} and {len(report['figures'])} figures in "
              f"{chosen.figures}")


vae_creative.register(app)
