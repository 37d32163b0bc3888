"""VI figures: q's density over the target's modes, the objective over steps, CAVI's posterior means."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.datasets.targets import MixtureTarget
from gentool.evaluate.modes import QUALITY_STDS
from gentool.io.figures import plt, save_figure
from gentool.vi.model import MixtureQ


def density_over_target(path: str | Path, q: MixtureQ, target: MixtureTarget, title: str) -> Path:
    low, high = target.bounds()
    xs, ys = np.linspace(low[0], high[0], 300), np.linspace(low[1], high[1], 300)
    grid = torch.from_numpy(np.stack(np.meshgrid(xs, ys), axis=-1)).to(q.means.dtype)  # (300, 300, 2)
    with torch.no_grad():
        log_q = q.log_prob(grid).cpu().numpy()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    image = ax.imshow(np.clip(log_q, log_q.max() - 15, None), origin="lower", cmap="Blues",
                      extent=(low[0], high[0], low[1], high[1]))
    fig.colorbar(image, ax=ax, label="log q (clipped 15 nats below its peak)", shrink=0.8)
    for x, y in target.means:
        ax.add_patch(plt.Circle((x, y), max(QUALITY_STDS * target.std, 0.02), fill=False, color="tab:red", lw=0.8))
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def objective_curve(path: str | Path, records: list[dict], key: str, ylabel: str, title: str,
                    x_key: str = "step") -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([r[x_key] for r in records], [r[key] for r in records], marker="." if len(records) < 60 else None)
    ax.set_xlabel(x_key)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def posterior_means(path: str | Path, points: torch.Tensor, means: torch.Tensor, stds: torch.Tensor,
                    em_means: torch.Tensor, true_means: torch.Tensor | None, title: str) -> Path:
    shown = points[:5000].cpu().numpy()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(shown[:, 0], shown[:, 1], s=2, c="0.7", label="data")
    m, s = means.cpu().numpy(), stds.cpu().numpy()
    ax.scatter(m[:, 0], m[:, 1], marker="o", facecolors="none", edgecolors="tab:blue", s=40,
               label="CAVI posterior means")
    for k in range(len(m)):  # 3 posterior std: too small to see on well-fed clusters, visible on starved ones
        ax.add_patch(plt.Circle(m[k, :2], 3 * s[k], fill=False, color="tab:blue", lw=0.6))
    e = em_means.cpu().numpy()
    ax.scatter(e[:, 0], e[:, 1], marker="x", c="tab:green", s=30, label="EM means")
    if true_means is not None:
        ax.scatter(true_means[:, 0], true_means[:, 1], marker="+", c="tab:red", s=40, label="true modes")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)
