"""The drum dataset: one-bar patterns from the genre grammars and, optionally, the user's own MIDI files.

Grammar phrases are balanced across genres and deterministic for a seed; each genre draws from its own random
stream, so adding a genre does not change the others. The split is by phrase (a grammar phrase, or a MIDI file),
never by bar, so validation bars never share a phrase with training bars. MIDI files come from sub-folders named
after their genre (`--midi-dir DIR` with DIR/rock/*.mid, DIR/jazz/*.mid, ...).

Cache layout: <data_dir>/drums/<fingerprint>/patterns.npz (hits, velocity, offset: N x 16 x 9), meta.json
(genre, phrase, bar and split per sample; phrases; skipped files with reasons), preview.png and one MIDI and WAV
example per genre under examples/.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from gentool.config import build_config, deep_merge, did_you_mean, load_yaml_file, parse_set_overrides
from gentool.datasets.config import GENRES, DrumDataConfig
from gentool.datasets.root import data_root
from gentool.drums.genres import generate_phrase
from gentool.drums.pattern import INSTRUMENTS, SNARE, STEPS_PER_BAR, DrumPattern, as_bars, as_steps
from gentool.errors import UsageError
from gentool.evaluate import drum_metrics
from gentool.io.audio import write_wav
from gentool.io.midi import read_midi, write_midi
from gentool.io.pianoroll import save_piano_rolls
from gentool.runtime.files import atomic_write_dir
from gentool.runtime.progress import Reporter

DRUM_FORMAT = 1
MIDI_SUFFIXES = (".mid", ".midi")


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
    genre: np.ndarray  # (N,) index into GENRES
    phrase: np.ndarray  # (N,) index into phrases
    bar: np.ndarray  # (N,) bar number within its phrase
    is_val: np.ndarray  # (N,) bool
    phrases: list[dict]  # genre, source, split
    skipped: list[dict]  # file, reason
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
        return [GENRES[i] for i in sorted(set(self.genre.tolist()))]

    def imported(self) -> dict[str, dict]:
        """Per genre, the MIDI files imported (every source but the grammar) and the bars they gave."""
        counts: dict[str, dict] = {}
        for index, record in enumerate(self.phrases):
            if record["source"] == "grammar":
                continue
            entry = counts.setdefault(record["genre"], {"files": 0, "bars": 0})
            entry["files"] += 1
            entry["bars"] += int((self.phrase == index).sum())
        return {genre: counts[genre] for genre in GENRES if genre in counts}

    def stats(self) -> dict:
        per_genre = {}
        for genre in self.genres_present():
            rows = self.genre == GENRES.index(genre)
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
                "genres": per_genre, "imported": self.imported(), "skipped": self.skipped,
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


# ----------------------------------------------------------------------------------------------------- sources

def _midi_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES)


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_midi_files(midi_dirs: list[str]) -> list[tuple[Path, str | None, str]]:
    """(file, genre from its sub-folder or None, content hash) for every MIDI file under the folders."""
    found = []
    for folder_name in midi_dirs:
        folder = Path(folder_name).expanduser()
        if not folder.is_dir():
            raise UsageError(f"--midi-dir '{folder_name}' is not a folder; pass a folder with genre sub-folders "
                             f"(rock/, jazz/, ...) of .mid files")
        files = _midi_files(folder)
        if not files:
            raise UsageError(f"--midi-dir '{folder_name}' holds no .mid or .midi files; put drum MIDI files in "
                             f"sub-folders named after their genre ({', '.join(GENRES)})")
        for path in files:
            relative = path.relative_to(folder)
            genre = relative.parts[0] if len(relative.parts) > 1 else None
            found.append((path, genre, _file_hash(path)))
    return found


def _import_midi(files: list[tuple[Path, str | None, str]], genres: list[str],
                 advance: Callable[[], None] = lambda: None) -> tuple[list[tuple[DrumPattern, str, str]], list[dict]]:
    """Usable (pattern, genre, source) per file, and the skipped files with the reason for each; `advance` is
    called once per file (progress)."""
    usable, skipped = [], []
    for path, genre, _ in files:
        advance()
        if genre is None:
            skipped.append({"file": str(path), "reason": "not in a genre sub-folder; move it into one of "
                                                         + ", ".join(f"{g}/" for g in genres)})
            continue
        if genre not in genres:
            skipped.append({"file": str(path), "reason": f"folder '{genre}' is not a known genre"
                                                         f"{did_you_mean(genre, GENRES)}; known: {', '.join(genres)}"})
            continue
        try:
            result = read_midi(path)
        except UsageError as err:
            skipped.append({"file": str(path), "reason": str(err).split("' ", 1)[-1]})
            continue
        except Exception as err:  # a damaged file the reader did not foresee (MemoryError too): skip it, go on
            skipped.append({"file": str(path), "reason": f"unreadable ({type(err).__name__}: {str(err)[:80]})"})
            continue
        if result.pattern is None:
            reason = ("no drum notes on channel 10" if result.drum_notes == 0 else
                      f"no usable drum notes ({result.drum_notes} channel-10 notes, all on unmapped pitches)")
            skipped.append({"file": str(path), "reason": reason})
            continue
        bars = [bar for bar in result.pattern.split_bars() if bar.hits.any()]
        usable.append((DrumPattern.concat(bars), genre, str(path)))
    return usable, skipped


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
    phrases: list[tuple[DrumPattern, str, str]] = []
    with reporter.task("drum phrases by genre, then MIDI files",
                       total=(len(config.genres) if config.grammar else 0) + len(files)) as progress:
        if config.grammar:
            for genre in config.genres:
                rng = np.random.default_rng([config.seed, GENRES.index(genre)])
                phrases += [(generate_phrase(genre, rng, config.bars_per_phrase), genre, "grammar")
                            for _ in range(config.phrases_per_genre)]
                progress.advance()
        imported, skipped = _import_midi(files, config.genres, progress.advance)
    phrases += imported
    if not phrases:
        if not files:
            source = ("drums.phrases_per_genre is 0" if config.grammar else "the grammar is off (--no-grammar)")
            raise UsageError(f"no drum patterns: {source} and no --midi-dir was given; raise --phrases-per-genre "
                             f"or add your MIDI files with --midi-dir")
        reasons = "; ".join(f"{Path(s['file']).name}: {s['reason']}" for s in skipped[:4])
        fix = "raise --phrases-per-genre (it is 0)" if config.grammar else "turn the grammar back on"
        raise UsageError(f"no usable drum patterns: all {len(files)} MIDI files were skipped ({reasons}); fix the "
                         f"files or folders, or {fix}")
    groups: dict[str, list[int]] = {}
    for index, (_, genre, _) in enumerate(phrases):
        groups.setdefault(genre, []).append(index)
    held_out = _split(groups, config.val_fraction, config.seed)

    rows = [(bar, GENRES.index(genre), index, number, index in held_out)
            for index, (pattern, genre, _) in enumerate(phrases)
            for number, bar in enumerate(pattern.split_bars())]
    hits = np.stack([r[0].hits for r in rows])
    velocity = np.stack([r[0].velocity for r in rows])
    offset = np.stack([r[0].offset for r in rows])
    genre_ids = np.array([r[1] for r in rows])
    phrase_ids = np.array([r[2] for r in rows])
    bar_ids = np.array([r[3] for r in rows])
    is_val = np.array([r[4] for r in rows])
    phrase_records = [{"genre": genre, "source": source, "split": "val" if i in held_out else "train"}
                      for i, (_, genre, source) in enumerate(phrases)]
    dataset = DrumDataset(folder, hits, velocity, offset, genre_ids, phrase_ids, bar_ids, is_val, phrase_records,
                          skipped, fingerprint, built=True)
    meta = {"format": DRUM_FORMAT, "fingerprint": fingerprint, "genres": list(GENRES), "config": asdict(config),
            "genre": genre_ids.tolist(), "phrase": phrase_ids.tolist(), "bar": bar_ids.tolist(),
            "split": np.where(is_val, "val", "train").tolist(), "phrases": phrase_records, "skipped": skipped}

    def fill(tmp: Path) -> None:
        np.savez_compressed(tmp / "patterns.npz", hits=hits, velocity=velocity, offset=offset)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        _write_previews(tmp, dataset)

    atomic_write_dir(folder, fill)
    return dataset


def _first_phrase(dataset: DrumDataset, genre: str) -> int:
    return int(dataset.phrase[np.flatnonzero(dataset.genre == GENRES.index(genre))[0]])


def _write_previews(folder: Path, dataset: DrumDataset) -> None:
    genres = dataset.genres_present()
    patterns = [dataset.phrase_pattern(_first_phrase(dataset, genre)) for genre in genres]
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
                       meta["phrases"], meta["skipped"], fingerprint, built=False)
