"""The synthetic drummers of `gentool data performances`, each with its stated feel (gentool.groove.performers plays
them). Plain data, no numpy, so the command line lists their names at once."""

from __future__ import annotations

from dataclasses import dataclass

from gentool.config import did_you_mean
from gentool.errors import UsageError


@dataclass(frozen=True)
class Performer:
    name: str
    description: str
    swing: float  # percent: where the second 16th of a pair falls
    snare_ms: float  # the snare on 2 and 4: negative pushes (early), positive drags (late)
    kick_ms: float  # the kick on 1 and 3
    others_ms: float  # every other hit (ghost notes and off-beat kicks and snares stay on time)
    accents: tuple[int, int, int, int]  # velocity added to hats and ride on the four 16ths of a beat
    timing_noise_ms: float
    velocity_noise: float
    ghost_rate: float  # chance an empty off-beat 16th gets a ghost snare

    @property
    def swing_steps(self) -> float:
        """How late the second 16th of a pair is, in steps."""
        return 2 * self.swing / 100 - 1


PERFORMERS = (
    Performer("laid-back", "hip-hop feel: 58% swing, the snare dragged 20 ms, hats loud on the 8ths",
              swing=58.0, snare_ms=20.0, kick_ms=0.0, others_ms=0.0, accents=(14, -14, 6, -14),
              timing_noise_ms=4.0, velocity_noise=6.0, ghost_rate=0.15),
    Performer("pusher", "straight 16ths, the snare pushed 20 ms and the kick on 1 and 3 dragged 15 ms, "
              "hats accented on the beat", swing=50.0, snare_ms=-20.0, kick_ms=15.0, others_ms=0.0,
              accents=(20, -10, 5, -10), timing_noise_ms=3.0, velocity_noise=5.0, ghost_rate=0.20),
    Performer("shuffle", "66% swing (nearly a triplet), the whole kit 8 ms late, hats accented on the off-beat 8ths",
              swing=66.0, snare_ms=8.0, kick_ms=8.0, others_ms=8.0, accents=(0, -12, 18, -12),
              timing_noise_ms=5.0, velocity_noise=7.0, ghost_rate=0.25),
    Performer("tight", "54% swing, hats 6 ms ahead, kick and snare on the grid, hats loud-soft 16ths",
              swing=54.0, snare_ms=0.0, kick_ms=0.0, others_ms=-6.0, accents=(15, -15, 5, -15),
              timing_noise_ms=2.0, velocity_noise=4.0, ghost_rate=0.10),
)
PERFORMER_NAMES = tuple(p.name for p in PERFORMERS)


def performer_named(name: str) -> Performer:
    for performer in PERFORMERS:
        if performer.name == name:
            return performer
    raise UsageError(f"unknown performer '{name}'{did_you_mean(name, PERFORMER_NAMES)}; the synthetic performers "
                     f"are {', '.join(PERFORMER_NAMES)}")
