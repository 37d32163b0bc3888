"""Drum patterns as the files people open: MIDI (channel 10), WAV (a synthesized kit) and a piano-roll PNG."""

from __future__ import annotations

from pathlib import Path

from gentool.drums.pattern import STEPS_PER_BAR, DrumPattern
from gentool.errors import UsageError
from gentool.evaluate import drum_metrics
from gentool.io.audio import write_wav
from gentool.io.midi import write_midi
from gentool.io.pattern_files import output_bpm, read_pattern_file
from gentool.io.pianoroll import save_piano_rolls

# one command writes at most this many bars of MIDI + WAV + piano roll (about 0.1 MB of WAV a bar); more is refused
# up front rather than left to fill a disk
MAX_OUTPUT_BARS = 1024


def check_output_size(tracks: int, bars_per_track: int, what: str) -> None:
    total = tracks * bars_per_track
    if total > MAX_OUTPUT_BARS:
        raise UsageError(f"{what} = {total:,} bars is more than the {MAX_OUTPUT_BARS:,} bars one command writes "
                         f"(about 0.1 MB of WAV a bar); write fewer or shorter tracks, or run the command again "
                         f"with another --seed")


def write_track(folder: Path, stem: str, pattern: DrumPattern, bpm: float, title: str) -> list[str]:
    """FOLDER/STEM.mid, .wav and .png."""
    return [str(write_midi(folder / f"{stem}.mid", pattern, bpm)), str(write_wav(folder / f"{stem}.wav", pattern, bpm)),
            str(save_piano_rolls(folder / f"{stem}.png", [pattern], [title]))]


def render_pattern_file(path: Path, out_dir: Path, bpm: float | None) -> dict:
    """`data render-drums`: a .mid/.npy pattern file as MIDI + WAV + piano roll, with its figures; at `bpm`, or
    when that is None at the MIDI file's own tempo (110 BPM for a .npy array, which has none)."""
    source = read_pattern_file(path)
    pattern = source.pattern
    bpm = output_bpm(bpm, source)
    files = write_track(out_dir, path.stem, pattern, bpm, f"{path.stem} ({pattern.bars} bars)")
    bars = pattern.hits.reshape(-1, STEPS_PER_BAR, pattern.hits.shape[1])
    return {"bars": pattern.bars, "bpm": bpm, "hits": int(pattern.hits.sum()), "files": files,
            **drum_metrics.summarise(bars),
            "groove_consistency": drum_metrics.groove_consistency(bars) if len(bars) > 1 else None}
