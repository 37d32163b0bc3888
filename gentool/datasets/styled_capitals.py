"""Script and double-struck capitals as more letter material for the evaluator, never for the generators.

Once the "not a letter" class learns real symbols, ornate capitals (TeX's calligraphic cmsy10, held out) look
more like symbols than like the plain capitals of the training faces, and are rejected or misread. Two sources:

1. The training faces' own styled capitals: Unicode's "SCRIPT CAPITAL B", "MATHEMATICAL SCRIPT CAPITAL A",
   "MATHEMATICAL BOLD SCRIPT CAPITAL A", "DOUBLE-STRUCK CAPITAL C", ... (STIX General has all 26 script capitals
   in two weights, DejaVu Sans the double-struck ones and nine letterlike script ones).
2. Script fonts (`script_fonts`): the script capitals of extra font files on this machine that are not in the
   letter dataset, by default DejaVu Math TeX Gyre (Debian's fonts-dejavu-extra), whose monoline calligraphic
   alphabet is unlike STIX's flourished one. Only their script capitals are used (not A-Z, not double-struck).

The letter each glyph draws is read from the character's Unicode name. Nothing comes from a held-out family: a
script font whose family is one of the dataset's held-out families is refused, and so is one whose script
capitals are a near copy of a held-out face's capitals (mean blurred cosine >= NEAR_COPY_SIMILARITY over the 26
letters): STIX's non-Unicode calligraphic alphabet, for instance, redraws cmsy10's, so it would leak the held-out
face in all but name. Fraktur and black-letter capitals are left
out: too far from the letterforms a generator is asked to draw.
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

from gentool.datasets.font_faces import LETTERS, file_sha256, match_features
from gentool.datasets.fonts import FontDataset
from gentool.datasets.glyphs import RENDER_POINTS, AugmentConfig, augment, render_master
from gentool.datasets.non_letters import face_file

STYLED_CAPITAL = re.compile(r"^(?:MATHEMATICAL )?(?:BOLD )?(?:SCRIPT|DOUBLE-STRUCK) CAPITAL ([A-Z])$")
SCRIPT_CAPITAL = re.compile(r"^(?:MATHEMATICAL )?(?:BOLD )?SCRIPT CAPITAL ([A-Z])$")
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
NEAR_COPY_SIMILARITY = 0.85


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


def find_script_font(name: str) -> Path | None:
    """A font file given as a path, or by file name in the usual system font folders; None when absent."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    if path.parent != Path("."):
        return None
    for folder in SYSTEM_FONT_DIRS:
        found = sorted(Path(folder).expanduser().rglob(name)) if Path(folder).expanduser().is_dir() else []
        if found:
            return found[0]
    return None


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


def _near_copy(masters: list[np.ndarray], letters: list[int], dataset: FontDataset) -> tuple[str, float] | None:
    """The held-out face whose capitals these script capitals copy most closely, when that is a near copy."""
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
    return worst if worst is not None and worst[1] >= NEAR_COPY_SIMILARITY else None


def script_fonts(names: list[str], dataset: FontDataset) -> ScriptFonts:
    """Which of the named script fonts give letter material for this dataset's split, and why the others do not."""
    result = ScriptFonts()
    held_out_families = {record["family"] for record in dataset.faces if record["split"] == "val"}
    for name in names:
        path = find_script_font(name)
        if path is None:
            where = ", ".join(SYSTEM_FONT_DIRS)
            result.refused.append({"name": name, "reason": f"not found (as a path, or by name in {where})"})
            continue
        font = ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
        family = font.getname()[0] or path.stem
        if family in held_out_families:
            result.refused.append({"name": name, "reason": f"its family {family} is held out"})
            continue
        masters, letters = _masters(font, styled_capitals_in(path, SCRIPT_CAPITAL))
        if not masters:
            result.refused.append({"name": name, "reason": "no script capitals"})
            continue
        copied = _near_copy(masters, letters, dataset)
        if copied:
            result.refused.append({"name": name, "reason": f"its script capitals are a near copy of the held-out "
                                                           f"{copied[0]} (similarity {copied[1]:.2f})"})
            continue
        result.used.append({"file": str(path), "family": family, "sha256": file_sha256(path),
                            "capitals": len(masters)})
    return result


def _augmented(masters: list[np.ndarray], letters: list[int], samples_per_glyph: int, generator: torch.Generator
               ) -> tuple[list[torch.Tensor], list[np.ndarray]]:
    images, labels = [], []
    for master, letter in zip(masters, letters):
        copies = torch.from_numpy(master)[None, None].expand(samples_per_glyph, -1, -1, -1)
        images.append(augment(copies, AugmentConfig(), generator, keep_first=True))
        labels.append(np.full(samples_per_glyph, letter))
    return images, labels


def styled_capitals(dataset: FontDataset, samples_per_glyph: int, seed: int, fonts: ScriptFonts | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented renders of the training faces' styled capitals and the script fonts' script capitals: images
    (N, 1, 28, 28) in [-1, 1] and letter labels. The first copy of each glyph is clean, as for the letters."""
    generator = torch.Generator().manual_seed(seed)
    images, labels = [], []
    sources = [(face_file(record), STYLED_CAPITAL) for record in dataset.faces if record["split"] == "train"]
    sources += [(Path(font["file"]), SCRIPT_CAPITAL) for font in (fonts.used if fonts else [])]
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
