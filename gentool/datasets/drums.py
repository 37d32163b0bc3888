"""The drum dataset: one-bar patterns from the genre grammars and, optionally, the user's own MIDI files.

Grammar phrases are balanced across genres and deterministic for a seed; each genre draws from its own random
stream, so adding a genre does not change the others. The split is by phrase (a grammar phrase, or a MIDI file),
never by bar, so validation bars never share a phrase with training bars. MIDI files come from sub-folders named
after their genre or performer (`--midi-dir DIR` with DIR/rock/*.mid, DIR/my-drummer/*.mid, ...; see
gentool.datasets.drum_import). Genres are numbered by `genre_names`: the grammar's five first, in GENRES order,
then the other folder names, sorted.

Cache layout: <data_dir>/drums/<fingerprint>/patterns.npz (hits, velocity, offset: N x 16 x 9), meta.json
(genre, phrase, bar and split per sample; genre names; phrases with their tempo; imported files with their bars;
skipped files with reasons), preview.png and one MIDI and WAV example per genre under examples/.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from gentool.config import build_config, deep_merge, did_you_mean, load_yaml_file, parse_set_overrides
from gentool.datasets.config import GENRES, DrumDataConfig
from gentool.datasets.drum_import import ImportedFile, find_midi_files, import_midi
from gentool.datasets.root import data_root
from gentool.drums.genres import generate_phrase
from gentool.drums.pattern import INSTRUMENTS, SNARE, STEPS_PER_BAR, DrumPattern, as_bars, as_steps
from gentool.errors import UsageError
from gentool.evaluate import drum_metrics
from gentool.io.audio import write_wav
from gentool.io.midi import write_midi
from gentool.io.pianoroll import save_piano_rolls
from gentool.runtime.files import atomic_write_dir
from gentool.runtime.progress import Reporter

DRUM_FORMAT = 2
EXAMPLE_BARS = 8  # a genre's example MIDI, WAV and preview: its first phrase's opening bars, however long the file


def resolve_drum_data_config(config_file: str | Path | None, flags: dict, assignments: list[str] | None
                             ) -> DrumDataConfig:
    """--config FILE < named flags (None = not given) < --set. --set takes the dataset's keys as they are
    (phrases_per_genre=10) or as a VAE config names them (drums.phrases_per_genre=10), so the same assignment works
    for `data drums` and `vae train`."""
    merged = load_yaml_file(config_file) if config_file else {}
    merged = deep_merge(merged, {key: value for key, value in flags.items() if value is not None})
    sets = parse_set_overrides(assignments or [])
    return build_config(DrumDataConfig, deep_merge(merged, deep_merge(sets, sets.pop("drums", {}))))


def validate_genre(name: str) -> str:
    if name not in GENRES:
        raise UsageError(f"unknown genre '{name}'{did_you_mean(name, GENRES)}; known genres: {', '.join(GENRES)}")
    return name


@dataclass
class DrumDataset:
    path: Path
    hits: np.ndarray  # (N, 16, 9) bool
    velocity: np.ndarray  # (N, 16, 9) uint8
    offset: np.ndarray  # (N, 16, 9) float32
    genre: np.ndarray  # (N,) index into genre_names
    phrase: np.ndarray  # (N,) index into phrases
    bar: np.ndarray  # (N,) bar number within its phrase
    is_val: np.ndarray  # (N,) bool
    phrases: list[dict]  # genre, source, split, bpm (None for a grammar phrase)
    files: list[dict]  # imported MIDI files: file, genre, bars, silent_bars, bpm
    skipped: list[dict]  # file, reason
    genre_names: list[str]  # GENRES, then the other folder names
    fingerprint: str
    built: bool

    def split_mask(self, split: Literal["train", "val", "all"]) -> np.ndarray:
        if split == "all":
            return np.ones(len(self.hits), dtype=bool)
        return self.is_val if split == "val" else ~self.is_val

    def phrase_pattern(self, index: int) -> DrumPattern:
        rows = np.flatnonzero(self.phrase == index)
        rows = rows[np.argsort(self.bar[rows])]
        return DrumPattern(as_steps(self.hits[rows]), as_steps(self.velocity[rows]),
                           as_steps(self.offset[rows]))

    def genres_present(self) -> list[str]:
        return [self.genre_names[i] for i in sorted(set(self.genre.tolist()))]

    def genre_rows(self, genre: str) -> np.ndarray:
        """(N,) bool: the bars of a genre (none for a name the dataset does not have)."""
        if genre not in self.genre_names:
            return np.zeros(len(self.genre), dtype=bool)
        return self.genre == self.genre_names.index(genre)

    def imported(self) -> dict[str, dict]:
        """Per genre, the MIDI files imported and the bars they gave."""
        counts: dict[str, dict] = {}
        for record in self.files:
            entry = counts.setdefault(record["genre"], {"files": 0, "bars": 0})
            entry["files"] += 1
            entry["bars"] += record["bars"]
        return {genre: counts[genre] for genre in self.genre_names if genre in counts}

    def stats(self) -> dict:
        per_genre = {}
        for genre in self.genres_present():
            rows = self.genre_rows(genre)
            phrases = sorted(set(self.phrase[rows].tolist()))
            # only phrases of two bars or more have a consistency between bars (one-bar files give NaN)
            consistency = [c for c in (drum_metrics.groove_consistency(as_bars(self.phrase_pattern(p).hits))
                                       for p in phrases) if np.isfinite(c)]
            per_genre[genre] = {
                "bars": int(rows.sum()), "phrases": len(phrases),
                "train_bars": int((rows & ~self.is_val).sum()), "val_bars": int((rows & self.is_val).sum()),
                **drum_metrics.summarise(self.hits[rows]),
                "groove_consistency": round(float(np.mean(consistency)), 4) if consistency else None,
                **feel(self.hits[rows], self.velocity[rows], self.offset[rows]),
            }
        return {"path": str(self.path), "fingerprint": self.fingerprint, "built": self.built,
                "bars": len(self.hits), "train_bars": int((~self.is_val).sum()), "val_bars": int(self.is_val.sum()),
                "genres": per_genre, "imported": self.imported(), "files": self.files, "skipped": self.skipped,
                "preview": str(self.path / "preview.png"), "examples": str(self.path / "examples")}


def feel(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> dict:
    """How a genre is played: swing (mean lateness of off-beat 16ths), snare lay-back on 2 and 4, velocities."""
    hits = hits.astype(bool)
    odd = hits[:, 1::2]
    backbeat = hits[:, [4, 12], SNARE]
    played = velocity[hits].astype(float)
    return {
        "swing": round(float(offset[:, 1::2][odd].mean()), 4) if odd.any() else None,
        "snare_lay_back": round(float(offset[:, [4, 12], SNARE][backbeat].mean()), 4) if backbeat.any() else None,
        "velocity_mean": round(float(played.mean()), 1) if played.size else None,
        "velocity_std": round(float(played.std()), 1) if played.size else None,
    }


# ------------------------------------------------------------------------------------------------------- build

def drum_fingerprint(config: DrumDataConfig, midi_hashes: list[str]) -> str:
    settings = asdict(config)
    settings.pop("midi_dirs")
    payload = json.dumps({"settings": settings, "midi": midi_hashes, "format": DRUM_FORMAT}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _split(groups: dict[str, list[int]], fraction: float, seed: int) -> set[int]:
    """Held-out phrase ids: the same share of each genre's phrases, chosen by seed."""
    held = set()
    rng = np.random.default_rng(seed)
    for genre in sorted(groups):
        ids = list(groups[genre])
        rng.shuffle(ids)
        count = int(round(fraction * len(ids)))
        if fraction > 0 and len(ids) >= 2:
            count = min(max(count, 1), len(ids) - 1)
        held.update(ids[:count])
    return held


@dataclass
class Phrase:
    """One source of bars: a grammar phrase or an imported file, as (bars, 16, 9) arrays."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    genre: str
    source: str  # "grammar" or the file's path
    bpm: float | None  # a file's tempo; a grammar phrase has none

    @classmethod
    def of_grammar(cls, pattern: DrumPattern, genre: str) -> "Phrase":
        return cls(as_bars(pattern.hits), as_bars(pattern.velocity), as_bars(pattern.offset), genre, "grammar", None)

    @classmethod
    def of_file(cls, item: ImportedFile) -> "Phrase":
        return cls(item.hits, item.velocity, item.offset, item.genre, item.source, item.bpm)


def _grammar_phrases(config: DrumDataConfig) -> list[Phrase]:
    phrases = []
    for genre in config.genres if config.grammar else []:
        rng = np.random.default_rng([config.seed, GENRES.index(genre)])
        phrases += [Phrase.of_grammar(generate_phrase(genre, rng, config.bars_per_phrase), genre)
                    for _ in range(config.phrases_per_genre)]
    return phrases


def _no_phrases(config: DrumDataConfig, files: list, skipped: list[dict]) -> UsageError:
    if not files:
        source = ("drums.phrases_per_genre is 0" if config.grammar else "the grammar is off (--no-grammar)")
        return UsageError(f"no drum patterns: {source} and no --midi-dir was given; raise --phrases-per-genre "
                          f"or add your MIDI files with --midi-dir")
    reasons = "; ".join(f"{Path(s['file']).name}: {s['reason']}" for s in skipped[:4])
    fix = "raise --phrases-per-genre (it is 0)" if config.grammar else "turn the grammar back on"
    return UsageError(f"no usable drum patterns: all {len(files)} MIDI files were skipped ({reasons}); fix the "
                      f"files or folders, or {fix}")


def load_drum_dataset(config: DrumDataConfig, data_dir: str | Path | None = None, rebuild: bool = False,
                      reporter: Reporter | None = None) -> DrumDataset:
    reporter = reporter or Reporter("quiet")
    data_dir = data_root(data_dir)
    files = find_midi_files(config.midi_dirs)
    if not config.grammar and not files:
        raise UsageError("the grammar is off and no --midi-dir was given, so there are no patterns; "
                         "pass --midi-dir DIR or turn drums.grammar back on")
    fingerprint = drum_fingerprint(config, [h for _, _, h in files])
    folder = data_dir / "drums" / fingerprint
    if not rebuild:
        cached = _load_cached(folder, fingerprint)
        if cached is not None:
            return cached

    reporter.info(f"building the drum dataset (cached afterwards in {folder})")
    with reporter.task("drum phrases by genre, then MIDI files",
                       total=(len(config.genres) if config.grammar else 0) + len(files)) as progress:
        phrases = _grammar_phrases(config)
        for _ in config.genres if config.grammar else []:
            progress.advance()
        grammar_sources = {genre: (config.phrases_per_genre, config.phrases_per_genre * config.bars_per_phrase)
                           for genre in (config.genres if config.grammar else [])}
        imported, skipped = import_midi(files, config.genres, grammar_sources, config.max_file_share,
                                        progress.advance)
    records = [item.record() for item in imported]
    phrases += [Phrase.of_file(item) for item in imported]
    del imported  # the phrases hold the only references to the files' bars, which _assemble moves and frees
    if not phrases:
        raise _no_phrases(config, files, skipped)
    dataset = _assemble(phrases, config, folder, fingerprint, records, skipped)
    meta = {"format": DRUM_FORMAT, "fingerprint": fingerprint, "genre_names": dataset.genre_names,
            "config": asdict(config), "genre": dataset.genre.tolist(), "phrase": dataset.phrase.tolist(),
            "bar": dataset.bar.tolist(), "split": np.where(dataset.is_val, "val", "train").tolist(),
            "phrases": dataset.phrases, "files": dataset.files, "skipped": skipped}

    def fill(tmp: Path) -> None:
        np.savez_compressed(tmp / "patterns.npz", hits=dataset.hits, velocity=dataset.velocity, offset=dataset.offset)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        _write_previews(tmp, dataset)

    atomic_write_dir(folder, fill)
    return dataset


def _assemble(phrases: list[Phrase], config: DrumDataConfig, folder: Path, fingerprint: str, files: list[dict],
              skipped: list[dict]) -> DrumDataset:
    """The phrases as one set of bar arrays, each bar labelled with its genre, phrase, number and split."""
    genre_names = list(GENRES) + sorted({p.genre for p in phrases} - set(GENRES))
    groups: dict[str, list[int]] = {}
    for index, phrase in enumerate(phrases):
        groups.setdefault(phrase.genre, []).append(index)
    held_out = _split(groups, config.val_fraction, config.seed)
    lengths = np.array([len(p.hits) for p in phrases])
    phrase_ids = np.repeat(np.arange(len(phrases)), lengths)
    phrase_records = [{"genre": p.genre, "source": p.source, "split": "val" if i in held_out else "train",
                       "bpm": p.bpm} for i, p in enumerate(phrases)]
    genre_ids = np.repeat([genre_names.index(p.genre) for p in phrases], lengths)
    bars = int(lengths.sum())
    hits = np.empty((bars, STEPS_PER_BAR, len(INSTRUMENTS)), dtype=bool)
    velocity = np.empty(hits.shape, dtype=np.uint8)
    offset = np.empty(hits.shape, dtype=np.float32)
    start = 0
    for phrase in phrases:  # moved into place one phrase at a time, so the bars are never held twice
        stop = start + len(phrase.hits)
        hits[start:stop], velocity[start:stop], offset[start:stop] = phrase.hits, phrase.velocity, phrase.offset
        phrase.hits = phrase.velocity = phrase.offset = None
        start = stop
    return DrumDataset(folder, hits, velocity, offset, genre_ids, phrase_ids,
                       np.concatenate([np.arange(n) for n in lengths]), np.isin(phrase_ids, sorted(held_out)),
                       phrase_records, files, skipped, genre_names, fingerprint, built=True)


def _first_phrase(dataset: DrumDataset, genre: str) -> int:
    return int(dataset.phrase[np.flatnonzero(dataset.genre_rows(genre))[0]])


def _write_previews(folder: Path, dataset: DrumDataset) -> None:
    genres = dataset.genres_present()
    patterns = [dataset.phrase_pattern(_first_phrase(dataset, genre)) for genre in genres]
    patterns = [DrumPattern.concat(p.split_bars()[:EXAMPLE_BARS]) for p in patterns]
    save_piano_rolls(folder / "preview.png", patterns, genres)
    for genre, pattern in zip(genres, patterns):
        write_midi(folder / "examples" / f"{genre}.mid", pattern)
        write_wav(folder / "examples" / f"{genre}.wav", pattern)


def _load_cached(folder: Path, fingerprint: str) -> DrumDataset | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        with np.load(folder / "patterns.npz", allow_pickle=False) as arrays:
            hits, velocity, offset = arrays["hits"], arrays["velocity"], arrays["offset"]
    except (OSError, ValueError, KeyError):
        return None
    if meta.get("fingerprint") != fingerprint or hits.shape != (len(meta["genre"]), STEPS_PER_BAR, len(INSTRUMENTS)):
        return None
    return DrumDataset(folder, hits.astype(bool), velocity, offset, np.array(meta["genre"]),
                       np.array(meta["phrase"]), np.array(meta["bar"]), np.array(meta["split"]) == "val",
                       meta["phrases"], meta["files"], meta["skipped"], meta["genre_names"], fingerprint, built=False)
