"""The groove run config: the performances (the drum dataset's MIDI import, section `drums`: one sub-folder per
performer or genre), the model, training and measurement. Presets live in gentool/presets/groove/.

Like every config module, this one imports no torch, numpy or matplotlib (see gentool/config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gentool.config import build_config, config_to_dict, option, renamed_keys
from gentool.datasets.config import DrumDataConfig
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED
from gentool.runtime.tensorboard import LoggingConfig


@dataclass
class GrooveModelConfig:
    hidden: int = option(64, min=4, max=1024, help="GRU units each way over a bar's 16 steps")
    embedding: int = option(16, min=1, max=256, help="size of the performer's (genre's) embedding")


@dataclass
class GrooveTrainConfig:
    epochs: int = option(60, min=1, max=1_000_000, help="epochs to train (a resumed run goes on to this total)")
    batch_size: int = option(64, min=2, max=65536, help="bars per update")
    max_steps_per_epoch: int | None = option(None, min=1, help="cap on batches per epoch (quick runs); null = all")
    checkpoint_every: int = option(20, min=1, help="keep a periodic checkpoint every N epochs (last.pt: every epoch)")


@dataclass
class GrooveOptimConfig:
    lr: float = option(5e-3, min=0.0, min_exclusive=True, max=1.0, help="Adam learning rate")


@dataclass
class GrooveMeasureConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="seed of the performances drawn for the distributions")


@dataclass
class GrooveConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="training seed (the split has its own, drums.seed)")
    device: str = device_option("auto")
    drums: DrumDataConfig = field(default_factory=DrumDataConfig)  # the presets turn the grammar off
    model: GrooveModelConfig = field(default_factory=GrooveModelConfig)
    train: GrooveTrainConfig = field(default_factory=GrooveTrainConfig)
    optim: GrooveOptimConfig = field(default_factory=GrooveOptimConfig)
    measure: GrooveMeasureConfig = field(default_factory=GrooveMeasureConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def check(self) -> list[tuple[str, str]]:
        problems = device_problems(self.device)
        if self.drums.val_fraction <= 0:
            problems.append(("drums.val_fraction", "a groove is measured on held-out performances: give a share "
                                                   "above 0 (0.2 holds out a fifth of each performer's files)"))
        return problems


def groove_config_dict(config: GrooveConfig) -> dict:
    return config_to_dict(config)


def build_groove_config(data: dict) -> GrooveConfig:
    return build_config(GrooveConfig, data)


def read_saved_groove_config(data: dict) -> GrooveConfig:
    """A run's config.yaml or a checkpoint's config; run folders that name the performances' section `data` still
    read."""
    return build_groove_config(renamed_keys(data, {"data": "drums"}))


def resolve_groove_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                          assignments: list[str] | None = None) -> GrooveConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_groove_config(layered("groove", preset, config_file, flags, assignments))
