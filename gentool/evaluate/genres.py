"""The genre classifier: "does this pattern sound like rock?", measured on phrases it never saw.

A small network over the hits of one bar (16 x 9; velocity and timing are left out, so it can judge generated
patterns that have neither). Trained on the training phrases, reported on the held-out ones, and cached beside
the dataset keyed by the dataset's fingerprint and its own settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gentool.datasets.drums import DrumDataset
from gentool.datasets.root import data_root
from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR
from gentool.evaluate.config import GenreClassifierSettings
from gentool.runtime.checkpoint import load_checkpoint, save_checkpoint
from gentool.runtime.progress import Reporter
from gentool.runtime.seeding import set_seed

CLASSIFIER_KIND = "genre-classifier"
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
    a cached classifier is then the same file on every machine, whatever device a command trains on. Inputs from
    any device are accepted."""

    model: GenreNet
    report: dict
    path: Path

    @property
    def genres(self) -> list[str]:
        """The genres it tells apart, in the order of its probability columns: its dataset's genre_names."""
        return self.report["genres"]

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


def _train(dataset: DrumDataset, settings: GenreClassifierSettings, reporter: Reporter) -> tuple[GenreNet, dict]:
    set_seed(settings.seed)
    rng = torch.Generator().manual_seed(settings.seed)
    train = dataset.split_mask("train")
    hits = torch.from_numpy(dataset.hits[train])  # bool: each batch becomes float in the model, not the whole set
    labels = torch.from_numpy(dataset.genre[train]).long()
    genres = dataset.genre_names
    model = GenreNet(settings.hidden, len(genres))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=1e-4)
    with reporter.task("training the genre classifier", total=settings.epochs) as progress:
        for _ in range(settings.epochs):
            model.train()
            order = torch.randperm(len(hits), generator=rng)
            for start in range(0, len(hits), settings.batch_size):
                index = order[start:start + settings.batch_size]
                loss = F.cross_entropy(model(hits[index]), labels[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            progress.advance()
    model.eval()
    classifier = GenreClassifier(model, {"genres": list(genres)}, Path())
    val = dataset.split_mask("val")
    confusion = np.zeros((len(genres), len(genres)), dtype=int)
    if val.any():
        predicted = classifier.probabilities(dataset.hits[val]).argmax(axis=1)
        np.add.at(confusion, (dataset.genre[val], predicted), 1)
    present = [g for g in range(len(genres)) if confusion[g].sum()]
    report = {
        "held_out_accuracy": round(float(confusion.trace() / max(confusion.sum(), 1)), 4) if val.any() else None,
        "train_accuracy": round(classifier.accuracy(dataset.hits[train], dataset.genre[train]), 4),
        "per_genre": {genres[g]: round(float(confusion[g, g] / confusion[g].sum()), 4) for g in present},
        "confusion": confusion.tolist(), "genres": list(genres), "held_out_bars": int(val.sum()),
        "train_bars": int(train.sum()), "settings": asdict(settings), "dataset_fingerprint": dataset.fingerprint,
    }
    return model, report


def load_genre_classifier(dataset: DrumDataset, data_dir: str | Path | None = None, rebuild: bool = False,
                          settings: GenreClassifierSettings | None = None,
                          reporter: Reporter | None = None) -> GenreClassifier:
    settings = settings or GenreClassifierSettings()
    data_dir = data_root(data_dir)
    path = classifier_path(dataset, settings, data_dir)
    model = GenreNet(settings.hidden, len(dataset.genre_names))
    if path.is_file() and not rebuild:
        state = load_checkpoint(path, CLASSIFIER_KIND)
        model.load_state_dict(state["model"])
        return GenreClassifier(model.eval(), {**state["report"], "built": False}, path)
    model, report = _train(dataset, settings, reporter or Reporter("quiet"))
    save_checkpoint(path, CLASSIFIER_KIND, {"model": model.state_dict(), "report": report})
    return GenreClassifier(model, {**report, "built": True}, path)
