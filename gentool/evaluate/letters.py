"""The letter evaluator: a small CNN that names the letter in a 28x28 image, or says it is not a letter.

It is a measuring instrument (gentool.evaluate.instruments): every letter figure (letters covered, recognisable
share, letter FID) is its reading. By default the shipped one is used, the same file on every machine; a local
one is built from a config's own fonts on request (`evaluation.evaluator.source: local`) and cached under the
data folder, keyed by that dataset's fingerprint and the evaluator's settings.

How one is built (`build_letter_evaluator`): trained on the training faces of the letter dataset and reported on
its held-out faces, at its own `samples_per_glyph` (40), so runs whose data differ only in size are scored alike.
Its letter material is the training faces' A-Z, plus capitals that are still letters: the training faces' script
and double-struck capitals, the script capitals of `script_fonts` and the A-Z of `letter_fonts` (text faces of
other families, gentool.datasets.styled_capitals), and light-weight renders of all these plain capitals
(gentool.datasets.light_capitals). Its 27th class, "not a letter",
is trained on synthetic noise (uniform noise, blobs, scrambled ink, blanks) and on real glyphs that are not Latin
capitals, from the same faces and split as the letters (gentool.datasets.non_letters). Every image gets a random
rotation, shear, scale and shift while it trains. The weights are stored in fp16 and every figure of its report
is read with the weights as stored. The penultimate layer's features of half the held-out letters are the
"letter FID" reference.

`train_classifier` is the training recipe alone (any class list, any reject material): the digit evaluator
reuses it.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataConfig, FontDataset, load_font_dataset
from gentool.datasets.light_capitals import light_capitals
from gentool.datasets.non_letters import (
    CATEGORIES,
    NonLetterSet,
    NonLetterSettings,
    face_capitals,
    face_file,
    load_non_letters,
)
from gentool.datasets.root import data_root
from gentool.datasets.styled_capitals import PLAIN_CAPITAL, capitals_of, find_font_files, script_fonts, styled_capitals
from gentool.evaluate.classifier_training import fit_classifier
from gentool.evaluate.config import EvaluatorSettings, LetterEvaluatorSettings, check_source
from gentool.evaluate.frechet import FeatureStats
from gentool.evaluate.instruments import (
    Instrument,
    full_precision,
    load_local,
    load_shipped,
    save_local,
    shipped_manifest,
    stored_weights,
)
from gentool.evaluate.prdc import RealBalls
from gentool.runtime.files import file_sha256
from gentool.runtime.precision import resolve_precision
from gentool.runtime.progress import Reporter
from gentool.runtime.seeding import set_seed

EVALUATOR_NAME = "letter-evaluator"  # also its checkpoint kind
EVALUATOR_VERSION = 7
NOT_A_LETTER = len(LETTERS)  # class 26: noise and real non-letter glyphs; without it a softmax names noise
CLASSES = len(LETTERS) + 1
TRAIN_FIGURE_STRIDE = 8  # training figures are read on every 8th training image: a fit check, not a result


def training_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The autocast dtype for training: bf16 where asked, or where `auto` finds bf16 faster
    (gentool.runtime.precision: a CPU with AVX-512 BF16 or AMX)."""
    return torch.bfloat16 if resolve_precision(precision, device) == "bf16" else torch.float32


class LetterClassifier(nn.Module):
    FEATURES = 128

    def __init__(self, classes: int = CLASSES, pool_first: bool = False):
        super().__init__()

        def block(inputs: int, outputs: int, pool: bool) -> list[nn.Module]:
            conv, norm = nn.Conv2d(inputs, outputs, 3, padding=1), nn.BatchNorm2d(outputs)
            if not pool:
                return [conv, norm, nn.ReLU(inplace=True)]
            # pooling first, batch norm and ReLU run on a quarter of the elements: on a CPU they, not the
            # convolutions, take most of a step
            if pool_first:
                return [conv, nn.MaxPool2d(2), norm, nn.ReLU(inplace=True)]
            return [conv, norm, nn.ReLU(inplace=True), nn.MaxPool2d(2)]

        self.body = nn.Sequential(
            *block(1, 32, pool=True),  # (B, 32, 14, 14)
            *block(32, 64, pool=True),  # (B, 64, 7, 7)
            *block(64, 64, pool=False),  # (B, 64, 7, 7)
            nn.Flatten(), nn.Linear(64 * 7 * 7, self.FEATURES), nn.ReLU(inplace=True))  # (B, 128)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(self.FEATURES, classes))
        # subtracted from the last ("none of them") logit; stored beside the weights, not in the state dict
        self.register_buffer("reject_bias", torch.zeros(()), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits_and_features(images)[0]

    def logits_and_features(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(images)
        logits = self.head(features)
        return torch.cat([logits[:, :-1], logits[:, -1:] - self.reject_bias], dim=1), features


@dataclass
class LetterEvaluator:
    model: LetterClassifier  # eval mode
    real_stats: FeatureStats  # held-out letters, first half: the letter-FID reference
    real_images: torch.Tensor | None  # held-out letters, second half: the "real" baseline, (N, 1, 28, 28) in [-1, 1]
    report: dict  # its own figures, measured when it was built
    path: Path
    device: torch.device
    instrument: Instrument
    # held-out letters of the fonts measured, first half: what precision, recall, density and coverage measure
    # against (with the default fonts, the letters of the FID reference), as real_images
    reference_images: torch.Tensor | None
    _real_balls: dict[int, RealBalls] = field(default_factory=dict, init=False, repr=False)

    def real_balls(self, k: int) -> RealBalls:
        """The reference letters' features with their k-nearest-neighbour balls (precision, recall, density and
        coverage are measured against them), computed on first use by this evaluator."""
        if self.reference_images is None:
            raise ValueError("this evaluator was loaded without its reference letters (baseline=False)")
        if k not in self._real_balls:
            self._real_balls[k] = RealBalls.of(self.classify(self.reference_images)[1], k)
        return self._real_balls[k]

    @torch.no_grad()
    def classify(self, images: torch.Tensor, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
        """Softmax probabilities (N, 27: A-Z and not-a-letter) and features (N, 128) of images in [-1, 1]."""
        probabilities, features = [], []
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size].to(self.device, torch.float32)
            logits, feats = self.model.logits_and_features(batch)
            probabilities.append(logits.softmax(dim=1).cpu())
            features.append(feats.cpu())
        return torch.cat(probabilities), torch.cat(features)


def evaluator_data_config(data: FontDataConfig, settings: EvaluatorSettings) -> FontDataConfig:
    return replace(data, samples_per_glyph=settings.samples_per_glyph)


def _jitter(images: torch.Tensor, settings: EvaluatorSettings, rng: torch.Generator) -> torch.Tensor:
    """Random rotation, shear, scale and shift of each image while training, so the evaluator learns letter
    shapes rather than the training fonts' exact geometry."""
    count = images.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(count, generator=rng)

    angle = uniform(-1, 1) * math.radians(settings.rotation_deg)
    shear = uniform(-1, 1) * settings.shear
    scale = uniform(settings.min_scale, settings.max_scale)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(count, 2, 3)
    # inverse map (output -> input): undo scale, then shear, then rotation
    theta[:, 0, 0] = (cos - shear * sin) / scale
    theta[:, 0, 1] = (sin + shear * cos) / scale
    theta[:, 1, 0] = -sin / scale
    theta[:, 1, 1] = cos / scale
    theta[:, :, 2] = (torch.rand(count, 2, generator=rng) * 2 - 1) * settings.shift_px * 2 / images.shape[-1]
    grid = F.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    return F.grid_sample(images + 1, grid, align_corners=False, padding_mode="zeros") - 1  # background stays -1


def not_letters(count: int, letters: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Images that are not letters, in [-1, 1]: uniform noise, blurred-noise blobs, the pixels of a real letter
    scrambled (the same amount of ink with no shape), and blank or flat images. None of them can form a letter by
    chance, which strokes or letter overlays could."""
    kinds = torch.randint(0, 4, (count,), generator=rng)
    out = torch.rand(count, 1, 28, 28, generator=rng) * 2 - 1  # kind 0: uniform noise
    blobs = kinds == 1
    if blobs.any():
        sigma = 1.0 + 2.0 * torch.rand(1, generator=rng).item()
        radius = int(3 * sigma)
        coords = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-coords**2 / (2 * sigma**2))
        kernel = (kernel[:, None] * kernel[None, :] / kernel.sum() ** 2)[None, None]
        smooth = F.conv2d(torch.randn(int(blobs.sum()), 1, 28 + 2 * radius, 28 + 2 * radius, generator=rng),
                          kernel)
        level = torch.quantile(smooth.flatten(1), 0.6 + 0.3 * torch.rand(1, generator=rng).item(), dim=1)
        out[blobs] = ((smooth - level[:, None, None, None]) * 4).clamp(-1, 1)
    scrambled = kinds == 2
    if scrambled.any():
        picks = letters[torch.randint(len(letters), (int(scrambled.sum()),), generator=rng)].cpu().flatten(1)
        order = torch.argsort(torch.rand(picks.shape, generator=rng), dim=1)
        out[scrambled] = torch.gather(picks, 1, order).view(-1, 1, 28, 28)
    flat = kinds == 3
    if flat.any():
        level = torch.rand(int(flat.sum()), 1, 1, 1, generator=rng) * 2 - 1
        out[flat] = (level + 0.1 * torch.randn(int(flat.sum()), 1, 28, 28, generator=rng)).clamp(-1, 1)
    return out.to(letters.device)


def accuracy_report(model: LetterClassifier, images: torch.Tensor, labels: torch.Tensor,
                    device: torch.device, names: str = LETTERS, groups: dict[str, torch.Tensor] | None = None) -> dict:
    """Accuracy, per class, and the worst classes with what they are taken for; `names` are the classes in order
    (the last column of the confusion is the rejection class, shown as '?'). With `groups` (name -> mask), the
    accuracy and the rejected share of each group too."""
    predicted = predict(model, images, device)
    by_group = {name: {"accuracy": round(float((predicted[mask] == labels[mask]).double().mean()), 4),
                       "rejected": round(float((predicted[mask] == len(names)).double().mean()), 4)}
                for name, mask in (groups or {}).items() if mask.any()}
    count = len(names)
    confusion = torch.zeros(count, count + 1, dtype=torch.long)
    confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    per_class = (confusion.diag().double() / confusion.sum(1).clamp_min(1).double()).tolist()
    worst = sorted(range(count), key=lambda i: per_class[i])[:5]
    worst_letters = []
    for index in worst:
        row = confusion[index].clone()
        row[index] = 0
        mistaken = int(row.argmax())
        worst_letters.append({"letter": names[index], "accuracy": round(per_class[index], 4),
                              "most_confused_with": (names + "?")[mistaken], "count": int(row[mistaken])})
    return {"accuracy": round(float((predicted == labels).double().mean()), 4),
            "per_letter": {names[i]: round(a, 4) for i, a in enumerate(per_class)},
            "worst_letters": worst_letters, "confusion": confusion.tolist(),
            **({"by_face": by_group} if groups else {})}


def train_classifier(images: torch.Tensor, labels: torch.Tensor, classes: int, settings: EvaluatorSettings,
                     device: torch.device, reporter: Reporter, what: str = "the letter evaluator",
                     reject: torch.Tensor | None = None, pool_first: bool = False) -> LetterClassifier:
    """Train a LetterClassifier with `classes` named classes and one more, index `classes`, for "none of them",
    on the shared classifier loop (gentool.evaluate.classifier_training).

    images (N, 1, 28, 28) in [-1, 1] with labels in [0, classes); reject (M, 1, 28, 28): real glyphs that are none
    of the classes (None or empty: synthetic noise only). Each step takes `batch_size` labelled images and
    `not_letter_share` more of rejects: `real_non_letter_share` of those from `reject`, the rest synthetic noise
    (`not_letters`). The labelled images and the real rejects get the same random geometry jitter; a one-cycle
    learning rate. Arithmetic in bf16 where `settings.precision` says so."""
    set_seed(settings.seed)
    rng = torch.Generator().manual_seed(settings.seed)
    reject = images[:0] if reject is None else reject
    images, labels, reject = images.to(device), labels.to(device), reject.to(device)
    model = LetterClassifier(classes + 1, pool_first).to(device, memory_format=torch.channels_last)  # faster convs
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    steps_per_epoch = math.ceil(len(images) / settings.batch_size)
    total_steps = settings.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, settings.lr, total_steps=total_steps)

    def batches():
        order = torch.randperm(len(images), generator=rng).to(device)
        for start in range(0, len(images), settings.batch_size):
            index = order[start:start + settings.batch_size]
            negatives = round(len(index) * settings.not_letter_share)
            real = round(negatives * settings.real_non_letter_share) if len(reject) else 0
            picked = reject[torch.randint(len(reject), (real,), generator=rng).to(device)] if real else reject[:0]
            batch = torch.cat([_jitter(torch.cat([images[index], picked]), settings, rng),
                               not_letters(negatives - real, images, rng)])
            yield (batch.contiguous(memory_format=torch.channels_last),
                   torch.cat([labels[index], torch.full((negatives,), classes, device=device)]))

    # kept channels-last: reading images is 1.6x faster so in fp32 too, with the same results
    return fit_classifier(model, batches, epochs=settings.epochs, steps_per_epoch=steps_per_epoch,
                          optimizer=optimizer, schedule=schedule, dtype=training_dtype(settings.precision, device),
                          reporter=reporter, what=what)


@torch.no_grad()
def predict(model: LetterClassifier, images: torch.Tensor, device: torch.device) -> torch.Tensor:
    model.eval()
    return torch.cat([model(images[i:i + 1024].to(device)).argmax(1).cpu() for i in range(0, len(images), 1024)])


def rejection_report(model: LetterClassifier, glyphs: NonLetterSet, split: str, device: torch.device) -> dict:
    """Share of a split's real non-letter glyphs put in the not-a-letter class: overall, per category, per face,
    and the glyphs most often taken for a letter."""
    mask = glyphs.is_val if split == "val" else ~glyphs.is_val
    predicted = predict(model, glyphs.tensors(split), device)
    rejected = predicted == NOT_A_LETTER
    categories, faces = glyphs.category[mask], glyphs.face_index[mask]
    code_points = glyphs.code_points[mask]

    def share(where) -> float:
        where = torch.from_numpy(where)
        return round(float(rejected[where].double().mean()), 4) if where.any() else None

    taken = {}
    for code_point, letter in zip(code_points[~rejected.numpy()].tolist(), predicted[~rejected].tolist()):
        key = f"{chr(code_point)} as {LETTERS[letter]}"
        taken[key] = taken.get(key, 0) + 1
    return {"rejected": share(categories >= 0), "glyphs": int(mask.sum()),
            "by_category": {name: share(categories == index) for index, name in enumerate(CATEGORIES)
                            if (categories == index).any()},
            "by_face": {str(int(face)): share(faces == face) for face in sorted(set(faces.tolist()))},
            "most_taken_for_letters": sorted(taken.items(), key=lambda item: -item[1])[:12]}


def letter_material(dataset: FontDataset, settings: LetterEvaluatorSettings, reporter: Reporter
                    ) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """Everything the letter class learns from: the training split, the styled capitals (with the script and
    letter fonts' capitals) and the light-weight capitals (images in [-1, 1] and labels), and what the report says
    about them."""
    images, labels = dataset.tensors("train")
    fonts = script_fonts(settings.script_fonts, dataset)
    letter_fonts = script_fonts(settings.letter_fonts, dataset, PLAIN_CAPITAL)
    for kind, found in (("script", fonts), ("letter", letter_fonts)):
        for refused in found.refused:
            reporter.info(f"{kind} font {refused['name']} not used: {refused['reason']}")
    styled, styled_labels = (styled_capitals(dataset, settings.styled_capitals, settings.seed, fonts, letter_fonts)
                             if settings.styled_capitals else (images[:0], labels[:0]))
    light, light_labels = images[:0], labels[:0]
    if settings.light_capitals:
        train_faces = [record for record in dataset.faces if record["split"] == "train"]
        extra, extra_letters = capitals_of(letter_fonts)
        masters = np.concatenate([*(face_capitals(face_file(record)) for record in train_faces), extra])
        letters = np.concatenate([np.tile(np.arange(len(LETTERS)), len(train_faces)), extra_letters])
        light, light_labels = light_capitals(masters, letters, settings.light_capitals, settings.seed)
    about = {"train_images": len(images), "train_styled_capitals": len(styled), "train_light_capitals": len(light),
             "script_fonts": {"used": fonts.used, "refused": fonts.refused},
             "letter_fonts": {"used": letter_fonts.used, "refused": letter_fonts.refused}}
    return torch.cat([images, styled, light]), torch.cat([labels, styled_labels, light_labels]), about


def build_letter_evaluator(dataset: FontDataset, glyphs: NonLetterSet, settings: LetterEvaluatorSettings,
                           device: torch.device, reporter: Reporter) -> tuple[LetterClassifier, dict, dict]:
    """Train an evaluator on a dataset's training faces and measure it on the held-out ones: the model (reading
    with its stored fp16 weights), the state to store (weights, reject bias, letter-FID reference) and its
    report."""
    started = time.perf_counter()
    images, labels, about = letter_material(dataset, settings, reporter)
    train_glyphs = glyphs.tensors("train")
    model = train_classifier(images, labels, len(LETTERS), settings, device, reporter, reject=train_glyphs,
                             pool_first=settings.pool_first)
    seconds = time.perf_counter() - started
    weights = stored_weights(model)
    model.reject_bias.fill_(settings.reject_bias)
    val_images, val_labels = dataset.tensors("val")
    noise_check = not_letters(2000, val_images, torch.Generator().manual_seed(settings.seed + 2))
    rejected = float((predict(model, noise_check, device) == NOT_A_LETTER).double().mean())
    real_rejection = rejection_report(model, glyphs, "val", device)
    real_rejection["by_face"] = {dataset.faces[int(face)]["name"]: value
                                 for face, value in real_rejection["by_face"].items()}
    train_images, train_labels = dataset.tensors("train")
    report = {
        "held_out": accuracy_report(model, val_images, val_labels.cpu(), device, groups=faces_of(dataset, "val")),
        "not_letters_rejected": round(rejected, 4),
        "non_letter_glyphs_rejected": real_rejection,
        "train": {"accuracy": accuracy_report(model, train_images[::TRAIN_FIGURE_STRIDE],
                                              train_labels[::TRAIN_FIGURE_STRIDE], device)["accuracy"],
                  "non_letter_glyphs_rejected": round(float(
                      (predict(model, train_glyphs[::TRAIN_FIGURE_STRIDE], device) == NOT_A_LETTER).double().mean()
                  ), 4)},
        "held_out_faces": [face["name"] for face in dataset.faces if face["split"] == "val"],
        "train_faces": [face["name"] for face in dataset.faces if face["split"] == "train"],
        **about, "held_out_images": len(val_images),
        "train_non_letter_glyphs": int((~glyphs.is_val).sum()), "train_seconds": round(seconds, 1),
        "precision": str(training_dtype(settings.precision, device)).removeprefix("torch."),
        "settings": asdict(settings), "version": EVALUATOR_VERSION, "dataset_fingerprint": dataset.fingerprint,
    }
    reference, _ = _halves(dataset, settings.seed)
    stats = FeatureStats.of(classify_features(model, reference, device))
    state = {"model": weights, "reject_bias": settings.reject_bias,
             "real_mean": stats.mean, "real_cov": stats.cov, "real_count": stats.count}
    return model, state, report


@torch.no_grad()
def classify_features(model: LetterClassifier, images: torch.Tensor, device: torch.device) -> torch.Tensor:
    return torch.cat([model.logits_and_features(images[i:i + 1024].to(device))[1].cpu()
                      for i in range(0, len(images), 1024)])


def faces_of(dataset: FontDataset, split: str) -> dict[str, torch.Tensor]:
    """Face name -> mask over the split's images."""
    face_index = torch.from_numpy(dataset.face_index[dataset.split_mask(split)])
    return {record["name"]: face_index == index for index, record in enumerate(dataset.faces)
            if record["split"] == split}


def _halves(dataset: FontDataset, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out letters split in two random halves: one is the reference (letter FID; precision, recall, density
    and coverage), the other the real baseline."""
    images, _ = dataset.tensors("val")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed + 1))
    half = len(images) // 2
    return images[order[:half]], images[order[half:]]


def evaluator_path(dataset: FontDataset, settings: LetterEvaluatorSettings, data_dir: Path,
                   device: torch.device) -> Path:
    """A local evaluator's cache file, keyed by the dataset, every evaluator setting (precision as resolved on
    this device) and the contents of the script and letter fonts found: changing any builds a new evaluator, and
    no version shares a file with another."""
    fonts = [path for name in settings.script_fonts + settings.letter_fonts for path in find_font_files(name)]
    key = json.dumps({"version": EVALUATOR_VERSION, **asdict(settings),
                      "precision": str(training_dtype(settings.precision, device)),
                      "font_contents": [file_sha256(path) for path in fonts]}, sort_keys=True)
    settings_key = hashlib.sha256(key.encode()).hexdigest()[:8]
    return data_dir / "evaluators" / f"letters-{dataset.fingerprint}-{settings_key}.pt"


def _evaluator_from_state(state: dict, pool_first: bool, device: torch.device) -> tuple[LetterClassifier,
                                                                                        FeatureStats]:
    model = LetterClassifier(pool_first=pool_first)
    model.load_state_dict(full_precision(state["model"]))
    model.reject_bias.fill_(state["reject_bias"])
    stats = FeatureStats(state["real_mean"], state["real_cov"], state["real_count"])
    return model.to(device, memory_format=torch.channels_last).eval(), stats


def load_letter_evaluator(data: FontDataConfig, data_dir: str | Path | None = None,
                          device: torch.device | str = "cpu", rebuild: bool = False,
                          settings: LetterEvaluatorSettings | None = None, reporter: Reporter | None = None,
                          baseline: bool = True) -> LetterEvaluator:
    """The evaluator `settings.source` names: the shipped one, or the local one for these fonts and split (from
    the cache, or trained now: `rebuild` trains it again). With `baseline`, the held-out letters of `data` are
    rendered too, in two halves: the reference that precision, recall, density and coverage measure samples
    against, and the "real" baseline. The letter FID's reference is the evaluator's own (stored in its file)."""
    reporter = reporter or Reporter("quiet")
    settings = settings or LetterEvaluatorSettings()
    check_source(settings, "evaluation.evaluator")
    device = torch.device(device)
    data_dir = data_root(data_dir)
    local = settings.source == "local"
    dataset = (load_font_dataset(evaluator_data_config(data, settings), data_dir, reporter=reporter)
               if baseline or local else None)
    reference, real_images = _halves(dataset, settings.seed) if baseline else (None, None)
    if not local:
        state, manifest, instrument = load_shipped(EVALUATOR_NAME, EVALUATOR_VERSION)
        model, stats = _evaluator_from_state(state, manifest["report"]["settings"]["pool_first"], device)
        return LetterEvaluator(model, stats, real_images, manifest["report"], Path(manifest["path"]), device,
                               instrument, reference)
    path = evaluator_path(dataset, settings, data_dir, device)
    if path.is_file() and not rebuild:
        state, instrument = load_local(path, EVALUATOR_NAME, EVALUATOR_VERSION)
        model, stats = _evaluator_from_state(state, settings.pool_first, device)
        return LetterEvaluator(model, stats, real_images, {**state["report"], "built": False}, path, device,
                               instrument, reference)
    reporter.info(f"training a local letter evaluator on {int((~dataset.is_val).sum())} letters of these fonts "
                  f"(cached afterwards in {path})")
    glyphs = load_non_letters(dataset, data_dir, NonLetterSettings(settings.non_letter_glyphs, seed=settings.seed),
                              reporter)
    model, state, report = build_letter_evaluator(dataset, glyphs, settings, device, reporter)
    instrument = save_local(path, EVALUATOR_NAME, EVALUATOR_VERSION, {**state, "report": report})
    stats = FeatureStats(state["real_mean"], state["real_cov"], state["real_count"])
    return LetterEvaluator(model, stats, real_images, {**report, "built": True}, path, device, instrument,
                           reference)


def shipped_report() -> dict:
    """The shipped evaluator's identity and headline figures, read from its manifest."""
    manifest = shipped_manifest(EVALUATOR_NAME)
    report = manifest["report"]
    return {"instrument": Instrument(EVALUATOR_NAME, manifest["version"], manifest["sha256"], "shipped").record(),
            "held_out_accuracy": report["held_out"]["accuracy"],
            "non_letter_glyphs_rejected": report["non_letter_glyphs_rejected"]["rejected"]}


def confusion_summary(report: dict) -> list[str]:
    return [f"{w['letter']}: {w['accuracy']:.1%} (most often taken for {w['most_confused_with']}, {w['count']}x)"
            for w in report["held_out"]["worst_letters"]]
