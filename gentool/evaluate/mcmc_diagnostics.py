"""Convergence diagnostics for MCMC draws: rank-normalised split R-hat, bulk and tail ESS (Vehtari, Gelman,
Simpson, Carpenter and Buerkner 2021, "Rank-normalization, folding, and localization"), autocorrelation and the
integrated autocorrelation time.

Every function takes draws of one scalar as a (chains, draws) array. The estimators follow the paper's
reference code (as ArviZ does), so a test can hold them to ArviZ's numbers.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def split_chains(draws: np.ndarray) -> np.ndarray:
    """(C, N) -> (2C, N // 2): first and second halves as separate chains (an odd middle draw is dropped)."""
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, draws.shape[1] - half:]], axis=0)


def _rank(values: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) over all entries, ties sharing their mean rank."""
    flat = values.ravel()
    order = np.argsort(flat, kind="mergesort")
    sorted_values = flat[order]
    ranks = np.empty(flat.size, dtype=np.float64)
    # group equal values: each group gets the mean of the ranks it spans
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], flat.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks.reshape(values.shape)


def rank_normalise(draws: np.ndarray) -> np.ndarray:
    """Blom's normal scores of the pooled ranks: Phi^-1((r - 3/8) / (S + 1/4))."""
    scaled = (_rank(draws) - 0.375) / (draws.size + 0.25)
    return torch.special.ndtri(torch.from_numpy(scaled)).numpy()


def _rhat_plain(draws: np.ndarray) -> float:
    n = draws.shape[1]
    between = n * np.var(draws.mean(axis=1), ddof=1)
    within = np.mean(np.var(draws, axis=1, ddof=1))
    return float(np.sqrt((between / within + n - 1) / n))


def rhat(draws: np.ndarray) -> float:
    """Rank-normalised split R-hat: the larger of the bulk value and the folded (tail) value."""
    draws = np.asarray(draws, dtype=np.float64)
    if _constant(draws):
        return math.nan
    bulk = _rhat_plain(rank_normalise(split_chains(draws)))
    folded = np.abs(draws - np.median(draws))
    tail = _rhat_plain(rank_normalise(split_chains(folded)))
    return max(bulk, tail)


def _constant(draws: np.ndarray) -> bool:
    return float(draws.max() - draws.min()) < np.finfo(np.float64).resolution


def autocovariance(draws: np.ndarray) -> np.ndarray:
    """Biased autocovariance of each chain by FFT: (C, N) -> (C, N)."""
    n = draws.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    centred = draws - draws.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    return np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=1)[:, :n] / n


def _ess_plain(draws: np.ndarray) -> float:
    """ESS from the multi-chain autocorrelation with Geyer's initial positive and monotone sequences."""
    chains, n = draws.shape
    if _constant(draws):
        return float(draws.size)
    acov = autocovariance(draws)
    mean_var = acov[:, 0].mean() * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus += np.var(draws.mean(axis=1), ddof=1)
    rho = np.zeros(n)
    rho_even, rho_odd = 1.0, 1.0 - (mean_var - acov[:, 1].mean()) / var_plus
    rho[0], rho[1] = rho_even, rho_odd
    t = 1
    while t < n - 3 and rho_even + rho_odd > 0.0:
        rho_even = 1.0 - (mean_var - acov[:, t + 1].mean()) / var_plus
        rho_odd = 1.0 - (mean_var - acov[:, t + 2].mean()) / var_plus
        if rho_even + rho_odd >= 0:
            rho[t + 1], rho[t + 2] = rho_even, rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0:  # the last positive even lag still improves the estimate
        rho[max_t + 1] = rho_even
    t = 1
    while t <= max_t - 2:  # initial monotone sequence: pair sums may not grow
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    total = chains * n
    tau = -1.0 + 2.0 * rho[:max_t + 1].sum() + rho[max_t + 1:max_t + 2].sum()
    tau = max(tau, 1.0 / math.log10(total))  # antithetic chains: ESS capped at S log10(S)
    return float(total / tau) if np.isfinite(rho).all() else math.nan


def ess_bulk(draws: np.ndarray) -> float:
    return _ess_plain(rank_normalise(split_chains(np.asarray(draws, dtype=np.float64))))


def ess_tail(draws: np.ndarray, probs: tuple[float, float] = (0.05, 0.95)) -> float:
    """The smaller ESS of the indicators of the 5% and 95% quantiles."""
    draws = np.asarray(draws, dtype=np.float64)
    values = []
    for prob in probs:
        indicator = (draws <= np.quantile(draws, prob)).astype(np.float64)
        values.append(_ess_plain(split_chains(indicator)))
    return min(values)


def autocorrelation(draws: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation averaged over chains, lags 0..max_lag."""
    acov = autocovariance(np.asarray(draws, dtype=np.float64))
    variance = acov[:, :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        acf = np.where(variance > 0, acov / np.where(variance > 0, variance, 1.0), 0.0)
    return acf.mean(axis=0)[:max_lag + 1]


def integrated_autocorrelation_time(draws: np.ndarray) -> float:
    """tau = 1 + 2 sum_t rho_t = (draws in all chains) / ESS, with rho_t from Geyer's initial monotone sequence
    on the raw (not rank-normalised, not split) draws. A truncated-window sum such as Sokal's can go below zero
    for antithetic chains (HMC's trajectories often are); this cannot, and it grows without bound when chains
    sit in different modes, because the between-chain variance counts."""
    draws = np.asarray(draws, dtype=np.float64)
    if _constant(draws):
        return math.nan
    return float(draws.size / _ess_plain(draws))


def diagnose(draws: np.ndarray, names: list[str]) -> dict:
    """Per coordinate of (C, N, D) draws: R-hat, bulk/tail ESS and the integrated autocorrelation time."""
    report = {}
    if draws.shape[1] < 4:  # too few draws to split and rank (a run stopped at once): nothing to say
        return {name: {"rhat": None, "ess_bulk": None, "ess_tail": None, "iat": None} for name in names}
    for index, name in enumerate(names):
        coordinate = draws[:, :, index]
        report[name] = {"rhat": _round(rhat(coordinate)), "ess_bulk": _round(ess_bulk(coordinate), 1),
                        "ess_tail": _round(ess_tail(coordinate), 1),
                        "iat": _round(integrated_autocorrelation_time(coordinate), 2)}
    return report


def _round(value: float, digits: int = 4) -> float | None:
    return None if not math.isfinite(value) else round(value, digits)
