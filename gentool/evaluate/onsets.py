"""Onsets read from audio: when each drum hit starts in a WAV file, and how loud it is, measured from the samples
alone (no MIDI), so a rendered performance is checked by what a listener hears rather than by what was meant.

A hit of the synthesized kit (gentool.io.audio) starts abruptly, and every sound decays after it, so an onset is
where the signal's energy jumps: the amplitude envelope (the magnitude of the analytic signal, which follows a low
kick's sine without its zero crossings) is squared and averaged over the `AFTER_S` after each sample and over the
`BEFORE_S` before it. Where the ratio exceeds `rise_db`, is the largest within `min_gap` and the sound is above
SILENCE_DB, a hit starts; its time is refined to the first sample at which the envelope passes halfway from the level
before to the peak of the `PEAK_S` that follow, and its level is that peak in dB full scale. Two hits closer than
`min_gap` are one onset (a kick and a hat on the same 16th a few ms apart are heard as one attack too), and a soft hit
under a loud ringing one (a ghost note under a kick, a snare 15 ms after a clap) may not raise the energy enough to
be found (docs/groove.md gives how many it finds). `detect_onsets` takes what gentool.io.audio.read_wav reads.
"""

from __future__ import annotations

import numpy as np

AFTER_S, BEFORE_S, PEAK_S = 0.002, 0.004, 0.010
SILENCE_DB = -60.0  # energy below this (dB full scale) is no hit, whatever its rise over the silence before


def envelope(samples: np.ndarray) -> np.ndarray:
    """The magnitude of the analytic signal (Hilbert transform by FFT, zero-padded to twice the length so the end
    does not wrap onto the start)."""
    size = 2 * len(samples)
    gain = np.zeros(size)
    gain[0] = gain[size // 2] = 1.0
    gain[1:size // 2] = 2.0
    return np.abs(np.fft.ifft(np.fft.fft(samples, size) * gain))[:len(samples)]


def _mean_after(values: np.ndarray, length: int) -> np.ndarray:
    """Mean of values[n:n + length] for every n (zeros past the end)."""
    total = np.concatenate([[0.0], np.cumsum(np.concatenate([values, np.zeros(length)]))])
    return (total[length:length + len(values)] - total[:len(values)]) / length


def detect_onsets(samples: np.ndarray, rate: int, rise_db: float = 4.5, min_gap: float = 0.008
                  ) -> list[tuple[float, float]]:
    """(seconds, peak level in dBFS) of every onset, in time order."""
    amplitude = envelope(samples)
    power = amplitude**2
    after_length, before_length = int(AFTER_S * rate), int(BEFORE_S * rate)
    after = _mean_after(power, after_length)
    before = np.concatenate([np.zeros(before_length), _mean_after(power, before_length)])[:len(samples)]
    rise = 10 * np.log10((after + 1e-9) / (before + 1e-9))
    gap, peak_length = int(min_gap * rate), int(PEAK_S * rate)
    onsets: list[tuple[float, float]] = []
    for n in np.flatnonzero((rise > rise_db) & (after > 10 ** (SILENCE_DB / 10))):
        if rise[n] < rise[max(0, n - gap):n + gap + 1].max() or (onsets and n / rate - onsets[-1][0] < min_gap):
            continue
        if np.abs(samples[n:n + peak_length]).max() < 10 ** (SILENCE_DB / 20):
            continue  # the envelope's own slow tail in silence, not a sound
        start = max(0, n - after_length)
        segment = amplitude[start:n + peak_length]
        floor = np.sqrt(before[n])
        first = start + int(np.argmax(segment > (floor + segment.max()) / 2))
        onsets.append((first / rate, 20 * np.log10(np.abs(samples[first:n + peak_length]).max() + 1e-12)))
    return onsets
