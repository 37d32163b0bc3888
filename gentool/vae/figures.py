"""The drum VAE's posterior-collapse figures (KL per dimension, KL over epochs, z_high by genre, the density
sweep) and `analyze_run`, which measures a trained run for `vae analyze` and writes them beside
posterior_collapse.json."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.datasets.config import GENRES
from gentool.datasets.drums import DrumDataset
from gentool.drums.pattern import DrumPattern
from gentool.io.figures import plt, save_figure
from gentool.io.pianoroll import save_piano_rolls
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import RunDir
from gentool.vae import measure
from gentool.vae.config import DrumVaeConfig
from gentool.vae.model import HierarchicalVAE
from gentool.vae.train import collapsed_dimensions


def _kl_bars(path: Path, final: dict) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 2.5]})
    for ax, level in zip(axes, ("high", "low")):
        values = final[f"kl_{level}_dims"]
        colours = ["#c0392b" if v < measure.COLLAPSED_KL else "#2e86c1" for v in values]
        ax.bar(range(len(values)), values, color=colours)
        ax.set_xticks(range(len(values)))
        ax.set_title(f"KL per z_{level} dimension (nats; red = collapsed)", fontsize=9)
        ax.set_xlabel("dimension")
    return save_figure(fig, path)


def _kl_over_epochs(path: Path, records: list[dict]) -> Path:
    epochs = [r["epoch"] for r in records]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(epochs, [r["val_kl_high"] for r in records], label="KL z_high (held out)")
    ax.plot(epochs, [r["val_kl_low"] for r in records], label="KL z_low (held out)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per bar")
    twin = ax.twinx()
    twin.plot(epochs, [r["beta"] for r in records], color="grey", linestyle=":", label="beta")
    twin.set_ylabel("beta")
    lines = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="upper right")
    return save_figure(fig, path)


def _scatter(path: Path, codes: np.ndarray, genre: np.ndarray) -> Path:
    centred = codes - codes.mean(axis=0)
    if codes.shape[1] >= 2:
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        projected = centred @ components[:2].T
    else:
        projected = np.column_stack([centred[:, 0], np.zeros(len(centred))])
    fig, ax = plt.subplots(figsize=(5, 4.2))
    for index, name in enumerate(GENRES):
        rows = genre == index
        if rows.any():
            ax.scatter(projected[rows, 0], projected[rows, 1], s=6, alpha=0.6, label=name)
    ax.set_title("z_high of held-out bars (PCA), by genre", fontsize=9)
    ax.legend(fontsize=8, markerscale=2)
    return save_figure(fig, path)


def _density_sweep(path: Path, sweep: dict) -> Path:
    patterns = [DrumPattern.from_hits(p) for p in sweep["sweep_patterns"]]
    titles = [f"z_{sweep['strongest_level']}[{sweep['strongest_dim']}] = {v:+.2f}: expected density {d:.3f}"
              for v, d in zip(sweep["sweep_values"], sweep["sweep_density"])]
    return save_piano_rolls(path, patterns, titles)


def analyze_run(run: RunDir, model: HierarchicalVAE, config: DrumVaeConfig, dataset: DrumDataset,
                device: torch.device) -> dict:
    """posterior_collapse.json and figures: KL per dimension, KL over epochs with beta, z_high by genre, genre
    linear probes on z_high and z_low, and the z_low dimension that controls density."""
    records = [r for r in run.read_metrics() if "kl_high_dims" in r]
    final = records[-1]
    train, val = dataset.split_mask("train"), dataset.split_mask("val")
    train_hits = torch.from_numpy(dataset.hits[train]).float().to(device)
    val_hits = torch.from_numpy(dataset.hits[val]).float().to(device)
    train_high, train_low = (c.cpu().numpy() for c in model.posterior_means(train_hits))
    val_high, val_low = (c.cpu().numpy() for c in model.posterior_means(val_hits))
    sweep = measure.density_directions(model, val_hits, device)
    probes = {"z_high": measure.linear_probe(train_high, dataset.genre[train], val_high, dataset.genre[val]),
              "z_low": measure.linear_probe(train_low, dataset.genre[train], val_low, dataset.genre[val])}
    run.figures.mkdir(parents=True, exist_ok=True)
    figures = [_kl_bars(run.figures / "kl_per_dimension.png", final),
               _kl_over_epochs(run.figures / "kl_over_epochs.png", records),
               _scatter(run.figures / "z_high_by_genre.png", val_high, dataset.genre[val]),
               _density_sweep(run.figures / "density_sweep.png", sweep)]
    report = {
        "run": str(run.path), "epoch": final["epoch"], "anneal": config.anneal.schedule,
        "free_bits": {"high": config.free_bits.high, "low": config.free_bits.low},
        "kl_high_dims": final["kl_high_dims"], "kl_low_dims": final["kl_low_dims"],
        "kl_high": final["val_kl_high"], "kl_low": final["val_kl_low"],
        "active_high": final["active_high"], "active_low": final["active_low"],
        "collapsed_high": collapsed_dimensions(final, "high"), "collapsed_low": collapsed_dimensions(final, "low"),
        "mi_high": final["mi_high"], "mi_low": final["mi_low"],
        "probe_accuracy": {k: round(v, 4) for k, v in probes.items()},
        "density": {k: v for k, v in sweep.items() if k != "sweep_patterns"},
        "samples": {k: final[k] for k in ("sample_validity", "sample_diversity", "sample_genre_accuracy",
                                          "sample_genre_accuracy_by_genre")},
        "figures": [str(p) for p in figures],
    }
    atomic_write_json(run.path / "posterior_collapse.json", report)
    return report
