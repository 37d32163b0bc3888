"""Musical metrics of drum patterns: pure functions of hit arrays, each one shown to fail on the wrong data.

Inputs are hits of shape (N, 16, 9) (N one-bar patterns; a single (16, 9) bar works too) as 0/1 or bool.

- density: hits / (16 x 9).
- syncopation: Longuet-Higgins & Lee. Metrical weights for 16 steps: 0 on the downbeat, -1 on beat 3, -2 on
  beats 2 and 4, -3 on the other 8ths, -4 on the 16ths. Each onset of the rhythm line (kick, snare, toms, clap:
  the hats and cymbals keep time and would mask it) followed by a silent stronger position before the next onset
  (the bar taken as a loop) scores that weight difference. The sum is divided by the largest sum any 16-step
  pattern can reach, so it lies in [0, 1].
- symmetry: the share of hits whose partner half a bar away (step +- 8, same instrument) is also a hit;
  1 = the two halves of the bar are the same.
- groove consistency (several bars): the mean Jaccard similarity of the hit sets of consecutive bars.
- validity: the rule set below, all of which must hold; it separates played grooves from random hits.
- diversity: the mean pairwise Hamming distance of a set of patterns, divided by 144 (0 = all identical).
- novelty: the mean distance from each pattern to its nearest neighbour in a reference (training) set, / 144.
"""

from __future__ import annotations

from functools import lru_cache

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
)

CELLS = STEPS_PER_BAR * len(INSTRUMENTS)
LHL_WEIGHTS = np.array([0, -4, -3, -4, -2, -4, -3, -4, -1, -4, -3, -4, -2, -4, -3, -4])
RHYTHM_LINE = (KICK, SNARE, LOW_TOM, HIGH_TOM, CLAP)
DOWNBEAT_ANCHORS = (KICK, RIDE, CRASH)
TIMEKEEPERS = (KICK, CLOSED_HAT, OPEN_HAT, RIDE)

# The validity rules: (name, what it asks). Thresholds are written in `validity_checks`.
VALIDITY_RULES = (
    ("density", "between 4 and 48 hits in the bar"),
    ("kick_or_snare", "a kick, snare or clap is played"),
    ("hi_hat", "never a closed and an open hi-hat on the same step"),
    ("polyphony", "at most 4 instruments on any step"),
    ("downbeat", "the downbeat is marked by a kick, ride or crash"),
    ("meter", "at least half of the hits fall on 8th-note positions"),
    ("timekeeping", "one voice (kick, closed or open hat, ride) plays at least 4 times"),
)


def _bars(hits: np.ndarray) -> np.ndarray:
    hits = np.asarray(hits).astype(bool)
    return hits[None] if hits.ndim == 2 else hits


def density(hits: np.ndarray) -> np.ndarray:
    return _bars(hits).reshape(-1, CELLS).mean(axis=1)


def _lhl_raw(onsets: np.ndarray) -> np.ndarray:
    """Unnormalised LHL syncopation of (N, 16) onset rows."""
    count = len(onsets)
    total = np.zeros(count)
    doubled = np.concatenate([onsets, onsets], axis=1)  # the bar as a loop
    weights = np.concatenate([LHL_WEIGHTS, LHL_WEIGHTS])
    for start in range(STEPS_PER_BAR):
        active = onsets[:, start]
        strongest_rest = np.full(count, -np.inf)
        open_ = active.copy()  # still scanning the rests after this onset
        for later in range(start + 1, start + STEPS_PER_BAR):
            open_ &= ~doubled[:, later]
            strongest_rest = np.where(open_, np.maximum(strongest_rest, weights[later]), strongest_rest)
        gain = strongest_rest - LHL_WEIGHTS[start]
        total += np.where(active & (gain > 0), gain, 0.0)
    return total


@lru_cache(maxsize=1)
def _lhl_maximum() -> float:
    every_pattern = (np.arange(2**STEPS_PER_BAR)[:, None] >> np.arange(STEPS_PER_BAR)) & 1
    return float(_lhl_raw(every_pattern.astype(bool)).max())


def syncopation(hits: np.ndarray) -> np.ndarray:
    line = _bars(hits)[:, :, RHYTHM_LINE].any(axis=2)
    return _lhl_raw(line) / _lhl_maximum()


def symmetry(hits: np.ndarray) -> np.ndarray:
    """NaN for an empty bar, where there is nothing to compare."""
    bars = _bars(hits)
    mirrored = np.roll(bars, STEPS_PER_BAR // 2, axis=1)
    count = bars.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (bars & mirrored).sum(axis=(1, 2)) / count, np.nan)


def groove_consistency(bars: np.ndarray) -> float:
    """Mean Jaccard similarity of consecutive bars of one sequence (B, 16, 9); NaN for fewer than two bars."""
    bars = _bars(bars)
    if len(bars) < 2:
        return float("nan")
    first, second = bars[:-1], bars[1:]
    union = (first | second).sum(axis=(1, 2))
    shared = (first & second).sum(axis=(1, 2))
    return float(np.mean(np.where(union > 0, shared / np.maximum(union, 1), 1.0)))


def validity_checks(hits: np.ndarray) -> dict[str, np.ndarray]:
    bars = _bars(hits)
    counts = bars.sum(axis=(1, 2))
    on_eighths = bars[:, 0::2].sum(axis=(1, 2))
    return {
        "density": (counts >= 4) & (counts <= 48),
        "kick_or_snare": bars[:, :, [KICK, SNARE, CLAP]].any(axis=(1, 2)),
        "hi_hat": ~(bars[:, :, CLOSED_HAT] & bars[:, :, OPEN_HAT]).any(axis=1),
        "polyphony": bars.sum(axis=2).max(axis=1) <= 4,
        "downbeat": bars[:, 0, list(DOWNBEAT_ANCHORS)].any(axis=1),
        "meter": on_eighths * 2 >= counts,
        "timekeeping": (bars[:, :, list(TIMEKEEPERS)].sum(axis=1) >= 4).any(axis=1),
    }


def validity(hits: np.ndarray) -> np.ndarray:
    checks = validity_checks(hits)
    return np.logical_and.reduce(list(checks.values()))


def _hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 144) x (M, 144) 0/1 -> (N, M) counts of differing cells: |a| + |b| - 2 a.b, one product (exact in
    float32: every count is a small integer)."""
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    return a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - 2 * (a @ b.T)


def diversity(hits: np.ndarray) -> float:
    """Summed cell by cell rather than from the N x N distance matrix, so memory grows with N, not with its square:
    a cell played in k of N bars differs in k (N - k) of the unordered pairs."""
    flat = _bars(hits).reshape(-1, CELLS)
    count = len(flat)
    if count < 2:
        return float("nan")
    played = flat.sum(axis=0, dtype=np.int64)
    differing_pairs = float((played * (count - played)).sum())
    return differing_pairs / (count * (count - 1) / 2) / CELLS


# novelty compares bars with the reference a block at a time: about a million distances (4 MB) a block, so memory
# stays flat however large the dataset
NOVELTY_BLOCK = 2**20


def novelty(hits: np.ndarray, reference: np.ndarray) -> float:
    flat = _bars(hits).reshape(-1, CELLS)
    reference = _bars(reference).reshape(-1, CELLS)
    chunk = max(1, NOVELTY_BLOCK // max(len(reference), 1))
    nearest = np.concatenate([_hamming(flat[i:i + chunk], reference).min(axis=1)
                              for i in range(0, len(flat), chunk)])
    return float(nearest.mean() / CELLS)


def summarise(hits: np.ndarray, reference: np.ndarray | None = None) -> dict:
    """The set-level figures of a group of one-bar patterns."""
    bars = _bars(hits)
    figures = {
        "patterns": len(bars),
        "density": round(float(density(bars).mean()), 4),
        "syncopation": round(float(syncopation(bars).mean()), 4),
        "symmetry": round(float(np.nanmean(symmetry(bars))), 4) if bars.any() else None,
        "validity": round(float(validity(bars).mean()), 4),
        "diversity": round(diversity(bars), 4) if len(bars) > 1 else None,
    }
    if reference is not None:
        figures["novelty"] = round(novelty(bars, reference), 4)
    return figures


def random_like(hits: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random patterns with the same overall density as `hits`: the 'no structure' baseline."""
    return rng.random((count, STEPS_PER_BAR, len(INSTRUMENTS))) < density(hits).mean()


def collapsed_like(hits: np.ndarray, count: int) -> np.ndarray:
    """One real pattern repeated: the 'collapsed generator' baseline."""
    return np.repeat(_bars(hits)[:1], count, axis=0)
