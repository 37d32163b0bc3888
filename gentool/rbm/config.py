"""The RBM run config: binarised letters, the model, CD-k / PCD / parallel-tempering training with momentum and
weight decay as in Hinton's practical guide, and the letter coverage of Gibbs samples. Presets live in
gentool/presets/rbm/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gentool.config import build_config, config_to_dict, option, renamed_keys
from gentool.datasets.config import FontDataConfig
from gentool.evaluate.config import CoverageSettings, LetterEvaluatorSettings, pinned_instruments
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig


@dataclass
class RbmModelConfig:
    hidden: int = option(500, min=1, max=65536, help="hidden units H (H <= 20: exact likelihood)")


@dataclass
class RbmTrainConfig:
    method: Literal["cd", "pcd", "pt"] = option(
        "cd", help="cd: chains start at the data; pcd: persistent chains; pt: persistent parallel tempering")
    cd_k: int = option(1, min=1, max=10_000, help="Gibbs steps per update (CD-k; PCD/PT: steps per update)")
    epochs: int = option(20, min=1, max=1_000_000, help="epochs to train (a resumed run goes on to this total)")
    batch_size: int = option(100, min=2, max=65536, help="images per update (PCD/PT: also the number of chains)")
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    checkpoint_every: int = option(10, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")
    pt_temperatures: int = option(10, min=2, max=256, help="pt: chains per persistent chain, one per temperature")
    pt_min_beta: float = option(0.5, min=0.0, max=1.0,
                                help="pt: the hottest chain's inverse temperature (betas linear from 1 down to it)")


@dataclass
class RbmOptimConfig:
    lr: float = option(0.05, min=0.0, min_exclusive=True, max=10.0, help="learning rate on the mean batch gradient")
    momentum: float = option(0.5, min=0.0, max=0.999, help="momentum for the first momentum_epochs epochs")
    final_momentum: float = option(0.9, min=0.0, max=0.999, help="momentum afterwards (Hinton: 0.5, then 0.9)")
    momentum_epochs: int = option(5, min=0, help="epochs at the initial momentum")
    weight_decay: float = option(1e-4, min=0.0, max=1.0, help="L2 cost on the weights (not the biases)")


@dataclass
class RbmEvaluationConfig(CoverageSettings):
    every: int = option(5, min=0, help="measure the coverage of Gibbs samples every N epochs and at the last one "
                                       "(0 = never)")
    gibbs: int = option(200, min=1, max=1_000_000, help="Gibbs steps of each evaluation chain (from uniform noise)")
    collapse_drop: int = option(2, min=1, max=26, help="collapse begins at the first evaluation whose letters "
                                                        "covered fall this many below the best so far")
    pseudo_likelihood_images: int = option(2000, min=1, help="held-out images (drawn at random) the per-epoch "
                                                                   "pseudo-likelihood uses")
    evaluator: LetterEvaluatorSettings = field(default_factory=LetterEvaluatorSettings)


@dataclass
class RbmConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="training seed (the dataset has its own, fonts.seed)")
    device: str = device_option("auto")
    fonts: FontDataConfig = field(default_factory=FontDataConfig)  # the GAN's letters: the same evaluator scores both
    binarize: Literal["threshold", "stochastic"] = option(
        "threshold", help="threshold: a pixel is on when its ink is >= 50%; stochastic: on with probability = its "
                          "ink, drawn once from fonts.seed (a fixed binary dataset either way)")
    model: RbmModelConfig = field(default_factory=RbmModelConfig)
    train: RbmTrainConfig = field(default_factory=RbmTrainConfig)
    optim: RbmOptimConfig = field(default_factory=RbmOptimConfig)
    evaluation: RbmEvaluationConfig = field(default_factory=RbmEvaluationConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def check(self) -> list[tuple[str, str]]:
        return device_problems(self.device)

    @property
    def method_name(self) -> str:
        """CD-1, CD-10, PCD, PCD-5, PT: how the negative phase is drawn."""
        train = self.train
        name = {"cd": "CD", "pcd": "PCD", "pt": "PT"}[train.method]
        return f"{name}-{train.cd_k}" if train.method == "cd" or train.cd_k > 1 else name


def rbm_config_dict(config: RbmConfig) -> dict:
    return config_to_dict(config)


def build_rbm_config(data: dict) -> RbmConfig:
    return build_config(RbmConfig, data)


def read_saved_rbm_config(data: dict) -> RbmConfig:
    """A run's config.yaml or a checkpoint's config; run folders that name the letters' section `data` still read."""
    return build_rbm_config(pinned_instruments(renamed_keys(data, {"data": "fonts"})))


def resolve_rbm_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> RbmConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_rbm_config(layered("rbm", preset, config_file, flags, assignments))
