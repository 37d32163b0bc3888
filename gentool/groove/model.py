"""The groove model: from a bar's score to how a performer plays it, as in GrooVAE's "humanize" task (Gillick et al.
2019), with the hits given by the score (humanizing keeps the notes) and a Gaussian per hit instead of a latent.

Input per step: the 9 instruments' hits, the file's tempo (log BPM; a push in milliseconds is a different share of
a step at each tempo) and the performer's embedding, plus a learned embedding of the step's place in the bar. A
bidirectional GRU reads the bar's 16 steps, so each hit sees the whole bar (a ghost note is told from a backbeat
by its neighbours as well as its place). Output per step and instrument: the mean and log-spread of the velocity
(on a 0-1 scale) and of the micro-timing offset (in steps). Trained by the Gaussian negative log-likelihood of the
played hits; the means give the model's best guess (scored by MAE), the spreads let it play varied performances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from gentool.drums.pattern import INSTRUMENTS, MAX_OFFSET, STEPS_PER_BAR

OUTPUTS = 4  # velocity mean, velocity log-spread, offset mean, offset log-spread
# log-spreads: velocity from 0.3 to 127 MIDI steps (on the 0-1 scale), offset from 0.001 to MAX_OFFSET steps
VELOCITY_LOG_SD = (math.log(0.3 / 127), 0.0)
OFFSET_LOG_SD = (math.log(0.001), math.log(MAX_OFFSET))
REFERENCE_BPM = 100.0


@dataclass
class GrooveOutput:
    """Per (B, 16, 9) cell: velocity on 0-1 (x 127 = MIDI velocity) and offset in steps, each a mean and a spread."""

    velocity: torch.Tensor
    velocity_log_sd: torch.Tensor
    offset: torch.Tensor
    offset_log_sd: torch.Tensor

    def nll(self, velocity: torch.Tensor, offset: torch.Tensor, hits: torch.Tensor) -> torch.Tensor:
        """Mean Gaussian negative log-likelihood (nats, without the constant) per played hit, both targets."""
        def gaussian(target: torch.Tensor, mean: torch.Tensor, log_sd: torch.Tensor) -> torch.Tensor:
            return 0.5 * ((target - mean) * torch.exp(-log_sd)) ** 2 + log_sd

        per_cell = gaussian(velocity, self.velocity, self.velocity_log_sd) + gaussian(offset, self.offset,
                                                                                      self.offset_log_sd)
        return (per_cell * hits).sum() / hits.sum().clamp_min(1.0)

    def means(self) -> tuple[np.ndarray, np.ndarray]:
        """The best guess for every cell: MIDI velocity (0-127) and offset (steps), as NumPy arrays."""
        return (self.velocity * 127.0).cpu().numpy(), self.offset.cpu().numpy()

    def draw(self, generator: torch.Generator, temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """A performance drawn from the Gaussians (spreads scaled by temperature; 0 = the means), as means()."""
        def one(mean: torch.Tensor, log_sd: torch.Tensor) -> torch.Tensor:
            noise = torch.randn(mean.shape, generator=generator).to(mean.device)
            return mean + temperature * torch.exp(log_sd) * noise

        return ((one(self.velocity, self.velocity_log_sd) * 127.0).cpu().numpy(),
                one(self.offset, self.offset_log_sd).clamp(-MAX_OFFSET, MAX_OFFSET).cpu().numpy())


class GrooveNet(nn.Module):
    def __init__(self, performers: int, hidden: int = 64, embedding: int = 16):
        super().__init__()
        self.performer = nn.Embedding(performers, embedding)
        self.position = nn.Embedding(STEPS_PER_BAR, hidden)
        self.inputs = nn.Linear(len(INSTRUMENTS) + 1 + embedding, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden + hidden, len(INSTRUMENTS) * OUTPUTS)

    def forward(self, hits: torch.Tensor, performer: torch.Tensor, bpm: torch.Tensor) -> GrooveOutput:
        """hits (B, 16, 9) 0/1, performer (B,) indices, bpm (B,)."""
        batch = hits.shape[0]
        tempo = torch.log(bpm / REFERENCE_BPM)[:, None, None].expand(batch, STEPS_PER_BAR, 1)
        who = self.performer(performer)[:, None, :].expand(batch, STEPS_PER_BAR, -1)
        steps = torch.arange(STEPS_PER_BAR, device=hits.device)
        features = torch.relu(self.inputs(torch.cat([hits.float(), tempo, who], dim=2)) + self.position(steps))
        context, _ = self.gru(features)  # (B, 16, 2H)
        out = self.head(torch.cat([context, features], dim=2)).view(batch, STEPS_PER_BAR, len(INSTRUMENTS), OUTPUTS)
        return GrooveOutput(
            velocity=torch.sigmoid(out[..., 0]), velocity_log_sd=bounded(out[..., 1], *VELOCITY_LOG_SD),
            offset=MAX_OFFSET * torch.tanh(out[..., 2]), offset_log_sd=bounded(out[..., 3], *OFFSET_LOG_SD))


def bounded(raw: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """`raw` squashed smoothly into (low, high): a hard clamp would leave a spread stuck at a bound with no
    gradient to bring it back."""
    return low + (high - low) * torch.sigmoid(raw)
