"""Capitals from beyond the letter dataset's training faces as more letter material for the evaluator, never for
the generators.

Once the "not a letter" class learns real symbols, any capital unlike those of the few training faces looks more
like a symbol than like a letter: ornate ones (TeX's calligraphic cmsy10, held out) and the plain capitals of
families with other shapes (a geometric sans whose G is a circle with a bar inside it). Three sources:

1. The training faces' own styled capitals: Unicode's "SCRIPT CAPITAL B", "MATHEMATICAL SCRIPT CAPITAL A",
   "MATHEMATICAL BOLD SCRIPT CAPITAL A", "DOUBLE-STRUCK CAPITAL C", ... (STIX General has all 26 script capitals
   in two weights, DejaVu Sans the double-struck ones and nine letterlike script ones).
2. Script fonts (`script_fonts`): the script capitals of extra font files on this machine that are not in the
   letter dataset, by default DejaVu Math TeX Gyre (Debian's fonts-dejavu-extra), whose monoline calligraphic
   alphabet is unlike STIX's flourished one. Only their script capitals are used (not A-Z, not double-struck).
3. Letter fonts (`letter_fonts`): the plain A-Z of text faces on this machine that are not in the letter dataset
   (by file name or glob in the system font folders: old-style and modern serifs, humanist, geometric and rounded
   sans, monospace), which widen what a capital may look like.

The letter each glyph draws is read from the character's Unicode name. Nothing comes from a held-out family: a
script or letter font whose family is one of the dataset's held-out families is refused, and so is one whose
capitals are a near copy of a held-out face's capitals (mean blurred cosine over the letters >= NEAR_COPY_SIMILARITY
for script capitals, >= NEAR_COPY_PLAIN for plain ones): STIX's non-Unicode calligraphic alphabet, for instance,
redraws cmsy10's, so it would leak the held-out face in all but name. Plain capitals of unrelated text faces are
closer to each other than script ones (blurred, a plain A is much like any A), so their bar is higher; it keeps out
the italic serifs nearest to cmti10 and the monospace and bold sans nearest to DejaVu Sans Mono. Fraktur and
black-letter capitals are left out: too far from the letterforms a generator is asked to draw.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from fontTools.ttLib import TTFont
from PIL import ImageFont

from gentool.datasets.font_faces import LETTERS, FontFile, SkippedFont, file_sha256, inspect_face, match_features
from gentool.datasets.fonts import FontDataset
from gentool.datasets.glyphs import RENDER_POINTS, AugmentConfig, augment, render_master
from gentool.datasets.non_letters import face_file

STYLED_CAPITAL = re.compile(r"^(?:MATHEMATICAL )?(?:BOLD )?(?:SCRIPT|DOUBLE-STRUCK) CAPITAL ([A-Z])$")
SCRIPT_CAPITAL = re.compile(r"^(?:MATHEMATICAL )?(?:BOLD )?SCRIPT CAPITAL ([A-Z])$")
PLAIN_CAPITAL = re.compile(r"^LATIN CAPITAL LETTER ([A-Z])$")
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
NEAR_COPY_SIMILARITY = 0.85
NEAR_COPY_PLAIN = 0.9


def styled_capitals_in(path: Path, pattern: re.Pattern = STYLED_CAPITAL) -> list[tuple[int, int]]:
    """(code point, letter index) of the face's capitals whose Unicode name matches `pattern` (by default: script
    and double-struck)."""
    font = TTFont(str(path), lazy=True)
    found = []
    for code_point in sorted(font.getBestCmap()):
        match = pattern.match(unicodedata.name(chr(code_point), ""))
        if match:
            found.append((code_point, LETTERS.index(match.group(1))))
    font.close()
    return found


def find_font_files(name: str) -> list[Path]:
    """Font files given as a path, or by file name or glob ("Quicksand-*.ttf") in the usual system font folders
    (the first folder that has any); empty when absent."""
    path = Path(name).expanduser()
    if path.is_file():
        return [path]
    if path.parent != Path("."):
        return []
    for folder in SYSTEM_FONT_DIRS:
        found = sorted(Path(folder).expanduser().rglob(name)) if Path(folder).expanduser().is_dir() else []
        if found:
            return found
    return []


def find_script_font(name: str) -> Path | None:
    """A font file given as a path, or by file name in the usual system font folders; None when absent."""
    found = find_font_files(name)
    return found[0] if found else None


@dataclass
class ScriptFonts:
    """The script fonts that give letter material, and those that do not, with the reason."""
    used: list[dict] = field(default_factory=list)  # file, family, sha256, capitals
    refused: list[dict] = field(default_factory=list)  # name, reason

    def fingerprint(self) -> list[str]:
        return [font["sha256"] for font in self.used]


def _masters(font: ImageFont.FreeTypeFont, pairs: list[tuple[int, int]]) -> tuple[list[np.ndarray], list[int]]:
    masters, letters = [], []
    for code_point, letter in pairs:
        master = render_master(font, chr(code_point))
        if master is not None:
            masters.append(master)
            letters.append(letter)
    return masters, letters


def _near_copy(masters: list[np.ndarray], letters: list[int], dataset: FontDataset,
               threshold: float = NEAR_COPY_SIMILARITY) -> tuple[str, float] | None:
    """The held-out face whose capitals these capitals copy most closely, when that is a near copy (mean blurred
    cosine >= threshold)."""
    features = match_features(np.stack(masters))
    worst = None
    for record in dataset.faces:
        if record["split"] != "val":
            continue
        font = ImageFont.truetype(str(face_file(record)), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
        held, held_letters = _masters(font, [(ord(LETTERS[letter]), letter) for letter in sorted(set(letters))])
        by_letter = dict(zip(held_letters, match_features(np.stack(held))))
        similarity = float(np.mean([float(features[i] @ by_letter[letter]) for i, letter in enumerate(letters)
                                    if letter in by_letter]))
        if worst is None or similarity > worst[1]:
            worst = (record["name"], similarity)
    return worst if worst is not None and worst[1] >= threshold else None


def script_fonts(names: list[str], dataset: FontDataset, pattern: re.Pattern = SCRIPT_CAPITAL) -> ScriptFonts:
    """Which of the named fonts (paths, file names or globs) give letter material for this dataset's split, and
    why the others do not: their capitals whose Unicode name matches `pattern` (script capitals by default,
    PLAIN_CAPITAL for letter fonts)."""
    result = ScriptFonts()
    held_out_families = {record["family"] for record in dataset.faces if record["split"] == "val"}
    what = "script capitals" if pattern is SCRIPT_CAPITAL else "capitals"
    for name in names:
        paths = find_font_files(name)
        if not paths:
            where = ", ".join(SYSTEM_FONT_DIRS)
            result.refused.append({"name": name, "reason": f"not found (as a path, or by name in {where})"})
        for path in paths:
            font = ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
            family = font.getname()[0] or path.stem
            shown = name if len(paths) == 1 else path.name
            if family in held_out_families:
                result.refused.append({"name": shown, "reason": f"its family {family} is held out"})
                continue
            masters, letters = _masters(font, styled_capitals_in(path, pattern))
            if not masters:
                result.refused.append({"name": shown, "reason": f"no {what}"})
                continue
            checked = inspect_face(FontFile(path, "letter font", "")) if pattern is PLAIN_CAPITAL else None
            if isinstance(checked, SkippedFont):  # the letter dataset's own test: real, distinct, recognisable A-Z
                result.refused.append({"name": shown, "reason": checked.reason})
                continue
            copied = _near_copy(masters, letters, dataset,
                                NEAR_COPY_SIMILARITY if pattern is SCRIPT_CAPITAL else NEAR_COPY_PLAIN)
            if copied:
                result.refused.append({"name": shown, "reason": f"its {what} are a near copy of the held-out "
                                                                f"{copied[0]} (similarity {copied[1]:.2f})"})
                continue
            result.used.append({"file": str(path), "family": family, "sha256": file_sha256(path),
                                "capitals": len(masters)})
    return result


def capitals_of(fonts: ScriptFonts, pattern: re.Pattern = PLAIN_CAPITAL) -> tuple[np.ndarray, np.ndarray]:
    """The clean masters (M, 112, 112) of the used fonts' capitals matching `pattern`, and their letters."""
    masters, letters = [], []
    for used in fonts.used:
        path = Path(used["file"])
        font = ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
        more_masters, more_letters = _masters(font, styled_capitals_in(path, pattern))
        masters += more_masters
        letters += more_letters
    return (np.stack(masters), np.asarray(letters)) if masters else (np.zeros((0, 112, 112), np.float32),
                                                                     np.zeros(0, np.int64))


def _augmented(masters: list[np.ndarray], letters: list[int], samples_per_glyph: int, generator: torch.Generator
               ) -> tuple[list[torch.Tensor], list[np.ndarray]]:
    images, labels = [], []
    for master, letter in zip(masters, letters):
        copies = torch.from_numpy(master)[None, None].expand(samples_per_glyph, -1, -1, -1)
        images.append(augment(copies, AugmentConfig(), generator, keep_first=True))
        labels.append(np.full(samples_per_glyph, letter))
    return images, labels


def styled_capitals(dataset: FontDataset, samples_per_glyph: int, seed: int, fonts: ScriptFonts | None = None,
                    letter_fonts: ScriptFonts | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented renders of the training faces' styled capitals, the script fonts' script capitals and the letter
    fonts' capitals: images (N, 1, 28, 28) in [-1, 1] and letter labels. The first copy of each glyph is clean,
    as for the letters."""
    generator = torch.Generator().manual_seed(seed)
    images, labels = [], []
    sources = [(face_file(record), STYLED_CAPITAL) for record in dataset.faces if record["split"] == "train"]
    sources += [(Path(font["file"]), SCRIPT_CAPITAL) for font in (fonts.used if fonts else [])]
    sources += [(Path(font["file"]), PLAIN_CAPITAL) for font in (letter_fonts.used if letter_fonts else [])]
    for path, pattern in sources:
        font = ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
        masters, letters = _masters(font, styled_capitals_in(path, pattern))
        more_images, more_labels = _augmented(masters, letters, samples_per_glyph, generator)
        images += more_images
        labels += more_labels
    if not images:
        return torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long)
    pixels = (torch.cat(images) * 255.0).round_() / 127.5 - 1.0  # quantised like the cached letters
    return pixels, torch.from_numpy(np.concatenate(labels)).long()
