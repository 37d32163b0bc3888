"""Drum metrics beside their baselines: held-out real bars, random bars of the same density, one bar repeated.

Validity and genre accuracy must separate real from random; diversity must separate real from collapsed.
"""

from __future__ import annotations

import numpy as np

from gentool.datasets.drums import DrumDataset
from gentool.evaluate import drum_metrics
from gentool.evaluate.genres import MIN_HELD_OUT_BARS, GenreClassifier, accuracy_on, enough_held_out


def _with_genre_accuracy(hits: np.ndarray, labels: np.ndarray, reference: np.ndarray,
                         classifier: GenreClassifier) -> dict:
    """The metrics of `hits`, and the classifier's accuracy on those of a genre it names (`labels`: its columns,
    -1 for a genre it does not name)."""
    known = labels >= 0
    accuracy = (round(classifier.accuracy(hits[known], labels[known]), 4) if enough_held_out(int(known.sum()))
                else None)
    return {**drum_metrics.summarise(hits, reference), "genre_accuracy": accuracy}


def baseline_report(dataset: DrumDataset, classifier: GenreClassifier, seed: int = 0) -> dict:
    """Each baseline has as many bars as the held-out split, and the genre labels of the bars it stands in for
    (random bars take the density of their genre). Genre accuracy is read on the bars of the genres the classifier
    names; on fewer than MIN_HELD_OUT_BARS of them it is None."""
    rng = np.random.default_rng(seed)
    val = dataset.split_mask("val") if dataset.is_val.any() else dataset.split_mask("all")
    real, genre = dataset.hits[val], dataset.genre[val]
    reference = dataset.hits[dataset.split_mask("train")]
    random = np.empty_like(real)
    for label in np.unique(genre):
        rows = genre == label
        random[rows] = drum_metrics.random_like(real[rows], int(rows.sum()), rng)
    collapsed = drum_metrics.collapsed_like(real, len(real))
    labels = classifier.columns(dataset.genre_names)[genre]
    return {
        "real": _with_genre_accuracy(real, labels, reference, classifier),
        "random": _with_genre_accuracy(random, labels, reference, classifier),
        "collapsed": _with_genre_accuracy(collapsed, labels, reference, classifier),
    }


def drum_dataset_report(dataset: DrumDataset, classifier: GenreClassifier, seed: int) -> dict:
    """What `data drums` shows: the dataset's per-genre figures, the genre classifier's accuracy on this dataset's
    bars, and the metrics beside their baselines, each naming the classifier that read them."""
    stats = dataset.stats()
    measured = accuracy_on(classifier, dataset)
    report = {key: measured[key] for key in ("held_out_accuracy", "train_accuracy", "per_genre", "held_out_bars",
                                             "unread_genres")}
    if not enough_held_out(report["held_out_bars"]):  # too few bars for a figure worth reading (see genres.py)
        report.update(held_out_accuracy=None, per_genre={})
    stats["genre_classifier"] = {**report, "min_held_out_bars": MIN_HELD_OUT_BARS, "path": str(classifier.path),
                                 "instrument": classifier.instrument.record()}
    stats["baselines"] = baseline_report(dataset, classifier, seed)
    stats["baseline_bars"] = int(dataset.is_val.sum()) if dataset.is_val.any() else len(dataset.hits)
    return stats
