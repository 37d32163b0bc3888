"""Figures for the 2-D mixtures: generated points over the modes, and mode metrics over training."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from gentool.evaluate.modes import QUALITY_STDS
from gentool.io.figures import plt, save_figure


def scatter(path: str | Path, points: torch.Tensor, means: torch.Tensor, std: float, title: str = "") -> Path:
    """Points (high quality in blue, others grey) over circles of radius 3 std around each mode."""
    points = points.detach().float().cpu()
    nearest_distance, _ = torch.cdist(points, means).min(dim=1)
    good = nearest_distance <= QUALITY_STDS * std
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(points[~good, 0], points[~good, 1], s=3, c="0.6", label=f"other ({int((~good).sum())})")
    ax.scatter(points[good, 0], points[good, 1], s=3, c="tab:blue", label=f"within 3 std ({int(good.sum())})")
    for x, y in means.tolist():
        ax.add_patch(plt.Circle((x, y), QUALITY_STDS * std, fill=False, color="tab:red", lw=0.8))
    span = float(means.abs().max()) * 1.4 + 10 * std
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, markerscale=3)  # outside: no mode hidden
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def dynamics(path: str | Path, records: Sequence[dict], modes: int, title: str = "") -> Path:
    """Modes captured, high-quality share and reverse KL at each evaluation."""
    evaluated = [r for r in records if r.get("modes_captured") is not None]
    epochs = [r["epoch"] for r in evaluated]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    axes[0].plot(epochs, [r["modes_captured"] for r in evaluated], marker=".")
    axes[0].axhline(modes, color="0.6", ls="--", lw=0.8)
    axes[0].set_ylim(0, modes + 1)
    axes[0].set_ylabel("modes captured")
    axes[1].plot(epochs, [100 * r["high_quality"] for r in evaluated], marker=".", color="tab:green")
    axes[1].set_ylim(0, 100)
    axes[1].set_ylabel("% high quality (within 3 std)")
    kl = [(r["epoch"], r["reverse_kl"]) for r in evaluated if r["reverse_kl"] is not None]
    axes[2].plot([e for e, _ in kl], [v for _, v in kl], marker=".", color="tab:red")
    axes[2].set_ylabel("reverse KL of the mode histogram")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
