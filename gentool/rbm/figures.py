"""Figures of a trained RBM: its filters as 28x28 tiles, sample chains over Gibbs steps, and (from its metrics)
the coverage dynamics and letter heatmap the GAN's runs have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.evaluate import coverage_figures
from gentool.io.images import save_grid, save_letter_sheet
from gentool.rbm.config import RbmConfig
from gentool.rbm.model import RBM, gibbs_chains
from gentool.runtime.rundir import RunDir

FILTERS_SHOWN = 100
CHAIN_STEPS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def filters(path: Path, rbm: RBM, count: int = FILTERS_SHOWN) -> Path:
    """The weights into the first `count` hidden units as 28x28 tiles, each scaled to its own range (grey = 0)."""
    weight = rbm.weight[:, :count].T.detach().cpu()  # (count, 784)
    scale = weight.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    tiles = (weight / scale + 1) / 2  # [-max, max] -> [0, 1]
    return save_grid(path, tiles.reshape(-1, 1, 28, 28), nrow=10)


def chains(path: Path, rbm: RBM, *, seed: int, steps: tuple[int, ...] = CHAIN_STEPS) -> Path:
    """Eight chains from uniform noise, one per row, at the Gibbs steps `steps` (columns): do they reach letters,
    and do they move between letters or stay on one?"""
    rng = torch.Generator(device=rbm.weight.device).manual_seed(seed)
    _, kept = gibbs_chains(rbm, chains=8, steps=max(steps), rng=rng, snapshots=steps)
    rows = np.stack([kept[step].reshape(-1, 28, 28).numpy() for step in steps], axis=1)  # (8, S, 28, 28)
    return save_letter_sheet(path, rows, [f"chain {i + 1}" for i in range(len(rows))], [str(s) for s in steps])


def write_run_figures(run: RunDir, config: RbmConfig, rbm: RBM, device: torch.device) -> list[Path]:
    """filters.png, chains.png and, for runs that measured coverage, dynamics.png and letter_heatmap.png."""
    written = [filters(run.figures / "filters.png", rbm), chains(run.figures / "chains.png", rbm, seed=config.seed)]
    records = run.read_metrics()
    if any(r.get("letters_covered") is not None for r in records):
        title = f"{run.path.name}: {config.method_name}, H={config.model.hidden}, seed {config.seed}"
        onset = coverage_figures.collapse_onset(records, config.evaluation.collapse_drop)
        written.append(coverage_figures.dynamics(run.figures / "dynamics.png", records, onset, title))
        written.append(coverage_figures.letter_heatmap(run.figures / "letter_heatmap.png", records, title))
    return written
