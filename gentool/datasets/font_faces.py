"""Find font faces on disk and keep only those with real glyphs for all 26 capitals.

A face is skipped, with the reason reported, when:
- a capital is missing from its character map, or renders with no ink (display or symbol-only fonts);
- its capitals are mostly the same shape (a fallback font drawing one box for everything);
- its capitals do not look like Latin capitals: each glyph is matched against the same letters in matplotlib's
  DejaVu faces, and fewer than RECOGNISED_MIN of 26 land on the right letter. The template match alone cannot
  tell a symbol font (cmex10, whose code points for A-Z hold large operators) from a script or decorative face
  whose ornate capitals are real but unlike DejaVu's, so the reason is taken from a second opinion: the font's own
  glyph names. A glyph named "A", "A.swash" or "u1D49C" (MATHEMATICAL SCRIPT CAPITAL A) draws a capital A; a
  glyph named "parenrightbt" or "Alpha" does not.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from fontTools import agl
from fontTools.ttLib import TTFont
from matplotlib import ft2font
from PIL import ImageFont

from gentool.datasets.config import LETTERS
from gentool.datasets.glyphs import downsample, render_master
from gentool.errors import UsageError
from gentool.runtime.files import file_sha256

FONT_SUFFIXES = (".ttf", ".otf")
RECOGNISED_MIN = 20
DISTINCT_MIN = 20
REFERENCE_FACES = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf",
                   "DejaVuSerif-BoldItalic.ttf", "DejaVuSansMono.ttf")


@dataclass
class FontFile:
    path: Path
    source: str  # "matplotlib" or the --fonts-dir it came from
    sha256: str


@dataclass
class FontFace:
    name: str
    family: str
    style: str
    path: Path
    source: str
    sha256: str
    masters: np.ndarray = field(repr=False)  # (26, 112, 112) float32, one clean master per capital
    recognised: int = 26


@dataclass
class SkippedFont:
    path: Path
    reason: str


def matplotlib_font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _font_files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in FONT_SUFFIXES)


def find_font_files(fonts_dirs: list[str], include_matplotlib: bool) -> list[FontFile]:
    """Candidate files in a stable order; folders that are missing or hold no fonts are usage errors."""
    found: list[FontFile] = []
    if include_matplotlib:
        found += [FontFile(p, "matplotlib", file_sha256(p)) for p in _font_files_in(matplotlib_font_dir())]
    for folder in fonts_dirs:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise UsageError(f"--fonts-dir '{folder}' is not a folder; pass a folder that holds .ttf or .otf files")
        files = _font_files_in(path)
        if not files:
            raise UsageError(f"--fonts-dir '{folder}' holds no .ttf or .otf files; put font files there "
                             f"or drop the option")
        found += [FontFile(p, str(folder), file_sha256(p)) for p in files]
    return found


@lru_cache(maxsize=1)
def _reference_features() -> torch.Tensor:
    """(R, 26, D) blurred, normalised capitals of the reference faces."""
    folder = matplotlib_font_dir()
    refs = []
    for name in REFERENCE_FACES:
        masters = _render_all(ImageFont.truetype(str(folder / name), 160))
        if masters is not None:
            refs.append(match_features(masters))
    return torch.stack(refs)


def _render_all(font: ImageFont.FreeTypeFont) -> np.ndarray | None:
    masters = [render_master(font, letter) for letter in LETTERS]
    if any(m is None for m in masters):
        return None
    return np.stack(masters)


def match_features(masters: np.ndarray) -> torch.Tensor:
    """Blur and normalise 28x28 renders so that template matching tolerates style (weight, slant, serifs)."""
    small = downsample(torch.from_numpy(masters)[:, None])  # (26, 1, 28, 28)
    coords = torch.arange(-4, 5, dtype=torch.float32)
    kernel_1d = torch.exp(-coords**2 / (2 * 2.0**2))
    kernel = (kernel_1d[:, None] * kernel_1d[None, :])
    kernel = (kernel / kernel.sum())[None, None]
    blurred = F.conv2d(small, kernel, padding=4).flatten(1)
    centred = blurred - blurred.mean(dim=1, keepdim=True)
    return centred / centred.norm(dim=1, keepdim=True).clamp_min(1e-8)


def letters_recognised(masters: np.ndarray) -> int:
    """How many of the 26 glyphs are most similar to the same letter in some reference face."""
    features = match_features(masters)  # (26, D)
    similarity = torch.einsum("ld,rkd->lrk", features, _reference_features()).amax(dim=1)  # (26, 26)
    return int((similarity.argmax(dim=1) == torch.arange(26)).sum())


def _distinct_shapes(masters: np.ndarray) -> int:
    small = downsample(torch.from_numpy(masters)[:, None]).flatten(1)
    return len({tuple((row * 8).round().int().tolist()) for row in small})


def glyph_names_at_capitals(path: Path) -> list[str]:
    """The names of the glyphs the face maps A-Z to ('' where it has none)."""
    font = TTFont(str(path), lazy=True)
    try:
        cmap = font.getBestCmap() or {}
        return [cmap.get(ord(letter), "") for letter in LETTERS]
    finally:
        font.close()


def names_a_capital(glyph_name: str, letter: str) -> bool:
    """True when the glyph's name (Adobe Glyph List: "A", "A.swash", "uni0041", "u1D49C") reads as the capital
    `letter` in any style: LATIN CAPITAL LETTER A, MATHEMATICAL SCRIPT CAPITAL A, SCRIPT CAPITAL B."""
    char = agl.toUnicode(glyph_name) if glyph_name else ""
    return len(char) == 1 and re.search(rf"\bCAPITAL (?:LETTER )?{letter}$", unicodedata.name(char, "")) is not None


def unrecognised_reason(path: Path, recognised: int) -> str:
    """Why a face whose capitals mostly do not match the DejaVu templates is skipped, told apart by its glyph names:
    a symbol font (its A-Z code points name other shapes) or a script or decorative face (they name capitals)."""
    try:
        names = glyph_names_at_capitals(path)
    except Exception:  # a file FreeType reads but fontTools cannot: no second opinion
        names = []
    named = sum(names_a_capital(name, letter) for name, letter in zip(names, LETTERS))
    if named >= RECOGNISED_MIN:
        return (f"few glyphs look like their letter: script or decorative face? ({recognised}/26 match the DejaVu "
                f"capitals, though the font names {named}/26 as those capitals)")
    others = [name for name, letter in zip(names, LETTERS) if name and not names_a_capital(name, letter)]
    if others:
        return (f"symbol font: {recognised}/26 glyphs look like their letter, and its code points for A-Z hold "
                f"other glyphs ({', '.join(others[:3])}, ...)")
    return (f"not Latin capitals: {recognised}/26 glyphs look like their letter (the font does not name its glyphs, "
            f"so a symbol font cannot be told from a script face)")


def inspect_face(file: FontFile) -> FontFace | SkippedFont:
    """Load a file and decide whether it is a usable face for the letter dataset."""
    try:
        charmap = ft2font.FT2Font(str(file.path)).get_charmap()
        font = ImageFont.truetype(str(file.path), 160)
        family, style = font.getname()
    except Exception as err:  # FreeType reports damaged files in many ways
        return SkippedFont(file.path, f"unreadable font file ({type(err).__name__})")
    missing = [letter for letter in LETTERS if charmap.get(ord(letter), 0) == 0]
    if missing:
        return SkippedFont(file.path, f"no glyph for {len(missing)} capitals ({''.join(missing[:6])}"
                                      f"{'...' if len(missing) > 6 else ''})")
    masters = _render_all(font)
    if masters is None:
        return SkippedFont(file.path, "some capitals render with no ink")
    distinct = _distinct_shapes(masters)
    if distinct < DISTINCT_MIN:
        return SkippedFont(file.path, f"fallback boxes: only {distinct} distinct shapes for 26 capitals")
    recognised = letters_recognised(masters)
    if recognised < RECOGNISED_MIN:
        return SkippedFont(file.path, unrecognised_reason(file.path, recognised))
    family = family or file.path.stem
    style = style or "Regular"
    return FontFace(f"{family} {style}", family, style, file.path, file.source, file.sha256, masters, recognised)


def discover_faces(fonts_dirs: list[str], include_matplotlib: bool,
                   files: list[FontFile] | None = None) -> tuple[list[FontFace], list[SkippedFont]]:
    """Usable faces (sorted by name, duplicates removed) and the skipped files with reasons."""
    files = files if files is not None else find_font_files(fonts_dirs, include_matplotlib)
    faces: list[FontFace] = []
    skipped: list[SkippedFont] = []
    seen: dict[str, Path] = {}
    for file in files:
        if file.sha256 in seen:
            skipped.append(SkippedFont(file.path, f"duplicate of {seen[file.sha256]}"))
            continue
        seen[file.sha256] = file.path
        result = inspect_face(file)
        (faces if isinstance(result, FontFace) else skipped).append(result)
    names = [face.name for face in faces]
    for face in faces:  # two different files with the same face name: tell them apart by file name
        if names.count(face.name) > 1:
            face.name = f"{face.name} ({face.path.name})"
    faces.sort(key=lambda face: (face.family, face.style, face.name))
    return faces, skipped


def display_path(path: Path) -> str:
    """Paths under matplotlib's folder shown by file name only; others as given."""
    try:
        return os.path.relpath(path, matplotlib_font_dir()) if path.is_relative_to(matplotlib_font_dir()) else str(path)
    except ValueError:
        return str(path)
