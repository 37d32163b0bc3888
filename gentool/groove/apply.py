"""Playing a score with a learned groove: `play` gives a performer's velocities and micro-timing to a score's hits
(the notes are kept), and GrooveFeel lets `vae humanize --groove RUN` play with the learned feel instead of the
hand-made one."""

from __future__ import annotations

import numpy as np
import torch

from gentool.drums.pattern import INSTRUMENTS, DrumPattern, as_bars, as_steps
from gentool.groove.trained import TrainedGroove


@torch.no_grad()
def play(groove: TrainedGroove, hits: np.ndarray, performer: int, bpm: float, generator: torch.Generator,
         temperature: float) -> DrumPattern:
    """(bars * 16, 9) hits played by a performer at a tempo: velocities and offsets drawn from the model (its
    means at temperature 0); the hits stay as they are."""
    device = next(groove.model.parameters()).device
    bars = torch.from_numpy(as_bars(hits)).float().to(device)
    count = len(bars)
    out = groove.model(bars, torch.full((count,), performer, dtype=torch.long, device=device),
                       torch.full((count,), float(bpm), device=device))
    velocity, offset = out.draw(generator, temperature)
    return DrumPattern(hits, np.clip(np.rint(as_steps(velocity)), 1, 127), as_steps(offset))


class GrooveFeel:
    """A learned groove as a feel `vae humanize` can play with (gentool.drums.feel.DrumFeel): each draw is a
    performance of the hits by one performer at one tempo."""

    def __init__(self, groove: TrainedGroove, performer: int, bpm: float, temperature: float = 1.0):
        self.groove = groove
        self.performer = performer
        self.bpm = bpm
        self.temperature = temperature
        self.velocity_low = np.ones(len(INSTRUMENTS))
        self.velocity_high = np.full(len(INSTRUMENTS), 127.0)

    def draw(self, hits: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        generator = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))
        played = play(self.groove, hits, self.performer, self.bpm, generator, self.temperature)
        return played.velocity.astype(float), played.offset.astype(float)
