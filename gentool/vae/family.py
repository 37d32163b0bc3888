"""The VAE as a family of the shared run path (gentool.runtime.runs): its config, data and trainer. One family, two
model kinds chosen by `dataset`: the hierarchical drum VAE (drums) and the convolutional letter VAE (fonts)."""

from __future__ import annotations

from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family
from gentool.vae.config import VaeConfig, read_saved_vae_config, resolve_vae_config, vae_config_dict
from gentool.vae.letter_train import LetterData, LetterVaeTrainer, load_letter_data
from gentool.vae.report import letter_outcome_lines, outcome_lines
from gentool.vae.train import CHECKPOINT_KIND, DrumData, VaeTrainer, load_drum_data


def load_data(config: VaeConfig, ctx: RunContext) -> DrumData | LetterData:
    return load_letter_data(config, ctx) if config.on_letters else load_drum_data(config, ctx)


def make_trainer(config: VaeConfig, data: DrumData | LetterData, run: RunDir,
                 ctx: RunContext) -> VaeTrainer | LetterVaeTrainer:
    if config.on_letters:
        return LetterVaeTrainer(config=config, data=data, run=run, ctx=ctx)
    return VaeTrainer(config=config, data=data, run=run, ctx=ctx)


def run_name(config: VaeConfig, preset: str) -> str:
    return f"vae-fonts-{preset}" if config.on_letters else f"vae-{preset}"


def describe(config: VaeConfig, preset: str) -> str:
    if config.on_letters:
        conditional = ", conditional" if config.model.conditional else ""
        return (f"letters, preset {preset}, z {config.model.z_dim}{conditional}, anneal {config.anneal.schedule}, "
                f"free bits {config.free_bits.z}, seed {config.seed}")
    return (f"preset {preset}, anneal {config.anneal.schedule}, free bits {config.free_bits.high}/"
            f"{config.free_bits.low}, seed {config.seed}")


def any_outcome_lines(summary: dict) -> list[str]:
    letters = (summary.get("dataset") or {}).get("name") == "fonts"
    return letter_outcome_lines(summary) if letters else outcome_lines(summary)


VAE = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="default", resolve_config=resolve_vae_config,
    read_config=read_saved_vae_config, config_dict=vae_config_dict, load_data=load_data, make_trainer=make_trainer,
    run_name=run_name, describe=describe, outcome_lines=any_outcome_lines))
