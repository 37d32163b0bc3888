"""The genre classifier: "does this pattern sound like rock?", measured on phrases it never saw.

A small network over the hits of one bar (16 x 9; velocity and timing are left out, so it can judge generated
patterns that have neither), trained on the shared classifier loop (gentool.evaluate.classifier_training) on the
training phrases and reported on the held-out ones.

A measuring instrument (gentool.evaluate.instruments): the shipped one, built from the default drum dataset, by
default; a local one is built from a config's own drum data on request (`evaluation.classifier.source: local`)
and cached under the data folder, keyed by the dataset's fingerprint and its own settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from gentool.config import option
from gentool.datasets.drums import DrumDataset
from gentool.datasets.root import data_root
from gentool.drums.genres import GENRES
from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR
from gentool.evaluate.classifier_training import fit_classifier
from gentool.evaluate.instruments import (
    Instrument,
    full_precision,
    load_local,
    load_shipped,
    save_local,
    stored_weights,
)
from gentool.evaluate.letters import check_source
from gentool.runtime.progress import Reporter
from gentool.runtime.seeding import MAX_SEED, set_seed

CLASSIFIER_NAME = "genre-classifier"  # also its checkpoint kind
CLASSIFIER_VERSION = 1


@dataclass
class GenreClassifierSettings:
    source: Literal["shipped", "local"] = option(
        "shipped", help="shipped: the instrument installed with gentool, the same on every machine; local: one "
                        "built from this config's drum data on first use (cached under the data folder), labelled "
                        "local in every figure it makes")
    epochs: int = option(40, min=1, max=10_000)
    hidden: int = option(128, min=8, max=4096)
    lr: float = option(1e-3, min=0.0, min_exclusive=True, max=1.0)
    batch_size: int = option(128, min=2)
    seed: int = option(0, min=0, max=MAX_SEED)


class GenreNet(nn.Module):
    def __init__(self, hidden: int, genres: int):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(STEPS_PER_BAR * len(INSTRUMENTS), hidden), nn.ReLU(),
                                 nn.Dropout(0.2), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, genres))

    def forward(self, hits: torch.Tensor) -> torch.Tensor:  # (B, 16, 9) -> (B, genres)
        return self.net(hits.float())


@dataclass
class GenreClassifier:
    """A measuring instrument that always runs on the CPU: a two-layer MLP takes microseconds per batch there, and
    it reads the same on every machine, whatever device a command trains on. Inputs from any device are
    accepted."""

    model: GenreNet
    report: dict
    path: Path
    instrument: Instrument | None = None  # None only while it is being built

    @torch.no_grad()
    def probabilities(self, hits: np.ndarray | torch.Tensor) -> np.ndarray:
        """(N, 16, 9) hits -> (N, 5) genre probabilities, columns in GENRES order."""
        hits = torch.as_tensor(hits).detach().to("cpu", torch.float32).reshape(-1, STEPS_PER_BAR, len(INSTRUMENTS))
        return self.model(hits).softmax(dim=1).numpy()

    def accuracy(self, hits: np.ndarray, genre: np.ndarray) -> float:
        return float((self.probabilities(hits).argmax(axis=1) == np.asarray(genre)).mean())


# A held-out accuracy on fewer bars is not reported: below 20 bars one bar moves it by more than 5 points, and the
# 95% interval of a measured 90% is wider than +-13 points (binomial), so "100% on 3 bars" would say nothing.
MIN_HELD_OUT_BARS = 20


def enough_held_out(bars: int) -> bool:
    return bars >= MIN_HELD_OUT_BARS


def classifier_path(dataset: DrumDataset, settings: GenreClassifierSettings, data_dir: Path) -> Path:
    key = json.dumps({"version": CLASSIFIER_VERSION, **asdict(settings)}, sort_keys=True)
    return data_dir / "evaluators" / f"genres-{dataset.fingerprint}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.pt"


def accuracy_on(classifier: GenreClassifier, dataset: DrumDataset) -> dict:
    """The classifier read on a dataset: accuracy on its held-out bars (None without any), per genre and as a
    confusion matrix, and on its training bars."""
    train, val = dataset.split_mask("train"), dataset.split_mask("val")
    confusion = np.zeros((len(GENRES), len(GENRES)), dtype=int)
    if val.any():
        predicted = classifier.probabilities(dataset.hits[val]).argmax(axis=1)
        np.add.at(confusion, (dataset.genre[val], predicted), 1)
    present = [g for g in range(len(GENRES)) if confusion[g].sum()]
    return {
        "held_out_accuracy": round(float(confusion.trace() / max(confusion.sum(), 1)), 4) if val.any() else None,
        "train_accuracy": round(classifier.accuracy(dataset.hits[train], dataset.genre[train]), 4),
        "per_genre": {GENRES[g]: round(float(confusion[g, g] / confusion[g].sum()), 4) for g in present},
        "confusion": confusion.tolist(), "genres": list(GENRES), "held_out_bars": int(val.sum()),
        "train_bars": int(train.sum()), "dataset_fingerprint": dataset.fingerprint,
    }


def build_genre_classifier(dataset: DrumDataset, settings: GenreClassifierSettings, reporter: Reporter
                           ) -> tuple[GenreNet, dict, dict]:
    """Train on a drum dataset's training bars, measure on its held-out ones: the model, the state to store and
    the report."""
    set_seed(settings.seed)
    rng = torch.Generator().manual_seed(settings.seed)
    train = dataset.split_mask("train")
    hits = torch.from_numpy(dataset.hits[train].astype(np.float32))
    labels = torch.from_numpy(dataset.genre[train]).long()
    model = GenreNet(settings.hidden, len(GENRES))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=1e-4)

    def batches():
        order = torch.randperm(len(hits), generator=rng)
        for start in range(0, len(hits), settings.batch_size):
            index = order[start:start + settings.batch_size]
            yield hits[index], labels[index]

    fit_classifier(model, batches, epochs=settings.epochs, steps_per_epoch=-(-len(hits) // settings.batch_size),
                   optimizer=optimizer, reporter=reporter, what="the genre classifier")
    weights = stored_weights(model)
    report = {**accuracy_on(GenreClassifier(model, {}, Path()), dataset), "settings": asdict(settings),
              "version": CLASSIFIER_VERSION}
    return model, {"model": weights}, report


def _model_from_state(state: dict, hidden: int) -> GenreNet:
    model = GenreNet(hidden, len(GENRES))
    model.load_state_dict(full_precision(state["model"]))
    return model.eval()


def load_genre_classifier(dataset: DrumDataset, data_dir: str | Path | None = None, rebuild: bool = False,
                          settings: GenreClassifierSettings | None = None,
                          reporter: Reporter | None = None) -> GenreClassifier:
    """The classifier `settings.source` names: the shipped one, or the local one for this dataset (from the
    cache, or trained now)."""
    settings = settings or GenreClassifierSettings()
    check_source(settings, "evaluation.classifier")
    if settings.source == "shipped":
        state, manifest, instrument = load_shipped(CLASSIFIER_NAME, CLASSIFIER_VERSION)
        model = _model_from_state(state, manifest["report"]["settings"]["hidden"])
        return GenreClassifier(model, manifest["report"], Path(manifest["path"]), instrument)
    path = classifier_path(dataset, settings, data_root(data_dir))
    if path.is_file() and not rebuild:
        state, instrument = load_local(path, CLASSIFIER_NAME, CLASSIFIER_VERSION)
        return GenreClassifier(_model_from_state(state, settings.hidden), {**state["report"], "built": False}, path,
                               instrument)
    model, state, report = build_genre_classifier(dataset, settings, reporter or Reporter("quiet"))
    instrument = save_local(path, CLASSIFIER_NAME, CLASSIFIER_VERSION, {**state, "report": report})
    return GenreClassifier(model, {**report, "built": True}, path, instrument)
