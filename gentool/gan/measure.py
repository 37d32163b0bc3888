"""What the gan measuring commands compute from trained runs: coverage beside baselines (letters or 2-D modes),
redrawn figures, and the comparison of several runs grouped by their fixes. Nothing here trains or prints."""

from __future__ import annotations

import statistics
from pathlib import Path

from gentool.datasets.points import load_point_dataset
from gentool.errors import UsageError
from gentool.evaluate import mode_figures
from gentool.evaluate.coverage import check_baselines, generate
from gentool.evaluate.coverage_figures import collapse_onset, compare_runs
from gentool.evaluate.instruments import mixed_instruments
from gentool.evaluate.letter_figures import save_coverage
from gentool.evaluate.modes import baseline_points, point_metrics, reference_balls
from gentool.evaluate.spread import spread
from gentool.evaluate.trained_letters import interpolate_letters, letter_coverage, redraw_letter_figures
from gentool.gan.config import GanConfig
from gentool.gan.family import GAN
from gentool.gan.tasks import PointTask
from gentool.gan.trained import TrainedGan, letters_only, open_trained
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, open_run, writing_into
from gentool.runtime.runs import read_run_config
from gentool.sweep import stats as sweep_stats

COMPARED = ("letters_covered", "entropy", "letter_fid", "best_letters_covered", "seconds_per_epoch")


def coverage(trained: TrainedGan, ctx: RunContext, *, samples: int | None = None, threshold: float | None = None,
             min_share: float | None = None, baselines: list[str] | None = None, seed: int = 0,
             out_dir: Path | None = None) -> dict:
    """The model's coverage beside baselines measured the same way; writes coverage.json and figures.

    Letters: letters covered, entropy, letter FID and sharpness with the letter evaluator (figures in the run's
    figures/, or --out; shared with the letter VAE). 2-D runs: modes captured, high-quality share and reverse KL.
    Both: precision, recall, density and coverage (the evaluator's features; the points)."""
    baselines = check_baselines(baselines)
    if trained.config.on_points and (threshold is not None or min_share is not None):  # not silently ignored
        raise UsageError(f"--threshold and --min-share set how the letter evaluator counts letters; a "
                         f"{trained.config.dataset} run is measured by its modes, so leave them out")
    if not trained.config.on_points:
        return letter_coverage(trained, ctx, samples=samples, threshold=threshold, min_share=min_share,
                               baselines=baselines, seed=seed, out_dir=out_dir)
    with writing_into(RunDir(trained.folder), out_dir):
        result = point_coverage(trained, samples=samples, seed=seed, folder=out_dir or trained.folder,
                                baselines=baselines)
    return {**result, "run_evaluation": trained.evaluation_noise}


def point_coverage(trained: TrainedGan, *, samples: int | None, seed: int, folder: Path,
                   baselines: list[str]) -> dict:
    """Mode metrics and precision/recall/density/coverage of a ring8/grid25 generator beside real, noise and
    collapsed baselines."""
    config = trained.config
    dataset = load_point_dataset(config.dataset, config.points)
    count = samples or config.evaluation.samples
    points = generate(trained.generator, count, config.model.z_dim, False, seed, trained.device)
    means, std = dataset.means, dataset.std
    real = reference_balls(means, std, count, config.evaluation.prdc_k)
    result = {"checkpoint": str(trained.checkpoint), "kind": "points", "dataset": config.dataset, "seed": seed,
              "samples": count, "model": point_metrics(points, means, std, real),
              "baselines": {name: point_metrics(baseline_points(name, means, std, count, seed), means, std, real)
                            for name in baselines}}
    result["figures"] = [str(mode_figures.scatter(folder / "figures" / "coverage_modes.png", points, means, std,
                                                  f"{trained.checkpoint}: {count} samples"))]
    result["path"] = str(save_coverage(folder / "coverage.json", result))
    return result


def redraw_figures(ctx: RunContext, run: Path | None) -> list[Path]:
    """A run's figures drawn again from its metrics and last checkpoint."""
    trained = open_trained(ctx, run)
    config = trained.config
    if not config.on_points:
        return redraw_letter_figures(trained, ctx)
    chosen = RunDir(trained.folder)
    with chosen.locked():
        task = PointTask(config, load_point_dataset(config.dataset, config.points), trained.device)
        return task.figures(chosen, trained.generator)


def interpolate(trained: TrainedGan, ctx: RunContext, out_file: Path | None, **options) -> dict:
    """`gan interpolate`: latent paths drawn into out_file (default: the run's figures/interpolation.png)."""
    letters_only(trained.config, "interpolate")
    return interpolate_letters(trained, ctx, out_file, **options)


# ------------------------------------------------------------------------------------------------ compare

def describe_run(run: RunDir) -> dict:
    """A letter run's final and best coverage, collapse onset and speed, from its metrics."""
    config: GanConfig = read_run_config(run, GAN)
    letters_only(config, "compare")
    records = run.read_metrics()
    evaluated = [r for r in records if r.get("letters_covered") is not None]
    if not evaluated:
        raise UsageError(f"run '{run.path}' has no coverage evaluations (evaluation.every was 0); "
                         f"measure it with `gentool gan coverage --run {run.path}`")
    final = evaluated[-1]
    return {"run": str(run.path), "name": run.path.name, "fixes": config.fixes, "seed": config.seed,
            "epochs": records[-1]["epoch"], "letters_covered": final["letters_covered"],
            "coverage": final["coverage"], "entropy": final["entropy"], "letter_fid": final["letter_fid"],
            "best_letters_covered": max(r["letters_covered"] for r in evaluated),
            "collapse_onset_epoch": collapse_onset(records, config.evaluation.collapse_drop),
            "seconds_per_epoch": round(statistics.mean(r["epoch_s"] for r in records), 2),
            "instrument": final.get("instrument"), "records": records}


def compare(paths: list[Path], figure: Path | None = None) -> dict:
    """Runs side by side, and groups of runs sharing their fixes as mean ± std over seeds; draws the overlay. Runs
    measured by different letter evaluators are shown, with a note naming them, but not tested against each
    other."""
    described = [describe_run(open_run(path, GAN.name, what="run")) for path in paths]
    groups: dict[str, list[dict]] = {}
    for item in described:
        groups.setdefault(", ".join(item["fixes"]) or "vanilla", []).append(item)
    summary = {}
    for name, items in groups.items():
        onsets = [i["collapse_onset_epoch"] for i in items]
        summary[name] = {**{key: {**spread([i[key] for i in items]), **interval_of([i[key] for i in items])}
                            for key in COMPARED}, "runs": len(items),
                         "collapsed_runs": sum(o is not None for o in onsets), "onset_epochs": onsets}
    figure = figure or Path(paths[0]).parent / "compare.png"
    compare_runs(figure, [(i["name"], i["records"]) for i in described])
    values = {name: {key: [i[key] for i in items] for key in COMPARED} for name, items in groups.items()}
    mixed = mixed_instruments(i["instrument"] for i in described)
    return {"runs": [{k: v for k, v in i.items() if k != "records"} for i in described], "groups": summary,
            "comparisons": [] if mixed else sweep_stats.compare(values, next(iter(groups)), list(COMPARED)),
            "instruments_note": mixed, "figure": str(figure)}


def interval_of(values: list) -> dict:
    """The 95% t-interval of a group's mean (as sweeps report it)."""
    described = sweep_stats.describe(values)
    return {"ci_low": described["ci_low"], "ci_high": described["ci_high"]}
