"""The VAE as a family of the shared run path (gentool.runtime.tasks): one task per kind of data, picked by the
config's `dataset`. drums: the hierarchical drum VAE (gentool.vae.train, measured by posterior collapse and the
genre classifier); fonts: the convolutional letter VAE (gentool.vae.letter_train, measured like the letter GAN).
Each task also answers the two commands both kinds of run take, `vae sample` and `vae interpolate`; the other
commands take one kind (gentool.vae.sessions: drums, gentool.vae.letter_sessions: letters). Each task's
`outcome_lines` is what `vae train` prints about a finished run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gentool.config import deep_merge
from gentool.presets import given_layers, load_preset
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run
from gentool.runtime.tasks import Task, TaskSet, task_family
from gentool.vae import letter_sessions, sessions
from gentool.vae.config import DrumVaeConfig, LetterVaeConfig, read_saved_config
from gentool.vae.letter_train import LetterData, LetterVaeTrainer, load_letter_data
from gentool.vae.train import CHECKPOINT_KIND, DrumData, DrumVaeTrainer, load_drum_data
from gentool.vae.trained import run_dataset


@dataclass(frozen=True)
class VaeTask(Task):
    # the commands both kinds take: (ctx, run, out, **options) -> the result's JSON content; each takes every
    # option of the command and refuses the ones that mean nothing for its kind
    sample: Callable[..., dict]
    interpolate: Callable[..., dict]


def drum_trainer(config: DrumVaeConfig, data: DrumData, run: RunDir, ctx: RunContext) -> DrumVaeTrainer:
    return DrumVaeTrainer(config=config, data=data, run=run, ctx=ctx)


def describe_drums(config: DrumVaeConfig, preset: str) -> str:
    return (f"preset {preset}, anneal {config.anneal.schedule}, free bits {config.free_bits.high}/"
            f"{config.free_bits.low}, seed {config.seed}")


def letter_trainer(config: LetterVaeConfig, data: LetterData, run: RunDir, ctx: RunContext) -> LetterVaeTrainer:
    return LetterVaeTrainer(config=config, data=data, run=run, ctx=ctx)


def describe_letters(config: LetterVaeConfig, preset: str) -> str:
    conditional = ", conditional" if config.model.conditional else ""
    return (f"letters, preset {preset}, z {config.model.z_dim}{conditional}, anneal {config.anneal.schedule}, "
            f"free bits {config.free_bits.z}, seed {config.seed}")


def drum_outcome_lines(summary: dict) -> list[str]:
    """What `vae train` prints about a finished run, from its summary."""
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


def letter_outcome_lines(summary: dict) -> list[str]:
    """What `vae train --dataset fonts` prints about a finished run, from its summary."""
    final = summary.get("final") or {}
    if not final:
        return []
    lines = [f"held out: recon {final['val_recon']:.2f} nats/image, KL {final['val_kl']:.2f}, negative ELBO "
             f"{final['val_elbo']:.2f}; active units {final['active_units']}; best epoch "
             f"{summary['best']['epoch']}"]
    if final.get("letters_covered") is not None:
        noise = summary.get("evaluation") or {}
        missing = "".join(final["missing"]) or "none"
        lines.append(f"samples: {final['letters_covered']}/26 letters (missing: {missing}), entropy "
                     f"{final['entropy']}, letter FID {final['letter_fid']:.1f}, recognisable "
                     f"{final['confident_share']:.3f}, sharpness {final['sharpness']:.4f} ({noise.get('samples')} "
                     f"samples, noise seed {noise.get('seed')})")
    if summary.get("samples"):
        lines.append(f"samples: {Path(summary['run']) / 'samples' / summary['samples'][-1]}")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


DRUMS = VaeTask(
    values=("drums",), config_class=DrumVaeConfig, load_data=load_drum_data, make_trainer=drum_trainer,
    run_name=lambda config, preset: f"vae-{preset}", describe=describe_drums, outcome_lines=drum_outcome_lines,
    sample=sessions.sample, interpolate=sessions.interpolate)
LETTERS = VaeTask(
    values=("fonts",), config_class=LetterVaeConfig, load_data=load_letter_data, make_trainer=letter_trainer,
    run_name=lambda config, preset: f"vae-fonts-{preset}", describe=describe_letters,
    outcome_lines=letter_outcome_lines, sample=letter_sessions.sample, interpolate=letter_sessions.interpolate)
VAE_TASKS = TaskSet((DRUMS, LETTERS))


def resolve_vae_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> DrumVaeConfig | LetterVaeConfig:
    """preset < dataset regime < --config FILE < named flags (dotted keys) < --set key=value.

    A preset sets the KL schedule and free bits; the dataset's regime (presets/vae/datasets/<dataset>.yaml) the
    model's size, epochs and batch, over the preset because a letter epoch holds 20 times as many examples as a
    drum one; what the user gives goes over both."""
    base, given = load_preset("vae", preset), given_layers(config_file, flags, assignments)
    dataset = VAE_TASKS.value_of(deep_merge(base, given))
    return VAE_TASKS.read_config(deep_merge(deep_merge(base, load_preset("vae/datasets", dataset)), given))


def read_saved_vae_config(data: dict) -> DrumVaeConfig | LetterVaeConfig:
    return read_saved_config(VAE_TASKS.of_dict(data).config_class, data)


VAE = task_family(name=CHECKPOINT_KIND, tasks=VAE_TASKS, resolve_config=resolve_vae_config,
                  read_config=read_saved_vae_config, default_preset="default")


def run_task(run: Path | None) -> tuple[RunDir, VaeTask]:
    """--run DIR (default: the newest VAE run) and its task."""
    chosen = pick_run(run, CHECKPOINT_KIND)
    return chosen, VAE_TASKS.pick(run_dataset(chosen))


def sample(ctx: RunContext, run: Path | None, out: Path | None, **options) -> dict:
    """`vae sample`: drum tracks of a genre, or a sheet of letters, as the run's task draws them."""
    sessions.check_sample_options(options["style"], options["n"], options["bars"])
    chosen, task = run_task(run)
    return task.sample(ctx, chosen.path, out, **options)


def interpolate(ctx: RunContext, run: Path | None, out: Path | None, **options) -> dict:
    """`vae interpolate`: a path between two genres or patterns, or between two letters, as the run's task draws
    it."""
    chosen, task = run_task(run)
    return task.interpolate(ctx, chosen.path, out, **options)
