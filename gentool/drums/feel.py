"""The hand-made feel: how a genre is played, as the grammar's written statistics say (gentool.drums.genres), drawn
cell by cell. `vae humanize` plays with it when no learned groove is given, and the groove's measurements use it as
a baseline. A feel is anything with `draw(hits, rng) -> (velocity, offset)` and a velocity range per instrument;
gentool.groove.apply.GrooveFeel is the learned one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gentool.drums.pattern import STEPS_PER_BAR

FALLBACK = (90.0, 10.0, 0.0, 0.02)  # velocity mean and spread, offset mean and spread of an instrument never played


class DrumFeel(Protocol):
    velocity_low: np.ndarray  # (9,)
    velocity_high: np.ndarray  # (9,)

    def draw(self, hits: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(bars * 16, 9) hits -> velocity and offset (steps) for every cell, drawn from the feel."""


@dataclass
class Feel:
    """Per step and instrument, the mean and spread of velocity and micro-timing over a genre's hits (cells never
    played fall back to the instrument's figures), and each instrument's observed velocity range (an instrument the
    genre never plays: the range of all its hits)."""

    velocity_mean: np.ndarray  # (16, 9)
    velocity_std: np.ndarray
    offset_mean: np.ndarray
    offset_std: np.ndarray
    velocity_low: np.ndarray  # (9,)
    velocity_high: np.ndarray  # (9,)

    @classmethod
    def of(cls, dataset, genre: str) -> "Feel":
        """The feel of a genre's training bars in a DrumDataset."""
        rows = dataset.split_mask("train") & dataset.genre_rows(genre)
        return cls.of_bars(dataset.hits[rows], dataset.velocity[rows], dataset.offset[rows])

    @classmethod
    def of_bars(cls, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> "Feel":
        """The feel of (N, 16, 9) bars."""
        velocity = np.where(hits, velocity, np.nan).astype(float)
        offset = np.where(hits, offset, np.nan).astype(float)
        with warnings.catch_warnings():  # cells a genre never plays are all-NaN: filled in below
            warnings.simplefilter("ignore", RuntimeWarning)
            cell = [np.nanmean(velocity, 0), np.nanstd(velocity, 0), np.nanmean(offset, 0), np.nanstd(offset, 0)]
            instrument = [np.nanmean(velocity, (0, 1)), np.nanstd(velocity, (0, 1)), np.nanmean(offset, (0, 1)),
                          np.nanstd(offset, (0, 1))]
            low, high = np.nanmin(velocity, (0, 1)), np.nanmax(velocity, (0, 1))
        filled = []
        for values, fallback, default in zip(cell, instrument, FALLBACK):
            fallback = np.where(np.isnan(fallback), default, fallback)
            filled.append(np.where(np.isnan(values), fallback[None, :], values))
        played = velocity[np.isfinite(velocity)]
        overall = (played.min(), played.max()) if played.size else (1.0, 127.0)
        return cls(*filled, np.where(np.isnan(low), overall[0], low), np.where(np.isnan(high), overall[1], high))

    def mean(self, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The feel's expected velocity and offset for every cell of (bars * 16, 9) hits."""
        step = np.arange(len(hits)) % STEPS_PER_BAR
        return self.velocity_mean[step], self.offset_mean[step]

    def draw(self, hits: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        step = np.arange(len(hits)) % STEPS_PER_BAR
        return (rng.normal(self.velocity_mean[step], self.velocity_std[step]),
                rng.normal(self.offset_mean[step], self.offset_std[step]))
