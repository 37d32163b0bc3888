"""The GAN as a family of the shared run path (gentool.runtime.runs): its config, data (a task) and trainer, and
what `gan train` prints about a finished run (its letter figures and coverage are drawn by
gentool.evaluate.letter_figures, shared with the letter VAE)."""

from __future__ import annotations

from pathlib import Path

from gentool.gan.config import GanConfig, gan_config_dict, read_saved_gan_config, resolve_gan_config
from gentool.gan.fixes.registry import FIXES
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


def outcome_lines(summary: dict) -> list[str]:
    """What `gan train` prints about a finished run, from its summary."""
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
    noise = summary.get("evaluation") or {}
    decay = summary.get("weight_average")
    averaged = f", the generator's weight average (decay {decay})" if decay else ""
    measured = f" ({noise.get('samples')} samples, noise seed {noise.get('seed')}{averaged})"
    if final.get("modes_captured") is not None:
        kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
        lines.append(f"modes: {final['modes_captured']}/{len(final['mode_counts'])} captured, "
                     f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}{measured}; "
                     f"best epoch {summary['best']['epoch']}")
    if final.get("letters_covered") is not None:
        missing = "".join(final["missing"]) or "none"
        entropy = "n/a" if final["entropy"] is None else final["entropy"]  # no confident letter: no histogram
        lines.append(f"coverage: {final['letters_covered']}/26 letters (missing: {missing}), entropy "
                     f"{entropy}, letter FID {final['letter_fid']:.1f}{measured}; best epoch "
                     f"{summary['best']['epoch']}, collapse onset: {summary['collapse_onset_epoch'] or 'none'}")
    for name in summary.get("fixes", []):
        if name in FIXES:
            lines += FIXES[name].outcome_lines(summary)
    if summary["samples"]:
        lines.append(f"samples: {Path(summary['run']) / 'samples' / summary['samples'][-1]}")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


GAN = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="vanilla", resolve_config=resolve_gan_config,
    read_config=read_saved_gan_config, config_dict=gan_config_dict, load_data=load_checked_task,
    make_trainer=make_trainer, run_name=run_name, describe=describe, outcome_lines=outcome_lines))
