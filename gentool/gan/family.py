"""The GAN as a family of the shared run path (gentool.runtime.runs): its config, data (a task) and trainer."""

from __future__ import annotations

from gentool.gan.config import GanConfig, gan_config_dict, read_saved_gan_config, resolve_gan_config
from gentool.gan.report import outcome_lines
from gentool.gan.tasks import GanTask, load_task
from gentool.gan.train import CHECKPOINT_KIND, GanTrainer
from gentool.presets import available_presets, load_preset
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family


def load_checked_task(config: GanConfig, ctx: RunContext) -> GanTask:
    task = load_task(config, ctx)
    task.batches_per_epoch()  # a batch larger than the data fails before a run folder is made
    return task


def make_trainer(config: GanConfig, task: GanTask, run: RunDir, ctx: RunContext) -> GanTrainer:
    return GanTrainer(config=config, task=task, run=run, ctx=ctx)


def run_name(config: GanConfig, preset: str) -> str:
    """gan-PRESET[-DATASET][-FIX...]: the fixes are named when they are not the preset's own."""
    preset_fixes = load_preset("gan", preset).get("fixes") or [] if preset in available_presets("gan") else None
    named = [] if config.fixes == preset_fixes else config.fixes
    return (f"gan-{preset}" + ("" if config.dataset == "fonts" else f"-{config.dataset}")
            + "".join(f"-{fix}" for fix in named))


def describe(config: GanConfig, preset: str) -> str:
    return f"dataset {config.dataset}, preset {preset}, fixes: {', '.join(config.fixes) or 'none'}, seed {config.seed}"


GAN = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="vanilla", resolve_config=resolve_gan_config,
    read_config=read_saved_gan_config, config_dict=gan_config_dict, load_data=load_checked_task,
    make_trainer=make_trainer, run_name=run_name, describe=describe, outcome_lines=outcome_lines))
