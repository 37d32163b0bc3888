"""The GAN run config: dataset, model, optimiser, training loop and fixes. Presets live in gentool/presets/gan/.

`dataset` picks the letters (`fonts`, DCGAN models in `model`) or a 2-D mixture (`points`, MLP models in `mlp`).
Each dataset brings its own regime (presets/gan/datasets/<name>.yaml) underneath the preset: a 2-D one PacGAN's z,
batch, learning rate and length, so a fix's preset with `--dataset grid25` runs it on the grid as PacGAN published
it; the letters bf16 where the machine runs it faster (`train.precision: auto`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gentool.config import build_config, config_to_dict, deep_merge, option, renamed_keys
from gentool.datasets.config import POINT_DATASETS, FontDataConfig, PointDataConfig
from gentool.evaluate.config import LetterEvaluationConfig, pinned_instruments
from gentool.gan.fixes import NAMES as FIX_NAMES
from gentool.presets import layered, load_preset
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.precision import PRECISIONS
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig

DATASETS = ("fonts", *POINT_DATASETS)


@dataclass
class GanModelConfig:
    z_dim: int = option(100, min=1, max=4096, help="size of the noise vector")
    conditional: bool = option(False, help="condition generator and discriminator on the letter")
    g_width: int = option(64, min=4, max=1024, help="generator channels (the first hidden layer has twice this)")
    d_width: int = option(64, min=4, max=1024, help="discriminator channels (the second layer has twice this)")
    g_batch_norm: bool = option(True, help="batch norm in the generator (DCGAN's); false: a sample no longer "
                                           "depends on the other samples in its batch")


@dataclass
class MlpConfig:
    """The 2-D datasets' models, PacGAN's by default: G 4 x 400 ReLU with batch norm, D 3 x 200 maxout (5 pieces)."""

    g_hidden: int = option(400, min=2, max=8192, help="generator units per hidden layer")
    g_layers: int = option(4, min=1, max=32, help="generator hidden layers")
    g_batch_norm: bool = option(True, help="batch norm after each generator hidden layer (PacGAN's); false: the "
                                           "generator's output no longer depends on the other samples in its batch")
    d_hidden: int = option(200, min=2, max=8192, help="discriminator units per hidden layer")
    d_layers: int = option(3, min=1, max=32, help="discriminator hidden layers")
    maxout_pieces: int = option(5, min=1, max=64, help="linear pieces per discriminator maxout unit")
    init_std: float | None = option(None, min=0.0, min_exclusive=True,
                                    help="weights from N(0, init_std) and zero biases, as PacGAN's released code "
                                         "(0.02); null = PyTorch's default initialisation")


@dataclass
class OptimConfig:
    lr: float = option(2e-4, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate for G and D")
    beta1: float = option(0.5, min=0.0, max=0.9999)
    beta2: float = option(0.999, min=0.0, max=0.99999)
    final_lr_ratio: float = option(1.0, min=0.0, max=1.0, help="the learning rate falls linearly to lr x this by "
                                                                "the last step (1 = constant, as in the course)")


@dataclass
class GanTrainConfig:
    epochs: int = option(50, min=1, max=1_000_000, help="epochs to train (a resumed run goes on to this total)")
    batch_size: int = option(64, min=2, max=65536, help="images (2-D datasets: points) per batch")
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    sample_epochs: list[int] = option([10, 30, 50, 100], min=1, help="epochs that write a fixed-noise grid "
                                                                    "(the last epoch always does)")
    sample_count: int = option(64, min=1, max=1024, help="images in each fixed-noise grid")
    checkpoint_every: int = option(10, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")
    g_ema: float = option(0.0, min=0.0, max=0.99999,
                          help="decay of a moving average of the generator's weights (0 = off; e.g. 0.999): "
                               "evaluations, samples and every command that loads the run draw from the average")
    precision: str = option("fp32", choices=PRECISIONS,
                            help="fp32, or bf16 autocast for the models' matmuls and convolutions (auto: bf16 where "
                                 "it is faster: CPUs with AMX or AVX-512 BF16; the letters' default); losses, "
                                 "optimiser and metrics stay fp32")


EvaluationConfig = LetterEvaluationConfig  # shared with the letter VAE (gentool.evaluate.config)


@dataclass
class GanConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="training seed (the dataset has its own, fonts.seed)")
    device: str = device_option("auto")
    dataset: str = option("fonts", choices=DATASETS, help="letters (fonts) or a 2-D mixture of Gaussians")
    fonts: FontDataConfig = field(default_factory=FontDataConfig)
    points: PointDataConfig = field(default_factory=PointDataConfig)
    model: GanModelConfig = field(default_factory=GanModelConfig)
    mlp: MlpConfig = field(default_factory=MlpConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: GanTrainConfig = field(default_factory=GanTrainConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    fixes: list[str] = option([], suggest=FIX_NAMES, help="stabilisation fixes, applied in order (`gentool gan fixes` "
                                                          "says what each does)")
    fix_options: dict = option({}, help="options per fix, {FIX: {OPTION: VALUE}} (`gentool gan fixes` lists them)")
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    @property
    def on_points(self) -> bool:
        return self.dataset in POINT_DATASETS

    def check(self) -> list[tuple[str, str]]:
        from gentool.gan.fixes.registry import check_fixes, fix_problems

        problems = device_problems(self.device) + check_fixes(self.fixes, self.fix_options)
        if self.on_points and self.model.conditional:
            problems.append(("model.conditional", f"the 2-D dataset {self.dataset} has no labels to condition on; "
                                                  f"set it to false"))
        if not problems:  # the fixes are valid: check what they ask of the rest of the config
            problems += fix_problems(self)
        return problems


def build_gan_config(data: dict) -> GanConfig:
    """Validate a merged dict and fill in every enabled fix's options, so config.yaml shows them all."""
    from gentool.gan.fixes.registry import resolved_fix_options

    config = build_config(GanConfig, data)
    config.fix_options = resolved_fix_options(config.fixes, config.fix_options)
    return config


def read_saved_gan_config(data: dict) -> GanConfig:
    """A run's config.yaml or a checkpoint's config; run folders that name the letters' section `data` still read."""
    return build_gan_config(pinned_instruments(renamed_keys(data, {"data": "fonts"})))


def gan_config_dict(config: GanConfig) -> dict:
    return config_to_dict(config)


def resolve_gan_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> GanConfig:
    """dataset regime < preset < --config FILE < named flags (dotted keys) < --set key=value.

    The dataset is read from the merged layers first, then its regime goes underneath them all.
    """
    merged = layered("gan", preset, config_file, flags, assignments)
    dataset = merged.get("dataset", "fonts")
    if isinstance(dataset, str) and dataset in DATASETS:
        merged = deep_merge(load_preset("gan/datasets", dataset), merged)
    return build_gan_config(merged)
