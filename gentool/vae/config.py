"""The VAE run configs, one per task: `DrumVaeConfig` (`dataset: drums`, the hierarchical drum VAE, the default)
and `LetterVaeConfig` (`dataset: fonts`, the convolutional letter VAE). They share the optimiser, training loop,
KL schedule and logging sections; the data, model, free bits and evaluation sections are each task's own, so a
run's config.yaml holds only its task's keys. The family resolves them (gentool.vae.family): a preset of
gentool/presets/vae/ (KL schedule, free bits), then the dataset's regime (presets/vae/datasets/<dataset>.yaml:
model size, epochs, batch), then what the user gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from gentool.config import build_config, known_keys, option, renamed_keys
from gentool.datasets.config import DrumDataConfig, FontDataConfig
from gentool.evaluate.config import GenreClassifierSettings, LetterEvaluationConfig, pinned_instruments
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.precision import PRECISIONS
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig

# ----------------------------------------------------------------------------------------- shared by both tasks


@dataclass
class VaeOptimConfig:
    lr: float = option(1e-3, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate")


@dataclass
class VaeTrainConfig:
    epochs: int = option(100, min=1, max=1_000_000, help="epochs to train (a resumed run goes on to this total)")
    batch_size: int = option(32, min=2, max=65536, help="bars (letters: images) per batch")
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
class VaeConfig:
    """The fields every VAE run config starts with; each task's config adds its sections after them."""

    seed: int = option(0, min=0, max=MAX_SEED, help="training seed (the data have their own, drums.seed or "
                                                    "fonts.seed)")
    device: str = device_option("auto")
    dataset: str = option("drums", choices=("drums", "fonts"),
                          help="drums (the hierarchical drum VAE) or fonts (the letter VAE)")

    def check(self) -> list[tuple[str, str]]:
        return device_problems(self.device)


# -------------------------------------------------------------------------------------------------------- drums

@dataclass
class DrumModelConfig:
    z_high: int = option(4, min=1, max=256, help="style latent dimensions")
    z_low: int = option(12, min=1, max=256, help="pattern latent dimensions")
    hidden: int = option(256, min=8, max=4096, help="width of the encoder, prior and decoder layers")


@dataclass
class DrumFreeBitsConfig:
    ONE_NUMBER_SETS_ALL: ClassVar[bool] = True  # `free_bits: 0.5` (or --free-bits 0.5): both levels

    high: float = option(0.0, min=0.0, max=100.0, help="free nats per z_high dimension (KL below it is not charged)")
    low: float = option(0.0, min=0.0, max=100.0, help="free nats per z_low dimension")


@dataclass
class DrumEvaluationConfig:
    """Measured every epoch: held-out bars, and samples of every genre scored by the genre classifier."""

    samples_per_genre: int = option(200, min=2, max=100_000, help="patterns sampled per genre for the sample metrics")
    temperature: float = option(0.5, min=0.0, max=10.0,
                                help="scale of the latent noise when sampling (0 = the genre's mean style)")
    classifier: GenreClassifierSettings = field(default_factory=GenreClassifierSettings)


@dataclass
class DrumVaeConfig(VaeConfig):
    dataset: str = option("drums", choices=("drums",), help="drums: the hierarchical drum VAE")
    drums: DrumDataConfig = field(default_factory=DrumDataConfig)
    model: DrumModelConfig = field(default_factory=DrumModelConfig)
    optim: VaeOptimConfig = field(default_factory=VaeOptimConfig)
    train: VaeTrainConfig = field(default_factory=VaeTrainConfig)
    anneal: AnnealConfig = field(default_factory=AnnealConfig)
    free_bits: DrumFreeBitsConfig = field(default_factory=DrumFreeBitsConfig)
    evaluation: DrumEvaluationConfig = field(default_factory=DrumEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


# ------------------------------------------------------------------------------------------------------ letters

@dataclass
class LetterModelConfig:
    z_dim: int = option(32, min=1, max=4096, help="latent dimensions")
    width: int = option(32, min=4, max=512, help="channels of the first conv layer (the second has twice)")
    conditional: bool = option(False, help="encoder and decoder also see the letter (class-conditional)")


@dataclass
class LetterFreeBitsConfig:
    ONE_NUMBER_SETS_ALL: ClassVar[bool] = True  # `free_bits: 0.5` (or --free-bits 0.5), as for the drum VAE

    z: float = option(0.0, min=0.0, max=100.0, help="free nats per latent dimension")


@dataclass
class LetterVaeConfig(VaeConfig):
    dataset: str = option("fonts", choices=("fonts",), help="fonts: the letter VAE")
    fonts: FontDataConfig = field(default_factory=FontDataConfig)
    model: LetterModelConfig = field(default_factory=LetterModelConfig)
    optim: VaeOptimConfig = field(default_factory=VaeOptimConfig)
    train: VaeTrainConfig = field(default_factory=VaeTrainConfig)
    anneal: AnnealConfig = field(default_factory=AnnealConfig)
    free_bits: LetterFreeBitsConfig = field(default_factory=LetterFreeBitsConfig)
    # every `every` epochs: samples from the prior, measured like the letter GAN's
    evaluation: LetterEvaluationConfig = field(default_factory=LetterEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


# run folders saved with the sections named `data` (drums) and `letters` (fonts)
SAVED_RENAMES = {"data": "drums", "letters": "fonts"}


def read_saved_config(config_class: type, data: dict) -> DrumVaeConfig | LetterVaeConfig:
    """A run's saved config (config.yaml, a checkpoint's) as `config_class`. Keys it has no field for are dropped:
    gentool wrote them (a saved config that held both models' keys), so none is a typo."""
    return build_config(config_class, known_keys(config_class, pinned_instruments(renamed_keys(data, SAVED_RENAMES))))
