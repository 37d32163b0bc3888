"""The one path from a resolved config to a finished run, for every family.

A family (GAN, VAE, ...) registers what differs: how its config is resolved and read back, what data it loads,
which trainer it builds, and how it names and describes a run. `start_run` and `resume_run` do the rest the same
way for all of them: decide the device once, load and check the data before any folder exists, create or open
the run folder, train to the end, write summary.json. Every `train` command and the benchmark go through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from gentool.config import load_yaml_file
from gentool.errors import UsageError
from gentool.runtime.context import RunContext
from gentool.runtime.device import describe_device
from gentool.runtime.rundir import RunDir, open_run
from gentool.runtime.tensorboard import require_tensorboard


class Runner(Protocol):
    """What a family's trainer offers the run path (gentool.runtime.trainer.EpochTrainer is one)."""

    epoch: int

    def resume_from_last(self) -> "Runner": ...

    def run_to_end(self, preset: str | None = None, command: str | None = None) -> Any: ...


@dataclass(frozen=True)
class Family:
    name: str  # the CLI group, the checkpoint kind and summary.json's "kind": "gan", "vae"
    default_preset: str
    resolve_config: Callable[..., Any]  # (preset, config_file, flags, assignments) -> config
    read_config: Callable[[dict], Any]  # a run's config.yaml mapping -> config
    config_dict: Callable[[Any], dict]
    load_data: Callable[[Any, RunContext], Any]  # (config, ctx) -> what the trainer needs; fails on unusable data
    make_trainer: Callable[..., Runner]  # (config, data, run, ctx) -> a trainer at epoch 0
    run_name: Callable[[Any, str], str]  # (config, preset) -> default run folder name
    describe: Callable[[Any, str], str]  # (config, preset) -> what the start line says about the run
    outcome_lines: Callable[[dict], list[str]]  # a finished run's summary -> the lines `train` prints about it
    resumable: bool = True  # False: runs of seconds that keep no checkpoints (EM, MCMC, VI)
    verb: str = "training"  # the start line: "training runs/x on cpu (...)"
    command: str = "train"  # the command that makes its runs: gentool NAME COMMAND


FAMILIES: dict[str, Family] = {}


def register_family(family: Family) -> Family:
    FAMILIES[family.name] = family
    return family


@dataclass
class OneShot:
    """The trainer of a family whose core entry does a whole run in seconds and keeps no checkpoint:
    `run_core(config, run, ctx, preset, command)` returns the TrainOutcome. Ctrl-C ends it as "interrupted" with
    the result so far; there is nothing to resume."""

    run_core: Callable[..., Any]
    config: Any
    run: RunDir
    ctx: RunContext
    epoch: int = 0

    def resume_from_last(self) -> "OneShot":
        raise UsageError("this run keeps no checkpoint, so there is nothing to resume")

    def run_to_end(self, preset: str | None = None, command: str | None = None) -> Any:
        return self.run_core(self.config, self.run, self.ctx, preset, command)


def one_shot(run_core: Callable[..., Any]) -> Callable[..., OneShot]:
    """The make_trainer of a family (or task) whose `run_core` does a whole run (see OneShot)."""
    return lambda config, data, run, ctx: OneShot(run_core, config, run, ctx)


def no_data(config: Any, ctx: RunContext) -> None:
    """The load_data of a one-shot family: its data are checked while its config is resolved."""
    return None


def one_shot_family(*, name: str, resolve_config: Callable[..., Any], read_config: Callable[[dict], Any],
                    config_dict: Callable[[Any], dict], run_core: Callable[..., Any],
                    outcome_lines: Callable[[dict], list[str]], verb: str, command: str) -> Family:
    """A family without checkpoints (see OneShot)."""
    return register_family(Family(
        name=name, default_preset="default", resolve_config=resolve_config, read_config=read_config,
        config_dict=config_dict, load_data=no_data, make_trainer=one_shot(run_core),
        run_name=lambda config, preset: f"{name}-{preset}",
        describe=lambda config, preset: f"preset {preset}, seed {config.seed}", outcome_lines=outcome_lines,
        resumable=False, verb=verb, command=command))


def read_run_config(run: RunDir, family: Family) -> Any:
    return family.read_config(load_yaml_file(run.config_path))


def where(trainer, ctx: RunContext) -> str:
    """The device, and the arithmetic where the family has a choice ("cpu, bf16"): `auto` differs by machine."""
    precision = getattr(trainer, "precision", None)
    return describe_device(ctx.device) + (f", {precision}" if precision else "")


def start_run(family: Family, config: Any, ctx: RunContext, *, out: str | Path | None = None,
              preset: str | None = None, command: str | None = None) -> Any:
    """Train a new run of `config` into `out` (default: runs/<name>-<time>); returns the TrainOutcome."""
    preset = preset or family.default_preset
    require_tensorboard(family.config_dict(config))
    ctx.decide_device(config.device)
    data = family.load_data(config, ctx)  # a dataset too small for a batch fails here, before a folder exists
    run = RunDir.create(out, family.run_name(config, preset))
    with run.locked():
        run.write_config(family.config_dict(config))
        trainer = family.make_trainer(config, data, run, ctx)
        ctx.reporter.info(f"{family.verb} {run.path} on {where(trainer, ctx)} ({family.describe(config, preset)})")
        return trainer.run_to_end(preset, command)


def resume_run(family: Family, path: str | Path, ctx: RunContext, *, epochs: int | None = None,
               command: str | None = None) -> Any:
    """Continue a run from its last checkpoint with its own config (a new epoch total and device if given)."""
    if not family.resumable:
        raise UsageError(f"{family.name} runs take seconds and keep no checkpoints, so there is nothing to resume; "
                         f"start a new run (pass the old run's config.yaml with --config to repeat it)")
    run = open_run(path, family.name, what="--resume")
    with run.locked():  # nothing is read for the resume until no other process writes into the run
        return _resume_locked(family, run, ctx, epochs, command)


def _resume_locked(family: Family, run: RunDir, ctx: RunContext, epochs: int | None, command: str | None) -> Any:
    run.remove_stale_temporaries()  # left by a writer killed mid-write; we hold the lock, so none is live
    config = read_run_config(run, family)
    if epochs is not None:
        if epochs < 1:
            raise UsageError(f"--epochs must be >= 1, got {epochs}")
        config.train.epochs = epochs
    if ctx.requested_device is not None:
        config.device = ctx.requested_device
    require_tensorboard(family.config_dict(config))
    ctx.decide_device(config.device)
    data = family.load_data(config, ctx)
    trainer = family.make_trainer(config, data, run, ctx)
    if run.last_checkpoint.is_file():
        trainer.resume_from_last()
    else:  # killed before its first checkpoint: the run starts again, as the same seed would start it anyway
        run.keep_metrics(lambda record: False)
    ctx.reporter.info(f"resuming {run.path} at epoch {trainer.epoch}/{config.train.epochs} on {where(trainer, ctx)}")
    return trainer.run_to_end(run.previous_preset(), command)
