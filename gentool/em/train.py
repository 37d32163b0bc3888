"""`run_em`: fit a mixture (EM or k-means) with restarts, keep the best, write the run folder. It is what makes
an `em fit` run, as a trainer does for the other families (gentool.runtime.runs.one_shot_family).

No checkpoints: a run takes seconds, so Ctrl-C ends it with status "interrupted" and the best fit so far, and a
new run replaces a resume.
"""

from __future__ import annotations

import time

import torch

from gentool.datasets.point_files import load_point_source
from gentool.em.config import EmConfig
from gentool.em.figures import curve_figure, fit_figure
from gentool.em.measure import free_parameters, information_criteria, is_monotone, measure_modes
from gentool.em.model import Fit, fit_em, fit_kmeans, initial_mixture, kmeans_plus_plus, mixture_from_clusters
from gentool.runtime.context import RunContext
from gentool.runtime.run_summary import base_summary
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import TrainOutcome


def fit_once(points: torch.Tensor, config: EmConfig, restart: int, ctx: RunContext, run: RunDir | None) -> Fit:
    """One restart: its own generator (seed, restart), so restart r is the same fit whatever the restart count."""
    generator = torch.Generator().manual_seed(config.seed * 100_003 + restart)
    cpu_points = points.cpu()
    metric = "log_likelihood" if config.method == "em" else "inertia"

    def on_iteration(iteration: int, value: float) -> bool:
        if run is not None:
            run.append_metrics({"restart": restart, "iteration": iteration, metric: value})
        return ctx.stop.requested

    if config.method == "kmeans":
        if config.init == "kmeans++":
            seeds = kmeans_plus_plus(cpu_points, config.components, generator)
        elif config.init == "random-points":
            seeds = cpu_points[torch.randperm(len(points), generator=generator)[:config.components]]
        else:  # a random partition's centroids
            start = initial_mixture(cpu_points, config.components, "random-resp", covariance="diag",
                                    reg_covar=0.0, kmeans_iter=1, generator=generator)[0]
            seeds = start.means
        centres, labels, fit = fit_kmeans(points, seeds.to(points.device), max_iter=config.max_iter,
                                          on_iteration=on_iteration)
        fit.mixture = mixture_from_clusters(points, centres, labels, config.reg_covar)
        return fit
    start, centres = initial_mixture(cpu_points, config.components, config.init, covariance=config.covariance,
                                     reg_covar=config.reg_covar, kmeans_iter=config.kmeans_iter, generator=generator)
    if run is not None:
        run.append_metrics({"restart": restart, "iteration": 0, metric: start.log_likelihood(cpu_points)})
    fit = fit_em(points, start.to(points.device), covariance=config.covariance, reg_covar=config.reg_covar,
                 max_iter=config.max_iter, tol=config.tol, on_iteration=on_iteration)
    fit.centres = centres
    return fit


def run_em(config: EmConfig, run: RunDir, ctx: RunContext, preset: str | None, command: str | None) -> TrainOutcome:
    ctx.decide_device(config.device)  # start_run decided it already (and wrote config.yaml)
    started = time.perf_counter()
    set_seed(config.seed)
    source = load_point_source(config.dataset, config.points)
    points = source.points.to(ctx.device)
    ctx.reporter.info(f"{config.method} on {source.name} ({len(points)} points, dim {points.shape[1]}): "
                      f"K={config.components}, init {config.init}, {config.restarts} restart(s)")

    fits: list[Fit] = []
    with ctx.reporter.task(f"{config.method} restarts", total=config.restarts) as progress:
        for restart in range(config.restarts):
            fits.append(fit_once(points, config, restart, ctx, run))
            progress.advance()
            if ctx.stop.requested:
                break
    # the best restart: highest log-likelihood for EM, lowest inertia for k-means
    finals = [fit.history[-1] for fit in fits]
    best = max(range(len(fits)), key=lambda i: finals[i] if config.method == "em" else -finals[i])
    fit = fits[best]
    status = "interrupted" if ctx.stop.requested else "completed"

    log_likelihood = fit.mixture.log_likelihood(points)
    dim = points.shape[1]
    covariance = config.covariance if config.method == "em" else "spherical"
    parameters = free_parameters(config.components, dim, "diag" if covariance == "spherical" else covariance)
    if covariance == "spherical":
        parameters -= config.components * (dim - 1)
    final = {"log_likelihood": round(log_likelihood, 6), **information_criteria(log_likelihood, len(points),
                                                                                parameters),
             "iterations": fit.iterations, "converged": fit.converged}
    if config.method == "em":
        final["monotone"] = all(is_monotone(f.history) for f in fits)
    else:
        final["inertia"] = round(fit.history[-1], 8)
        final["monotone"] = all(is_monotone([-v for v in f.history]) for f in fits)
    final.update(measure_modes(fit.mixture, source, samples=config.samples, seed=config.seed))

    summary = base_summary("em", status, run=run, preset=preset, command=command, seed=config.seed,
                           device=ctx.device, started=started)
    summary.update({"dataset": source.name, "points": len(points), "method": config.method,
                    "components": config.components, "init": config.init, "best_restart": best,
                    "restarts": [{"restart": i, "iterations": f.iterations, "converged": f.converged,
                                  "final": round(f.history[-1], 6)} for i, f in enumerate(fits)],
                    "final": final, "mixture": fit.mixture.to("cpu").to_dict()})
    summary["figures"] = _figures(run, config, source, fits, best)
    summary["wall_time_s"] = round(time.perf_counter() - started, 3)
    run.write_summary(summary)
    return TrainOutcome(status, summary)


def _figures(run: RunDir, config: EmConfig, source, fits: list[Fit], best: int) -> list[str]:
    fit = fits[best]
    title = f"{config.method} K={config.components} on {source.name} (init {config.init})"
    paths = []
    if source.points.shape[1] == 2:
        paths.append(fit_figure(run.figures / "fit.png", source.points, fit.mixture, centres=fit.centres,
                                true_means=source.means, title=title))
    ylabel = "log-likelihood per point" if config.method == "em" else "inertia per point (mean squared distance)"
    paths.append(curve_figure(run.figures / "curve.png", [f.history for f in fits], best, ylabel=ylabel,
                              title=title))
    return [str(p) for p in paths]
