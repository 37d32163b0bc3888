"""What a set of chains did: modes visited over time, the pooled draws' mode metrics, and the diagnostics."""

from __future__ import annotations

import numpy as np
import torch

from gentool.datasets.targets import MixtureTarget
from gentool.evaluate.mcmc_diagnostics import diagnose
from gentool.evaluate.modes import QUALITY_STDS, mode_metrics

CHUNK = 20_000  # steps per distance block: (chunk, C, K) floats stay small


def first_visits(samples: np.ndarray, target: MixtureTarget, *, offset: int = 0,
                 first: np.ndarray | None = None) -> np.ndarray:
    """The first step at which each chain came within 3 std of each mode, -1 if never: (S, C, D) -> (C, K).

    `samples` may be a later block of a run (steps offset.. ), updating the `first` found so far."""
    steps, chains, _ = samples.shape
    first = np.full((chains, target.modes), -1, dtype=np.int64) if first is None else first.copy()
    radius_sq = (QUALITY_STDS * target.std) ** 2
    for begin in range(0, steps, CHUNK):
        block = samples[begin:begin + CHUNK]
        near = ((block[..., None, :] - target.means) ** 2).sum(-1) <= radius_sq  # (chunk, C, K)
        seen = near.any(axis=0)
        when = offset + begin + near.argmax(axis=0)
        first = np.where((first < 0) & seen, when, first)
    return first


def visits_by_step(first: np.ndarray, step: int) -> tuple[int, list[int]]:
    """Modes visited by any chain, and by each chain, within the first `step` steps."""
    per_chain = ((first >= 0) & (first < step)).sum(axis=1)
    union = first.copy().astype(np.float64)
    union[union < 0] = np.inf
    return int((union.min(axis=0) < step).sum()), per_chain.tolist()


def measure_mixture_chains(samples: np.ndarray, burn_in: int, target: MixtureTarget, evaluations: int) -> dict:
    """Diagnostics and mode metrics of the draws after burn-in; ESS per 1,000 target evaluations of all chains
    (burn-in included: it was paid for)."""
    kept = samples[burn_in:]  # (N, C, D)
    draws = kept.transpose(1, 0, 2)  # (C, N, D)
    diagnostics = diagnose(draws, ["x", "y"][:target.dim] if target.dim <= 2 else [f"x{i}" for i in
                                                                                  range(target.dim)])
    metrics = mode_metrics(torch.from_numpy(kept.reshape(-1, target.dim)).float(),
                           torch.from_numpy(target.means).float(), target.std)
    first = first_visits(samples, target)
    union, per_chain = visits_by_step(first, len(samples))
    return {"modes_visited": union, "modes_visited_per_chain": per_chain,
            "modes_captured": metrics["modes_captured"], "high_quality": metrics["high_quality"],
            "reverse_kl": metrics["reverse_kl"], "mode_counts": metrics["mode_counts"],
            **_worst(diagnostics, evaluations), "diagnostics": diagnostics}


def _worst(diagnostics: dict, evaluations: int) -> dict:
    """The coordinate that converged least: largest R-hat, smallest ESS, longest autocorrelation."""
    values = list(diagnostics.values())

    def pick(key, fn):
        present = [v[key] for v in values if v[key] is not None]
        return fn(present) if present else None

    ess_bulk = pick("ess_bulk", min)
    return {"rhat_max": pick("rhat", max), "ess_bulk_min": ess_bulk, "ess_tail_min": pick("ess_tail", min),
            "iat_max": pick("iat", max),
            "ess_per_1000_evaluations": None if ess_bulk is None else round(1000 * ess_bulk / evaluations, 3)}


def measure_ising_chains(trace: np.ndarray, burn_in: int, evaluations: int) -> dict:
    """trace: (S, C, 3) of magnetisation, |magnetisation| and energy per site."""
    kept = trace[burn_in:]
    diagnostics = diagnose(kept.transpose(1, 0, 2), ["magnetisation", "abs_magnetisation", "energy"])
    return {"magnetisation": round(float(kept[..., 0].mean()), 4),
            "abs_magnetisation": round(float(kept[..., 1].mean()), 4),
            "energy_per_site": round(float(kept[..., 2].mean()), 4),
            **_worst(diagnostics, evaluations), "diagnostics": diagnostics}
