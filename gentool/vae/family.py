"""The drum VAE as a family of the shared run path (gentool.runtime.runs): its config, data and trainer."""

from __future__ import annotations

from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family
from gentool.vae.config import VaeConfig, build_vae_config, resolve_vae_config, vae_config_dict
from gentool.vae.report import outcome_lines
from gentool.vae.train import CHECKPOINT_KIND, DrumData, VaeTrainer, load_drum_data


def make_trainer(config: VaeConfig, data: DrumData, run: RunDir, ctx: RunContext) -> VaeTrainer:
    return VaeTrainer(config=config, data=data, run=run, ctx=ctx)


def describe(config: VaeConfig, preset: str) -> str:
    return (f"preset {preset}, anneal {config.anneal.schedule}, free bits {config.free_bits.high}/"
            f"{config.free_bits.low}, seed {config.seed}")


VAE = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="default", resolve_config=resolve_vae_config, read_config=build_vae_config,
    config_dict=vae_config_dict, load_data=load_drum_data, make_trainer=make_trainer,
    run_name=lambda config, preset: f"vae-{preset}", describe=describe, outcome_lines=outcome_lines))
