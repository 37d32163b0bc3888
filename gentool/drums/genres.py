"""Five genres as probabilistic grammars of what makes each one that genre.

Each call draws a phrase (4 bars by default): a groove chosen for the whole phrase (so its bars agree, as a
drummer's do), per-bar variation (ghost notes, dropped and added hits), often a fill in the last bar, and the
genre's feel in velocities and micro-timing (swing, a laid-back snare, accents, machine-tight electronic
timing). The feel is ground truth that humanization can later be measured against.

- rock: kick on 1 and 3 with pickups, backbeat snare on 2 and 4, 8th (sometimes 16th) hats or ride, crash on
  the one, tom fills, snare ghost notes.
- jazz: swung ride "ding, ding-da-ding" (the skip note a triplet late, written as the next 16th pushed 1/3 step
  early), hi-hat foot on 2 and 4, feathered kick, sparse swung snare comping, occasional kick "bombs".
- hiphop: syncopated boom-bap kicks, laid-back snare on 2 and 4 often layered with claps, swung 16th hats,
  open-hat accents, drops in the last bar.
- electronic: four-on-the-floor kick, clap (and/or snare) on 2 and 4, off-beat open hats, 16th closed hats,
  snare roll builds; velocities and timing nearly mechanical.
- latin: son or rumba clave (3-2 or 2-3) played as a cross-stick on the snare, cowbell-like ride accents
  (cascara or quarter-note bell), tumbao toms (slaps on 2 and 4, open tones on the and of 4), bossa or songo
  kick, tom fills.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from gentool.drums.pattern import (
    CLAP,
    CLOSED_HAT,
    CRASH,
    HIGH_TOM,
    INSTRUMENTS,
    KICK,
    LOW_TOM,
    OPEN_HAT,
    RIDE,
    SNARE,
    STEPS_PER_BAR,
    DrumPattern,
)

SWUNG = -1.0 / 3.0  # a swung 8th lands 2/3 into the beat: the next 16th, a third of a step early


class Phrase:
    """Hits being written into `bars` bars, with the genre's timing jitter and velocity spread."""

    def __init__(self, bars: int, rng: np.random.Generator, timing_jitter: float, velocity_spread: float):
        self.bars = bars
        self.rng = rng
        self.timing_jitter = timing_jitter
        self.velocity_spread = velocity_spread
        shape = (bars * STEPS_PER_BAR, len(INSTRUMENTS))
        self.hits = np.zeros(shape, dtype=bool)
        self.velocity = np.zeros(shape, dtype=np.float32)
        self.offset = np.zeros(shape, dtype=np.float32)
        self.anchors = np.zeros(shape, dtype=bool)  # hits the variation pass must not drop

    def hit(self, bar: int, step: int, instrument: int, velocity: float, offset: float = 0.0,
            anchor: bool = False) -> None:
        row = bar * STEPS_PER_BAR + step
        self.hits[row, instrument] = True
        self.velocity[row, instrument] = velocity + self.rng.normal(0, self.velocity_spread)
        self.offset[row, instrument] = offset + self.rng.normal(0, self.timing_jitter)
        self.anchors[row, instrument] |= anchor

    def clear(self, bar: int, steps: range, instruments: tuple[int, ...]) -> None:
        rows = slice(bar * STEPS_PER_BAR + steps.start, bar * STEPS_PER_BAR + steps.stop)
        for instrument in instruments:
            self.hits[rows, instrument] = False
            self.anchors[rows, instrument] = False

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)

    def vary(self, drop: float, add: float, add_instruments: tuple[int, ...], add_velocity: float) -> None:
        """Drop non-anchor hits with probability `drop`; add up to one stray hit per bar with probability `add`."""
        dropped = self.hits & ~self.anchors & (self.rng.random(self.hits.shape) < drop)
        self.hits &= ~dropped
        for bar in range(self.bars):
            if self.chance(add):
                step = int(self.rng.integers(STEPS_PER_BAR))
                self.hit(bar, step, int(self.rng.choice(add_instruments)), add_velocity)

    def finish(self) -> DrumPattern:
        # one hi-hat cannot be open and closed at once: the open stroke wins
        self.hits[:, CLOSED_HAT] &= ~self.hits[:, OPEN_HAT]
        velocity = np.rint(np.clip(self.velocity, 1, 127))
        return DrumPattern(self.hits, velocity.astype(np.uint8), self.offset)


def rock(phrase: Phrase) -> None:
    rng = phrase.rng
    kicks = [[0, 8], [0, 8, 10], [0, 7, 8], [0, 8, 14], [0, 2, 8, 10], [0, 6, 8]][rng.integers(6)]
    sixteenths = phrase.chance(0.25)
    ride = phrase.chance(0.15)
    ghosts = phrase.chance(0.35)
    fill = phrase.chance(0.6)
    for bar in range(phrase.bars):
        for step in kicks:
            phrase.hit(bar, step, KICK, 108 if step in (0, 8) else 92, anchor=step == 0)
        if phrase.chance(0.2):
            phrase.hit(bar, int(rng.choice([6, 10, 11, 14, 15])), KICK, 88)
        for step in (4, 12):
            phrase.hit(bar, step, SNARE, 115, offset=0.02, anchor=True)
        if ghosts:
            for step in (3, 6, 9, 14, 15):
                if phrase.chance(0.3):
                    phrase.hit(bar, step, SNARE, 35)
        timekeeper = RIDE if ride else CLOSED_HAT
        for step in range(0, STEPS_PER_BAR, 1 if sixteenths else 2):
            phrase.hit(bar, step, timekeeper, 95 if step % 4 == 0 else (75 if step % 2 == 0 else 60))
        if not ride and phrase.chance(0.25):
            phrase.hit(bar, 14, OPEN_HAT, 90)
    if phrase.chance(0.8):
        phrase.hit(0, 0, CRASH, 115)
    if fill:
        last = phrase.bars - 1
        start = 8 if phrase.chance(0.3) else 12
        phrase.clear(last, range(start, STEPS_PER_BAR), (CLOSED_HAT, RIDE, OPEN_HAT, SNARE))
        # down the kit: snare, high tom, low tom; a short fill keeps only its end
        drums = [SNARE, SNARE, HIGH_TOM, HIGH_TOM, HIGH_TOM, LOW_TOM, LOW_TOM, LOW_TOM][start - 8:]
        for position, (step, drum) in enumerate(zip(range(start, STEPS_PER_BAR), drums)):
            phrase.hit(last, step, drum, 90 + 3 * position)
    phrase.vary(drop=0.04, add=0.15, add_instruments=(SNARE, KICK), add_velocity=40)


def jazz(phrase: Phrase) -> None:
    rng = phrase.rng
    feathered = phrase.chance(0.5)
    for bar in range(phrase.bars):
        for step in (0, 4, 8, 12):
            phrase.hit(bar, step, RIDE, 92 if step in (4, 12) else 78, anchor=step == 0)
        for step in (7, 15):  # the skip note: swung 8th after beats 2 and 4
            if phrase.chance(0.85):
                phrase.hit(bar, step, RIDE, 62, offset=SWUNG)
        if phrase.chance(0.2):
            phrase.hit(bar, 3, RIDE, 58, offset=SWUNG)
        for step in (4, 12):
            phrase.hit(bar, step, CLOSED_HAT, 78, anchor=True)
        if feathered:
            for step in (0, 4, 8, 12):
                phrase.hit(bar, step, KICK, 32)
        for _ in range(int(rng.integers(1, 4))):  # sparse comping on swung off-beats
            step = int(rng.choice([2, 3, 6, 7, 10, 11, 14, 15]))
            phrase.hit(bar, step, SNARE, float(rng.uniform(45, 80)), offset=SWUNG if step % 2 else 0.0)
        if phrase.chance(0.3):
            step = int(rng.choice([3, 7, 11, 15]))
            phrase.hit(bar, step, KICK, 95, offset=SWUNG)  # a "bomb"
    if phrase.chance(0.2):
        phrase.hit(0, 0, CRASH, 90)
    if phrase.chance(0.3):
        last = phrase.bars - 1
        for step, offset in ((12, 0.0), (13, 1.0 / 3.0), (15, SWUNG)):  # a triplet run into the next bar
            phrase.hit(last, step, SNARE, 85, offset=offset)
    phrase.vary(drop=0.03, add=0.1, add_instruments=(SNARE,), add_velocity=45)


def hiphop(phrase: Phrase) -> None:
    rng = phrase.rng
    kicks = [[0, 10], [0, 7, 10], [0, 3, 8, 10], [0, 8, 11, 14], [0, 6, 10], [0, 2, 7, 10]][rng.integers(6)]
    lay_back = float(rng.uniform(0.06, 0.15))
    swing = float(rng.uniform(0.08, 0.2))
    sixteenths = phrase.chance(0.4)
    clap = phrase.chance(0.5)
    clap_only = clap and phrase.chance(0.3)
    for bar in range(phrase.bars):
        for step in kicks:
            phrase.hit(bar, step, KICK, 115 if step == 0 else 100, anchor=step == 0)
        if phrase.chance(0.25):
            phrase.hit(bar, int(rng.choice([5, 11, 13, 15])), KICK, 85)
        for step in (4, 12):
            if not clap_only:
                phrase.hit(bar, step, SNARE, 112, offset=lay_back, anchor=True)
            if clap:
                phrase.hit(bar, step, CLAP, 105, offset=lay_back + 0.02, anchor=clap_only)
        for step in range(0, STEPS_PER_BAR, 1 if sixteenths else 2):
            phrase.hit(bar, step, CLOSED_HAT, 88 if step % 4 == 0 else (70 if step % 2 == 0 else 55),
                       offset=swing if step % 2 else 0.0)
        if phrase.chance(0.3):
            phrase.hit(bar, int(rng.choice([6, 14])), OPEN_HAT, 80)
    last = phrase.bars - 1
    if phrase.chance(0.3):
        phrase.clear(last, range(12, STEPS_PER_BAR), (KICK,))  # the drop before the turnaround
    if phrase.chance(0.3):
        phrase.hit(last, 15, SNARE, 70, offset=lay_back)
    phrase.vary(drop=0.04, add=0.1, add_instruments=(KICK, CLOSED_HAT), add_velocity=70)


def electronic(phrase: Phrase) -> None:
    clap = phrase.chance(0.8)
    snare = not clap or phrase.chance(0.4)
    open_hats = phrase.chance(0.9)
    sixteenths = phrase.chance(0.5)
    ride = not sixteenths and phrase.chance(0.4)  # a ride on the beat replaces the 16th hats
    for bar in range(phrase.bars):
        for step in (0, 4, 8, 12):
            phrase.hit(bar, step, KICK, 120, anchor=True)
        for step in (4, 12):
            if clap:
                phrase.hit(bar, step, CLAP, 110, anchor=True)
            if snare:
                phrase.hit(bar, step, SNARE, 105, anchor=not clap)
        if open_hats:
            for step in (2, 6, 10, 14):
                phrase.hit(bar, step, OPEN_HAT, 95)
        if sixteenths:
            for step in range(STEPS_PER_BAR):
                phrase.hit(bar, step, CLOSED_HAT, 80 if step % 2 else 68)
        if ride:
            for step in (0, 4, 8, 12):
                phrase.hit(bar, step, RIDE, 85)
    if phrase.chance(0.6):
        phrase.hit(0, 0, CRASH, 115)
    if phrase.chance(0.4):  # a snare roll building into the next phrase
        last = phrase.bars - 1
        for step in range(8, STEPS_PER_BAR):
            phrase.hit(last, step, SNARE, 60 + 5 * (step - 8))
    phrase.vary(drop=0.02, add=0.05, add_instruments=(CLOSED_HAT,), add_velocity=70)


CLAVES = {"son 3-2": (0, 3, 6, 10, 12), "rumba 3-2": (0, 3, 7, 10, 12), "son 2-3": (2, 4, 8, 11, 14),
          "rumba 2-3": (2, 4, 7, 11, 14)}


def latin(phrase: Phrase) -> None:
    rng = phrase.rng
    clave = list(CLAVES.values())[rng.integers(len(CLAVES))]
    cascara = phrase.chance(0.5)
    kick = [(0, 3, 8, 11), (6, 14), (0, 6, 14), (0, 3, 4, 8, 11, 12)][rng.integers(4)]
    slaps = phrase.chance(0.7)
    foot = phrase.chance(0.5)
    for bar in range(phrase.bars):
        for step in clave:
            phrase.hit(bar, step, SNARE, 78, anchor=True)  # cross-stick
        bell = (0, 2, 4, 5, 7, 9, 11, 12, 14) if cascara else (0, 4, 8, 12)
        for step in bell:
            phrase.hit(bar, step, RIDE, 100 if step in (0, 4, 8, 12) else 72, anchor=step == 0)
        for step in kick:
            phrase.hit(bar, step, KICK, 95, offset=-0.03)
        if slaps:
            for step in (4, 12):
                if step not in clave:  # two hands: the cross-stick and the bell already play there
                    phrase.hit(bar, step, HIGH_TOM, 88)
        phrase.hit(bar, 14, LOW_TOM, 92)
        if phrase.chance(0.5):
            phrase.hit(bar, 15, LOW_TOM, 84)
        if foot:
            for step in (4, 12):
                phrase.hit(bar, step, CLOSED_HAT, 70)
    if phrase.chance(0.4):
        last = phrase.bars - 1
        phrase.clear(last, range(12, STEPS_PER_BAR), (SNARE, HIGH_TOM, LOW_TOM))  # the bell keeps time
        for step, drum in zip(range(12, STEPS_PER_BAR), (HIGH_TOM, HIGH_TOM, LOW_TOM, LOW_TOM)):
            phrase.hit(last, step, drum, 100)
    phrase.vary(drop=0.03, add=0.1, add_instruments=(HIGH_TOM, LOW_TOM), add_velocity=70)


GRAMMARS: dict[str, tuple[Callable[[Phrase], None], float, float]] = {
    # genre: (grammar, timing jitter in steps, velocity spread)
    "rock": (rock, 0.03, 6.0),
    "jazz": (jazz, 0.04, 8.0),
    "hiphop": (hiphop, 0.03, 6.0),
    "electronic": (electronic, 0.005, 2.0),
    "latin": (latin, 0.025, 6.0),
}


def generate_phrase(genre: str, rng: np.random.Generator, bars: int = 4) -> DrumPattern:
    grammar, jitter, spread = GRAMMARS[genre]
    phrase = Phrase(bars, rng, jitter, spread)
    grammar(phrase)
    return phrase.finish()
