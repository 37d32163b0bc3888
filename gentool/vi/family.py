"""Variational inference as a family of the shared run path (gentool.runtime.runs): a one-shot run."""

from __future__ import annotations

from functools import partial

from gentool.config import build_config, config_to_dict
from gentool.runtime.runs import one_shot_family
from gentool.vi.config import ViConfig, resolve_vi_config
from gentool.vi.train import run_vi


def outcome_lines(summary: dict) -> list[str]:
    """What `vi fit` prints about a finished run, from its summary."""
    final = summary["final"]
    figures = [f"figure: {figure}" for figure in summary.get("figures", [])]
    if summary["method"] == "cavi":
        lines = [f"CAVI K={summary['components']} on {summary['dataset']}: ELBO per point "
                 f"{final['elbo_per_point']:.4f} after {final['iterations']} sweeps (monotone: {final['monotone']})"]
        if "modes_recovered" in final:
            lines.append(f"modes recovered: CAVI {final['modes_recovered']}/{final['modes']}, EM from the same "
                         f"means {final['em']['modes_recovered']}/{final['modes']}")
        return lines + figures
    q = final["mode_metrics"]["q"]
    kl = "n/a" if q["reverse_kl"] is None else f"{q['reverse_kl']:.3f}"
    return [f"{summary['family']} q (K={summary['components']}) by {summary['divergence']} KL on "
            f"{summary['dataset']}: KL(q||p) {final['kl_q_p']}, KL(p||q) {final['kl_p_q']}",
            f"q's draws: {q['modes_captured']}/{len(q['mode_counts'])} modes captured, "
            f"{100 * q['high_quality']:.1f}% high quality, reverse KL of the histogram {kl}; "
            f"modes under a q mean: {final['modes_recovered']}", *figures]


VI = one_shot_family(name="vi", resolve_config=resolve_vi_config, read_config=partial(build_config, ViConfig),
                     config_dict=config_to_dict, run_core=run_vi, outcome_lines=outcome_lines, verb="fitting",
                     command="fit")
