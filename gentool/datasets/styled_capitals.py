"""Script and double-struck capitals that the training faces draw at their own code points: more letter material for
the evaluator, never for the generators.

Once the "not a letter" class learns real symbols, ornate capitals (TeX's calligraphic cmsy10, held out) look
more like symbols than like the plain capitals of the training faces, and are rejected. The training faces
carry such capitals beside their A-Z: Unicode's "SCRIPT CAPITAL B", "MATHEMATICAL SCRIPT CAPITAL A",
"MATHEMATICAL BOLD SCRIPT CAPITAL A", "DOUBLE-STRUCK CAPITAL C", ... (STIX General has all 26 script capitals in
three weights, DejaVu Sans the double-struck ones). The letter they draw is read from the character's Unicode
name. Only training faces are used, so the held-out letters and their accuracy are measured as before. Fraktur and
black-letter capitals are left out: too far from the letterforms a generator is asked to draw.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import torch
from fontTools.ttLib import TTFont
from PIL import ImageFont

from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataset
from gentool.datasets.glyphs import RENDER_POINTS, AugmentConfig, augment, render_master
from gentool.datasets.non_letters import face_file

STYLED_CAPITAL = re.compile(r"^(?:MATHEMATICAL )?(?:BOLD )?(?:SCRIPT|DOUBLE-STRUCK) CAPITAL ([A-Z])$")


def styled_capitals_in(path: Path) -> list[tuple[int, int]]:
    """(code point, letter index) of the face's script and double-struck capitals."""
    font = TTFont(str(path), lazy=True)
    found = []
    for code_point in sorted(font.getBestCmap()):
        match = STYLED_CAPITAL.match(unicodedata.name(chr(code_point), ""))
        if match:
            found.append((code_point, LETTERS.index(match.group(1))))
    font.close()
    return found


def styled_capitals(dataset: FontDataset, samples_per_glyph: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented renders of the training faces' styled capitals: images (N, 1, 28, 28) in [-1, 1] and letter labels.
    The first copy of each glyph is clean, as for the letters."""
    generator = torch.Generator().manual_seed(seed)
    images, labels = [], []
    for record in dataset.faces:
        if record["split"] != "train":
            continue
        path = face_file(record)
        font = ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)
        for code_point, letter in styled_capitals_in(path):
            master = render_master(font, chr(code_point))
            if master is None:
                continue
            copies = torch.from_numpy(master)[None, None].expand(samples_per_glyph, -1, -1, -1)
            images.append(augment(copies, AugmentConfig(), generator, keep_first=True))
            labels.append(np.full(samples_per_glyph, letter))
    if not images:
        return torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long)
    pixels = (torch.cat(images) * 255.0).round_() / 127.5 - 1.0  # quantised like the cached letters
    return pixels, torch.from_numpy(np.concatenate(labels)).long()
