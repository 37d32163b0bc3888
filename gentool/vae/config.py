"""The VAE run config: the drum VAE (`dataset: drums`, the default) or the convolutional letter VAE
(`dataset: fonts`). Presets live in gentool/presets/vae/; a dataset other than drums brings its own training regime
(presets/vae/datasets/<name>.yaml: epochs, batch, warm-up) over the preset and under everything the user gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gentool.config import (
    build_config,
    config_to_dict,
    deep_merge,
    load_yaml_file,
    nested_from_dotted,
    option,
    parse_set_overrides,
)
from gentool.datasets.drums import DrumDataConfig
from gentool.datasets.fonts import FontDataConfig
from gentool.evaluate.coverage import LetterEvaluationConfig
from gentool.evaluate.genres import GenreClassifierSettings
from gentool.presets import load_preset
from gentool.runtime.device import DEVICE_CHOICES, device_problems
from gentool.runtime.precision import PRECISIONS
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig


@dataclass
class VaeModelConfig:
    z_high: int = option(4, min=1, max=256, help="style latent dimensions")
    z_low: int = option(12, min=1, max=256, help="pattern latent dimensions")
    hidden: int = option(256, min=8, max=4096, help="width of the encoder, prior and decoder layers")
    z_dim: int = option(32, min=1, max=4096, help="letters: latent dimensions")
    width: int = option(32, min=4, max=512, help="letters: channels of the first conv layer (the second has twice)")
    conditional: bool = option(False, help="letters: encoder and decoder also see the letter (class-conditional)")


@dataclass
class VaeOptimConfig:
    lr: float = option(1e-3, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate")


@dataclass
class VaeTrainConfig:
    epochs: int = option(100, min=1, max=1_000_000)
    batch_size: int = option(32, min=2, max=65536)
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    checkpoint_every: int = option(25, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")
    precision: str = option("fp32", choices=PRECISIONS,
                            help="fp32, or bf16 autocast for the models' matmuls and convolutions (auto: bf16 where "
                                 "it is faster: CPUs with AMX or AVX-512 BF16); losses, optimiser and metrics stay "
                                 "fp32")


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
    z: float = option(0.0, min=0.0, max=100.0, help="letters: free nats per latent dimension")


@dataclass
class VaeEvaluationConfig(LetterEvaluationConfig):
    """Drums are measured every epoch (samples_per_genre, temperature, classifier); letters every `every` epochs
    with the GAN's letter measurements (samples, threshold, min_share, collapse_drop, evaluator)."""

    samples_per_genre: int = option(200, min=2, max=100_000, help="patterns sampled per genre for the sample metrics")
    temperature: float = option(0.5, min=0.0, max=10.0,
                                help="scale of the latent noise when sampling (0 = the genre's mean style)")
    classifier: GenreClassifierSettings = field(default_factory=GenreClassifierSettings)


DATASETS = ("drums", "fonts")


@dataclass
class VaeConfig:
    seed: int = option(0, min=0, max=MAX_SEED)
    device: str = option("auto", help=f"one of {', '.join(DEVICE_CHOICES)}, or cuda:N")
    dataset: str = option("drums", choices=DATASETS, help="drums (the hierarchical drum VAE) or fonts (letters)")
    data: DrumDataConfig = field(default_factory=DrumDataConfig)
    letters: FontDataConfig = field(default_factory=FontDataConfig)
    model: VaeModelConfig = field(default_factory=VaeModelConfig)
    optim: VaeOptimConfig = field(default_factory=VaeOptimConfig)
    train: VaeTrainConfig = field(default_factory=VaeTrainConfig)
    anneal: AnnealConfig = field(default_factory=AnnealConfig)
    free_bits: FreeBitsConfig = field(default_factory=FreeBitsConfig)
    evaluation: VaeEvaluationConfig = field(default_factory=VaeEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    @property
    def on_letters(self) -> bool:
        return self.dataset == "fonts"

    @property
    def font_data(self) -> FontDataConfig:
        """The letter data (every letter model names it here, whatever its config section)."""
        return self.letters

    def check(self) -> list[tuple[str, str]]:
        problems = device_problems(self.device)
        if self.model.conditional and not self.on_letters:
            problems.append(("model.conditional", "only the letter VAE (dataset fonts) has a class-conditional "
                                                  "decoder; set it to false or add --dataset fonts"))
        return problems


def vae_config_dict(config: VaeConfig) -> dict:
    return config_to_dict(config)


def build_vae_config(data: dict) -> VaeConfig:
    return build_config(VaeConfig, data)


def resolve_vae_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> VaeConfig:
    """preset < dataset regime < --config FILE < named flags (dotted keys) < --set key=value.

    The drum presets set the drum VAE's epochs and batch; the letters need others (a letter epoch is 20 times as
    many examples), so their regime goes over the preset, and what the user gives goes over both."""
    given = {}
    if config_file:
        given = deep_merge(given, load_yaml_file(config_file))
    for key, value in (flags or {}).items():
        if value is not None:
            given = deep_merge(given, nested_from_dotted(key, value))
    given = deep_merge(given, parse_set_overrides(assignments or []))
    merged = deep_merge(load_preset("vae", preset), given)
    dataset = merged.get("dataset", "drums")
    if isinstance(dataset, str) and dataset != "drums" and dataset in DATASETS:
        merged = deep_merge(deep_merge(load_preset("vae", preset), load_preset("vae/datasets", dataset)), given)
    return build_vae_config(merged)
