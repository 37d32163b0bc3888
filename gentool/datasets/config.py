"""What the datasets are built from: the config sections that families embed (letters, 2-D mixtures, drums).

Like every config module, this one imports no torch, numpy or matplotlib (see gentool/config.py): the datasets that
these sections describe live beside it (fonts.py, points.py, drums.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gentool.config import did_you_mean, option
from gentool.runtime.seeding import MAX_SEED

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the letter dataset's classes, in label order
POINT_DATASETS = ("ring8", "grid25")
GENRES = ("rock", "jazz", "hiphop", "electronic", "latin")  # one grammar each in drums/genres.py


@dataclass
class AugmentConfig:
    rotation_deg: float = option(8.0, min=0.0, max=45.0, help="rotation drawn from +-this many degrees")
    shear: float = option(0.15, min=0.0, max=1.0, help="horizontal shear drawn from +-this factor")
    min_scale: float = option(0.8, min=0.3, max=1.0, help="glyph scale drawn from [min_scale, 1]")
    jitter_px: float = option(1.5, min=0.0, max=6.0, help="position shift drawn from +-this many pixels")
    stroke_px: float = option(0.5, min=0.0, max=1.0,
                              help="stroke thickened by up to this many pixels (thinned by up to half of it)")


@dataclass
class FontDataConfig:
    fonts_dirs: list[str] = option([], help="extra folders of .ttf/.otf files (searched recursively)")
    matplotlib_fonts: bool = option(True, help="include the faces matplotlib installs")
    samples_per_glyph: int = option(40, min=1, max=2000, help="samples per (letter, face); the first is unaugmented")
    val_fraction: float = option(0.2, min=0.0, max=0.9, help="share of faces held out for validation")
    split_by: Literal["family", "face"] = option("family", help="hold out whole families, or single faces")
    seed: int = option(0, min=0, max=MAX_SEED,
                       help="dataset seed, separate from the training seed so runs share one dataset")
    augment: AugmentConfig = field(default_factory=AugmentConfig)


@dataclass
class PointDataConfig:
    samples: int = option(100_000, min=100, max=10_000_000, help="training points, drawn evenly from the modes")
    ring_radius: float = option(1.0, min=0.0, min_exclusive=True, help="ring8: radius of the circle of means")
    ring_std: float = option(0.01, min=0.0, min_exclusive=True, help="ring8: std of each Gaussian")
    grid_spacing: float = option(2.0, min=0.0, min_exclusive=True, help="grid25: distance between neighbour means")
    grid_std: float = option(0.05, min=0.0, min_exclusive=True, help="grid25: std of each Gaussian")
    seed: int = option(0, min=0, max=MAX_SEED, help="dataset seed, separate from the training seed")


@dataclass
class DrumDataConfig:
    genres: list[str] = option(list(GENRES), suggest=GENRES, help="genres to include")
    phrases_per_genre: int = option(250, min=0, max=100_000, help="grammar phrases per genre")
    bars_per_phrase: int = option(4, min=1, max=64, help="bars per grammar phrase")
    grammar: bool = option(True, help="include the grammar's phrases (off: only --midi-dir files)")
    midi_dirs: list[str] = option([], help="folders of your drum MIDI files, in sub-folders named after their genre "
                                           "or performer (rock/, jazz/, my-drummer/, ...)")
    max_file_share: float = option(0.5, min=0.0, min_exclusive=True, max=1.0,
                                   help="most of its genre's bars one MIDI file may give (0.5: no file outweighs "
                                        "the rest of its genre; 1: no limit)")
    val_fraction: float = option(0.2, min=0.0, max=0.9, help="share of phrases held out for validation")
    seed: int = option(0, min=0, max=MAX_SEED, help="dataset seed: the grammar's phrases and the split")

    def check(self) -> list[tuple[str, str]]:
        problems = []
        for index, genre in enumerate(self.genres):
            if genre not in GENRES:
                problems.append((f"genres[{index}]", f"unknown genre '{genre}'{did_you_mean(genre, GENRES)}; "
                                                     f"known genres: {', '.join(GENRES)}"))
        if not self.genres:
            problems.append(("genres", f"no genres given; known genres: {', '.join(GENRES)}"))
        repeated = sorted({genre for genre in self.genres if self.genres.count(genre) > 1})
        if repeated:
            problems.append(("genres", f"{', '.join(repeated)} listed twice; name each genre once"))
        return problems
