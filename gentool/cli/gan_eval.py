"""`gentool gan evaluator|coverage|figures|interpolate|compare`: measure trained GANs (letters; coverage and
figures also for ring8/grid25 runs)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from gentool.cli.common import (ConfigOption, DataDirOption, DeviceOption, FontsDirOption, JsonOption, QuietOption,
                                SetOption,
                                handle_errors, out, print_json, reporter_for)
from gentool.config import build_config, config_to_dict
from gentool.errors import UsageError
from gentool.datasets.points import load_point_dataset
from gentool.evaluate import mode_figures
from gentool.evaluate.coverage import BASELINES, CoverageSettings, generate
from gentool.evaluate.modes import baseline_points, mode_metrics
from gentool.evaluate.spread import format_spread, spread
from gentool.evaluate.coverage_figures import collapse_onset, compare_runs
from gentool.evaluate.letters import confusion_summary, load_letter_evaluator
from gentool.gan.config import GanConfig, resolve_gan_config
from gentool.gan.report import interpolation, measure_generator, save_coverage, write_run_figures
from gentool.gan.tasks import PointTask
from gentool.gan.train import CHECKPOINT_KIND, load_generator, read_run_config
from gentool.runtime.device import resolve_device
from gentool.runtime.rundir import RunDir, newest_run

RunOption = Annotated[Optional[Path], typer.Option(
    "--run", help="A GAN run folder (default: the newest under runs/).")]
SeedOption = Annotated[int, typer.Option(help="Seed of the noise drawn for the samples.")]
CheckpointOption = Annotated[Optional[Path], typer.Option(help="A GAN checkpoint file instead of a run.")]


def _pick_run(run: Path | None) -> RunDir:
    if run is not None:
        return RunDir.open_existing(run, what="--run")
    found = newest_run(CHECKPOINT_KIND)
    if found is None:
        raise UsageError("no GAN run found under runs/; train one with `gentool gan train` or pass --run DIR")
    return found


def _generator_for(run: Path | None, checkpoint: Path | None, best: bool, device: str | None):
    """(generator, its config, where outputs go, the checkpoint used) from --run or --checkpoint."""
    if run is not None and checkpoint is not None:
        raise UsageError("give --run or --checkpoint, not both")
    if checkpoint is not None:
        config_device = resolve_device(device or "auto")
        generator, config = load_generator(checkpoint, config_device)
        folder = checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent
        return generator, config, folder, checkpoint
    chosen = _pick_run(run)
    path = chosen.checkpoints / "best.pt" if best else chosen.last_checkpoint
    if best and not path.is_file():
        raise UsageError(f"run '{chosen.path}' has no best.pt (it was trained without evaluation); drop --best")
    torch_device = resolve_device(device or read_run_config(chosen).device)
    generator, config = load_generator(path, torch_device)
    return generator, config, chosen.path, path


@handle_errors
def evaluator(
    preset: Annotated[str, typer.Option(help="Use the fonts and split of this GAN preset.")] = "vanilla",
    config: ConfigOption = None,
    fonts_dir: FontsDirOption = None,
    set_: SetOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Train it again even when cached.")] = False,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the letter evaluator: a CNN trained on the training fonts, scored on held-out fonts."""
    flags = {"data.fonts_dirs": [str(p.resolve()) for p in fonts_dir] if fonts_dir else None}
    gan_config = resolve_gan_config(preset, str(config) if config else None, flags, set_)
    letter_evaluator = load_letter_evaluator(gan_config.data, data_dir, resolve_device(device or gan_config.device),
                                             rebuild=rebuild, settings=gan_config.evaluation.evaluator,
                                             reporter=reporter_for(quiet))
    report = {key: value for key, value in letter_evaluator.report.items() if key != "held_out"}
    held_out = {key: value for key, value in letter_evaluator.report["held_out"].items() if key != "confusion"}
    if json_:
        print_json({**report, "held_out": held_out, "path": str(letter_evaluator.path)})
        return
    out.print(f"letter evaluator: {letter_evaluator.path} ({'built now' if report['built'] else 'cache hit'})")
    out.print(f"held-out accuracy: {held_out['accuracy']:.2%} on {report['held_out_images']} letters from unseen "
              f"fonts: {', '.join(report['held_out_faces'])}")
    out.print(f"training accuracy: {report['train']['accuracy']:.2%} on {report['train_images']} letters")
    out.print(f"not-a-letter images rejected: {report['not_letters_rejected']:.2%}")
    out.print("worst held-out letters:")
    for line in confusion_summary(letter_evaluator.report):
        out.print(f"  {line}")


ROWS = [("letters covered", "letters_covered", "{}"), ("coverage", "coverage", "{:.3f}"),
        ("entropy", "entropy", "{:.3f}"), ("KL to uniform", "kl_uniform", "{:.3f}"),
        ("recognisable", "confident_share", "{:.3f}"), ("not a letter", "not_letter_share", "{:.3f}"),
        ("letter FID", "letter_fid", "{:.1f}")]
BASELINE_NOTES = {"real": "held-out fonts", "noise": "uniform noise", "collapsed": "one image repeated"}


def _cell(report: dict, key: str, fmt: str) -> str:
    value = report[key]
    return "n/a" if value is None else fmt.format(value)


def _baseline_table(title: str, caption: str, rows: list[tuple[str, str, str]], result: dict) -> Table:
    """One row per figure: the model's value, then each baseline's, measured the same way."""
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    table.add_column("")
    for name in ("model", *result["baselines"]):
        table.add_column(name, justify="right")
    for label, key, fmt in rows:
        table.add_row(label, *[_cell(report, key, fmt) for report in (result["model"], *result["baselines"].values())])
    return table


@handle_errors
def coverage(
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
    best: Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")] = False,
    samples: Annotated[Optional[int], typer.Option(help="Images to generate (default: the run's "
                                                        "evaluation.samples, 2600 = 100 per letter).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Softmax probability that counts as confident.")] = None,
    min_share: Annotated[Optional[float], typer.Option(help="Covered at this share of a uniform count.")] = None,
    baseline: Annotated[Optional[list[str]], typer.Option(
        help=f"Baselines to print beside the model: {', '.join(BASELINES)} (repeatable; default: all).")] = None,
    seed: SeedOption = 0,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for coverage.json and figures "
                                                                  "(default: the run's figures/).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Generate samples and report mode coverage beside baselines: letters covered, entropy and letter FID (with
    the letter evaluator) for letter runs; modes captured, high-quality share and reverse KL for ring8/grid25."""
    for name in baseline or []:
        if name not in BASELINES:
            raise UsageError(f"unknown baseline '{name}'; choose from {', '.join(BASELINES)}")
    generator, config, folder, used = _generator_for(run, checkpoint, best, device)
    if config.on_points:
        _point_coverage(generator, config, used, samples, seed, out_dir or folder, baseline or list(BASELINES),
                        json_)
        return
    given = {"samples": samples, "threshold": threshold, "min_share": min_share}
    settings = build_config(CoverageSettings, {**{k: v for k, v in config_to_dict(config.evaluation).items()
                                                  if k in given}, **{k: v for k, v in given.items() if v is not None}},
                            prefix="coverage")
    device_used = next(generator.parameters()).device
    letter_evaluator = load_letter_evaluator(config.data, data_dir, device_used, settings=config.evaluation.evaluator,
                                             reporter=reporter_for(quiet))
    target = out_dir or (folder / "figures")
    result = measure_generator(generator, config, letter_evaluator, settings, seed, baseline or list(BASELINES), target)
    result["checkpoint"] = str(used)
    coverage_path = (out_dir or folder) / "coverage.json"
    save_coverage(coverage_path, result)
    if json_:
        print_json(result)
        return
    out.print(_baseline_table(f"coverage of {used}",
                              f"{settings.samples} samples; confident at p >= {settings.threshold}; covered at >= "
                              f"{result['model']['min_count']}; entropy normalised to 1 = uniform; baselines: "
                              + ", ".join(f"{n} = {BASELINE_NOTES[n]}" for n in result["baselines"]),
                              ROWS, result))
    missing = result["model"]["missing"]
    out.print(f"missing letters: {''.join(missing) if missing else 'none'}")
    out.print(f"generated and scored in {result['seconds']:.2f} s; wrote {coverage_path} and "
              f"{', '.join(result['figures'])}")


POINT_ROWS = [("modes captured", "modes_captured", "{}"), ("high quality %", "high_quality", "{:.1%}"),
              ("reverse KL", "reverse_kl", "{:.3f}")]


def _point_coverage(generator, config: GanConfig, used: Path, samples: int | None, seed: int, folder: Path,
                    baselines: list[str], as_json: bool) -> None:
    """Mode metrics of a ring8/grid25 generator beside real, noise and collapsed baselines."""
    dataset = load_point_dataset(config.dataset, config.points)
    count = samples or config.evaluation.samples
    points = generate(generator, count, config.model.z_dim, False, seed, next(generator.parameters()).device)
    means, std = dataset.means, dataset.std
    result = {"checkpoint": str(used), "dataset": config.dataset, "seed": seed,
              "model": mode_metrics(points, means, std),
              "baselines": {name: mode_metrics(baseline_points(name, means, std, count, seed), means, std)
                            for name in baselines}}
    result["figures"] = [str(mode_figures.scatter(folder / "figures" / "coverage_modes.png", points, means, std,
                                                  f"{used}: {count} samples"))]
    save_coverage(folder / "coverage.json", result)
    if as_json:
        print_json(result)
        return
    out.print(_baseline_table(f"modes of {used} ({config.dataset})",
                              f"{count} samples; high quality = within 3 std of the nearest mode; a mode is captured "
                              f"by one high-quality sample; baselines: real = the mixture, noise = uniform over the "
                              f"data's box, collapsed = one mode", POINT_ROWS, result))
    out.print(f"wrote {folder / 'coverage.json'} and {result['figures'][0]}")


def _letters_only(config: GanConfig, command: str) -> None:
    if config.on_points:
        raise UsageError(f"`gentool gan {command}` is for letter runs; this run learned {config.dataset} "
                         f"(use `gentool gan coverage` or `gentool gan figures` for its modes, and "
                         f"`gentool gan benchmark` to compare fixes)")


@handle_errors
def figures(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    quiet: QuietOption = False,
) -> None:
    """Redraw a run's figures: dynamics (coverage, entropy, letter FID, collapse onset), heatmap, alphabet."""
    chosen = _pick_run(run)
    generator, config, _, _ = _generator_for(chosen.path, None, False, device)
    if config.on_points:
        for path in PointTask(config, load_point_dataset(config.dataset, config.points)).figures(chosen, generator):
            out.print(str(path))
        return
    letter_evaluator = load_letter_evaluator(config.data, data_dir, next(generator.parameters()).device,
                                             settings=config.evaluation.evaluator, reporter=reporter_for(quiet))
    for path in write_run_figures(chosen, config, generator, letter_evaluator):
        out.print(str(path))


@handle_errors
def interpolate(
    run: RunOption = None,
    checkpoint: CheckpointOption = None,
    rows: Annotated[int, typer.Option(min=1, max=64, help="Latent paths, one per row.")] = 6,
    steps: Annotated[int, typer.Option(min=2, max=64, help="Frames along each path.")] = 10,
    method: Annotated[str, typer.Option(help="slerp (along the noise sphere) or lerp (straight line).")] = "slerp",
    letter: Annotated[Optional[str], typer.Option(help="Conditional models: the letter to hold fixed.")] = None,
    seed: SeedOption = 0,
    out_file: Annotated[Optional[Path], typer.Option("--out", help="PNG to write (default: the run's "
                                                                   "figures/interpolation.png).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Walk the latent space between random points and show what the generator draws along the way."""
    generator, config, folder, _ = _generator_for(run, checkpoint, False, device)
    _letters_only(config, "interpolate")
    letter_evaluator = load_letter_evaluator(config.data, data_dir, next(generator.parameters()).device,
                                             settings=config.evaluation.evaluator, reporter=reporter_for(quiet))
    path = out_file or folder / "figures" / "interpolation.png"
    result = interpolation(path, generator, config, letter_evaluator, rows, steps, method, seed, letter)
    if json_:
        print_json(result)
        return
    out.print(f"wrote {path}")
    for number, predicted in enumerate(result["predicted"], 1):
        out.print(f"path {number}: {' '.join(predicted)}   (? = not a confident letter)")


def _describe_run(run: RunDir) -> dict:
    config: GanConfig = read_run_config(run)
    _letters_only(config, "compare")
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
            "records": records}


@handle_errors
def compare(
    runs: Annotated[list[Path], typer.Argument(help="Run folders to compare.")],
    figure: Annotated[Optional[Path], typer.Option(help="Overlay figure to write (default: compare.png beside "
                                                        "the first run).")] = None,
    json_: JsonOption = False,
) -> None:
    """Compare runs: final and best coverage, entropy, letter FID, collapse onset; groups of runs that share
    their fixes get mean ± std over seeds."""
    described = [_describe_run(RunDir.open_existing(path, what="run")) for path in runs]
    groups: dict[str, list[dict]] = {}
    for item in described:
        groups.setdefault(", ".join(item["fixes"]) or "vanilla", []).append(item)
    summary = {name: {key: spread([i[key] for i in items]) for key in
                      ("letters_covered", "entropy", "letter_fid", "best_letters_covered", "seconds_per_epoch")}
               for name, items in groups.items()}
    for name, items in groups.items():
        onsets = [i["collapse_onset_epoch"] for i in items]
        summary[name]["collapsed_runs"] = sum(o is not None for o in onsets)
        summary[name]["onset_epochs"] = onsets
    figure = figure or Path(runs[0]).parent / "compare.png"
    compare_runs(figure, [(i["name"], i["records"]) for i in described])
    if json_:
        print_json({"runs": [{k: v for k, v in i.items() if k != "records"} for i in described],
                    "groups": summary, "figure": str(figure)})
        return
    table = Table(title="runs (covered and best: letters of 26; onset: epoch collapse begins)", title_justify="left")
    for column in ("run", "seed", "epochs", "covered", "best", "entropy", "FID", "onset", "s/epoch"):
        table.add_column(column, justify="left" if column == "run" else "right", no_wrap=column == "run")
    for i in described:
        table.add_row(i["name"], str(i["seed"]), str(i["epochs"]), str(i["letters_covered"]),
                      str(i["best_letters_covered"]), "n/a" if i["entropy"] is None else f"{i['entropy']:.3f}",
                      f"{i['letter_fid']:.1f}", str(i["collapse_onset_epoch"] or "-"), f"{i['seconds_per_epoch']:.1f}")
    out.print(table)
    grouped = Table(title="by fixes: mean ± std over runs", title_justify="left")
    grouped.add_column("")
    for name in summary:
        grouped.add_column(name, justify="right")
    rows = [("runs", lambda name, stats: str(len(groups[name]))),
            ("letters covered", lambda name, stats: format_spread(stats["letters_covered"], "{:.1f}")),
            ("best covered", lambda name, stats: format_spread(stats["best_letters_covered"], "{:.1f}")),
            ("entropy", lambda name, stats: format_spread(stats["entropy"], "{:.3f}")),
            ("letter FID", lambda name, stats: format_spread(stats["letter_fid"], "{:.1f}")),
            ("runs with collapse onset", lambda name, stats: f"{stats['collapsed_runs']}/{len(groups[name])}"),
            ("seconds per epoch", lambda name, stats: format_spread(stats["seconds_per_epoch"], "{:.1f}"))]
    for label, cell in rows:
        grouped.add_row(label, *[cell(name, stats) for name, stats in summary.items()])
    out.print(grouped)
    out.print(f"figure: {figure}")


def register(app: typer.Typer) -> None:
    app.command("evaluator")(evaluator)
    app.command("coverage")(coverage)
    app.command("figures")(figures)
    app.command("interpolate")(interpolate)
    app.command("compare")(compare)

