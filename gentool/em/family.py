"""EM and k-means as a family of the shared run path (gentool.runtime.runs): a one-shot run, no checkpoints."""

from __future__ import annotations

from functools import partial

from gentool.config import build_config, config_to_dict
from gentool.em.config import EmConfig, resolve_em_config
from gentool.em.train import run_em
from gentool.runtime.runs import one_shot_family


def outcome_lines(summary: dict) -> list[str]:
    """What `em fit` prints about a finished run, from its summary."""
    final = summary["final"]
    lines = [f"{summary['method']} K={summary['components']} on {summary['dataset']}: log-likelihood per point "
             f"{final['log_likelihood']:.4f}, BIC {final['bic']:.1f}, AIC {final['aic']:.1f}, "
             f"{final['iterations']} iterations (best of {len(summary['restarts'])} restarts)"]
    if "modes_recovered" in final:
        fitted = final["mode_metrics"]["fitted"]
        lines.append(f"modes recovered: {final['modes_recovered']}/{final['modes']}; samples: "
                     f"{fitted['modes_captured']} modes captured, {100 * fitted['high_quality']:.1f}% high quality")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


EM = one_shot_family(name="em", resolve_config=resolve_em_config, read_config=partial(build_config, EmConfig),
                     config_dict=config_to_dict, run_core=run_em, outcome_lines=outcome_lines, verb="fitting",
                     command="fit")
