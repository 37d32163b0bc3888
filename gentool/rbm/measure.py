"""What the rbm measuring commands compute from a trained run: the letter coverage of Gibbs samples beside the
baselines `gan coverage` uses, and the held-out log-likelihood with an exact or AIS log-partition function.
Nothing here trains or prints."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import torch

from gentool.config import build_config, config_to_dict
from gentool.errors import UsageError
from gentool.evaluate.coverage import CoverageSettings, check_baselines
from gentool.evaluate.coverage_figures import coverage_beside_baselines
from gentool.evaluate.letters import load_letter_evaluator
from gentool.evaluate.spread import spread
from gentool.rbm import figures
from gentool.rbm.config import RbmConfig
from gentool.rbm.family import RBM_FAMILY
from gentool.rbm.model import EXACT_MAX_HIDDEN, ais_log_partition, as_images, exact_log_partition, gibbs_chains
from gentool.rbm.train import held_out_pseudo_likelihood, load_binary_letters
from gentool.rbm.trained import TrainedRbm
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import RunDir, open_run
from gentool.runtime.runs import read_run_config


def sample(trained: TrainedRbm, ctx: RunContext, *, chains: int = 2600, gibbs: int = 1000,
           baselines: list[str] | None = None, seed: int = 0, out_dir: Path | None = None) -> dict:
    """`chains` Gibbs chains of `gibbs` steps from uniform noise, their last p(v | h) scored by the letter
    evaluator beside the baselines; writes coverage.json, the coverage figures and the chains figure."""
    baselines = check_baselines(baselines)
    if chains < 26:
        raise UsageError(f"--chains must be at least 26 (one per letter), got {chains}")
    if gibbs < 1:
        raise UsageError(f"--steps (Gibbs steps per chain) must be at least 1, got {gibbs}")
    config = trained.config
    run_settings = {key: value for key, value in config_to_dict(config.evaluation).items()
                    if key in ("threshold", "min_share")}
    settings = build_config(CoverageSettings, {**run_settings, "samples": chains}, prefix="coverage")
    evaluator = load_letter_evaluator(config.fonts, ctx.data_dir, trained.device, settings=config.evaluation.evaluator,
                                      reporter=ctx.reporter)
    folder = out_dir or trained.folder
    started = time.perf_counter()
    rng = torch.Generator(device=trained.device).manual_seed(seed)
    with ctx.reporter.task(f"Gibbs steps of {chains} chains", total=gibbs) as progress:
        probs, _ = gibbs_chains(trained.rbm, chains=chains, steps=gibbs, rng=rng, advance=progress.advance)
    result = coverage_beside_baselines(as_images(probs).cpu(), evaluator, settings, seed=seed, baselines=baselines,
                                       out_dir=folder / "figures", started=started)
    steps = tuple(s for s in figures.CHAIN_STEPS if s <= gibbs) + (() if gibbs in figures.CHAIN_STEPS else (gibbs,))
    result["figures"].append(str(figures.chains(folder / "figures" / "sample_chains.png", trained.rbm, seed=seed,
                                                steps=steps)))
    result.update(checkpoint=str(trained.checkpoint), kind="letters", method=config.method_name,
                  hidden=config.model.hidden, chains=chains, gibbs=gibbs, samples=chains,
                  threshold=settings.threshold)
    result["path"] = str(atomic_write_json(folder / "coverage.json", result))
    return result


def likelihood(trained: TrainedRbm, ctx: RunContext, *, ais_runs: int = 100, ais_steps: int = 10_000,
               seed: int = 0, exact: bool | None = None) -> dict:
    """Mean log-likelihood of the training and held-out letters in nats per image: log p(v) = -F(v) - log Z, with
    log Z exact by enumerating the 2^H hidden states (H <= 20) or estimated by AIS (with its spread)."""
    if ais_runs < 2 or ais_steps < 1:
        raise UsageError(f"AIS needs --ais-runs >= 2 and --ais-steps >= 1 (got {ais_runs} and {ais_steps})")
    rbm, config = trained.rbm, trained.config
    exact = rbm.hidden <= EXACT_MAX_HIDDEN if exact is None else exact
    if exact and rbm.hidden > EXACT_MAX_HIDDEN:
        raise UsageError(f"the exact log-partition enumerates 2^H hidden states, too many for H = {rbm.hidden} "
                         f"(at most {EXACT_MAX_HIDDEN}); use AIS")
    data = load_binary_letters(config, ctx, evaluate=False)
    started = time.perf_counter()
    if exact:
        log_z = exact_log_partition(rbm)
        partition = {"method": "exact", "log_z": log_z, "log_z_low": log_z, "log_z_high": log_z,
                     "hidden_states": 2**rbm.hidden}
    else:
        # the base distribution: independent pixels at the training data's frequencies (Salakhutdinov & Murray)
        share = data.train.mean(dim=0).clamp(1e-3, 1 - 1e-3)
        rng = torch.Generator(device=trained.device).manual_seed(seed)
        with ctx.reporter.task(f"AIS steps ({ais_runs} runs)", total=ais_steps) as progress:
            partition = {"method": "ais", **ais_log_partition(
                rbm, runs=ais_runs, steps=ais_steps, base_visible_bias=torch.log(share / (1 - share)), rng=rng,
                advance=progress.advance)}
    seconds = time.perf_counter() - started
    partition["log_z_low"] = finite(partition["log_z_low"])  # -inf when 3 standard errors exceed the mean weight
    result = {"checkpoint": str(trained.checkpoint), "method": config.method_name, "hidden": rbm.hidden,
              "binarize": config.binarize, "partition": partition, "seconds": round(seconds, 2), "seed": seed}
    with torch.no_grad():
        for split, v in (("train", data.train), ("held_out", data.val)):
            mean = float(-rbm.free_energy(v).double().mean())  # mean of -F(v); log p = that - log Z
            pseudo = held_out_pseudo_likelihood(rbm, v, None, torch.Generator(device=v.device).manual_seed(seed))
            result[split] = {"images": len(v), "log_likelihood": mean - partition["log_z"], "pseudo_likelihood": pseudo,
                             # a larger log Z means a lower likelihood: the bounds swap
                             "log_likelihood_low": mean - partition["log_z_high"],
                             "log_likelihood_high": (None if partition["log_z_low"] is None
                                                     else mean - partition["log_z_low"])}
    result["independent_pixels"] = independent_pixels_baseline(data.train, data.val)
    result["path"] = str(atomic_write_json(trained.folder / "likelihood.json", result))
    return result


def independent_pixels_baseline(train: torch.Tensor, val: torch.Tensor) -> float:
    """Held-out log-likelihood (nats per image) of independent pixels at the training frequencies: the RBM with
    no hidden units, the floor any trained RBM should clear."""
    share = train.double().mean(dim=0).clamp(1e-3, 1 - 1e-3)
    v = val.double()
    return float((v * share.log() + (1 - v) * (1 - share).log()).sum(dim=1).mean())


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# ------------------------------------------------------------------------------------------------ compare

COMPARED = ("held_out_log_likelihood", "ais_log_weight_std", "pseudo_likelihood", "letters_covered", "entropy",
            "letter_fid", "confident_share", "wall_time_s")


def describe_run(run: RunDir) -> dict:
    """A run's method, seed, updates and wall time, its last evaluation's coverage, and its held-out
    log-likelihood when `rbm likelihood` has measured it."""
    config: RbmConfig = read_run_config(run, RBM_FAMILY)
    records = run.read_metrics()
    if not records:
        raise UsageError(f"run '{run.path}' has no finished epoch yet; train it (or --resume it) first")
    evaluated = [r for r in records if r.get("letters_covered") is not None]
    final = evaluated[-1] if evaluated else {}
    try:
        measured = json.loads((run.path / "likelihood.json").read_text(encoding="utf-8"))
        held_out = measured["held_out"]["log_likelihood"]
        pseudo = measured["held_out"]["pseudo_likelihood"]  # all held-out letters, not the training subset
        partition = measured["partition"]["method"]
        # AIS: a wide spread of log weights (several nats) means too few temperatures; log Z is then likely
        # underestimated and the likelihood overstated
        log_weight_std = measured["partition"].get("log_weight_std")
    except (OSError, ValueError, KeyError):
        held_out = partition = log_weight_std = None
        pseudo = records[-1].get("pseudo_likelihood")
    return {"run": str(run.path), "name": run.path.name, "method": config.method_name, "hidden": config.model.hidden,
            "seed": config.seed, "epochs": records[-1]["epoch"], "updates": records[-1]["step"],
            "held_out_log_likelihood": held_out, "partition": partition, "ais_log_weight_std": log_weight_std,
            "pseudo_likelihood": pseudo,
            **{key: final.get(key) for key in ("letters_covered", "entropy", "letter_fid", "confident_share")},
            "wall_time_s": round(sum(r["epoch_s"] for r in records), 2)}


def compare(paths: list[Path]) -> dict:
    """Runs side by side, and runs sharing their method (CD-1, CD-10, PCD, PT) and H as mean ± std over seeds."""
    described = [describe_run(open_run(path, RBM_FAMILY.name, what="run")) for path in paths]
    groups: dict[str, list[dict]] = {}
    for item in described:
        groups.setdefault(f"{item['method']} H={item['hidden']}", []).append(item)
    summary = {name: {"runs": len(items), "updates": sorted({i["updates"] for i in items}),
                      **{key: spread([i[key] for i in items]) for key in COMPARED}}
               for name, items in groups.items()}
    return {"runs": described, "groups": summary}
