"""A groove model measured on held-out performances, performer by performer, beside three baselines:

- quantised: the score as written, every hit on the grid at one velocity (the mean of the performer's training
  hits): no feel at all;
- instrument mean: each instrument at its mean micro-timing (in ms, so a push keeps its size at every tempo) and
  mean velocity over the performer's training hits;
- hand-made: the feel `vae humanize` plays without a groove, the grammar's written statistics per step and
  instrument (gentool.drums.feel), of the grammar genre that fits the performer's training bars best.

MAE, swing and push use each method's best guess (the model's means); micro-timing spread and the overlapping
areas use a drawn performance (the model's Gaussians; the hand-made feel's spreads), since a best guess has no
spread of its own. The held-out performances' own figures stand beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from gentool.datasets.config import GENRES
from gentool.drums.feel import Feel
from gentool.drums.genres import generate_phrase
from gentool.drums.pattern import INSTRUMENTS, as_bars, as_steps
from gentool.evaluate import groove_metrics as gm
from gentool.groove.data import BarTensors, GrooveData, Performances
from gentool.groove.model import GrooveNet
from gentool.runtime.files import atomic_write_json

MEASURE_FILE = "groove_measure.json"
BASELINES = ("quantised", "instrument_mean", "hand_made")
HANDMADE_PHRASES = 100  # grammar phrases (4 bars each) per genre that the hand-made feels are computed from


@dataclass
class Playing:
    """What a method plays for (N, 16, 9) scores: its best guess and one drawn performance (velocity, offset)."""

    velocity: np.ndarray
    offset: np.ndarray
    drawn_velocity: np.ndarray
    drawn_offset: np.ndarray
    note: str = ""  # e.g. which genre's hand-made feel


@lru_cache(maxsize=1)
def handmade_feels() -> dict[str, Feel]:
    """Each grammar genre's hand-made feel, from HANDMADE_PHRASES phrases of a fixed seed."""
    feels = {}
    for genre in GENRES:
        rng = np.random.default_rng([0, GENRES.index(genre)])
        phrases = [generate_phrase(genre, rng) for _ in range(HANDMADE_PHRASES)]
        feels[genre] = Feel.of_bars(*(np.concatenate([as_bars(getattr(p, name)) for p in phrases])
                                      for name in ("hits", "velocity", "offset")))
    return feels


def _constant(value: np.ndarray, shape: tuple) -> np.ndarray:
    return np.broadcast_to(value, shape).astype(float)


def quantised(train: Performances, bars: Performances) -> Playing:
    velocity = _constant(np.array(train.velocity[train.hits].mean()), bars.hits.shape)
    offset = np.zeros(bars.hits.shape)
    return Playing(velocity, offset, velocity, offset)


def instrument_mean(train: Performances, bars: Performances) -> Playing:
    hits = train.hits
    velocity_sum = (train.velocity * hits).sum(axis=(0, 1))
    ms_sum = (gm.offset_ms(train.offset, train.bpm) * hits).sum(axis=(0, 1))
    counts = np.maximum(hits.sum(axis=(0, 1)), 1)
    velocity = _constant(velocity_sum / counts, bars.hits.shape)
    offset = (ms_sum / counts)[None, None, :] / gm.step_ms(bars.bpm)[:, None, None] * np.ones(bars.hits.shape)
    return Playing(velocity, offset, velocity, offset)


def hand_made(train: Performances, bars: Performances, rng: np.random.Generator) -> Playing:
    """The grammar genre whose hand-made feel has the smallest error on the performer's training bars (timing and
    velocity MAE, each relative to the quantised score's), played on `bars`."""
    flat = quantised(train, train)
    reference = (gm.timing_mae_ms(flat.offset, train.offset, train.hits, train.bpm) or 1.0,
                 gm.velocity_mae(flat.velocity, train.velocity, train.hits) or 1.0)

    def cost(feel: Feel) -> float:
        velocity, offset = (as_bars(a) for a in feel.mean(as_steps(train.hits)))
        return ((gm.timing_mae_ms(offset, train.offset, train.hits, train.bpm) or 0.0) / reference[0]
                + (gm.velocity_mae(velocity, train.velocity, train.hits) or 0.0) / reference[1])

    feels = handmade_feels()
    genre = min(feels, key=lambda name: cost(feels[name]))
    steps = as_steps(bars.hits)
    velocity, offset = (as_bars(a) for a in feels[genre].mean(steps))
    drawn_velocity, drawn_offset = (as_bars(a) for a in feels[genre].draw(steps, rng))
    return Playing(velocity, offset, np.clip(drawn_velocity, 1, 127), drawn_offset, note=genre)


@torch.no_grad()
def groove(model: GrooveNet, performer: int, bars: Performances, device: torch.device,
           generator: torch.Generator) -> Playing:
    tensors = BarTensors.of(bars, device)
    out = model(tensors.hits, torch.full_like(tensors.performer, performer), tensors.bpm)
    velocity, offset = out.means()
    drawn_velocity, drawn_offset = out.draw(generator)
    return Playing(velocity, offset, np.clip(drawn_velocity, 1, 127), drawn_offset)


def played_figures(bars: Performances) -> dict:
    """The held-out performances' own swing, pushes and micro-timing per instrument."""
    return {"swing": gm.swing_percent(bars.offset, bars.hits), **gm.pushes_ms(bars.offset, bars.hits, bars.bpm),
            "timing": gm.timing_by_instrument(bars.offset, bars.hits, bars.bpm)}


def method_figures(playing: Playing, bars: Performances) -> dict:
    hits = bars.hits
    timing_oa, timing_oa_by = gm.overlap_by_instrument(
        gm.offset_ms(playing.drawn_offset, bars.bpm), gm.offset_ms(bars.offset, bars.bpm), hits, gm.OA_FLOOR["timing"])
    velocity_oa, velocity_oa_by = gm.overlap_by_instrument(playing.drawn_velocity, bars.velocity, hits,
                                                           gm.OA_FLOOR["velocity"])
    figures = {
        "timing_mae_ms": gm.timing_mae_ms(playing.offset, bars.offset, hits, bars.bpm),
        "velocity_mae": gm.velocity_mae(playing.velocity, bars.velocity, hits),
        "timing_mae_ms_by_instrument": _by_instrument(
            lambda i: gm.timing_mae_ms(playing.offset, bars.offset, hits, bars.bpm, i)),
        "velocity_mae_by_instrument": _by_instrument(lambda i: gm.velocity_mae(playing.velocity, bars.velocity,
                                                                               hits, i)),
        "swing": gm.swing_percent(playing.offset, hits), **gm.pushes_ms(playing.offset, hits, bars.bpm),
        "timing": gm.timing_by_instrument(playing.drawn_offset, hits, bars.bpm),
        "timing_oa": timing_oa, "velocity_oa": velocity_oa,
        "timing_oa_by_instrument": timing_oa_by, "velocity_oa_by_instrument": velocity_oa_by,
    }
    return {**figures, "feel_of": playing.note} if playing.note else figures


def _by_instrument(figure) -> dict[str, float]:
    values = {name: figure(index) for index, name in enumerate(INSTRUMENTS)}
    return {name: value for name, value in values.items() if value is not None}


def margins(methods: dict[str, dict]) -> dict:
    """How far below the best baseline the groove's MAEs are, as a share of that baseline's (0.3 = 30% lower)."""
    result = {}
    for figure in ("timing_mae_ms", "velocity_mae"):
        best = min(BASELINES, key=lambda name: methods[name][figure])
        result[figure] = {"best_baseline": best,
                          "lower_by": round(1 - methods["groove"][figure] / methods[best][figure], 4)}
    return result


def measure_performer(model: GrooveNet, performer: int, train: Performances, held_out: Performances,
                      device: torch.device, seed: int) -> dict:
    """The model playing `held_out`'s scores as its performer number `performer`, beside the baselines computed
    from `train` (the same performer's training bars), all scored against `held_out`'s performances."""
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    methods = {"groove": method_figures(groove(model, performer, held_out, device, generator), held_out),
               "quantised": method_figures(quantised(train, held_out), held_out),
               "instrument_mean": method_figures(instrument_mean(train, held_out), held_out),
               "hand_made": method_figures(hand_made(train, held_out, rng), held_out)}
    return {"bars": len(held_out), "hits": int(held_out.hits.sum()), "held_out": played_figures(held_out),
            "methods": methods, "margins": margins(methods)}


def measure_groove(model: GrooveNet, data: GrooveData, device: torch.device, seed: int) -> dict:
    """Every performer's held-out performances."""
    performers = {name: measure_performer(model, index, data.train.of(name), data.val.of(name), device, seed)
                  for index, name in enumerate(data.performers)}
    return {"seed": seed, "baselines": list(BASELINES), "performers": performers}


def save_measure(folder: Path, report: dict) -> Path:
    return atomic_write_json(Path(folder) / MEASURE_FILE, report)
