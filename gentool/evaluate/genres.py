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

import numpy as np
import torch
from torch import nn

from gentool.datasets.drums import DrumDataset
from gentool.datasets.root import data_root
from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR
from gentool.evaluate.classifier_training import fit_classifier
from gentool.evaluate.config import GenreClassifierSettings, check_source
from gentool.evaluate.instruments import (
    Instrument,
    full_precision,
    load_local,
    load_shipped,
    save_local,
    stored_weights,
)
from gentool.runtime.progress import Reporter
from gentool.runtime.seeding import set_seed

CLASSIFIER_NAME = "genre-classifier"  # also its checkpoint kind
CLASSIFIER_VERSION = 1
PREDICT_BLOCK = 4096  # bars classified at once


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

    @property
    def genres(self) -> list[str]:
        """The genres it tells apart, in the order of its probability columns: the genre_names of the dataset it
        was built from (the shipped one: GENRES)."""
        return self.report["genres"]

    def columns(self, genre_names: list[str]) -> np.ndarray:
        """A dataset's genres (indices into its `genre_names`) as this classifier's columns: -1 for a genre it does
        not name (the shipped one knows the grammar's five; bars of a genre imported from MIDI files need a local
        one)."""
        return np.array([self.genres.index(name) if name in self.genres else -1 for name in genre_names], dtype=int)

    @torch.no_grad()
    def probabilities(self, hits: np.ndarray | torch.Tensor) -> np.ndarray:
        """(N, 16, 9) hits -> (N, genres) probabilities, columns in `genres` order (GENRES first); a block of bars
        at a time, so a dataset of any size needs no more memory than one block's activations."""
        hits = torch.as_tensor(hits).detach().to("cpu").reshape(-1, STEPS_PER_BAR, len(INSTRUMENTS))
        return np.concatenate([self.model(hits[start:start + PREDICT_BLOCK]).softmax(dim=1).numpy()
                               for start in range(0, max(len(hits), 1), PREDICT_BLOCK)])

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
    """The classifier read on a dataset's bars of the genres it names: accuracy on the held-out ones (None without
    any), per genre and as a confusion matrix (its genres in its column order), and on the training ones. The
    dataset's other genres are listed, unread."""
    labels = classifier.columns(dataset.genre_names)[dataset.genre]
    train, val = dataset.split_mask("train") & (labels >= 0), dataset.split_mask("val") & (labels >= 0)
    genres = classifier.genres
    confusion = np.zeros((len(genres), len(genres)), dtype=int)
    if val.any():
        predicted = classifier.probabilities(dataset.hits[val]).argmax(axis=1)
        np.add.at(confusion, (labels[val], predicted), 1)
    present = [g for g in range(len(genres)) if confusion[g].sum()]
    return {
        "held_out_accuracy": round(float(confusion.trace() / max(confusion.sum(), 1)), 4) if val.any() else None,
        "train_accuracy": round(classifier.accuracy(dataset.hits[train], labels[train]), 4) if train.any() else None,
        "per_genre": {genres[g]: round(float(confusion[g, g] / confusion[g].sum()), 4) for g in present},
        "confusion": confusion.tolist(), "genres": list(genres), "held_out_bars": int(val.sum()),
        "train_bars": int(train.sum()), "dataset_fingerprint": dataset.fingerprint,
        "unread_genres": [name for name in dataset.genres_present() if name not in genres],
    }


def build_genre_classifier(dataset: DrumDataset, settings: GenreClassifierSettings, reporter: Reporter
                           ) -> tuple[GenreNet, dict, dict]:
    """Train on a drum dataset's training bars, measure on its held-out ones: the model, the state to store and
    the report."""
    set_seed(settings.seed)
    rng = torch.Generator().manual_seed(settings.seed)
    train = dataset.split_mask("train")
    hits = torch.from_numpy(dataset.hits[train])  # bool: each batch becomes float in the model, not the whole set
    labels = torch.from_numpy(dataset.genre[train]).long()
    genres = dataset.genre_names
    model = GenreNet(settings.hidden, len(genres))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=1e-4)

    def batches():
        order = torch.randperm(len(hits), generator=rng)
        for start in range(0, len(hits), settings.batch_size):
            index = order[start:start + settings.batch_size]
            yield hits[index], labels[index]

    fit_classifier(model, batches, epochs=settings.epochs, steps_per_epoch=-(-len(hits) // settings.batch_size),
                   optimizer=optimizer, reporter=reporter, what="the genre classifier")
    weights = stored_weights(model)
    report = {**accuracy_on(GenreClassifier(model, {"genres": list(genres)}, Path()), dataset),
              "settings": asdict(settings), "version": CLASSIFIER_VERSION}
    return model, {"model": weights}, report


def _model_from_state(state: dict, report: dict) -> GenreNet:
    model = GenreNet(report["settings"]["hidden"], len(report["genres"]))
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
        model = _model_from_state(state, manifest["report"])
        return GenreClassifier(model, manifest["report"], Path(manifest["path"]), instrument)
    path = classifier_path(dataset, settings, data_root(data_dir))
    if path.is_file() and not rebuild:
        state, instrument = load_local(path, CLASSIFIER_NAME, CLASSIFIER_VERSION)
        return GenreClassifier(_model_from_state(state, state["report"]), {**state["report"], "built": False}, path,
                               instrument)
    model, state, report = build_genre_classifier(dataset, settings, reporter or Reporter("quiet"))
    instrument = save_local(path, CLASSIFIER_NAME, CLASSIFIER_VERSION, {**state, "report": report})
    return GenreClassifier(model, {**report, "built": True}, path, instrument)
