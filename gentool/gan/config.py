"""The GAN run config: data, model, optimiser, training loop and fixes. Presets live in gentool/presets/gan/."""

from __future__ import annotations

from dataclasses import dataclass, field

from gentool.config import build_config, config_to_dict, option
from gentool.datasets.fonts import FontDataConfig
from gentool.evaluate.coverage import CoverageSettings
from gentool.evaluate.letters import EvaluatorSettings
from gentool.gan.fixes import check_fixes, resolved_fix_options
from gentool.presets import layered
from gentool.runtime.device import DEVICE_CHOICES, device_problems


@dataclass
class GanModelConfig:
    z_dim: int = option(100, min=1, max=4096, help="size of the noise vector")
    conditional: bool = option(False, help="condition generator and discriminator on the letter")
    g_width: int = option(64, min=4, max=1024, help="generator channels (the first hidden layer has twice this)")
    d_width: int = option(64, min=4, max=1024, help="discriminator channels (the second layer has twice this)")


@dataclass
class OptimConfig:
    lr: float = option(2e-4, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate for G and D")
    beta1: float = option(0.5, min=0.0, max=0.9999)
    beta2: float = option(0.999, min=0.0, max=0.99999)


@dataclass
class GanTrainConfig:
    epochs: int = option(50, min=1, max=1_000_000)
    batch_size: int = option(64, min=2, max=65536)
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    sample_epochs: list[int] = option([10, 30, 50, 100], min=1, help="epochs that write a fixed-noise grid "
                                                                    "(the last epoch always does)")
    sample_count: int = option(64, min=1, max=1024, help="images in each fixed-noise grid")
    checkpoint_every: int = option(10, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")


@dataclass
class EvaluationConfig(CoverageSettings):
    every: int = option(5, min=0, help="measure coverage every N epochs and at the last one (0 = never)")
    collapse_drop: int = option(2, min=1, max=26, help="collapse begins at the first evaluation whose letters "
                                                        "covered fall this many below the best so far")
    evaluator: EvaluatorSettings = field(default_factory=EvaluatorSettings)


@dataclass
class GanConfig:
    seed: int = option(0, min=0, help="training seed (the dataset has its own, data.seed)")
    device: str = option("auto", help=f"one of {', '.join(DEVICE_CHOICES)}, or cuda:N")
    data: FontDataConfig = field(default_factory=FontDataConfig)
    model: GanModelConfig = field(default_factory=GanModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: GanTrainConfig = field(default_factory=GanTrainConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    fixes: list[str] = option([], help="stabilisation fixes, applied in order")
    fix_options: dict = option({}, help="options per fix, e.g. {feature-matching: {weight: 1.0}}")

    def check(self) -> list[tuple[str, str]]:
        return device_problems(self.device) + check_fixes(self.fixes, self.fix_options)


def build_gan_config(data: dict) -> GanConfig:
    """Validate a merged dict and fill in every enabled fix's options, so config.yaml shows them all."""
    config = build_config(GanConfig, data)
    config.fix_options = resolved_fix_options(config.fixes, config.fix_options)
    return config


def gan_config_dict(config: GanConfig) -> dict:
    return config_to_dict(config)


def resolve_gan_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                       assignments: list[str] | None = None) -> GanConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_gan_config(layered("gan", preset, config_file, flags, assignments))
