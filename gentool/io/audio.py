"""WAV files of drum patterns from a small synthesized kit (numpy + the standard wave module), so a pattern can
be heard without a MIDI player or sample library. Each hit is placed at its micro-timed position and scaled by
its velocity."""

from __future__ import annotations

import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

from gentool.drums.pattern import INSTRUMENTS, DrumPattern
from gentool.errors import UsageError
from gentool.runtime.files import atomic_write

SAMPLE_RATE = 22050


def _envelope(seconds: float, decay: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return np.exp(-t / decay)


def _noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-1, 1, int(seconds * SAMPLE_RATE))


def _bright(signal: np.ndarray) -> np.ndarray:
    """A crude high-pass (first difference): cymbals and hats without the low rumble of white noise."""
    return np.diff(signal, prepend=0.0)


@lru_cache(maxsize=1)
def drum_kit() -> dict[str, np.ndarray]:
    """One mono sound per instrument, peak 1, made from sine sweeps, noise and inharmonic partials."""
    rng = np.random.default_rng(0)  # the kit is the same on every run
    t = np.arange(int(0.5 * SAMPLE_RATE)) / SAMPLE_RATE
    sweep = 2 * np.pi * np.cumsum(50 + 110 * np.exp(-t / 0.04)) / SAMPLE_RATE
    kit = {
        "kick": np.sin(sweep) * _envelope(0.5, 0.12),
        "snare": 0.6 * _noise(0.3, rng) * _envelope(0.3, 0.06)
        + 0.5 * np.sin(2 * np.pi * 190 * t[:int(0.3 * SAMPLE_RATE)]) * _envelope(0.3, 0.05),
        "closed_hat": _bright(_noise(0.08, rng)) * _envelope(0.08, 0.015),
        "open_hat": _bright(_noise(0.5, rng)) * _envelope(0.5, 0.15),
        "low_tom": np.sin(2 * np.pi * 95 * t) * _envelope(0.5, 0.16),
        "high_tom": np.sin(2 * np.pi * 165 * t[:int(0.4 * SAMPLE_RATE)]) * _envelope(0.4, 0.12),
        "crash": _bright(_noise(1.5, rng)) * _envelope(1.5, 0.5),
        "ride": (0.5 * _bright(_noise(0.8, rng))
                 + 0.5 * sum(np.sin(2 * np.pi * f * np.arange(int(0.8 * SAMPLE_RATE)) / SAMPLE_RATE)
                             for f in (3150, 4410, 5290))) * _envelope(0.8, 0.3),
    }
    clap = np.zeros(int(0.25 * SAMPLE_RATE))
    for start in (0.0, 0.011, 0.022):  # a clap is a few hands a moment apart
        burst = _bright(_noise(0.2, rng)) * _envelope(0.2, 0.03)
        begin = int(start * SAMPLE_RATE)
        clap[begin:begin + len(burst)] += burst[:len(clap) - begin]
    kit["clap"] = clap
    return {name: sound / np.abs(sound).max() for name, sound in kit.items()}


def render(pattern: DrumPattern, bpm: float = 110.0) -> np.ndarray:
    """The pattern as float samples in [-1, 1] (peak-normalised only when the mix would clip)."""
    if not 20 <= bpm <= 400:
        raise UsageError(f"--bpm must be between 20 and 400, got {bpm}")
    kit = drum_kit()
    step_seconds = 60.0 / bpm / 4
    length = int((len(pattern.hits) * step_seconds + 1.5) * SAMPLE_RATE)
    mix = np.zeros(length)
    for step, instrument in zip(*pattern.hits.nonzero()):
        start = int(max(0.0, (step + pattern.offset[step, instrument]) * step_seconds) * SAMPLE_RATE)
        sound = kit[INSTRUMENTS[instrument]] * (pattern.velocity[step, instrument] / 127) * 0.5
        mix[start:start + len(sound)] += sound[:length - start]
    peak = np.abs(mix).max()
    return mix / peak * 0.95 if peak > 0.95 else mix


def write_wav(path: str | Path, pattern: DrumPattern, bpm: float = 110.0) -> Path:
    samples = (render(pattern, bpm) * 32767).astype("<i2")

    def write(tmp: Path) -> None:
        with wave.open(str(tmp), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(SAMPLE_RATE)
            handle.writeframes(samples.tobytes())

    return atomic_write(path, write)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV (what write_wav writes) as mono float32 samples in [-1, 1], and its sample rate."""
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise UsageError(f"{path} holds {8 * handle.getsampwidth()}-bit samples; gentool reads 16-bit WAV files")
        channels, rate = handle.getnchannels(), handle.getframerate()
        frames = handle.readframes(handle.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    return samples.reshape(-1, channels).mean(axis=1), rate
