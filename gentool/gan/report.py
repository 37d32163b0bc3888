"""What `gan train` prints about a finished run. The letter figures and coverage it shows are drawn by
gentool.evaluate.letter_report, shared with the letter VAE."""

from __future__ import annotations

from pathlib import Path

from gentool.gan.fixes.registry import FIXES


def outcome_lines(summary: dict) -> list[str]:
    """What `gan train` prints about a finished run, from its summary."""
    final = summary.get("final") or {}
    if not final:
        return []
    if "d_real" in final:
        judged = f"D(x) {final['d_real']:.3f}  D(G(z)) {final['d_fake']:.3f}"
    else:  # Wasserstein critic: scores, not probabilities
        judged = f"critic gap {final['critic_gap']:.3f}"
    rate = "img/s" if "images_per_s" in final else "points/s"
    lines = [f"last epoch: loss_d {final['loss_d']:.3f}  loss_g {final['loss_g']:.3f}  {judged}  "
             f"{final.get('images_per_s', final.get('points_per_s')):.0f} {rate}"]
    noise = summary.get("evaluation") or {}
    decay = summary.get("weight_average")
    averaged = f", the generator's weight average (decay {decay})" if decay else ""
    measured = f" ({noise.get('samples')} samples, noise seed {noise.get('seed')}{averaged})"
    if final.get("modes_captured") is not None:
        kl = "n/a" if final["reverse_kl"] is None else f"{final['reverse_kl']:.3f}"
        lines.append(f"modes: {final['modes_captured']}/{len(final['mode_counts'])} captured, "
                     f"{100 * final['high_quality']:.1f}% high quality, reverse KL {kl}{measured}; "
                     f"best epoch {summary['best']['epoch']}")
    if final.get("letters_covered") is not None:
        missing = "".join(final["missing"]) or "none"
        lines.append(f"coverage: {final['letters_covered']}/26 letters (missing: {missing}), entropy "
                     f"{final['entropy']}, letter FID {final['letter_fid']:.1f}{measured}; best epoch "
                     f"{summary['best']['epoch']}, collapse onset: {summary['collapse_onset_epoch'] or 'none'}")
    for name in summary.get("fixes", []):
        if name in FIXES:
            lines += FIXES[name].outcome_lines(summary)
    if summary["samples"]:
        lines.append(f"samples: {Path(summary['run']) / 'samples' / summary['samples'][-1]}")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]
