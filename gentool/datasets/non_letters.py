"""Real glyphs that are not Latin capitals, from the letter dataset's own font faces: the evaluator's reject class.

Synthetic noise alone teaches the evaluator that "not a letter" means "no shape"; a dingbat or a Greek capital then
reads as a letter with full confidence. These are real shapes drawn by type designers: digits, punctuation, math
symbols, arrows, box drawing and geometric shapes, symbols and dingbats, and the letters of scripts whose shapes
are not Latin capitals (Greek and Cyrillic capitals, Hebrew). Armenian and Georgian are left out: their round,
hooked letters come close to ornate Latin capitals (TeX's calligraphic cmsy10, held out), which the evaluator must
still read as letters.

Which glyphs a face has is read from its character map (a code point mapped to glyph 0 is the .notdef box, so it
is not there); a glyph that renders with no ink is dropped. Each glyph is rendered exactly like a letter (centred,
scaled to fill the frame, 4x oversampled) and augmented the same way, and it inherits its face's split, so the
held-out rejection rate is measured on fonts the evaluator never saw.

Scaled to fill the frame, many small glyphs ARE letter shapes: a degree sign is a ring (O), a quote or an
exclamation mark a bar (I). And while it trains the evaluator turns every image by up to 12 degrees and shears it
by up to 0.3, which makes a slash or a bracket an upright bar too. Such a glyph in the reject class teaches it to
reject real letters of fonts it has not seen (thin, round or plain ones most), so what is left out follows a rule
in two parts:
1. A documented list (LOOKALIKES below): code points whose usual shape IS a Latin capital or one with marks: the
   Greek capitals Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ, the Cyrillic А В Е К М Н О Р С Т У Х Ѕ І Ј (and those with accents),
   digits 0 1 5 (O I S), bars (I), crosses (X), rings (O), box corners and tees (L T), @ (Q), and so on. Currency signs
   are left out as a whole (most are a Latin letter with strokes: $ ¢ £ ¥ € ₦ ₩ ₱).
2. A measured guard for what no list foresees: a glyph that, upright or turned by up to GUARD_ROTATIONS degrees,
   matches a capital of its own face or of any training face at cosine >= LOOKALIKE_SIMILARITY, compared as the
   face filter compares letters (blurred renders, gentool.datasets.font_faces.match_features: tolerant of stroke
   weight and proportions), is left out too, and counted.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from fontTools import agl
from fontTools.ttLib import TTFont
from PIL import ImageFont

from gentool.config import option
from gentool.datasets.font_faces import LETTERS, match_features, matplotlib_font_dir
from gentool.datasets.fonts import FontDataset
from gentool.datasets.glyphs import RENDER_POINTS, AugmentConfig, augment, downsample, render_master, rotated_master
from gentool.runtime.files import atomic_write_dir
from gentool.runtime.progress import Reporter

NON_LETTER_FORMAT = 2

# category -> inclusive code point ranges
CATEGORIES: dict[str, tuple[tuple[int, int], ...]] = {
    "digits": ((0x30, 0x39),),
    "punctuation": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E), (0xA1, 0xBF), (0xD7, 0xD7),
                    (0xF7, 0xF7), (0x2010, 0x205E)),
    "math": ((0x2200, 0x22FF), (0x27C0, 0x27EF), (0x2980, 0x29FF), (0x2A00, 0x2AFF)),
    "arrows": ((0x2190, 0x21FF), (0x27F0, 0x27FF), (0x2900, 0x297F), (0x2B00, 0x2BFF)),
    "box drawing and shapes": ((0x2500, 0x25FF),),
    "symbols and dingbats": ((0x2600, 0x27BF),),
    "other scripts": ((0x0391, 0x03A9), (0x0400, 0x042F), (0x05D0, 0x05EA)),
}

# Code points whose usual shape is a Latin capital (or one with marks): never used as "not a letter".
LOOKALIKES: dict[str, str] = {
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ": "Greek capitals drawn like Latin ones",
    "АВЕКМНОРСТУХЅІЈЀЁЇЌЎ": "Cyrillic capitals drawn like Latin ones (with or without marks)",
    "015": "digits read as O, I, S",
    "|¦‖∣∥│┃║╎╏┆┇┊┋╵╷╹╻╽╿▏▎▍▌▐▕▊▋❘❙❚ǀ": "vertical bars read as I",
    "×╳☓✕✖✗✘⨯⤫⤬": "crosses read as X",
    "○◯◦❍⚪⭕◌◍∘⚬": "rings read as O",
    "└┕┖┗╘╙╚╰∟⌊⊾": "corners read as L",
    "┬┭┮┯┰┱┲┳╤╥╦⊤⏉⫟": "tees read as T",
    "∪⋃⊔∨⋁⊂⊏⋐⊃⊐∁⊆⊑⊊": "set and logic signs drawn as U, V, C",
    "©®℗ªºµ¹": "a Latin letter or digit one inside a mark",
    "@": "a ring with a tail, drawn like Q",
    "וןסא": "Hebrew letters drawn like I or O",
}
LOOKALIKE_CHARS = frozenset("".join(LOOKALIKES))
CURRENCY_CATEGORY = "Sc"  # unicodedata category: currency signs are left out as a whole
LOOKALIKE_SIMILARITY = 0.9
GUARD_ROTATIONS = (-24, -12, 12, 24)  # the training jitter's rotation and shear, in two steps each way


@dataclass
class NonLetterSettings:
    per_category: int = option(60, min=1, max=5000, help="glyphs drawn at most per (face, category)")
    samples_per_glyph: int = option(3, min=1, max=100, help="augmented copies per glyph; the first is clean")
    seed: int = option(0, min=0, max=2**31 - 1)


@dataclass
class NonLetterSet:
    path: Path
    images: np.ndarray  # (N, 28, 28) uint8
    code_points: np.ndarray  # (N,) int64: the character drawn (read from the glyph name, see candidates)
    category: np.ndarray  # (N,) int64 index into CATEGORIES
    face_index: np.ndarray  # (N,) int64 into the letter dataset's faces
    is_val: np.ndarray  # (N,) bool: from a held-out face
    left_out: dict  # face name -> {"listed": n, "look like a capital": [chars]}

    def tensors(self, split: str) -> torch.Tensor:
        mask = self.is_val if split == "val" else ~self.is_val
        return torch.from_numpy(self.images[mask]).float().div_(127.5).sub_(1.0).unsqueeze(1)


def category_of(char: str) -> str | None:
    code_point = ord(char)
    for name, ranges in CATEGORIES.items():
        if any(low <= code_point <= high for low, high in ranges):
            return name
    return None


def listed_as_lookalike(char: str) -> bool:
    """Part 1 of the rule: the documented list, currency signs, and anything Unicode names a Latin letter."""
    return (char in LOOKALIKE_CHARS or unicodedata.category(char) == CURRENCY_CATEGORY
            or "LATIN" in unicodedata.name(char, ""))


def candidates(path: Path) -> list[tuple[int, str, str]]:
    """(code point, character drawn, category) for every glyph the face really has in the chosen ranges, listed
    lookalikes left out.

    What a glyph draws is read from its name (the Adobe Glyph List: "Gamma", "uni2190"), not from its code point:
    TeX's BaKoMa fonts put Greek capitals, ligatures and Æ Ø at Latin-1 code points, and cmsy10 puts arrows and
    set signs at ASCII ones. A glyph whose name says nothing (".notdef", "triangle", "latticetop") is left out,
    since what it draws is unknown."""
    font = TTFont(str(path), lazy=True)
    found = []
    for code_point, glyph_name in sorted(font.getBestCmap().items()):
        char = agl.toUnicode(glyph_name)
        if len(char) != 1 or glyph_name == ".notdef":
            continue
        category = category_of(char)
        if category and not listed_as_lookalike(char):
            found.append((code_point, char, category))
    font.close()
    return found


def looks_like_a_capital(masters: np.ndarray, templates: torch.Tensor) -> np.ndarray:
    """Part 2 of the rule: (M,) bool, True where a glyph (M, 112, 112), upright or turned by any of
    GUARD_ROTATIONS, matches one of the template capitals (match_features of capitals) at cosine >=
    LOOKALIKE_SIMILARITY."""
    views = [masters] + [np.stack([rotated_master(master, angle) for master in masters]) for angle in GUARD_ROTATIONS]
    best = torch.stack([(match_features(view) @ templates.T).amax(dim=1) for view in views]).amax(dim=0)
    return best.numpy() >= LOOKALIKE_SIMILARITY


def glyph_font(path: Path) -> ImageFont.FreeTypeFont:
    # basic layout: one glyph per code point, as the letters are drawn (complex-script shaping has nothing to join)
    return ImageFont.truetype(str(path), RENDER_POINTS, layout_engine=ImageFont.Layout.BASIC)


def face_capitals(path: Path) -> np.ndarray:
    """A face's 26 clean capitals at 112x112, rendered as the letter dataset renders them."""
    font = glyph_font(path)
    return np.stack([render_master(font, letter) for letter in LETTERS])


def face_file(record: dict) -> Path:
    return matplotlib_font_dir() / record["file"] if record["source"] == "matplotlib" else Path(record["file"])


def _render_face(path: Path, templates: torch.Tensor, settings: NonLetterSettings, generator: torch.Generator,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """A face's non-letter glyphs (pixels, code points drawn, categories) and the lookalikes left out; `templates`:
    the capitals the guard compares with (the training faces' and this face's)."""
    font = glyph_font(path)
    by_category: dict[str, list[tuple[int, str]]] = {}
    for code_point, char, category in candidates(path):
        by_category.setdefault(category, []).append((code_point, char))
    masters, drawn, categories = [], [], []  # drawn: the character each glyph draws, as a code point
    names = list(CATEGORIES)
    for category, glyphs in by_category.items():
        chosen = sorted(rng.choice(len(glyphs), size=min(len(glyphs), settings.per_category), replace=False))
        for code_point, char in (glyphs[i] for i in chosen):
            master = render_master(font, chr(code_point))
            if master is not None:
                masters.append(master)
                drawn.append(ord(char))
                categories.append(names.index(category))
    stacked = np.stack(masters) if masters else np.zeros((0, 112, 112), np.float32)
    capital = looks_like_a_capital(stacked, templates) if masters else np.zeros(0, bool)
    left_out = [chr(c) for c, drop in zip(drawn, capital) if drop]
    keep = ~capital
    if not keep.any():
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64), np.zeros(0, np.int64), left_out
    kept = torch.from_numpy(stacked[keep])[:, None]
    per = settings.samples_per_glyph
    copies = [downsample(kept)[:, None]]  # the clean render first, as for the letters
    if per > 1:
        repeated = kept.repeat_interleave(per - 1, dim=0)
        augmented = torch.cat([augment(repeated[i:i + 512], AugmentConfig(), generator)
                               for i in range(0, len(repeated), 512)])
        copies.append(augmented.view(len(kept), per - 1, 1, 28, 28))
    images = torch.cat(copies, dim=1).flatten(0, 1)  # glyph by glyph: (kept * per, 1, 28, 28)
    pixels = (images[:, 0] * 255.0).round_().to(torch.uint8).numpy()
    return (pixels, np.repeat(np.asarray(drawn)[keep], per), np.repeat(np.asarray(categories)[keep], per),
            left_out)


def non_letters_key(dataset: FontDataset, settings: NonLetterSettings) -> str:
    payload = json.dumps({"format": NON_LETTER_FORMAT, "dataset": dataset.fingerprint, **asdict(settings),
                          "similarity": LOOKALIKE_SIMILARITY, "rotations": GUARD_ROTATIONS,
                          "lookalikes": sorted(LOOKALIKE_CHARS),
                          "categories": CATEGORIES}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_non_letters(dataset: FontDataset, data_dir: Path, settings: NonLetterSettings | None = None,
                     reporter: Reporter | None = None) -> NonLetterSet:
    """The non-letter glyphs of the dataset's faces, each with its face's split: cached beside the dataset."""
    reporter = reporter or Reporter("quiet")
    settings = settings or NonLetterSettings()
    folder = data_dir / "non_letters" / non_letters_key(dataset, settings)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        images = np.load(folder / "images.npy", allow_pickle=False)
        return NonLetterSet(folder, images, np.asarray(meta["code_point"], np.int64),
                            np.asarray(meta["category"], np.int64), np.asarray(meta["face"], np.int64),
                            np.asarray(meta["split"]) == "val", meta["left_out"])
    except (OSError, ValueError, KeyError):
        pass  # not built yet, or damaged: build

    generator = torch.Generator().manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    parts, left_out = [], {}
    capitals = [match_features(face_capitals(face_file(record))) for record in dataset.faces]
    training = torch.cat([features for features, record in zip(capitals, dataset.faces) if record["split"] == "train"])
    with reporter.task("rendering non-letter glyphs", total=len(dataset.faces)) as task:
        for face_id, record in enumerate(dataset.faces):
            templates = torch.cat([training, capitals[face_id]])
            pixels, code_points, categories, dropped = _render_face(face_file(record), templates, settings,
                                                                    generator, rng)
            parts.append((pixels, code_points, categories, np.full(len(pixels), face_id)))
            left_out[record["name"]] = "".join(dropped)
            task.advance()
    images = np.concatenate([p[0] for p in parts])
    face_ids = np.concatenate([p[3] for p in parts]).astype(np.int64)
    split = np.asarray([dataset.faces[i]["split"] for i in face_ids.tolist()], dtype=object).astype(str)
    meta = {"format": NON_LETTER_FORMAT, "dataset": dataset.fingerprint, "settings": asdict(settings),
            "categories": list(CATEGORIES), "code_point": np.concatenate([p[1] for p in parts]).tolist(),
            "category": np.concatenate([p[2] for p in parts]).tolist(), "face": face_ids.tolist(),
            "split": split.tolist(), "left_out": left_out}

    def fill(tmp: Path) -> None:
        np.save(tmp / "images.npy", images, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    atomic_write_dir(folder, fill)
    return NonLetterSet(folder, images, np.asarray(meta["code_point"], np.int64), np.asarray(meta["category"]),
                        face_ids, split == "val", left_out)
