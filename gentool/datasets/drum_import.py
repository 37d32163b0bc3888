"""The user's drum MIDI files as dataset material: found under --midi-dir folders, read through gentool.io.midi (the
reader `render-drums` uses, with the same refusals: damaged bytes, formats, tempi outside 20-400 BPM, metres other
than 4/4), and checked as material: a file whose bars are mostly silent, or that alone would give more bars than the
rest of its genre together, is refused by name with the reason.

The sub-folder a file sits in names its genre (or performer): `rock/` joins the grammar's rock bars, and any other
name (`funk/`, `my-drummer/`) is a genre of its own. Files keep only their played bars, as compact arrays, so a folder
of thousands of files holds no more memory than its bars need.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from gentool.datasets.config import GENRES
from gentool.drums.pattern import as_bars
from gentool.errors import UsageError
from gentool.io.midi import read_midi

MIDI_SUFFIXES = (".mid", ".midi")
# a file whose silent bars outnumber its played ones is refused: a drum take has a count-in or a break, not a
# majority of silence, and a damaged delta time or time division spreads a loop's few notes over hundreds of bars
MOSTLY_SILENT = 0.5
# a genre of fewer sources than this is what its files are: no file there is compared with "the rest"
MIN_SOURCES_TO_COMPARE = 3


@dataclass
class ImportedFile:
    """One readable MIDI file's played bars (silent bars dropped) and what the import reports about it."""

    source: str  # the file's path
    genre: str  # its folder's name
    bpm: float  # its opening tempo
    hits: np.ndarray  # (bars, 16, 9) bool
    velocity: np.ndarray  # (bars, 16, 9) uint8
    offset: np.ndarray  # (bars, 16, 9) float32, in steps
    silent_bars: int  # bars between its start and its last played bar with no hit

    @property
    def bars(self) -> int:
        return len(self.hits)

    def record(self) -> dict:
        return {"file": self.source, "genre": self.genre, "bars": self.bars, "silent_bars": self.silent_bars,
                "bpm": self.bpm}


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_genre(name: str) -> str:
    """A sub-folder's genre: a grammar genre's name in any case (Rock/ is rock), else the name as it is."""
    return name.lower() if name.lower() in GENRES else name


def find_midi_files(midi_dirs: list[str]) -> list[tuple[Path, str | None, str]]:
    """(file, genre from its sub-folder or None, content hash) for every MIDI file under the folders."""
    found = []
    for folder_name in midi_dirs:
        folder = Path(folder_name).expanduser()
        if not folder.is_dir():
            raise UsageError(f"--midi-dir '{folder_name}' is not a folder; pass a folder with one sub-folder per "
                             f"genre or performer (rock/, my-drummer/, ...) of .mid files")
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES)
        if not files:
            raise UsageError(f"--midi-dir '{folder_name}' holds no .mid or .midi files; put drum MIDI files in "
                             f"sub-folders named after their genre or performer (rock/, my-drummer/, ...)")
        for path in files:
            relative = path.relative_to(folder)
            genre = folder_genre(relative.parts[0]) if len(relative.parts) > 1 else None
            found.append((path, genre, _file_hash(path)))
    return found


def read_file(path: Path, genre: str) -> ImportedFile | str:
    """The file's played bars, or the reason it is skipped."""
    try:
        result = read_midi(path)
    except UsageError as err:
        return str(err).split("' ", 1)[-1]
    except Exception as err:  # a damaged file the reader did not foresee (MemoryError too): skip it, go on
        return f"unreadable ({type(err).__name__}: {str(err)[:80]})"
    if result.pattern is None:
        return ("no drum notes on channel 10" if result.drum_notes == 0 else
                f"no usable drum notes ({result.drum_notes} channel-10 notes, all on unmapped pitches)")
    hits = as_bars(result.pattern.hits)
    played = hits.any(axis=(1, 2))
    span = int(np.flatnonzero(played)[-1]) + 1  # up to its last played bar: trailing silence is no content
    silent = span - int(played.sum())
    if silent > MOSTLY_SILENT * span:
        return (f"is mostly silent: {silent:,} of its {span:,} bars hold no hit (a damaged delta time or time "
                f"division spreads a few notes far apart); fix or remove the file")
    return ImportedFile(str(path), genre, result.bpm, hits[played], as_bars(result.pattern.velocity)[played],
                        as_bars(result.pattern.offset)[played], silent)


def import_midi(files: list[tuple[Path, str | None, str]], grammar_genres: list[str],
                grammar_sources: dict[str, tuple[int, int]], max_file_share: float,
                advance: Callable[[], None] = lambda: None) -> tuple[list[ImportedFile], list[dict]]:
    """The usable files and the skipped ones with the reason for each; `advance` is called once per file.

    `grammar_sources` gives, per grammar genre in the dataset, (phrases, bars) the grammar adds: a file that gives
    more than `max_file_share` of its genre's bars (grammar and files together) is refused, when the genre has at
    least MIN_SOURCES_TO_COMPARE sources, so one long or damaged file cannot swamp a genre."""
    read, skipped = [], []
    for path, genre, _ in files:
        advance()
        if genre is None:
            skipped.append({"file": str(path), "reason": "not in a genre or performer sub-folder; move it into one "
                                                         "(rock/, my-drummer/, ...)"})
            continue
        if genre in GENRES and genre not in grammar_genres:
            skipped.append({"file": str(path), "reason": f"genre '{genre}' is left out by drums.genres (--genres "
                                                         f"{','.join(grammar_genres)}); add it to read the folder"})
            continue
        outcome = read_file(path, genre)
        if isinstance(outcome, str):
            skipped.append({"file": str(path), "reason": outcome})
        else:
            read.append(outcome)
    return _refuse_outweighing(read, grammar_sources, max_file_share, skipped)


def _refuse_outweighing(read: list[ImportedFile], grammar_sources: dict[str, tuple[int, int]], max_file_share: float,
                        skipped: list[dict]) -> tuple[list[ImportedFile], list[dict]]:
    """Each file against the totals of its genre as read (one pass: refusing one file does not put the next on
    trial)."""
    bars = {genre: sources[1] for genre, sources in grammar_sources.items()}
    sources = {genre: sources[0] for genre, sources in grammar_sources.items()}
    for item in read:
        bars[item.genre] = bars.get(item.genre, 0) + item.bars
        sources[item.genre] = sources.get(item.genre, 0) + 1
    usable = []
    for item in read:
        total = bars[item.genre]
        if sources[item.genre] >= MIN_SOURCES_TO_COMPARE and item.bars > max_file_share * total:
            skipped.append({"file": item.source, "reason": (
                f"gives {item.bars:,} of the {total:,} bars of '{item.genre}' ({item.bars / total:.0%}; its other "
                f"{sources[item.genre] - 1:,} files or phrases give {total - item.bars:,}), more than the "
                f"{max_file_share:.0%} one file may give (drums.max_file_share), so it would outweigh them: split it "
                f"or add files, or keep it with --set drums.max_file_share=1")})
        else:
            usable.append(item)
    return usable, skipped
