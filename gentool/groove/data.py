"""Performances as a groove model reads them: every bar's score (its hits, quantised), the velocity and offset of
each hit (the targets), its performer and the tempo of its file. They come from the drum dataset's MIDI import, so
a performance goes through the reader and checks every other drum command uses; the split is by file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gentool.datasets.drums import DrumDataset, load_drum_dataset
from gentool.errors import UsageError
from gentool.groove.config import GrooveConfig
from gentool.io.pattern_files import DEFAULT_BPM
from gentool.runtime.context import RunContext
from gentool.runtime.trainer import full_batches


@dataclass
class Performances:
    """(N, 16, 9) bars of one split or all, with their performer (index into `performers`) and tempo."""

    hits: np.ndarray  # bool
    velocity: np.ndarray  # 0-127 (0 where no hit)
    offset: np.ndarray  # steps
    performer: np.ndarray  # (N,)
    bpm: np.ndarray  # (N,)
    performers: list[str]

    def where(self, rows: np.ndarray) -> "Performances":
        return Performances(self.hits[rows], self.velocity[rows], self.offset[rows], self.performer[rows],
                            self.bpm[rows], self.performers)

    def of(self, performer: str) -> "Performances":
        return self.where(self.performer == self.performers.index(performer))

    def __len__(self) -> int:
        return len(self.hits)


@dataclass
class GrooveData:
    dataset: DrumDataset
    train: Performances
    val: Performances

    @property
    def performers(self) -> list[str]:
        return self.train.performers

    @property
    def fingerprint(self) -> str:
        return self.dataset.fingerprint


def performances_of(dataset: DrumDataset) -> Performances:
    """Every bar of the dataset; performers are the genres present, in the dataset's order."""
    performers = dataset.genres_present()
    index = {dataset.genre_names.index(name): number for number, name in enumerate(performers)}
    bpm = np.array([record["bpm"] or DEFAULT_BPM for record in dataset.phrases])[dataset.phrase]
    return Performances(dataset.hits, dataset.velocity.astype(np.float32), dataset.offset,
                        np.array([index[g] for g in dataset.genre]), bpm.astype(np.float32), performers)


def batches_per_epoch(config: GrooveConfig, bars: int) -> int:
    return full_batches(bars, config.train.batch_size, config.train.max_steps_per_epoch, "bars",
                        "add performances (more files per performer folder)")


def load_groove_data(config: GrooveConfig, ctx: RunContext) -> GrooveData:
    """The performances of config.drums, split by file; refused before a run folder exists when a performer has
    no held-out file or the training bars are fewer than a batch."""
    ctx.decide_device(config.device)
    dataset = load_drum_dataset(config.drums, ctx.data_dir, reporter=ctx.reporter)
    every = performances_of(dataset)
    data = GrooveData(dataset, every.where(~dataset.is_val), every.where(dataset.is_val))
    missing = [name for name in data.performers if not (data.val.performer == data.performers.index(name)).any()]
    if missing:
        raise UsageError(f"no held-out file for {', '.join(missing)} (the split is by file): give each performer "
                         f"folder at least two files")
    batches_per_epoch(config, len(data.train))
    return data


@dataclass
class BarTensors:
    """Performances on a device: scores, targets (velocity on 0-1, offset in steps), performers, tempi."""

    hits: torch.Tensor
    velocity: torch.Tensor
    offset: torch.Tensor
    performer: torch.Tensor
    bpm: torch.Tensor

    @classmethod
    def of(cls, bars: Performances, device: torch.device) -> "BarTensors":
        return cls(torch.from_numpy(bars.hits).float().to(device),
                   torch.from_numpy(bars.velocity / 127.0).float().to(device),
                   torch.from_numpy(bars.offset).float().to(device),
                   torch.from_numpy(bars.performer).long().to(device),
                   torch.from_numpy(bars.bpm).float().to(device))

    def rows(self, index: torch.Tensor) -> "BarTensors":
        return BarTensors(self.hits[index], self.velocity[index], self.offset[index], self.performer[index],
                          self.bpm[index])
