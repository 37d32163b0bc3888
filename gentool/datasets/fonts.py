"""The letter dataset: capitals A-Z at 28x28 from real font faces, split by font, cached under the data folder.

Cache layout: <data_dir>/fonts/<fingerprint>/images.npy (uint8, N x 28 x 28), meta.json (faces, skipped files,
and per sample: letter, face, split), preview.png. The fingerprint covers every input that changes the pixels
(font file contents, the dataset config, the renderer's versions), so the same inputs are a cache hit and
changed inputs rebuild.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import PIL
import torch
from PIL import features as pil_features

from gentool.datasets.config import FontDataConfig
from gentool.datasets.font_faces import LETTERS, FontFace, discover_faces, display_path, find_font_files
from gentool.datasets.glyphs import IMAGE_SIZE, augment, downsample
from gentool.datasets.root import data_root
from gentool.errors import UsageError
from gentool.io.images import save_letter_sheet
from gentool.runtime.files import atomic_write_dir
from gentool.runtime.progress import Reporter

DATASET_FORMAT = 1


@dataclass
class FontDataset:
    path: Path
    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,) int64, 0 = A
    face_index: np.ndarray  # (N,) int64 into faces
    is_val: np.ndarray  # (N,) bool
    faces: list[dict]  # name, family, style, file, source, split
    skipped: list[dict]  # file, reason
    fingerprint: str
    built: bool  # True when this call rendered it, False on a cache hit

    @property
    def preview_path(self) -> Path:
        return self.path / "preview.png"

    def split_mask(self, split: Literal["train", "val"]) -> np.ndarray:
        return self.is_val if split == "val" else ~self.is_val

    def tensors(self, split: Literal["train", "val"], device: torch.device | str = "cpu"
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole split as one tensor on the device: images (N, 1, 28, 28) in [-1, 1] and labels (N,)."""
        mask = self.split_mask(split)
        images = torch.from_numpy(self.images[mask]).to(device=device, dtype=torch.float32)
        images = images.div_(127.5).sub_(1.0).unsqueeze(1)
        labels = torch.from_numpy(self.labels[mask]).to(device)
        return images, labels

    def stats(self) -> dict:
        per_letter = {split: np.bincount(self.labels[self.split_mask(split)], minlength=26).tolist()
                      for split in ("train", "val")}
        return {
            "path": str(self.path),
            "fingerprint": self.fingerprint,
            "built": self.built,
            "samples": {"train": int((~self.is_val).sum()), "val": int(self.is_val.sum())},
            "faces": self.faces,
            "skipped": self.skipped,
            "per_letter": {split: dict(zip(LETTERS, counts)) for split, counts in per_letter.items()},
            "preview": str(self.preview_path),
        }


# ------------------------------------------------------------------------------------------------- fingerprint

def _renderer_versions() -> dict:
    return {"format": DATASET_FORMAT, "pillow": PIL.__version__, "freetype": pil_features.version("freetype2"),
            "torch": ".".join(torch.__version__.split(".")[:2])}


def dataset_fingerprint(config: FontDataConfig, file_hashes: list[str]) -> str:
    settings = asdict(config)
    settings.pop("fonts_dirs")  # where the files live does not matter, their contents do
    payload = json.dumps({"settings": settings, "fonts": file_hashes, "renderer": _renderer_versions()},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------------- split

def split_faces(faces: list[FontFace], config: FontDataConfig) -> list[bool]:
    """Which faces are held out (True = validation). Whole families are held out unless split_by is 'face'."""
    if config.val_fraction == 0:
        return [False] * len(faces)
    groups: dict[str, list[int]] = {}
    for index, face in enumerate(faces):
        key = face.family if config.split_by == "family" else face.name
        groups.setdefault(key, []).append(index)
    if len(groups) < 2:
        what = "family" if config.split_by == "family" else "face"
        raise UsageError(f"only one font {what} is usable, so none can be held out for validation; add faces "
                         f"with --fonts-dir, use --set fonts.split_by=face, or --set fonts.val_fraction=0")
    order = sorted(groups)
    random.Random(config.seed).shuffle(order)
    target = config.val_fraction * len(faces)
    held: list[int] = []
    for key in order[:-1]:  # the last group always stays in training
        if len(held) >= target:
            break
        held += groups[key]
    held_set = set(held)
    return [index in held_set for index in range(len(faces))]


# ------------------------------------------------------------------------------------------------------- build

def render_samples(masters: list[np.ndarray], config: FontDataConfig, reporter: Reporter, what: str = "letters"
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`samples_per_glyph` augmented copies of every glyph of every face (the first clean): pixels (N, 28, 28) uint8,
    glyph labels (the index into the face's masters) and face indices. `masters[f]` is (G, 112, 112) for face f;
    the letters pass A-Z, other datasets their own characters (gentool.datasets.symbols)."""
    generator = torch.Generator().manual_seed(config.seed)
    per_glyph = config.samples_per_glyph
    images, labels, face_ids = [], [], []
    with reporter.task(f"rendering {what}", total=len(masters)) as task:
        for face_id, face_masters in enumerate(masters):
            glyphs = torch.from_numpy(face_masters)[:, None]  # (G, 1, 112, 112)
            for glyph_id in range(len(glyphs)):
                copies = glyphs[glyph_id:glyph_id + 1].expand(per_glyph, -1, -1, -1)
                images.append(augment(copies, config.augment, generator, keep_first=True))
                labels.append(np.full(per_glyph, glyph_id))
                face_ids.append(np.full(per_glyph, face_id))
            task.advance()
    pixels = (torch.cat(images)[:, 0] * 255.0).round_().to(torch.uint8).numpy()
    return pixels, np.concatenate(labels).astype(np.int64), np.concatenate(face_ids).astype(np.int64)


def _face_record(face: FontFace, held_out: bool) -> dict:
    return {"name": face.name, "family": face.family, "style": face.style, "file": display_path(face.path),
            "source": face.source, "split": "val" if held_out else "train"}


def load_cached_glyphs(folder: Path, fingerprint: str, label_key: str, dataset_class: type):
    """A rendered glyph set (images.npy + meta.json, labels under `label_key`) from its cache folder, as
    `dataset_class` (FontDataset, SymbolDataset: the same fields); None when missing, damaged or stale."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        images = np.load(folder / "images.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None  # missing or damaged cache: rebuild
    if meta.get("fingerprint") != fingerprint or images.shape != (len(meta[label_key]), IMAGE_SIZE, IMAGE_SIZE):
        return None
    return dataset_class(folder, images, np.asarray(meta[label_key], dtype=np.int64),
                         np.asarray(meta["face"], dtype=np.int64), np.asarray(meta["split"]) == "val",
                         meta["faces"], meta["skipped"], fingerprint, built=False)


def _load_cached(folder: Path, fingerprint: str) -> FontDataset | None:
    return load_cached_glyphs(folder, fingerprint, "letter", FontDataset)


def font_files_to_render(config: FontDataConfig) -> list:
    """The font files a glyph set for `config` is rendered from; a UsageError when there are none."""
    files = find_font_files(config.fonts_dirs, config.matplotlib_fonts)
    if not files:
        raise UsageError("no font files to render: matplotlib fonts are off and no --fonts-dir was given; "
                         "pass --fonts-dir DIR or turn fonts.matplotlib_fonts back on")
    return files


def load_font_dataset(config: FontDataConfig, data_dir: str | Path | None = None, rebuild: bool = False,
                      reporter: Reporter | None = None) -> FontDataset:
    """The dataset for `config`, from the cache when its fingerprint matches, else rendered and cached."""
    reporter = reporter or Reporter("quiet")
    data_dir = data_root(data_dir)
    files = font_files_to_render(config)
    fingerprint = dataset_fingerprint(config, [f.sha256 for f in files])
    folder = data_dir / "fonts" / fingerprint
    if not rebuild:
        cached = _load_cached(folder, fingerprint)
        if cached is not None:
            return cached

    # say which settings: `data fonts` (vanilla's) and `gan train --preset quick` build two datasets, one each
    reporter.info(f"building the letter dataset for {config.samples_per_glyph} samples per glyph, data seed "
                  f"{config.seed} (each data setting has its own cache) from {len(files)} font files (cached "
                  f"afterwards in {folder})")
    faces, skipped = discover_faces(config.fonts_dirs, config.matplotlib_fonts, files=files)
    skipped_records = [{"file": display_path(s.path), "reason": s.reason} for s in skipped]
    if not faces:
        reasons = "; ".join(f"{r['file']}: {r['reason']}" for r in skipped_records[:5])
        raise UsageError(f"none of the {len(files)} font files has usable glyphs for A-Z ({reasons}); "
                         f"point --fonts-dir at text fonts")
    for fonts_dir in config.fonts_dirs:  # a folder that adds nothing is a mistake, even with matplotlib's faces
        if not any(face.source == str(fonts_dir) for face in faces):
            mine = [r for s, r in zip(skipped, skipped_records) if Path(fonts_dir).expanduser() in s.path.parents]
            reasons = "; ".join(f"{r['file']}: {r['reason']}" for r in mine[:3])
            raise UsageError(f"--fonts-dir '{fonts_dir}' gave no usable face: all {len(mine)} of its font files were "
                             f"skipped ({reasons}); point it at text fonts with A-Z, or drop it")
    held_out = split_faces(faces, config)
    images, labels, face_ids = render_samples([face.masters for face in faces], config, reporter)
    split = np.where(np.asarray(held_out)[face_ids], "val", "train")
    face_records = [_face_record(face, held) for face, held in zip(faces, held_out)]
    meta = {"format": DATASET_FORMAT, "fingerprint": fingerprint, "letters": LETTERS,
            "config": asdict(config), "renderer": _renderer_versions(), "faces": face_records,
            "skipped": skipped_records, "letter": labels.tolist(), "face": face_ids.tolist(),
            "split": split.tolist()}

    def fill(tmp: Path) -> None:
        np.save(tmp / "images.npy", images, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        _write_preview(tmp / "preview.png", faces, held_out)

    atomic_write_dir(folder, fill)
    return FontDataset(folder, images, labels, face_ids, split == "val", face_records, skipped_records,
                       fingerprint, built=True)


def _write_preview(path: Path, faces: list[FontFace], held_out: list[bool]) -> None:
    """Every capital in every face (clean renders): one row per face, validation faces marked."""
    rows = [downsample(torch.from_numpy(face.masters)[:, None])[:, 0].numpy() for face in faces]
    labels = [f"{face.name}{'  [val]' if held else ''}" for face, held in zip(faces, held_out)]
    save_letter_sheet(path, np.stack(rows), labels, LETTERS)
