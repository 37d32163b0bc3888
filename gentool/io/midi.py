"""Drum MIDI files, read and written with mido (General MIDI percussion, channel 10).

mido is used rather than hand-written parsing because real-world files come with running status, several
tracks, type 0/1 layouts and odd meta events, which a small parser gets wrong.

## GM pitches -> the 9 classes

MusicVAE's 9-class drum map is the reference. gentool has a clap class where MusicVAE has a mid tom, so:
hand clap (39) becomes `clap` instead of snare; MusicVAE's mid-tom pitches are split by register, the low ones
(47 low-mid tom, 86/87 surdos, 77 low wood block) to `low_tom` and the rest (48 hi-mid tom, 60 hi bongo,
63 open hi conga) to `high_tom`; cowbell (56) goes to `ride`, the cowbell-like accents of latin grooves, instead
of snare. Every other pitch follows MusicVAE. Pitches not in the table are ignored (and counted).

| class | pitches | written as |
|---|---|---|
| kick | 35, 36 | 36 |
| snare | 27, 28, 31, 32, 33, 34, 37, 38, 40, 65, 66, 75, 85 | 38 |
| closed_hat | 22, 42, 44, 54, 68, 69, 70, 71, 73, 78, 80 | 42 |
| open_hat | 26, 46, 67, 72, 74, 79, 81 | 46 |
| low_tom | 29, 41, 43, 45, 47, 61, 64, 77, 84, 86, 87 | 45 |
| high_tom | 30, 48, 50, 60, 62, 63, 76, 83 | 50 |
| crash | 49, 52, 55, 57, 58 | 49 |
| ride | 51, 53, 56, 59, 82 | 51 |
| clap | 39 | 39 |

Timing: the file's resolution (ticks per beat) is read and each note-on is quantised to the nearest 16th; what is
left over is kept as the micro-timing offset (a fraction of a step). Velocity is kept. Bars are 4/4, 16 sixteenths:
a file whose time signature gives a bar of another length (3/4, 6/8, 7/8, 5/4, 2/4) before its last note is
refused, since cutting its bars into 16 steps would move every bar line; 2/2 (cut time) has the same bar and is read.
Writing uses 480 ticks per beat (1/120 of a step). A hit on the very first step that is early (negative
offset) is written at tick 0: a file cannot start before its beginning. The tempo read is the one in force at the
file's first drum note (other tempo changes do not move the grid, which counts ticks, so they are not kept), and it
must lie in TEMPO_RANGE, the tempi gentool writes, so importing a file and rendering it apply the same check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR, DrumPattern
from gentool.errors import UsageError
from gentool.runtime.files import atomic_write

DRUM_CHANNEL = 9  # channel 10, counted from 0
PITCH_TABLE = {
    "kick": (35, 36),
    "snare": (27, 28, 31, 32, 33, 34, 37, 38, 40, 65, 66, 75, 85),
    "closed_hat": (22, 42, 44, 54, 68, 69, 70, 71, 73, 78, 80),
    "open_hat": (26, 46, 67, 72, 74, 79, 81),
    "low_tom": (29, 41, 43, 45, 47, 61, 64, 77, 84, 86, 87),
    "high_tom": (30, 48, 50, 60, 62, 63, 76, 83),
    "crash": (49, 52, 55, 57, 58),
    "ride": (51, 53, 56, 59, 82),
    "clap": (39,),
}
WRITTEN_PITCH = {"kick": 36, "snare": 38, "closed_hat": 42, "open_hat": 46, "low_tom": 45, "high_tom": 50,
                 "crash": 49, "ride": 51, "clap": 39}
PITCH_TO_CLASS = {pitch: INSTRUMENTS.index(name) for name, pitches in PITCH_TABLE.items() for pitch in pitches}
TICKS_PER_BEAT = 480
MAX_BARS = 1024  # per file read: about 35 minutes at 120 BPM, far beyond a drum loop
DEFAULT_BPM = 120.0  # what MIDI assumes when a file sets no tempo
TEMPO_RANGE = (20.0, 400.0)  # BPM gentool reads and writes; outside it a tempo is a damaged field, not a groove
QUARTERS_PER_BAR = 4  # a bar of 16 sixteenths
# a drum loop is a few KB and a whole song with every instrument well under 1 MB; a larger file is refused before
# it is read rather than left to mido's slow parse
MAX_FILE_BYTES = 4 * 1024 * 1024


def write_midi(path: str | Path, pattern: DrumPattern, bpm: float = 110.0) -> Path:
    """A type-0 file on channel 10 with tempo, 4/4, velocities and micro-timing (1/120 of a step resolution)."""
    low, high = TEMPO_RANGE
    if not low <= bpm <= high:
        raise UsageError(f"--bpm must be between {low:g} and {high:g}, got {bpm}")
    ticks_per_step = TICKS_PER_BEAT // 4
    events = []
    for step, instrument in zip(*pattern.hits.nonzero()):
        start = max(0, round((step + float(pattern.offset[step, instrument])) * ticks_per_step))
        pitch = WRITTEN_PITCH[INSTRUMENTS[instrument]]
        events.append((start, 1, pitch, int(pattern.velocity[step, instrument])))
        events.append((start + ticks_per_step // 2, 0, pitch, 0))  # note-off half a step later
    events.sort(key=lambda e: (e[0], e[1]))  # offs before ons at the same tick
    track = mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0),
        mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0)])
    now = 0
    for tick, is_on, pitch, velocity in events:
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, channel=DRUM_CHANNEL, note=pitch, velocity=velocity, time=tick - now))
        now = tick
    end = len(pattern.hits) * ticks_per_step
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    midi = mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_BEAT, tracks=[track])
    return atomic_write(path, lambda tmp: midi.save(str(tmp)))


@dataclass
class MidiDrums:
    pattern: DrumPattern | None  # None when the file has no drum notes
    ignored_pitches: dict[int, int]  # drum pitches outside the table, with counts
    drum_notes: int
    bpm: float = DEFAULT_BPM  # the tempo at its first drum note; MIDI's default, 120, when it sets none


def _refuse(path: Path, problem: str) -> UsageError:
    return UsageError(f"'{path}' {problem}")


def _parse(path: Path) -> mido.MidiFile:
    """The file as mido reads it, or a UsageError naming the file and what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # unreadable: mido's open below says why
    if size > MAX_FILE_BYTES:
        raise _refuse(path, f"is {size / 2**20:.1f} MB; gentool reads drum MIDI files of at most "
                            f"{MAX_FILE_BYTES // 2**20} MB (a drum loop is a few KB): keep only the drum track")
    try:
        midi = mido.MidiFile(str(path))
    except EOFError:
        raise _refuse(path, "is not a readable MIDI file (it ends early: truncated, or a length field is wrong)") \
            from None
    except IndexError:  # mido decoding a meta event (a tempo, a time signature) from too few bytes
        raise _refuse(path, "is not a readable MIDI file (an event holds fewer data bytes than its type needs)") \
            from None
    except Exception as err:  # the parser raises many types for damaged bytes; all mean "not readable"
        raise _refuse(path, f"is not a readable MIDI file ({type(err).__name__}: {str(err)[:80]})") from None
    if midi.type == 2:
        raise _refuse(path, "is a type-2 MIDI file (independent sequences), which gentool cannot read")
    if midi.type not in (0, 1):  # mido reads the header as signed: 65535 arrives as -1
        raise _refuse(path, f"declares MIDI format {midi.type % 65536}; only formats 0 and 1 exist for drum files "
                            f"(the header is damaged)")
    if not isinstance(midi.ticks_per_beat, int) or not 0 < midi.ticks_per_beat < 0x8000:
        raise _refuse(path, f"has a time division of {midi.ticks_per_beat} (zero, or SMPTE frames), which gentool "
                            f"cannot read; save it with ticks per beat")
    return midi


def read_midi(path: str | Path) -> MidiDrums:
    """Every bar of channel-10 notes; bars are kept in order, including silent bars between played ones.

    A hit that rounds up onto a bar line past the end of the track (a loop's last hit a 32nd before its end) stays
    on the last step of its own bar, late by at most MAX_OFFSET: the bar it would start does not exist, and moving
    it to step 0 of its own bar (as a loop replays) would put it a whole bar earlier, on top of the downbeat.

    Raises UsageError naming the file when it is not a readable MIDI file.
    """
    path = Path(path)
    midi = _parse(path)
    ticks_per_step = midi.ticks_per_beat / 4
    onsets = []  # (position in steps, class, velocity)
    ignored: dict[int, int] = {}
    drum_notes = 0
    tempi = []  # (tick, microseconds per beat)
    metres = []  # (tick, numerator, denominator)
    first_note_tick, last_note_tick = None, 0
    end_tick = 0
    ticks_per_bar = midi.ticks_per_beat * 4
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "set_tempo":
                tempi.append((tick, message.tempo))
            elif message.type == "time_signature":
                metres.append((tick, message.numerator, message.denominator))
            if message.type != "note_on" or message.velocity == 0 or message.channel != DRUM_CHANNEL:
                continue
            if tick >= MAX_BARS * ticks_per_bar:  # checked in whole ticks: a huge delta is too big for a float
                raise _refuse(path, f"places a note in bar {tick // ticks_per_bar + 1:,}; gentool reads drum files "
                                    f"of at most {MAX_BARS:,} bars (shorten the file, or remove the stray note)")
            drum_notes += 1
            last_note_tick = max(last_note_tick, tick)
            first_note_tick = tick if first_note_tick is None else min(first_note_tick, tick)
            instrument = PITCH_TO_CLASS.get(message.note)
            if instrument is None:
                ignored[message.note] = ignored.get(message.note, 0) + 1
                continue
            onsets.append((tick / ticks_per_step, instrument, message.velocity))
        end_tick = max(end_tick, tick)
    if not onsets:
        return MidiDrums(None, ignored, drum_notes)  # nothing to play, so no tempo to check
    bpm = _file_bpm(path, tempi, first_note_tick)
    _check_metre(path, metres, last_note_tick, midi.ticks_per_beat)
    positions = np.array([o[0] for o in onsets])
    steps = np.floor(positions + 0.5).astype(np.int64)  # nearest 16th, halves round up
    end_step = min(end_tick, (MAX_BARS + 1) * ticks_per_bar) / ticks_per_step  # a huge int is no float
    past_the_end = (steps % STEPS_PER_BAR == 0) & (positions < steps) & (steps >= end_step)
    steps[past_the_end] -= 1  # rounded onto the line of a bar the track does not reach: keep it in its own bar
    bars = min(int(steps.max()) // STEPS_PER_BAR + 1, MAX_BARS)  # a note rounding onto the cap's line stays below
    steps = np.minimum(steps, bars * STEPS_PER_BAR - 1)
    hits = np.zeros((bars * STEPS_PER_BAR, len(INSTRUMENTS)), dtype=bool)
    velocity = np.zeros(hits.shape, dtype=np.uint8)
    offset = np.zeros(hits.shape, dtype=np.float32)
    for (position, instrument, vel), step in zip(onsets, steps):
        if hits[step, instrument] and velocity[step, instrument] >= vel:
            continue  # two strokes quantised to one step: keep the louder
        hits[step, instrument] = True
        velocity[step, instrument] = vel
        offset[step, instrument] = position - step
    return MidiDrums(DrumPattern(hits, velocity, offset), ignored, drum_notes, bpm)


def _tempo_at(tempi: list[tuple[int, int]], tick: int) -> int | None:
    """Microseconds per beat in force at a tick: the last set_tempo at or before it, else the file's first one (a
    tempo set a moment after the first note is the file's own); None when the file sets none."""
    if not tempi:
        return None
    ordered = sorted(tempi, key=lambda item: item[0])
    before = [tempo for at, tempo in ordered if at <= tick]
    return before[-1] if before else ordered[0][1]


def _file_bpm(path: Path, tempi: list[tuple[int, int]], first_note_tick: int) -> float:
    """The file's tempo: the one in force at its first drum note (120, MIDI's default, when it sets none), which
    must lie in TEMPO_RANGE: render-drums could not write another, and a groove's milliseconds would be wrong.
    Tempo changes elsewhere (a held first beat, a performer's tempo map) do not move the grid, which counts ticks;
    a tempo of 0 anywhere is refused (it has none: the file is damaged)."""
    if any(tempo <= 0 for _, tempo in tempi):
        raise _refuse(path, "sets a tempo of 0 microseconds per beat, which is no tempo (the file is damaged)")
    tempo = _tempo_at(tempi, first_note_tick)
    if tempo is None:
        return DEFAULT_BPM
    bpm = mido.tempo2bpm(tempo)
    low, high = TEMPO_RANGE
    if not low <= bpm <= high:
        raise _refuse(path, f"plays at {bpm:.4g} BPM (its tempo at its first drum note), outside the {low:g}-{high:g} "
                            f"BPM gentool reads and writes (the tempo field is damaged); fix the tempo in a MIDI "
                            f"editor")
    return round(bpm, 3)


def _check_metre(path: Path, metres: list[tuple[int, int, int]], last_note_tick: int, ticks_per_beat: int) -> None:
    """Refuse a file whose bars are not 16 sixteenths before its last note: split into 4/4 bars, every bar line
    after the first odd bar would fall in the wrong place (a 3/4 waltz read as 4/4 puts its downbeats on 1, 4, 3, 2)."""
    for tick, numerator, denominator in metres:
        if tick > last_note_tick:
            continue  # after the music: it moves no note
        if numerator * 4 != QUARTERS_PER_BAR * denominator:
            beat = tick / ticks_per_beat
            raise _refuse(path, f"is in {numerator}/{denominator} from beat {beat:g} (its time signature); gentool "
                                f"reads drum files in 4/4, 16 sixteenths a bar, and would cut its bars in the wrong "
                                f"places: keep 4/4 files only, or convert this one")
