"""`run_vi`: reparameterised VI of a Gaussian / mixture q against ring8 or grid25, or CAVI for a Bayesian Gaussian
mixture on data points (compared with EM from the same initial means). It is what makes a `vi fit` run, as a
trainer does for the other families (gentool.runtime.runs.one_shot_family). No checkpoints: runs take seconds."""

from __future__ import annotations

import time

import numpy as np
import torch

from gentool.datasets.point_files import load_point_source
from gentool.datasets.targets import mixture_target
from gentool.em.measure import is_monotone
from gentool.em.model import fit_em, initial_mixture
from gentool.evaluate.modes import POINT_BASELINES, baseline_points, mode_metrics
from gentool.evaluate.recovery import modes_recovered
from gentool.runtime.context import RunContext
from gentool.runtime.run_summary import base_summary
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import TrainOutcome
from gentool.vi import figures
from gentool.vi.cavi import fit_cavi
from gentool.vi.config import ViConfig
from gentool.vi.model import MixtureQ, forward_cross_entropy, kl_estimates, reverse_kl

# a q component whose weight is below this share of 1/K is not counted as covering a mode
NEGLIGIBLE_WEIGHT = 0.1


def run_vi(config: ViConfig, run: RunDir, ctx: RunContext, preset: str | None, command: str | None) -> TrainOutcome:
    ctx.decide_device(config.device)  # start_run decided it already (and wrote config.yaml)
    started = time.perf_counter()
    set_seed(config.seed)
    if config.method == "cavi":
        final, extras = _run_cavi(config, run, ctx)
    else:
        final, extras = _run_reparam(config, run, ctx)
    status = "interrupted" if ctx.stop.requested else "completed"
    summary = base_summary("vi", status, run=run, preset=preset, command=command, seed=config.seed,
                           device=ctx.device, started=started)
    summary.update({"method": config.method, "dataset": config.dataset, **extras, "final": final})
    summary["wall_time_s"] = round(time.perf_counter() - started, 3)
    run.write_summary(summary)
    return TrainOutcome(status, summary)


def _brief(metrics: dict) -> dict:
    return {key: metrics[key] for key in ("modes_captured", "high_quality", "reverse_kl", "mode_counts")}


def _run_reparam(config: ViConfig, run: RunDir, ctx: RunContext) -> tuple[dict, dict]:
    target = mixture_target(config.dataset, config.points)
    generator = torch.Generator().manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    components = config.components if config.family == "mixture" else 1
    low, high = (torch.from_numpy(b) for b in target.bounds())
    start = low + (high - low) * torch.rand(components, target.dim, dtype=torch.float64, generator=generator)
    q = MixtureQ(start, config.init_scale).to(ctx.device)
    optimiser = torch.optim.Adam(q.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: 1.0 - 0.99 * s / config.steps)
    ctx.reporter.info(f"vi: {config.family} q (K={components}) on {config.dataset} by {config.divergence} KL, "
                      f"{config.steps} steps")
    key = "kl_q_p" if config.divergence == "reverse" else "cross_entropy"
    records = []
    with ctx.reporter.task("vi steps", total=config.steps) as progress:
        for step in range(1, config.steps + 1):
            if config.divergence == "reverse":
                loss = reverse_kl(q, target, config.batch)
            else:
                draws = torch.from_numpy(target.sample(config.batch, rng)).to(ctx.device)
                loss = forward_cross_entropy(q, draws)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            progress.advance()
            if step % config.log_every == 0 or step == config.steps or ctx.stop.requested:
                record = {"step": step, key: float(loss.detach())}
                if config.divergence == "reverse":
                    record["elbo"] = -float(loss.detach())
                records.append(record)
                run.append_metrics(record)
            if ctx.stop.requested:
                break

    q = q.to("cpu")
    drawn = q.sample(config.samples, generator)
    means = torch.from_numpy(target.means).float()
    scored = {"q": _brief(mode_metrics(drawn, means, target.std))}
    for baseline in POINT_BASELINES:
        scored[baseline] = _brief(mode_metrics(baseline_points(baseline, means, target.std, config.samples,
                                                               config.seed), means, target.std))
    weights = q.log_weights().exp().detach()
    kept = q.means.detach()[weights >= NEGLIGIBLE_WEIGHT / components]
    final = {**kl_estimates(q, target, config.samples, generator), "mode_metrics": scored,
             **modes_recovered(kept, torch.from_numpy(target.means), target.std)}
    title = f"{config.family} q by {config.divergence} KL on {config.dataset}, seed {config.seed}"
    label = "KL(q || p) = -ELBO (estimate)" if key == "kl_q_p" else "cross-entropy -E_p[log q]"
    paths = [figures.density_over_target(run.figures / "density.png", q, target, title),
             figures.objective_curve(run.figures / "objective.png", records, key, label, title)]
    q_dict = {"weights": weights.tolist(), "means": q.means.detach().tolist(),
              "covariances": (q.scale_tril() @ q.scale_tril().transpose(1, 2)).detach().tolist()}
    return final, {"family": config.family, "divergence": config.divergence, "components": components,
                   "steps": config.steps, "q": q_dict, "figures": [str(p) for p in paths]}


def _run_cavi(config: ViConfig, run: RunDir, ctx: RunContext) -> tuple[dict, dict]:
    source = load_point_source(config.dataset, config.points)
    points = source.points.to(ctx.device)
    like_std = config.cavi.likelihood_std or source.std
    prior_var, like_var = config.cavi.prior_std ** 2, like_std ** 2
    # CAVI and EM start from the same K means (EM: with the data's covariance, or k-means' clusters)
    start, _ = initial_mixture(source.points, config.components, config.cavi.init, covariance="full",
                               reg_covar=1e-6, kmeans_iter=100,
                               generator=torch.Generator().manual_seed(config.seed))
    ctx.reporter.info(f"vi: CAVI for a Bayesian mixture of {config.components} Gaussians (std {like_std}) on "
                      f"{source.name}, {len(points)} points")

    def on_iteration(iteration: int, value: float) -> bool:
        run.append_metrics({"iteration": iteration, "elbo_per_point": value})
        return ctx.stop.requested

    fit = fit_cavi(points, start.means.to(ctx.device), prior_var=prior_var, like_var=like_var,
                   max_iter=config.cavi.max_iter, tol=config.cavi.tol, on_iteration=on_iteration)
    em = fit_em(points, start.to(ctx.device), covariance="full", reg_covar=1e-6, max_iter=config.cavi.max_iter,
                tol=1e-8)
    counts = fit.phi.sum(dim=0)
    final = {"elbo_per_point": round(fit.history[-1], 6), "iterations": fit.iterations,
             "converged": fit.converged, "monotone": is_monotone(fit.history),
             "posterior": {"means": fit.means.cpu().tolist(), "stds": fit.variances.sqrt().cpu().tolist(),
                           "points_per_component": [round(c, 2) for c in counts.cpu().tolist()]},
             "em": {"log_likelihood": round(em.history[-1], 6), "iterations": em.iterations,
                    "means": em.mixture.means.cpu().tolist()}}
    if source.known_modes:
        final.update(modes_recovered(fit.means.cpu(), source.means, source.std))
        final["em"].update(modes_recovered(em.mixture.means.cpu(), source.means, source.std))
    records = run.read_metrics()
    title = f"CAVI, K={config.components} on {source.name} (init {config.cavi.init}), seed {config.seed}"
    paths = [figures.objective_curve(run.figures / "elbo.png", records, "elbo_per_point", "ELBO per point", title,
                                     x_key="iteration")]
    if points.shape[1] == 2:
        paths.append(figures.posterior_means(run.figures / "posterior.png", source.points, fit.means,
                                             fit.variances.sqrt(), em.mixture.means, source.means, title))
    return final, {"components": config.components, "likelihood_std": like_std,
                   "prior_std": config.cavi.prior_std, "figures": [str(p) for p in paths]}
