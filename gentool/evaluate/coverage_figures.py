"""Figures of coverage measurements: histogram, samples by letter, dynamics over epochs, heatmap, comparisons,
runs' samples side by side.

Every function takes plain records (the dicts in coverage.json and metrics.jsonl), image tensors or the PNG files
a run wrote, and writes one PNG atomically.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from matplotlib.colors import LogNorm

from gentool.datasets.font_faces import LETTERS
from gentool.evaluate.coverage import CoverageSettings, baseline_images, measure
from gentool.evaluate.letters import LetterEvaluator
from gentool.io.figures import plt, save_figure
from gentool.io.images import save_letter_sheet, to_unit_range


def collapse_onset(records: Sequence[dict], drop: int) -> int | None:
    """The epoch of the first evaluation whose letters covered is `drop` or more below the best so far."""
    best = None
    for record in records:
        covered = record.get("letters_covered")
        if covered is None:
            continue
        if best is not None and covered <= best - drop:
            return record["epoch"]
        best = covered if best is None else max(best, covered)
    return None


def letter_histogram(path: str | Path, report: dict, title: str = "") -> Path:
    counts = np.array([report["letter_counts"][letter] for letter in LETTERS])
    missing = set(report["missing"])
    fig, ax = plt.subplots(figsize=(10, 3.6))
    colours = ["#c0392b" if letter in missing else "#2e86c1" for letter in LETTERS]
    ax.bar(range(26), counts, color=colours)
    for index, letter in enumerate(LETTERS):
        if letter in missing:
            ax.annotate("missing", (index, counts[index]), ha="center", va="bottom", fontsize=6, color="#c0392b",
                        rotation=90, xytext=(0, 2), textcoords="offset points")
    expected = report["samples"] / 26
    ax.axhline(expected, color="grey", linestyle=":", linewidth=1, label=f"uniform ({expected:.0f})")
    ax.axhline(report["min_count"], color="#c0392b", linestyle="--", linewidth=1,
               label=f"covered at >= {report['min_count']}")
    ax.set_xticks(range(26), list(LETTERS))
    ax.set_ylabel("confident samples")
    ax.set_title(title or f"{report['letters_covered']}/26 letters covered, entropy {report['entropy']}, "
                          f"letter FID {report['letter_fid']:.1f}")
    ax.legend(fontsize=8, loc="upper right")
    return save_figure(fig, path)


def samples_by_letter(path: str | Path, images: torch.Tensor, probabilities: torch.Tensor, threshold: float,
                      per_letter: int = 10) -> Path:
    """Rows A-Z (and a last row of samples that are not confident letters), most confident first."""
    confidence, predicted = probabilities.max(dim=1)
    pixels = to_unit_range(images)[:, 0].numpy()
    rows = np.zeros((27, per_letter, 28, 28), dtype=np.float32)
    labels = []
    for row in range(27):
        if row < 26:
            chosen = ((predicted == row) & (confidence >= threshold)).nonzero().flatten()
            chosen = chosen[confidence[chosen].argsort(descending=True)]
            labels.append(f"{LETTERS[row]} ({len(chosen)})")
        else:
            chosen = ((predicted >= 26) | (confidence < threshold)).nonzero().flatten()
            labels.append(f"other ({len(chosen)})")
        for column, index in enumerate(chosen[:per_letter].tolist()):
            rows[row, column] = pixels[index]
    return save_letter_sheet(path, rows, labels, [""] * per_letter)


def dynamics(path: str | Path, records: Sequence[dict], onset: int | None, title: str = "") -> Path:
    evaluated = [r for r in records if r.get("letters_covered") is not None]
    epochs = [r["epoch"] for r in evaluated]
    panels = [("letters_covered", "letters covered (of 26)"), ("entropy", "normalised entropy"),
              ("letter_fid", "letter FID (lower is better)"), ("confident_share", "recognisable share")]
    # one epoch axis for every panel: an evaluation whose entropy is undefined (no recognisable letter at all)
    # is marked on its panel, not left out so that the panel seems to start later
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2), sharex=True)
    for ax, (key, label) in zip(axes, panels):
        ax.plot(epochs, [r[key] if r[key] is not None else float("nan") for r in evaluated], marker="o",
                markersize=3)
        undefined = [r["epoch"] for r in evaluated if r[key] is None]
        if undefined:
            ax.plot(undefined, [0.0] * len(undefined), "x", color="#7f8c8d", label="undefined: no letter recognised")
            ax.legend(fontsize=7)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("epoch")
        if onset is not None:
            ax.axvline(onset, color="#c0392b", linestyle="--", linewidth=1, label=f"collapse begins ({onset})")
    if onset is not None:
        axes[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def letter_heatmap(path: str | Path, records: Sequence[dict], title: str = "") -> Path:
    """Letters x evaluated epochs, colour = confident samples: which letters survive, which vanish, and when."""
    evaluated = [r for r in records if r.get("letter_counts")]
    matrix = np.array([[r["letter_counts"][letter] for r in evaluated] for letter in LETTERS], dtype=float)
    fig, ax = plt.subplots(figsize=(max(4, 0.35 * len(evaluated) + 2), 6))
    # log colour: the interesting end is the letters falling towards zero, which a linear scale paints alike
    image = ax.imshow(matrix + 1, aspect="auto", cmap="viridis", interpolation="nearest",
                      norm=LogNorm(vmin=1, vmax=max(2.0, float(matrix.max()) + 1)))
    ax.set_yticks(range(26), list(LETTERS), fontsize=7)
    ax.set_xticks(range(len(evaluated)), [str(r["epoch"]) for r in evaluated], fontsize=7, rotation=90)
    ax.set_xlabel("epoch")
    fig.colorbar(image, ax=ax, label="confident samples + 1 (log scale)")
    ax.set_title(title or "letters over training")
    return save_figure(fig, path)


def compare_runs(path: str | Path, runs: Sequence[tuple[str, Sequence[dict]]]) -> Path:
    """Overlay of letters covered and letter FID over epochs for several runs."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for name, records in runs:
        evaluated = [r for r in records if r.get("letters_covered") is not None]
        epochs = [r["epoch"] for r in evaluated]
        axes[0].plot(epochs, [r["letters_covered"] for r in evaluated], marker="o", markersize=3, label=name)
        axes[1].plot(epochs, [r["letter_fid"] for r in evaluated], marker="o", markersize=3, label=name)
    axes[0].set_title("letters covered (of 26)", fontsize=10)
    axes[1].set_title("letter FID (lower is better)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def samples_side_by_side(path: str | Path, grids: Sequence[tuple[str, Path]], caption: str) -> Path:
    """Sample grids (PNG files a run wrote) in one row, each under its title, with one caption beneath: several
    runs' samples read across at a glance."""
    fig, axes = plt.subplots(1, len(grids), figsize=(4.2 * len(grids), 4.6), squeeze=False)
    for ax, (title, grid) in zip(axes[0], grids):
        ax.imshow(plt.imread(grid), cmap="gray")
        ax.set_title(title, fontsize=13)
        ax.axis("off")
    fig.text(0.5, 0.01, caption, ha="center", va="bottom", fontsize=8, color="#56627a", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return save_figure(fig, path)


def coverage_beside_baselines(images: torch.Tensor, evaluator: LetterEvaluator, settings: CoverageSettings, *,
                              seed: int, baselines: Sequence[str], out_dir: Path, started: float) -> dict:
    """The coverage report of a model's images (any family's, in [-1, 1]) with the requested baselines measured the
    same way; writes the histogram and samples-by-letter figures into `out_dir`. `started`: when making the
    images began (time.perf_counter), so "seconds" covers making and scoring them."""
    model_report, probabilities = measure(images, evaluator, settings)
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [letter_histogram(out_dir / "coverage_histogram.png", model_report),
               samples_by_letter(out_dir / "coverage_samples.png", images, probabilities, settings.threshold)]
    result = {"model": model_report, "seconds": round(seconds, 2), "seed": seed,
              "instrument": evaluator.instrument.record(), "baselines": {}}
    for name in baselines:
        result["baselines"][name], _ = measure(baseline_images(name, evaluator, len(images), seed), evaluator,
                                               settings)
    result["figures"] = [str(p) for p in written]
    return result
