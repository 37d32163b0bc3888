"""Which figures of a finished run a sweep compares, per family, in one table: the last epoch's (or the one-shot
run's final) measurements from summary.json, and the time it took. Adding a family to sweeps is a row here."""

from __future__ import annotations

from typing import Callable

from gentool.evaluate.config import PRDC_KEYS

Extractor = Callable[[dict], dict]

GAN_POINTS = ("modes_captured", "high_quality", "reverse_kl", *PRDC_KEYS)
GAN_LETTERS = ("letters_covered", "letter_fid", "entropy", "confident_share", *PRDC_KEYS)
VAE = ("val_elbo", "val_recon", "val_kl_high", "val_kl_low", "active_high", "active_low", "hit_f1",
       "sample_validity", "sample_genre_accuracy")
RBM = ("pseudo_likelihood", "recon_error", "letters_covered", "letter_fid", "entropy", *PRDC_KEYS)
EM = ("log_likelihood", "bic", "modes_recovered", "iterations")
MCMC = ("acceptance", "modes_visited", "high_quality", "rhat_max", "ess_bulk_min", "ess_per_1000_evaluations")
VI = ("kl_q_p", "kl_p_q", "elbo_per_point", "modes_recovered")
SEQ2SEQ = ("heldout_exact", "heldout_per_char", "train_exact", "loss")


def _number(value: object) -> float | None:
    """Numbers only: a figure a run could not measure (None, a list) is left out, never turned into a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _final(summary: dict, names: tuple[str, ...]) -> dict:
    final = summary.get("final") or {}
    return {name: _number(final.get(name)) for name in names if name in final}


def seconds_per_epoch(summary: dict) -> float | None:
    if summary.get("seconds_per_epoch") is not None:
        return summary["seconds_per_epoch"]
    epochs = summary.get("epochs_completed")
    return round(summary["wall_time_s"] / epochs, 3) if epochs else None


def _trained(names_of: Callable[[dict], tuple[str, ...]]) -> Extractor:
    """Figures of an epoch-trained family, and its seconds per epoch."""
    return lambda summary: {**_final(summary, names_of(summary)), "seconds_per_epoch": seconds_per_epoch(summary)}


def _one_shot(names: tuple[str, ...]) -> Extractor:
    return lambda summary: {**_final(summary, names), "run_seconds": summary.get("wall_time_s")}


def _gan_names(summary: dict) -> tuple[str, ...]:
    dataset = summary.get("dataset") or {}
    return GAN_LETTERS if dataset.get("name", "fonts") == "fonts" else GAN_POINTS


SWEEP_METRICS: dict[str, Extractor] = {
    "gan": _trained(_gan_names),
    "vae": _trained(lambda summary: VAE),
    "rbm": _trained(lambda summary: RBM),
    "seq2seq": _trained(lambda summary: SEQ2SEQ),
    "em": _one_shot(EM),
    "mcmc": _one_shot(MCMC),
    "vi": _one_shot(VI),
}


def sweep_metrics(family: str, summary: dict) -> dict:
    """{metric: number or None} of a finished run of `family`."""
    return SWEEP_METRICS[family](summary)
