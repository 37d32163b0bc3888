"""Synthetic drummers whose feel is known, written as MIDI performances: test material for a groove model when no
drum-performance corpus can be had, and built-in data for a first `groove train`.

Each performer plays scores drawn from the rock, hiphop and electronic grammars (hits only: the grammar's own
velocities and timing are thrown away), one tempo per file, and adds its own feel, stated in milliseconds at the
file's tempo and in MIDI velocity:

- swing: the second 16th of each pair is played late, at `swing` percent of the pair (50 straight, 66.7 a triplet);
- push: the snare on 2 and 4 and the kick on 1 and 3 are played early (negative) or late (positive) by a stated
  number of milliseconds; the hi-hats, ride and everything else are offset by `others_ms`;
- accents: the hi-hats and ride get a velocity pattern over the four 16ths of each beat;
- ghost notes: a snare off 2 and 4 is played as a ghost note (velocity 22-38), and the performer adds ghost notes
  on empty off-beat 16ths with probability `ghost_rate`;
- noise: Gaussian timing (ms) and velocity noise on every hit.

So every performer has timing and velocity that depend on where a hit sits in the bar, which per-instrument means
cannot give, and the performers differ only in feel: the scores alone do not say who plays them.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from gentool.drums.genres import generate_phrase
from gentool.drums.pattern import CLOSED_HAT, KICK, OPEN_HAT, RIDE, SNARE, STEPS_PER_BAR, DrumPattern
from gentool.evaluate.groove_metrics import step_ms
from gentool.groove.drummers import PERFORMER_NAMES, PERFORMERS, Performer, performer_named
from gentool.io.midi import write_midi

SCORE_GENRES = ("rock", "hiphop", "electronic")
TEMPI = (84.0, 92.0, 100.0, 108.0, 116.0, 124.0)  # one per file, drawn
TIMEKEEPERS = (CLOSED_HAT, OPEN_HAT, RIDE)
BACKBEAT = (4, 12)  # 2 and 4
DOWNBEATS = (0, 8)  # 1 and 3
GHOST_VELOCITY = (22, 38)
BASE_VELOCITY = 96  # every instrument's velocity before accents, ghost notes and noise


def score(rng: np.random.Generator, bars: int) -> np.ndarray:
    """(bars * 16, 9) hits from one of the score genres' grammars."""
    genre = SCORE_GENRES[rng.integers(len(SCORE_GENRES))]
    return generate_phrase(genre, rng, bars).hits


def perform(performer: Performer, hits: np.ndarray, bpm: float, rng: np.random.Generator) -> DrumPattern:
    """The performer's playing of a score at a tempo: ghost notes added, then velocity and timing per hit."""
    hits = hits.copy()
    step = np.arange(len(hits)) % STEPS_PER_BAR
    off_beat = (step % 2 == 1)[:, None]
    empty_snare = ~hits[:, SNARE] & off_beat[:, 0]
    hits[:, SNARE] |= empty_snare & (rng.random(len(hits)) < performer.ghost_rate)

    backbeat_snare = np.isin(step, BACKBEAT)
    downbeat_kick = np.isin(step, DOWNBEATS)
    ghost = np.zeros(hits.shape, dtype=bool)
    ghost[:, SNARE] = ~backbeat_snare
    velocity = np.full(hits.shape, float(BASE_VELOCITY))
    velocity[:, list(TIMEKEEPERS)] += np.array(performer.accents)[step % 4][:, None]
    velocity = np.where(ghost, rng.uniform(*GHOST_VELOCITY, hits.shape), velocity)
    velocity += rng.normal(0, performer.velocity_noise, hits.shape)

    ms = np.full(hits.shape, performer.others_ms)
    ms[:, SNARE] = np.where(backbeat_snare, performer.snare_ms, 0.0)
    ms[:, KICK] = np.where(downbeat_kick, performer.kick_ms, 0.0)
    offset = (ms + rng.normal(0, performer.timing_noise_ms, hits.shape)) / step_ms(bpm)
    offset += np.where(off_beat, performer.swing_steps, 0.0)
    return DrumPattern(hits, np.clip(np.rint(velocity), 1, 127), offset)


def write_performances(out: Path, performers: list[str] | None = None, files: int = 40, bars: int = 8,
                       seed: int = 0) -> dict:
    """OUT/<performer>/<performer>-NNN.mid for each performer: `files` performances of `bars` bars, each at a tempo
    drawn from TEMPI; the same seed writes the same files. Returns what was written and each performer's feel."""
    chosen = [performer_named(name) for name in performers] if performers else list(PERFORMERS)
    written = {}
    for performer in chosen:
        rng = np.random.default_rng([seed, PERFORMER_NAMES.index(performer.name)])
        folder = Path(out) / performer.name
        paths = []
        for number in range(files):
            bpm = float(TEMPI[rng.integers(len(TEMPI))])
            pattern = perform(performer, score(rng, bars), bpm, rng)
            paths.append(str(write_midi(folder / f"{performer.name}-{number + 1:03d}.mid", pattern, bpm)))
        written[performer.name] = {"folder": str(folder), "files": len(paths), "bars": files * bars,
                                   "feel": asdict(performer)}
    return {"out": str(out), "seed": seed, "performers": written}
