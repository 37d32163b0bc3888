"""MCMC figures: traces, autocorrelation, modes visited over time, draws over the target, Ising lattices."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gentool.datasets.targets import MixtureTarget
from gentool.evaluate.mcmc_diagnostics import autocorrelation
from gentool.io.figures import plt, save_figure

MAX_TRACE_POINTS = 4000
SHOWN_DRAWS = 6000


def traces(path: str | Path, samples: np.ndarray, names: list[str], burn_in: int, title: str) -> Path:
    """samples: (S, C, D); one panel per coordinate, one line per chain, thinned to keep the file small."""
    steps, chains, dims = samples.shape
    stride = max(1, steps // MAX_TRACE_POINTS)
    index = np.arange(0, steps, stride)
    fig, axes = plt.subplots(dims, 1, figsize=(9, 2.2 * dims), sharex=True, squeeze=False)
    for d, ax in enumerate(axes[:, 0]):
        for c in range(chains):
            ax.plot(index, samples[index, c, d], lw=0.5, label=f"chain {c}" if d == 0 and c < 8 else None)
        ax.axvline(burn_in, color="0.4", ls="--", lw=0.8)
        ax.set_ylabel(names[d])
    axes[-1, 0].set_xlabel("iteration (dashed: end of burn-in)")
    if chains <= 8:
        axes[0, 0].legend(fontsize=6, ncol=min(chains, 8), loc="upper right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def autocorrelations(path: str | Path, draws: np.ndarray, names: list[str], max_lag: int, title: str) -> Path:
    """draws: (C, N, D) after burn-in; the chain-averaged autocorrelation of each coordinate."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    lags = min(max_lag, draws.shape[1] - 1)
    for d, name in enumerate(names):
        ax.plot(range(lags + 1), autocorrelation(draws[:, :, d], lags), label=name)
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xlabel("lag")
    ax.set_ylabel("autocorrelation")
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def mode_visits(path: str | Path, records: list[dict], modes: int, title: str) -> Path:
    evaluations = [r["evaluations"] for r in records]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(evaluations, [r["modes_visited"] for r in records], lw=1.8, color="k", label="all chains")
    chains = len(records[0]["modes_visited_per_chain"]) if records else 0
    for c in range(min(chains, 8)):
        ax.plot(evaluations, [r["modes_visited_per_chain"][c] for r in records], lw=0.8, label=f"chain {c}")
    ax.axhline(modes, color="0.5", ls="--", lw=0.8)
    ax.set_ylim(0, modes + 1)
    ax.set_xlabel("target evaluations per chain")
    ax.set_ylabel("modes visited (within 3 std)")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def draws_over_target(path: str | Path, target: MixtureTarget, pooled: np.ndarray, title: str,
                      seed: int = 0) -> Path:
    """The log-density (clipped to 30 nats below its peak, so every mode shows) under a subsample of draws."""
    low, high = target.bounds()
    xs, ys = np.linspace(low[0], high[0], 300), np.linspace(low[1], high[1], 300)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)  # (300, 300, 2)
    log_p = target.log_prob(grid)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    image = ax.imshow(np.clip(log_p, log_p.max() - 30, None), origin="lower", cmap="Greys",
                      extent=(low[0], high[0], low[1], high[1]))
    fig.colorbar(image, ax=ax, label="log p (clipped)", shrink=0.8)
    rng = np.random.default_rng(seed)
    shown = pooled[rng.choice(len(pooled), size=min(SHOWN_DRAWS, len(pooled)), replace=False)]
    ax.scatter(shown[:, 0], shown[:, 1], s=2, c="tab:orange", alpha=0.6, label=f"draws ({len(shown)} shown)")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def lattices(path: str | Path, spins: np.ndarray, title: str) -> Path:
    count = min(len(spins), 8)
    fig, axes = plt.subplots(1, count, figsize=(2.2 * count, 2.4), squeeze=False)
    for c, ax in enumerate(axes[0]):
        ax.imshow(spins[c], cmap="gray", vmin=-1, vmax=1)
        ax.set_title(f"chain {c}: m = {spins[c].mean():+.2f}", fontsize=7)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
