"""Pattern files a user hands to gentool: MIDI (.mid, .midi) or NumPy arrays (.npy) of shape (16 x bars, 9), or
(bars, 16, 9) as the drum dataset stores bars; any other shape is refused with the shape found."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gentool.drums.pattern import STEPS_PER_BAR, DrumPattern, check_shape
from gentool.errors import UsageError
from gentool.io.midi import read_midi


def load_pattern_file(path: str | Path) -> DrumPattern:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"pattern file '{path}' does not exist")
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        result = read_midi(path)
        if result.pattern is None:
            raise UsageError(f"'{path}' has no usable drum notes on channel 10 (General MIDI percussion)")
        return result.pattern
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise UsageError(f"'{path}' is not a readable .npy array ({err})") from None
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
            return DrumPattern.from_hits(array > 0.5)
        return DrumPattern(array > 0, array.astype(np.uint8), np.zeros(array.shape, dtype=np.float32))
    raise UsageError(f"'{path}' is not a pattern file gentool reads; use a drum MIDI file (.mid) or a .npy array "
                     f"of shape (16 x bars, 9)")
