"""`gentool vi fit`: variational inference on the mode benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (ConfigOption, DeviceOption, JsonOption, QuietOption, SetOption,
                                TrainSeedOption, handle_errors)
from gentool.cli.oneshot import NoResumeOption, run_command
from gentool.presets import available_presets
from gentool.vi.config import DIVERGENCES, FAMILIES, METHODS, resolve_vi_config
from gentool.vi.run import run_vi

app = typer.Typer(help="Variational inference: a Gaussian or mixture q fitted to ring8/grid25 by reverse or "
                       "forward KL, and CAVI for a Bayesian Gaussian mixture.", no_args_is_help=True)


@app.command("fit")
@handle_errors
def fit(
    preset: Annotated[Optional[str], typer.Option(
        "--preset", "-p", help=f"Starting config: {', '.join(available_presets('vi'))} (default: default).")] = None,
    config: ConfigOption = None,
    method: Annotated[Optional[str], typer.Option(help=f"{' or '.join(METHODS)}.")] = None,
    dataset: Annotated[Optional[str], typer.Option(
        help="ring8 or grid25 (cavi: also a .npy/.csv file of points).")] = None,
    family: Annotated[Optional[str], typer.Option(help=f"q: {' or '.join(FAMILIES)}.")] = None,
    divergence: Annotated[Optional[str], typer.Option(help=f"{' or '.join(DIVERGENCES)} KL.")] = None,
    components: Annotated[Optional[int], typer.Option("--components", "-k", help="q's (or CAVI's) K.")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimiser steps (reparam).")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate.")] = None,
    seed: TrainSeedOption = None,
    device: DeviceOption = None,
    set_: SetOption = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Run folder (default: runs/vi-PRESET-TIME).")] = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit q and write a run folder (config, objective per step, summary with both KL estimates, mode metrics of
    q's draws, figures); --method cavi runs mean-field CAVI and EM on the same data.

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    flags = {"method": method, "dataset": dataset, "family": family, "divergence": divergence,
             "components": components, "steps": steps, "lr": lr, "seed": seed, "device": device}
    run_command(group="vi", preset=preset or "default", resolve=resolve_vi_config, run_core=run_vi, flags=flags,
                config_file=config, assignments=set_, out_dir=out_dir, resume=resume, as_json=json_, quiet=quiet,
                lines=_lines)


def _lines(summary: dict) -> list[str]:
    final = summary["final"]
    if summary["method"] == "cavi":
        lines = [f"CAVI K={summary['components']} on {summary['dataset']}: ELBO per point "
                 f"{final['elbo_per_point']:.4f} after {final['iterations']} sweeps (monotone: {final['monotone']})"]
        if "modes_recovered" in final:
            lines.append(f"modes recovered: CAVI {final['modes_recovered']}/{final['modes']}, EM from the same "
                         f"means {final['em']['modes_recovered']}/{final['modes']}")
        return lines
    q = final["mode_metrics"]["q"]
    kl = "n/a" if q["reverse_kl"] is None else f"{q['reverse_kl']:.3f}"
    return [f"{summary['family']} q (K={summary['components']}) by {summary['divergence']} KL on "
            f"{summary['dataset']}: KL(q||p) {final['kl_q_p']}, KL(p||q) {final['kl_p_q']}",
            f"q's draws: {q['modes_captured']}/{len(q['mode_counts'])} modes captured, "
            f"{100 * q['high_quality']:.1f}% high quality, reverse KL of the histogram {kl}; "
            f"modes under a q mean: {final['modes_recovered']}"]
