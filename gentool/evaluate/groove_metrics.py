"""How a drum performance is played, and how close a generated one comes: the measurements of the groove literature,
as pure functions of (N, 16, 9) arrays (hits, velocity 0-127, offset in steps) and each bar's tempo.

- timing MAE: mean |generated - played| micro-timing of the played hits, in milliseconds at each bar's tempo
  (GrooVAE, Gillick et al. 2019, report it per hit, in ms);
- velocity MAE: mean |generated - played| MIDI velocity;
- swing: where the second 16th of each pair falls, in percent of the pair (50 straight, 66.7 a triplet), from
  the time-keepers (hi-hats, ride): 50 (1 + d), d the mean offset of their off-beat 16ths minus that of their 8ths;
- push: the mean micro-timing (ms) of the snare on 2 and 4 and of the kick on 1 and 3 (negative: early);
- micro-timing mean and spread per instrument (ms);
- overlapping area (Yang & Lerch 2020, "On the evaluation of generative models in music"): the area shared by the
  two probability densities of a feature (kernel density estimates), 1 = the same distribution, 0 = disjoint.
"""

from __future__ import annotations

import numpy as np

from gentool.drums.pattern import CLOSED_HAT, INSTRUMENTS, KICK, OPEN_HAT, RIDE, SNARE

TIMEKEEPERS = (CLOSED_HAT, OPEN_HAT, RIDE)
PUSHES = {"snare_push_ms": (SNARE, (4, 12)), "kick_push_ms": (KICK, (0, 8))}
MIN_HITS = 5  # fewer hits give no mean, spread or swing worth reading
# kernel bandwidths are never narrower than these, so a method that always plays the same value (a spike) has a
# density to compare: 1 ms is below what a listener hears, 1 velocity step below what a kit plays differently
OA_FLOOR = {"timing": 1.0, "velocity": 1.0}
OA_GRID = 512


def step_ms(bpm: np.ndarray | float) -> np.ndarray:
    """The length of a 16th note in milliseconds at a tempo."""
    return 60_000.0 / np.asarray(bpm, dtype=float) / 4


def offset_ms(offset: np.ndarray, bpm: np.ndarray) -> np.ndarray:
    """(N, 16, 9) offsets in steps -> milliseconds at each bar's tempo (N,)."""
    return offset * step_ms(bpm)[:, None, None]


def _mean(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 3) if values.size >= MIN_HITS else None


def timing_mae_ms(generated: np.ndarray, played: np.ndarray, hits: np.ndarray, bpm: np.ndarray,
                  instrument: int | None = None) -> float | None:
    error = np.abs(offset_ms(generated - played, bpm))
    mask = hits if instrument is None else hits & (np.arange(len(INSTRUMENTS)) == instrument)
    return _mean(error[mask])


def velocity_mae(generated: np.ndarray, played: np.ndarray, hits: np.ndarray,
                 instrument: int | None = None) -> float | None:
    error = np.abs(generated.astype(float) - played.astype(float))
    mask = hits if instrument is None else hits & (np.arange(len(INSTRUMENTS)) == instrument)
    return _mean(error[mask])


def swing_percent(offset: np.ndarray, hits: np.ndarray) -> float | None:
    keepers = hits[:, :, TIMEKEEPERS]
    timing = offset[:, :, TIMEKEEPERS]
    even, odd = keepers[:, 0::2], keepers[:, 1::2]
    if even.sum() < MIN_HITS or odd.sum() < MIN_HITS:
        return None
    late = timing[:, 1::2][odd].mean() - timing[:, 0::2][even].mean()
    return round(float(50 * (1 + late)), 2)


def pushes_ms(offset: np.ndarray, hits: np.ndarray, bpm: np.ndarray) -> dict[str, float | None]:
    ms = offset_ms(offset, bpm)
    return {name: _mean(ms[:, list(steps), instrument][hits[:, list(steps), instrument]])
            for name, (instrument, steps) in PUSHES.items()}


def timing_by_instrument(offset: np.ndarray, hits: np.ndarray, bpm: np.ndarray) -> dict[str, dict]:
    """Per instrument with enough hits: the mean and spread (standard deviation) of its micro-timing in ms."""
    ms = offset_ms(offset, bpm)
    figures = {}
    for index, name in enumerate(INSTRUMENTS):
        values = ms[:, :, index][hits[:, :, index]]
        if values.size >= MIN_HITS:
            figures[name] = {"mean_ms": round(float(values.mean()), 3), "spread_ms": round(float(values.std()), 3)}
    return figures


def _density(values: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    z = (grid[None, :] - values[:, None]) / bandwidth
    return np.exp(-0.5 * z**2).sum(axis=0) / (len(values) * bandwidth * np.sqrt(2 * np.pi))


def _bandwidth(values: np.ndarray, floor: float) -> float:
    """Scott's rule, never below `floor`."""
    return max(float(values.std()) * len(values) ** (-1 / 5), floor)


def overlapping_area(generated: np.ndarray, reference: np.ndarray, floor: float) -> float | None:
    """The area under both kernel density estimates at once, in [0, 1]."""
    generated, reference = np.asarray(generated, float), np.asarray(reference, float)
    if generated.size < MIN_HITS or reference.size < MIN_HITS:
        return None
    bandwidths = _bandwidth(generated, floor), _bandwidth(reference, floor)
    low = min(generated.min(), reference.min()) - 4 * max(bandwidths)
    high = max(generated.max(), reference.max()) + 4 * max(bandwidths)
    grid = np.linspace(low, high, OA_GRID)
    shared = np.minimum(_density(generated, grid, bandwidths[0]), _density(reference, grid, bandwidths[1]))
    return round(float(np.clip(shared.sum() * (grid[1] - grid[0]), 0.0, 1.0)), 4)


def overlap_by_instrument(generated: np.ndarray, reference: np.ndarray, hits: np.ndarray, floor: float
                          ) -> tuple[float | None, dict[str, float]]:
    """Per instrument, the overlapping area of a feature's values on the played hits; and their mean weighted by
    each instrument's hits."""
    per_instrument, weights = {}, {}
    for index, name in enumerate(INSTRUMENTS):
        mask = hits[:, :, index]
        area = overlapping_area(generated[:, :, index][mask], reference[:, :, index][mask], floor)
        if area is not None:
            per_instrument[name], weights[name] = area, int(mask.sum())
    if not per_instrument:
        return None, {}
    total = sum(weights.values())
    return round(sum(per_instrument[n] * weights[n] for n in per_instrument) / total, 4), per_instrument
