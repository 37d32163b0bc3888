"""The digit evaluator: the letter evaluator's CNN and training recipe (gentool.evaluate.letters.train_classifier)
on the digits and operators of the letter dataset's faces (gentool.datasets.symbols), with a "not a symbol" class
trained on noise, scored on fonts it never saw. It reads what a text->image model draws.

A measuring instrument (gentool.evaluate.instruments): the shipped one by default; a local one is built from a
config's fonts on request (`evaluation.evaluator.source: local`) and cached under the data folder, keyed by the
symbol dataset and the evaluator's settings."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from gentool.datasets.fonts import FontDataConfig
from gentool.datasets.root import data_root
from gentool.datasets.symbols import SYMBOLS, SymbolDataset, load_symbol_dataset
from gentool.evaluate.config import EvaluatorSettings, check_source
from gentool.evaluate.instruments import (
    Instrument,
    full_precision,
    load_local,
    load_shipped,
    save_local,
    stored_weights,
)
from gentool.evaluate.letters import LetterClassifier, accuracy_report, not_letters, predict, train_classifier
from gentool.runtime.progress import Reporter

DIGIT_EVALUATOR_NAME = "digit-evaluator"  # also its checkpoint kind
DIGIT_EVALUATOR_VERSION = 1
NOT_A_SYMBOL = len(SYMBOLS)
INK_BLANK = 0.03  # mean ink (0..1) below which a drawn glyph is blank: the end of a drawn answer


@dataclass
class DigitEvaluator:
    model: LetterClassifier  # eval mode, len(SYMBOLS) + 1 classes
    report: dict
    path: Path
    device: torch.device
    instrument: Instrument

    @torch.no_grad()
    def classify(self, images: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """(N,) class of each image in [-1, 1]: an index into SYMBOLS, or NOT_A_SYMBOL."""
        return torch.cat([self.model(images[start:start + batch_size].to(self.device, torch.float32)).argmax(1).cpu()
                          for start in range(0, len(images), batch_size)])

    def read(self, glyphs: torch.Tensor) -> list[str]:
        """Drawn answers (N, T, 1, 28, 28) as text: each glyph's symbol up to the first blank one ('?' for a glyph
        that is not a symbol)."""
        count, steps = glyphs.shape[:2]
        flat = glyphs.reshape(count * steps, *glyphs.shape[2:])
        blank = ((flat + 1) / 2).mean(dim=(1, 2, 3)).cpu() < INK_BLANK
        classes = torch.full((count * steps,), NOT_A_SYMBOL, dtype=torch.long)
        inked = (~blank).nonzero()[:, 0]
        if len(inked):  # blank glyphs need no CNN: they end the answer whatever it would say
            classes[inked] = self.classify(flat[inked.to(flat.device)])
        names = SYMBOLS + "?"
        texts = []
        for row in range(count):
            text = ""
            for step in range(steps):
                if blank[row * steps + step]:
                    break
                text += names[int(classes[row * steps + step])]
            texts.append(text)
        return texts


def digit_evaluator_path(dataset: SymbolDataset, settings: EvaluatorSettings, data_dir: Path) -> Path:
    key = json.dumps({"version": DIGIT_EVALUATOR_VERSION, **asdict(settings)}, sort_keys=True)
    return data_dir / "evaluators" / f"digits-{dataset.fingerprint}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.pt"


def build_digit_evaluator(dataset: SymbolDataset, settings: EvaluatorSettings, device: torch.device,
                          reporter: Reporter) -> tuple[LetterClassifier, dict, dict]:
    """Train on a symbol dataset's training faces, measure on its held-out ones: the model (reading with its
    stored fp16 weights), the state to store and the report."""
    started = time.perf_counter()
    images, labels = dataset.tensors("train", device)
    model = train_classifier(images, labels, len(SYMBOLS), settings, device, reporter, "the digit evaluator")
    seconds = time.perf_counter() - started
    weights = stored_weights(model)
    val_images, val_labels = dataset.tensors("val")
    noise = not_letters(2000, val_images, torch.Generator().manual_seed(settings.seed + 2))
    rejected = float((predict(model, noise, device) == NOT_A_SYMBOL).double().mean())
    report = {
        "held_out": accuracy_report(model, val_images, val_labels.cpu(), device, SYMBOLS),
        "noise_rejected": round(rejected, 4),
        "train": {"accuracy": accuracy_report(model, images.cpu(), labels.cpu(), device, SYMBOLS)["accuracy"]},
        "held_out_faces": [face["name"] for face in dataset.faces if face["split"] == "val"],
        "train_faces": [face["name"] for face in dataset.faces if face["split"] == "train"],
        "train_images": len(images), "held_out_images": len(val_images), "train_seconds": round(seconds, 1),
        "settings": asdict(settings), "version": DIGIT_EVALUATOR_VERSION, "dataset_fingerprint": dataset.fingerprint,
    }
    return model, {"model": weights}, report


def _model_from_state(state: dict, device: torch.device) -> LetterClassifier:
    model = LetterClassifier(classes=len(SYMBOLS) + 1)
    model.load_state_dict(full_precision(state["model"]))
    return model.to(device).eval()


def load_digit_evaluator(data: FontDataConfig, data_dir: str | Path | None = None,
                         device: torch.device | str = "cpu", rebuild: bool = False,
                         settings: EvaluatorSettings | None = None,
                         reporter: Reporter | None = None) -> DigitEvaluator:
    """The evaluator `settings.source` names: the shipped one, or the local one for these fonts and split (from
    the cache, or trained now, in under a minute on 2 CPU cores)."""
    reporter = reporter or Reporter("quiet")
    settings = settings or EvaluatorSettings()
    check_source(settings, "evaluation.evaluator")
    device = torch.device(device)
    if settings.source == "shipped":
        state, manifest, instrument = load_shipped(DIGIT_EVALUATOR_NAME, DIGIT_EVALUATOR_VERSION)
        return DigitEvaluator(_model_from_state(state, device), manifest["report"], Path(manifest["path"]), device,
                              instrument)
    data_dir = data_root(data_dir)
    dataset = load_symbol_dataset(replace(data, samples_per_glyph=settings.samples_per_glyph), data_dir,
                                  reporter=reporter)
    path = digit_evaluator_path(dataset, settings, data_dir)
    if path.is_file() and not rebuild:
        state, instrument = load_local(path, DIGIT_EVALUATOR_NAME, DIGIT_EVALUATOR_VERSION)
        return DigitEvaluator(_model_from_state(state, device), {**state["report"], "built": False}, path, device,
                              instrument)
    reporter.info(f"training a local digit evaluator on {int((~dataset.is_val).sum())} glyphs of these fonts "
                  f"(cached afterwards in {path})")
    model, state, report = build_digit_evaluator(dataset, settings, device, reporter)
    instrument = save_local(path, DIGIT_EVALUATOR_NAME, DIGIT_EVALUATOR_VERSION, {**state, "report": report})
    return DigitEvaluator(model, {**report, "built": True}, path, device, instrument)
