"""`run_mixture`, `run_ising`: run C chains of one sampler on a mixture or the Ising lattice and write the run
folder. They make an `mcmc sample` run, as a trainer does for the other families (gentool.mcmc.family); nothing
is learned.

Chains start uniformly over the box around the modes (the Ising lattice: random spins), so "modes visited" shows
what each sampler finds on its own. Every draw goes to draws.npz (gentool.mcmc.draws), for ArviZ. No checkpoints:
Ctrl-C keeps the draws so far (status "interrupted").
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from gentool.datasets.targets import mixture_target
from gentool.mcmc import figures
from gentool.mcmc.config import IsingMcmcConfig, McmcConfig, MixtureMcmcConfig
from gentool.mcmc.draws import DRAWS_FILE, save_draws
from gentool.mcmc.ising import CRITICAL_BETA, energy_per_site, magnetisation, onsager_energy_per_site, sweep
from gentool.mcmc.measure import first_visits, measure_ising_chains, measure_mixture_chains, visits_by_step
from gentool.mcmc.samplers import Tempering, build_sampler, temperature_ladder
from gentool.runtime.context import RunContext
from gentool.runtime.run_summary import base_summary
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import TrainOutcome

PROGRESS_EVERY = 500


def run_mixture(config: MixtureMcmcConfig, run: RunDir, ctx: RunContext, preset: str | None,
                command: str | None) -> TrainOutcome:
    return _run(config, run, ctx, preset, command, _sample_mixture)


def run_ising(config: IsingMcmcConfig, run: RunDir, ctx: RunContext, preset: str | None,
              command: str | None) -> TrainOutcome:
    return _run(config, run, ctx, preset, command, _sample_ising)


def _run(config: McmcConfig, run: RunDir, ctx: RunContext, preset: str | None, command: str | None,
         sample: Callable[..., tuple[dict, dict]]) -> TrainOutcome:
    """Seed, sample (`sample(config, run, ctx, rng)` -> the final measurements and the summary's other entries), and
    write summary.json."""
    ctx.decide_device(config.device)  # start_run decided it already (and wrote config.yaml)
    started = time.perf_counter()
    set_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    ctx.reporter.info(f"{config.sampler} on {config.target}: {config.chains} chains x {config.steps} steps "
                      f"({config.evaluations_per_step} target evaluations per step), burn-in {config.burn_in}")
    final, extras = sample(config, run, ctx, rng)
    status = "interrupted" if ctx.stop.requested else "completed"
    summary = base_summary("mcmc", status, run=run, preset=preset, command=command, seed=config.seed,
                           device=ctx.device, started=started)
    summary.update({"target": config.target, "sampler": config.sampler, "chains": config.chains,
                    "steps": config.steps, "burn_in": config.burn_in, **extras, "final": final})
    summary["note"] = "the samplers run in numpy on the CPU"
    summary["wall_time_s"] = round(time.perf_counter() - started, 3)
    run.write_summary(summary)
    return TrainOutcome(status, summary)


def _loop(config: McmcConfig, ctx: RunContext, step_once, record) -> int:
    """Call step_once(t) for each step, with progress and Ctrl-C; returns the steps done."""
    done = 0
    with ctx.reporter.task(f"{config.sampler} sampling", total=config.steps) as progress:
        for t in range(config.steps):
            step_once(t)
            done = t + 1
            if done % PROGRESS_EVERY == 0:
                progress.advance(PROGRESS_EVERY)
            if done % config.log_every == 0:
                record(done)
            if ctx.stop.requested:
                break
    return done


def _sample_mixture(config: MixtureMcmcConfig, run: RunDir, ctx: RunContext,
                    rng: np.random.Generator) -> tuple[dict, dict]:
    target = mixture_target(config.target, config.points)
    low, high = target.bounds()
    start = low + (high - low) * rng.random((config.chains, target.dim))  # (C, D)
    ladder = temperature_ladder(config.temperatures, config.max_temperature)
    sampler = build_sampler(config.sampler, target, start, step=config.step, leapfrog=config.leapfrog,
                            temperatures=ladder, rng=rng)
    samples = np.empty((config.steps, config.chains, target.dim))  # (S, C, D)
    accepted = np.empty(config.steps)

    def step_once(t: int) -> None:
        accepted[t] = sampler.step(rng).mean()
        samples[t] = sampler.x

    # modes visited are updated from each new block of draws when a record is due, so metrics.jsonl grows live
    records: list[dict] = []
    first = np.full((config.chains, target.modes), -1, dtype=np.int64)

    def record(step: int) -> None:
        nonlocal first
        previous = records[-1]["step"] if records else 0
        first = first_visits(samples[previous:step], target, offset=previous, first=first)
        union, per_chain = visits_by_step(first, step)
        window = accepted[max(0, step - config.log_every):step]
        records.append({"step": step, "evaluations": 1 + step * sampler.evaluations_per_step,
                        "acceptance": round(float(accepted[:step].mean()), 4),
                        "acceptance_recent": round(float(window.mean()), 4), "modes_visited": union,
                        "modes_visited_per_chain": per_chain})
        run.append_metrics(records[-1])

    done = _loop(config, ctx, step_once, record)
    samples, accepted = samples[:done], accepted[:done]
    if not records or records[-1]["step"] != done:
        record(done)

    burn_in = min(config.burn_in, max(done - 4, 0))  # an interrupted run keeps a few draws to diagnose
    evaluations = config.chains * sampler.evaluations
    final = {"acceptance": round(float(accepted.mean()), 4), "evaluations": evaluations,
             "evaluations_per_chain": sampler.evaluations,
             **measure_mixture_chains(samples, burn_in, target, evaluations)}
    all_seen = [r["evaluations"] for r in records if r["modes_visited"] == target.modes]
    final["all_modes_visited_at_evaluations"] = all_seen[0] if all_seen else None
    extras = {"step": config.step}
    if isinstance(sampler, Tempering):
        final["swap_acceptance"] = round(sampler.swaps_accepted / max(sampler.swaps_tried, 1), 4)
        extras["temperatures"] = [round(float(t), 3) for t in ladder]
    if config.sampler == "hmc":
        extras["leapfrog"] = config.leapfrog

    extras["draws"] = str(save_draws(run.path / DRAWS_FILE, samples, ["x", "y"], burn_in))
    title = f"{config.sampler} on {config.target}, {config.chains} chains, seed {config.seed}"
    kept = samples[burn_in:]
    extras["figures"] = [str(p) for p in (
        figures.traces(run.figures / "traces.png", samples, ["x", "y"], burn_in, title),
        figures.autocorrelations(run.figures / "autocorrelation.png", kept.transpose(1, 0, 2), ["x", "y"],
                                 config.max_lag, title),
        figures.mode_visits(run.figures / "mode_visits.png", records, target.modes, title),
        figures.draws_over_target(run.figures / "samples.png", target, kept.reshape(-1, target.dim), title),
    )]
    return final, extras


def _sample_ising(config: IsingMcmcConfig, run: RunDir, ctx: RunContext,
                  rng: np.random.Generator) -> tuple[dict, dict]:
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(config.chains, config.size, config.size))
    trace = np.empty((config.steps, config.chains, 3))  # magnetisation, |magnetisation|, energy per site
    flipped = np.empty(config.steps)

    def step_once(t: int) -> None:
        flipped[t] = sweep(spins, config.beta, rng, config.sampler)
        m = magnetisation(spins)
        trace[t] = np.stack([m, np.abs(m), energy_per_site(spins)], axis=1)

    def record(step: int) -> None:
        recent = trace[step - 1]
        run.append_metrics({"step": step, "sweeps": step, "flip_rate": round(float(flipped[:step].mean()), 4),
                            "abs_magnetisation": round(float(recent[:, 1].mean()), 4),
                            "energy_per_site": round(float(recent[:, 2].mean()), 4)})

    done = _loop(config, ctx, step_once, record)
    trace, flipped = trace[:done], flipped[:done]
    burn_in = min(config.burn_in, max(done - 4, 0))
    evaluations = config.chains * done  # one sweep (L^2 site updates) counted as one evaluation
    final = {"flip_rate": round(float(flipped.mean()), 4), "sweeps": done,
             **measure_ising_chains(trace, burn_in, evaluations),
             "onsager_energy_per_site": round(onsager_energy_per_site(config.beta), 4) if config.beta > 0 else 0.0,
             "critical_beta": round(CRITICAL_BETA, 4)}
    draws = save_draws(run.path / DRAWS_FILE, trace, ["magnetisation", "abs_magnetisation", "energy_per_site"],
                       burn_in)
    names = ["magnetisation", "|magnetisation|", "energy per site"]
    title = f"{config.sampler} on a {config.size}x{config.size} Ising lattice, beta {config.beta}"
    paths = [figures.traces(run.figures / "traces.png", trace, names, burn_in, title),
             figures.autocorrelations(run.figures / "autocorrelation.png", trace[burn_in:].transpose(1, 0, 2),
                                      names, config.max_lag, title),
             figures.lattices(run.figures / "lattices.png", spins, title)]
    return final, {"size": config.size, "beta": config.beta, "draws": str(draws), "figures": [str(p) for p in paths]}
