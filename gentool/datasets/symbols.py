"""Digits and the operators + and - at 28x28 from the letter dataset's own font faces, split by font as the letters
are (the held-out faces are the letters' held-out faces), with the same augmentation, cached under the data folder.

A face joins only if it passed the letter dataset's checks (gentool.datasets.font_faces) and has a glyph for every
symbol; the minus is drawn as the face's minus sign (U+2212) where it has one, else its hyphen. The letter
dataset's faces, split, rendering and augmentation are reused as they are, and its cache key owes nothing to the
symbols.

Cache layout: <data_dir>/symbols/<fingerprint>/images.npy (uint8, N x 28 x 28), meta.json, preview.png.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from matplotlib import ft2font
from PIL import ImageFont

from gentool.datasets.font_faces import (
    REFERENCE_FACES,
    FontFace,
    discover_faces,
    display_path,
    match_features,
    matplotlib_font_dir,
)
from gentool.datasets.fonts import (
    FontDataConfig,
    dataset_fingerprint,
    font_files_to_render,
    load_cached_glyphs,
    render_samples,
    split_faces,
)
from gentool.datasets.glyphs import IMAGE_SIZE, RENDER_POINTS, downsample, render_master
from gentool.datasets.root import data_root
from gentool.errors import UsageError
from gentool.io.images import save_letter_sheet
from gentool.runtime.files import atomic_write_dir
from gentool.runtime.progress import Reporter

SYMBOLS = "0123456789+-"  # as the text vocabulary writes them
SYMBOLS_FORMAT = 3
MINUS_SIGN = "\u2212"


@dataclass
class SymbolDataset:
    path: Path
    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,) index into SYMBOLS
    face_index: np.ndarray  # (N,)
    is_val: np.ndarray  # (N,) bool: from a held-out face
    faces: list[dict]
    skipped: list[dict]
    fingerprint: str
    built: bool

    def split_mask(self, split: str) -> np.ndarray:
        return self.is_val if split == "val" else ~self.is_val

    def tensors(self, split: str, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        """The split as images (N, 1, 28, 28) in [-1, 1] and labels (N,), on the device."""
        mask = self.split_mask(split)
        images = torch.from_numpy(self.images[mask]).to(device=device, dtype=torch.float32)
        return images.div_(127.5).sub_(1.0).unsqueeze(1), torch.from_numpy(self.labels[mask]).to(device)

    def pools(self, split: str, device: torch.device | str = "cpu") -> torch.Tensor:
        """(S, K, 1, 28, 28): the K images of each symbol in the split (every face renders every symbol the same
        number of times, so K is the same for all)."""
        images, labels = self.tensors(split, device)
        order = torch.argsort(labels, stable=True)
        return images[order].view(len(SYMBOLS), -1, 1, IMAGE_SIZE, IMAGE_SIZE)

    def clean_glyphs(self, face_name: str, device: torch.device | str = "cpu") -> torch.Tensor:
        """(S, 1, 1, 28, 28): each symbol's clean sample in one face (the first sample of every glyph and face is
        rendered without augmentation), as a one-image-per-symbol pool; UsageError if the face is not here."""
        names = [face["name"] for face in self.faces]
        if face_name not in names:
            raise UsageError(f"the face '{face_name}' does not draw the digits here (the faces are "
                             f"{', '.join(names)}); set expressions.target_style=random")
        face = names.index(face_name)
        first = [int(np.flatnonzero((self.face_index == face) & (self.labels == symbol))[0])
                 for symbol in range(len(SYMBOLS))]
        images = torch.from_numpy(self.images[first]).to(device=device, dtype=torch.float32)
        return images.div_(127.5).sub_(1.0)[:, None, None]


def _drawn(path: Path) -> tuple[str, ...]:
    charmap = ft2font.FT2Font(str(path)).get_charmap()
    return tuple(MINUS_SIGN if symbol == "-" and charmap.get(ord(MINUS_SIGN), 0) else symbol for symbol in SYMBOLS)


@lru_cache(maxsize=1)
def _reference_features() -> torch.Tensor:
    """(R, 12, D): the symbols of the reference faces the letters are checked against, as match features."""
    references = []
    for name in REFERENCE_FACES:
        path = matplotlib_font_dir() / name
        font = ImageFont.truetype(str(path), RENDER_POINTS)
        references.append(match_features(np.stack([render_master(font, symbol) for symbol in _drawn(path)])))
    return torch.stack(references)


def symbols_recognised(masters: np.ndarray) -> list[str]:
    """The symbols whose glyph is most like the same symbol in some reference face (a symbol font that passed the
    letter checks can still map its digits to other shapes: cmsy10)."""
    similarity = torch.einsum("sd,rkd->srk", match_features(masters), _reference_features()).amax(dim=1)
    return [symbol for index, symbol in enumerate(SYMBOLS) if int(similarity[index].argmax()) == index]


def symbol_masters(face: FontFace) -> np.ndarray | str:
    """(12, 112, 112) masters of SYMBOLS in this face, or why the face cannot draw them."""
    charmap = ft2font.FT2Font(str(face.path)).get_charmap()
    drawn = [MINUS_SIGN if symbol == "-" and charmap.get(ord(MINUS_SIGN), 0) else symbol for symbol in SYMBOLS]
    missing = [symbol for symbol in drawn if not charmap.get(ord(symbol), 0)]
    if missing:
        return f"no glyph for {''.join(missing)}"
    font = ImageFont.truetype(str(face.path), RENDER_POINTS)
    masters = [render_master(font, symbol) for symbol in drawn]
    if any(master is None for master in masters):
        return "some digits or operators render with no ink"
    recognised = symbols_recognised(np.stack(masters))
    unlike = "".join(symbol for symbol in SYMBOLS if symbol not in recognised)
    # one odd digit is a style (a slashed zero, a flat-topped 3); odd operators or more are another alphabet
    if len(unlike) > 1 or unlike in ("+", "-"):
        return f"not digits and operators: its glyphs for {unlike} do not look like them"
    return np.stack(masters)


def symbols_fingerprint(config: FontDataConfig, file_hashes: list[str]) -> str:
    letters = dataset_fingerprint(config, file_hashes)  # settings, font contents, renderer versions
    payload = json.dumps({"symbols": SYMBOLS, "format": SYMBOLS_FORMAT, "letters": letters}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _load_cached(folder: Path, fingerprint: str) -> SymbolDataset | None:
    return load_cached_glyphs(folder, fingerprint, "symbol", SymbolDataset)


def load_symbol_dataset(config: FontDataConfig, data_dir: str | Path | None = None, rebuild: bool = False,
                        reporter: Reporter | None = None) -> SymbolDataset:
    """The digits and operators of the letter dataset's faces for `config`, from the cache or rendered now."""
    reporter = reporter or Reporter("quiet")
    data_dir = data_root(data_dir)
    files = font_files_to_render(config)
    fingerprint = symbols_fingerprint(config, [f.sha256 for f in files])
    folder = data_dir / "symbols" / fingerprint
    if not rebuild:
        cached = _load_cached(folder, fingerprint)
        if cached is not None:
            return cached
    reporter.info(f"building the digit and operator glyphs ({SYMBOLS}) for {config.samples_per_glyph} samples per "
                  f"glyph from {len(files)} font files (cached afterwards in {folder})")
    faces, skipped_files = discover_faces(config.fonts_dirs, config.matplotlib_fonts, files=files)
    skipped = [{"file": display_path(s.path), "reason": s.reason} for s in skipped_files]
    held_out = split_faces(faces, config) if faces else []  # the letters' split, before any face is dropped
    kept, masters = [], []
    for face, held in zip(faces, held_out):
        drawn = symbol_masters(face)
        if isinstance(drawn, str):
            skipped.append({"file": display_path(face.path), "reason": drawn})
        else:
            kept.append((face, held))
            masters.append(drawn)
    if not any(held for _, held in kept) or all(held for _, held in kept):
        raise UsageError(f"the digits need usable faces on both sides of the font split, but {len(kept)} faces draw "
                         f"them ({sum(held for _, held in kept)} held out); add faces with --fonts-dir")
    images, labels, face_ids = render_samples(masters, config, reporter, what="digits and operators")
    split = np.where(np.asarray([held for _, held in kept])[face_ids], "val", "train")
    face_records = [{"name": face.name, "family": face.family, "style": face.style, "file": display_path(face.path),
                     "source": face.source, "split": "val" if held else "train"} for face, held in kept]
    meta = {"format": SYMBOLS_FORMAT, "fingerprint": fingerprint, "symbols": SYMBOLS, "config": asdict(config),
            "faces": face_records, "skipped": skipped, "symbol": labels.tolist(), "face": face_ids.tolist(),
            "split": split.tolist()}

    def fill(tmp: Path) -> None:
        np.save(tmp / "images.npy", images, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        rows = np.stack([downsample(torch.from_numpy(m)[:, None])[:, 0].numpy() for m in masters])
        save_letter_sheet(tmp / "preview.png", rows, [f"{r['name']}{'  [val]' if r['split'] == 'val' else ''}"
                                                      for r in face_records], SYMBOLS)

    atomic_write_dir(folder, fill)
    return SymbolDataset(folder, images, labels, face_ids, split == "val", face_records, skipped, fingerprint,
                         built=True)
