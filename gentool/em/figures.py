"""EM figures: the data with each component's 2-std ellipse (and k-means centres), and the log-likelihood curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.em.model import Mixture
from gentool.io.figures import plt, save_figure

SHOWN_POINTS = 5000


def ellipse_xy(mean: np.ndarray, cov: np.ndarray, stds: float = 2.0, steps: int = 64) -> np.ndarray:
    """Points on the ellipse {x : (x - mean)^T cov^-1 (x - mean) = stds^2}: (steps, 2)."""
    values, vectors = np.linalg.eigh(cov)
    angles = np.linspace(0, 2 * np.pi, steps)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (steps, 2)
    return mean + stds * (circle * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def fit_figure(path: str | Path, points: torch.Tensor, mixture: Mixture, *, centres: torch.Tensor | None,
               true_means: torch.Tensor | None, title: str) -> Path:
    shown = points[:SHOWN_POINTS].cpu().numpy()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(shown[:, 0], shown[:, 1], s=2, c="0.6", label=f"data ({len(shown)} shown)")
    weights, means, covs = (t.cpu().numpy() for t in (mixture.weights, mixture.means, mixture.covariances))
    for k in range(len(weights)):
        xy = ellipse_xy(means[k, :2], covs[k, :2, :2])
        ax.plot(xy[:, 0], xy[:, 1], color="tab:blue", lw=0.5 + 3 * float(weights[k]) ** 0.5,
                label="components (2 std)" if k == 0 else None)
    if true_means is not None:
        ax.scatter(true_means[:, 0], true_means[:, 1], marker="+", c="tab:red", s=40, label="true modes")
    if centres is not None:
        c = centres.cpu().numpy()
        ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=25, lw=1, label="k-means centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def curve_figure(path: str | Path, histories: list[list[float]], best: int, *, ylabel: str, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for index, history in enumerate(histories):
        is_best = index == best
        ax.plot(range(len(history)), history, lw=1.6 if is_best else 0.7, color="tab:blue" if is_best else "0.6",
                label="best restart" if is_best else ("other restarts" if index == (1 if best == 0 else 0) else None))
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
