"""The VAE run config. Presets live in gentool/presets/vae/."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gentool.config import build_config, config_to_dict, option
from gentool.datasets.drums import DrumDataConfig
from gentool.evaluate.genres import GenreClassifierSettings
from gentool.presets import layered
from gentool.runtime.device import DEVICE_CHOICES, device_problems
from gentool.runtime.precision import PRECISIONS
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig


@dataclass
class VaeModelConfig:
    z_high: int = option(4, min=1, max=256, help="style latent dimensions")
    z_low: int = option(12, min=1, max=256, help="pattern latent dimensions")
    hidden: int = option(256, min=8, max=4096, help="width of the encoder, prior and decoder layers")


@dataclass
class VaeOptimConfig:
    lr: float = option(1e-3, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate")


@dataclass
class VaeTrainConfig:
    epochs: int = option(100, min=1, max=1_000_000)
    batch_size: int = option(32, min=2, max=65536)
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    checkpoint_every: int = option(25, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")
    precision: str = option("fp32", choices=PRECISIONS, help="fp32, or bf16 autocast for the models' matmuls and "
                                                              "convolutions (auto: bf16 where the device runs it "
                                                              "fast); losses, optimiser and metrics stay fp32")


@dataclass
class AnnealConfig:
    schedule: Literal["none", "linear", "sigmoid", "cyclical"] = option(
        "linear", help="how beta, the KL weight, grows: none = beta_max from the first step")
    warmup_epochs: float = option(20.0, min=0.0, min_exclusive=True, help="linear/sigmoid: epochs to reach beta_max")
    cycles: int = option(4, min=1, help="cyclical: number of cycles M over the run (Fu et al. 2019)")
    ratio: float = option(0.5, min=0.0, max=1.0, min_exclusive=True,
                          help="cyclical: share R of each cycle spent increasing beta")
    beta_max: float = option(1.0, min=0.0, min_exclusive=True, max=100.0)


@dataclass
class FreeBitsConfig:
    high: float = option(0.0, min=0.0, max=100.0, help="free nats per z_high dimension (KL below it is not charged)")
    low: float = option(0.0, min=0.0, max=100.0, help="free nats per z_low dimension")


@dataclass
class VaeEvaluationConfig:
    samples_per_genre: int = option(200, min=2, max=100_000, help="patterns sampled per genre for the sample metrics")
    temperature: float = option(0.5, min=0.0, max=10.0,
                                help="scale of the latent noise when sampling (0 = the genre's mean style)")
    classifier: GenreClassifierSettings = field(default_factory=GenreClassifierSettings)


@dataclass
class VaeConfig:
    seed: int = option(0, min=0, max=MAX_SEED)
    device: str = option("auto", help=f"one of {', '.join(DEVICE_CHOICES)}, or cuda:N")
    data: DrumDataConfig = field(default_factory=DrumDataConfig)
    model: VaeModelConfig = field(default_factory=VaeModelConfig)
    optim: VaeOptimConfig = field(default_factory=VaeOptimConfig)
    train: VaeTrainConfig = field(default_factory=VaeTrainConfig)
    anneal: AnnealConfig = field(default_factory=AnnealConfig)
    free_bits: FreeBitsConfig = field(default_factory=FreeBitsConfig)
    evaluation: VaeEvaluationConfig = field(default_factory=VaeEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def check(self) -> list[tuple[str, str]]:
        return device_problems(self.device)


def vae_config_dict(config: VaeConfig) -> dict:
    return config_to_dict(config)


def build_vae_config(data: dict) -> VaeConfig:
    return build_config(VaeConfig, data)


def resolve_vae_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> VaeConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_vae_config(layered("vae", preset, config_file, flags, assignments))
