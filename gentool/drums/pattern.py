"""One or more bars of drums: 16 steps (sixteenth notes) per bar x 9 instruments.

Hits are binary. Each hit also carries a velocity (1-127) and a micro-timing offset, a fraction of a step in
[-0.5, 0.5): negative is early (pushed), positive is late (laid back). Where there is no hit, velocity is 0 and
the offset 0, so a quantised, flat pattern is just `hits` with default velocity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gentool.errors import UsageError

STEPS_PER_BAR = 16
INSTRUMENTS = ("kick", "snare", "closed_hat", "open_hat", "low_tom", "high_tom", "crash", "ride", "clap")
KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM, HIGH_TOM, CRASH, RIDE, CLAP = range(len(INSTRUMENTS))
DEFAULT_VELOCITY = 100
MAX_OFFSET = 0.49


def as_bars(steps: np.ndarray) -> np.ndarray:
    """(bars * 16, 9) step rows -> (bars, 16, 9)."""
    return steps.reshape(-1, STEPS_PER_BAR, len(INSTRUMENTS))


def as_steps(bars: np.ndarray) -> np.ndarray:
    """(bars, 16, 9) or any (..., 9) -> (bars * 16, 9) step rows."""
    return np.asarray(bars).reshape(-1, len(INSTRUMENTS))


@dataclass
class DrumPattern:
    hits: np.ndarray  # (bars * 16, 9) bool
    velocity: np.ndarray  # (bars * 16, 9) uint8, 1-127 where hit, else 0
    offset: np.ndarray  # (bars * 16, 9) float32 in [-0.5, 0.5), 0 where no hit

    def __post_init__(self) -> None:
        self.hits = np.asarray(self.hits, dtype=bool)
        self.velocity = np.where(self.hits, np.clip(self.velocity, 1, 127), 0).astype(np.uint8)
        # kept inside (-0.5, 0.5) with a margin, so a hit never rounds to the neighbouring step when read back
        self.offset = np.where(self.hits, np.clip(self.offset, -MAX_OFFSET, MAX_OFFSET), 0.0).astype(np.float32)

    @classmethod
    def from_hits(cls, hits: np.ndarray, velocity: int = DEFAULT_VELOCITY) -> "DrumPattern":
        hits = check_shape(np.asarray(hits), "pattern")
        return cls(hits.astype(bool), np.full(hits.shape, velocity, dtype=np.uint8),
                   np.zeros(hits.shape, dtype=np.float32))

    @property
    def bars(self) -> int:
        return len(self.hits) // STEPS_PER_BAR

    def bar(self, index: int) -> "DrumPattern":
        rows = slice(index * STEPS_PER_BAR, (index + 1) * STEPS_PER_BAR)
        return DrumPattern(self.hits[rows], self.velocity[rows], self.offset[rows])

    def split_bars(self) -> list["DrumPattern"]:
        return [self.bar(i) for i in range(self.bars)]

    @classmethod
    def concat(cls, parts: list["DrumPattern"]) -> "DrumPattern":
        return cls(np.concatenate([p.hits for p in parts]), np.concatenate([p.velocity for p in parts]),
                   np.concatenate([p.offset for p in parts]))


def check_shape(array: np.ndarray, what: str) -> np.ndarray:
    """A (bars * 16, 9) array, or a UsageError that says which shape was found and which is expected."""
    if array.ndim != 2 or array.shape[1] != len(INSTRUMENTS) or array.shape[0] == 0 \
            or array.shape[0] % STEPS_PER_BAR:
        raise UsageError(f"{what} has shape {tuple(array.shape)}; a drum pattern is (16 x bars, 9): 16 steps per bar, "
                         f"one column per instrument ({', '.join(INSTRUMENTS)})")
    return array
