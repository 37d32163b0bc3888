"""Seeded mutants of valid drum MIDI files, for the fuzz tests: each mutant is a valid file (written here byte by
byte, so a mutation can target a field) with one to three of the damages real and hostile files carry.

The bases are small drum loops in the layouts found in the wild: type 0 and type 1, running status, note-off as
note-on with velocity 0, a tempo and a time signature, a tempo map on its own track.
"""

from __future__ import annotations

import random
import struct

import numpy as np

from gentool.datasets.config import GENRES
from gentool.drums.genres import generate_phrase

Event = tuple[int, bytes]  # (delta ticks, event bytes with status, or b"" + data bytes for running status)


def vlq(value: int) -> bytes:
    """A MIDI variable-length quantity (7 bits a byte, high bit = more follows)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def header(fmt: int, tracks: int, division: int, length: int = 6) -> bytes:
    return b"MThd" + struct.pack(">IHHH", length, fmt & 0xFFFF, tracks & 0xFFFF, division & 0xFFFF)


def track(events: list[Event], length: int | None = None) -> bytes:
    body = b"".join(vlq(delta) + data for delta, data in events)
    return b"MTrk" + struct.pack(">I", len(body) if length is None else length & 0xFFFFFFFF) + body


def tempo_event(microseconds: int) -> Event:
    return (0, b"\xff\x51\x03" + microseconds.to_bytes(3, "big"))


END = (0, b"\xff\x2f\x00")
TIME_SIGNATURE = (0, b"\xff\x58\x04\x04\x02\x18\x08")


def drum_events(seed: int, ticks_per_beat: int, running_status: bool) -> list[Event]:
    """One or two bars of a grammar phrase as channel-10 note-ons and note-offs (or note-ons at velocity 0)."""
    rng = np.random.default_rng(seed)
    pattern = generate_phrase(GENRES[seed % len(GENRES)], rng, 1 + seed % 2)
    per_step = ticks_per_beat // 4
    timed = []
    for step, instrument in zip(*pattern.hits.nonzero()):
        tick = max(0, round((step + float(pattern.offset[step, instrument])) * per_step))
        pitch = (36, 38, 42, 46, 45, 50, 49, 51, 39)[instrument]
        timed.append((tick, 1, pitch, int(pattern.velocity[step, instrument])))
        timed.append((tick + per_step // 2, 0, pitch, 0))
    timed.sort()
    events, now = [], 0
    for tick, is_on, pitch, velocity in timed:
        status = 0x99 if (is_on or running_status) else 0x89
        data = bytes([pitch, velocity])
        events.append((tick - now, data if running_status and events else bytes([status]) + data))
        now = tick
    end_tick = pattern.bars * 16 * per_step
    events.append((max(0, end_tick - now), b"\xff\x2f\x00"))
    return events


def base_file(seed: int) -> tuple[bytes, dict]:
    """A valid file and the fields a mutation can aim at."""
    rng = random.Random(seed)
    ticks_per_beat = rng.choice([96, 120, 192, 480, 960])
    running_status = rng.random() < 0.5
    tempo = rng.choice([500_000, 600_000, 428_571, 375_000])
    drums = drum_events(seed, ticks_per_beat, running_status)
    if rng.random() < 0.5:  # type 0: tempo and notes in one track
        tracks = [[tempo_event(tempo), TIME_SIGNATURE, *drums]]
        fmt = 0
    else:  # type 1: a tempo map, then the drums
        tracks = [[tempo_event(tempo), TIME_SIGNATURE, END], drums]
        fmt = 1
    return b"".join([header(fmt, len(tracks), ticks_per_beat)] + [track(t) for t in tracks]), \
        {"format": fmt, "tracks": tracks, "division": ticks_per_beat}


def _rebuild(fields: dict, fmt: int | None = None, count: int | None = None, division: int | None = None,
             header_length: int = 6, track_lengths: dict | None = None) -> bytes:
    tracks = fields["tracks"]
    lengths = track_lengths or {}
    head = header(fields["format"] if fmt is None else fmt, len(tracks) if count is None else count,
                  fields["division"] if division is None else division, header_length)
    if header_length > 6:
        head += bytes(header_length - 6)
    return head + b"".join(track(t, lengths.get(i)) for i, t in enumerate(tracks))


def _edit_event(fields: dict, rng: random.Random, change) -> dict:
    """A copy of the fields with one event of the last track changed by change(delta, data) -> (delta, data)."""
    tracks = [list(t) for t in fields["tracks"]]
    events = tracks[-1]
    index = rng.randrange(len(events))
    events[index] = change(*events[index])
    return {**fields, "tracks": tracks}


def _structural(rng: random.Random, fields: dict) -> tuple[str, bytes]:
    """One damage to a named field; returns (name, bytes)."""
    kind = rng.choice(["huge_delta", "unterminated_delta", "division", "format", "tempo_zero", "tempo_odd",
                       "no_status",
                       "undefined_status", "track_length", "header_length", "track_count", "meta_length",
                       "data_byte_high", "sysex_length", "extra_track"])
    if kind == "huge_delta":
        edited = _edit_event(fields, rng, lambda d, data: (rng.choice([0x0FFFFFFF, 2**21, 10**6, 40_000]), data))
        return kind, _rebuild(edited)
    if kind == "unterminated_delta":  # a delta whose bytes all say "more follows": reads as huge or runs off the end
        raw = _rebuild(fields)
        at = rng.randrange(22, len(raw))
        return kind, raw[:at] + b"\xff" * rng.randint(4, 12) + raw[at:]
    if kind == "division":
        return kind, _rebuild(fields, division=rng.choice([0, 1, 0x8000, 0xE728, 0xE250, 0xFFFF, 0x7FFF]))
    if kind == "format":
        return kind, _rebuild(fields, fmt=rng.choice([2, 3, 7, 0x7FFF, 0xFFFF]))
    if kind in ("tempo_zero", "tempo_odd"):  # no tempo at all, a 1 us or 16.8 s beat, a tempo of the wrong length
        odd = rng.choice([tempo_event(1), tempo_event(0xFFFFFF), (0, b"\xff\x51\x00"), (0, b"\xff\x51\x01\x07"),
                          (0, b"\xff\x51\x05\x07\xa1\x20\x00\x00")])
        tracks = [list(t) for t in fields["tracks"]]
        tracks[0][0] = tempo_event(0) if kind == "tempo_zero" else odd
        return kind, _rebuild({**fields, "tracks": tracks})
    if kind == "no_status":  # a data byte where a track's first status should be
        tracks = [list(t) for t in fields["tracks"]]
        tracks[-1].insert(0, (0, bytes([rng.randrange(0x80), rng.randrange(0x80)])))
        return kind, _rebuild({**fields, "tracks": tracks})
    if kind == "undefined_status":
        status = rng.choice([0xF1, 0xF4, 0xF5, 0xF9, 0xFD, 0xF8, 0xFE])
        edited = _edit_event(fields, rng, lambda d, data: (d, bytes([status]) + data[1:]))
        return kind, _rebuild(edited)
    if kind == "track_length":
        index = rng.randrange(len(fields["tracks"]))
        return kind, _rebuild(fields, track_lengths={index: rng.choice([0, 1, 3, 0xFFFFFFFF, 0x7FFFFFFF,
                                                                        rng.randrange(1, 200)])})
    if kind == "header_length":
        return kind, _rebuild(fields, header_length=rng.choice([0, 2, 5, 7, 12, 255]))
    if kind == "track_count":
        return kind, _rebuild(fields, count=rng.choice([0, 3, 100, 0x7FFF, 0xFFFF]))
    if kind == "meta_length":  # a text meta event whose length runs past its data
        tracks = [list(t) for t in fields["tracks"]]
        tracks[0].insert(0, (0, b"\xff\x01" + vlq(rng.choice([200, 10**6, 0x0FFFFFFF])) + b"drums"))
        return kind, _rebuild({**fields, "tracks": tracks})
    if kind == "data_byte_high":
        edited = _edit_event(fields, rng, lambda d, data: (d, data[:-1] + bytes([rng.randrange(0x80, 0x100)])))
        return kind, _rebuild(edited)
    if kind == "sysex_length":
        tracks = [list(t) for t in fields["tracks"]]
        tracks[-1].insert(0, (0, b"\xf0" + vlq(rng.choice([3, 500, 2**20])) + b"\x7e\x7f\xf7"))
        return kind, _rebuild({**fields, "tracks": tracks})
    extra = [(rng.choice([0, 5, 0x0FFFFFFF]), bytes([0x99, 36, 100])), END]  # extra_track: a stray far-away note
    return kind, _rebuild({**fields, "format": 1, "tracks": [*fields["tracks"], extra]})


def _bytewise(rng: random.Random, raw: bytes) -> tuple[str, bytes]:
    kind = rng.choice(["flip", "flips", "truncate", "insert", "delete"])
    data = bytearray(raw or b"\x00")
    if kind == "flip":
        data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "flips":
        for _ in range(rng.randint(2, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "truncate":
        del data[rng.randrange(len(data)):]
    elif kind == "insert":
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    else:
        at = rng.randrange(len(data))
        del data[at:at + rng.randint(1, 8)]
    return kind, bytes(data)


def mutant(seed: int) -> tuple[bytes, list[str]]:
    """The seed's mutant and the names of the damages done to it, in order."""
    rng = random.Random(seed * 7919 + 1)
    raw, fields = base_file(seed)
    names = []
    if rng.random() < 0.7:
        name, raw = _structural(rng, fields)
        names.append(name)
    for _ in range(rng.choice([0, 0, 1]) if names else rng.randint(1, 3)):
        name, raw = _bytewise(rng, raw)
        names.append(name)
    return raw, names
