"""Pattern files a user hands to gentool: MIDI (.mid, .midi) or NumPy arrays (.npy) of shape (16 x bars, 9), or
(bars, 16, 9) as the drum dataset stores bars; any other shape is refused with the shape found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gentool.drums.pattern import STEPS_PER_BAR, DrumPattern, check_shape
from gentool.errors import UsageError
from gentool.io.midi import read_midi


@dataclass
class PatternFile:
    pattern: DrumPattern
    bpm: float | None  # a MIDI file's tempo; None for a .npy array, which has none


def load_pattern_file(path: str | Path) -> DrumPattern:
    return read_pattern_file(path).pattern


def read_pattern_file(path: str | Path) -> PatternFile:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"pattern file '{path}' does not exist")
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        result = read_midi(path)
        if result.pattern is None:
            raise UsageError(f"'{path}' has no usable drum notes on channel 10 (General MIDI percussion)")
        return PatternFile(result.pattern, result.bpm)
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:  # an empty or cut file is an EOFError
            raise UsageError(f"'{path}' is not a readable .npy array ({str(err) or type(err).__name__})") from None
        if array.ndim == 3 and array.shape[1] == STEPS_PER_BAR:
            array = array.reshape(-1, array.shape[2])
        array = check_shape(array, f"'{path}'")
        if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            raise UsageError(f"'{path}' holds {array.dtype} values; a pattern holds 0/1 hits or velocities 0-127")
        if not np.isfinite(array).all():  # NaN compares false with every bound below, so it must be caught here
            raise UsageError(f"'{path}' holds NaN or infinite values; a pattern holds 0/1 hits or velocities 0-127")
        if array.min() < 0 or array.max() > 127:
            raise UsageError(f"'{path}' has values outside 0-127; a pattern holds 0/1 hits or velocities 0-127")
        if array.max() <= 1:
            return PatternFile(DrumPattern.from_hits(array > 0.5), None)
        return PatternFile(DrumPattern(array > 0, array.astype(np.uint8), np.zeros(array.shape, dtype=np.float32)),
                           None)
    raise UsageError(f"'{path}' is not a pattern file gentool reads; use a drum MIDI file (.mid) or a .npy array "
                     f"of shape (16 x bars, 9)")


DEFAULT_BPM = 110.0  # the tempo of what gentool writes when neither --bpm nor an input file says one


def output_bpm(bpm: float | None, source: PatternFile | None) -> float:
    """--bpm when given; else the input file's own tempo (a .mid has one, which read_midi has checked to be one
    gentool writes; a .npy or a genre has none: DEFAULT_BPM)."""
    if bpm is not None:
        return bpm
    if source is None or source.bpm is None:
        return DEFAULT_BPM
    return source.bpm
