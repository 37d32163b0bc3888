"""What the `gan` commands print: fixes, the evaluator, coverage beside baselines, compare and benchmark tables."""

from __future__ import annotations

from rich.table import Table

from gentool.evaluate.letters import LetterEvaluator, confusion_summary
from gentool.evaluate.spread import format_spread
from gentool.gan.benchmark import PUBLISHED
from gentool.views.tables import beside_baselines, markdown

LETTER_ROWS = [("letters covered", "letters_covered", "{}"), ("coverage", "coverage", "{:.3f}"),
               ("entropy", "entropy", "{:.3f}"), ("KL to uniform", "kl_uniform", "{:.3f}"),
               ("recognisable", "confident_share", "{:.3f}"), ("not a letter", "not_letter_share", "{:.3f}"),
               ("letter FID", "letter_fid", "{:.1f}"), ("sharpness (Laplacian var.)", "sharpness", "{:.4f}")]
POINT_ROWS = [("modes captured", "modes_captured", "{}"), ("high quality %", "high_quality", "{:.1%}"),
              ("reverse KL", "reverse_kl", "{:.3f}")]
BASELINE_NOTES = {"real": "held-out fonts", "noise": "uniform noise", "collapsed": "one image repeated"}


def fixes_lines(described: list[dict]) -> list[str]:
    lines = []
    for fix in described:
        options = ", ".join(f"{key}={value}" for key, value in fix["options"].items()) or "none"
        lines.append(f"[bold]{fix['name']}[/bold]: {fix['summary']}")
        lines.append(f"    options (fix_options.{fix['name']}.*): {options}; preset: --preset {fix['name']}")
        if fix["incompatible"]:
            lines.append(f"    cannot be combined with: {', '.join(fix['incompatible'])}")
    return lines


def evaluator_json(evaluator: LetterEvaluator) -> dict:
    report = {key: value for key, value in evaluator.report.items() if key != "held_out"}
    held_out = {key: value for key, value in evaluator.report["held_out"].items() if key != "confusion"}
    return {**report, "held_out": held_out, "path": str(evaluator.path)}


def evaluator_lines(evaluator: LetterEvaluator) -> list[str]:
    report = evaluator_json(evaluator)
    held_out = report["held_out"]
    return [f"letter evaluator: {evaluator.path} ({'built now' if report['built'] else 'cache hit'})",
            f"held-out accuracy: {held_out['accuracy']:.2%} on {report['held_out_images']} letters from unseen "
            f"fonts: {', '.join(report['held_out_faces'])}",
            f"training accuracy: {report['train']['accuracy']:.2%} on {report['train_images']} letters",
            f"not-a-letter images rejected: {report['not_letters_rejected']:.2%}",
            "worst held-out letters:", *[f"  {line}" for line in confusion_summary(evaluator.report)]]


def coverage_view(result: dict) -> list[Table | str]:
    """The coverage table beside baselines, and the lines under it, for letter or 2-D runs."""
    used = result["checkpoint"]
    if result["kind"] == "points":
        table = beside_baselines(
            f"modes of {used} ({result['dataset']})",
            f"{result['samples']} samples, noise seed {result['seed']}{_reproduce(result)}; high quality = within "
            f"3 std of the nearest mode; a mode is captured by one high-quality sample; baselines: real = the "
            f"mixture, noise = uniform over the data's box, collapsed = one mode", POINT_ROWS, result)
        return [table, f"wrote {result['path']} and {result['figures'][0]}"]
    table = beside_baselines(
        f"coverage of {used}",
        f"{result['samples']} samples, noise seed {result['seed']}{_reproduce(result)}; confident at p >= "
        f"{result['threshold']}; covered at >= "
        f"{result['model']['min_count']}; entropy normalised to 1 = uniform; baselines: "
        + ", ".join(f"{n} = {BASELINE_NOTES[n]}" for n in result["baselines"]), LETTER_ROWS, result)
    missing = result["model"]["missing"]
    return [table, f"missing letters: {''.join(missing) if missing else 'none'}",
            f"generated and scored in {result['seconds']:.2f} s; wrote {result['path']} and "
            f"{', '.join(result['figures'])}"]


def _reproduce(result: dict) -> str:
    """Where the figures differ from the run's own evaluations, say how to get those."""
    run = result.get("run_evaluation") or {}
    if run.get("seed") == result["seed"] and run.get("samples") == result["samples"]:
        return " (as the run's evaluations)"
    return (f" (the run evaluates {run.get('samples')} samples with seed {run.get('seed')}: --seed {run.get('seed')}"
            f" reproduces its last figures)")


def interpolation_lines(result: dict) -> list[str]:
    return [f"wrote {result['figure']}"] + [f"path {number}: {' '.join(predicted)}   (? = not a confident letter)"
                                            for number, predicted in enumerate(result["predicted"], 1)]


def compare_view(result: dict) -> list[Table | str]:
    return [*compare_tables(result), f"figure: {result['figure']}"]


def compare_tables(result: dict) -> list[Table]:
    table = Table(title="runs (covered and best: letters of 26; onset: epoch collapse begins)", title_justify="left")
    for column in ("run", "seed", "epochs", "covered", "best", "entropy", "FID", "onset", "s/epoch"):
        table.add_column(column, justify="left" if column == "run" else "right", no_wrap=column == "run")
    for i in result["runs"]:
        table.add_row(i["name"], str(i["seed"]), str(i["epochs"]), str(i["letters_covered"]),
                      str(i["best_letters_covered"]), "n/a" if i["entropy"] is None else f"{i['entropy']:.3f}",
                      f"{i['letter_fid']:.1f}", str(i["collapse_onset_epoch"] or "-"), f"{i['seconds_per_epoch']:.1f}")
    groups = result["groups"]
    grouped = Table(title="by fixes: mean ± std over runs", title_justify="left")
    grouped.add_column("")
    for name in groups:
        grouped.add_column(name, justify="right")
    rows = [("runs", lambda stats: str(stats["runs"])),
            ("letters covered", lambda stats: format_spread(stats["letters_covered"], "{:.1f}")),
            ("best covered", lambda stats: format_spread(stats["best_letters_covered"], "{:.1f}")),
            ("entropy", lambda stats: format_spread(stats["entropy"], "{:.3f}")),
            ("letter FID", lambda stats: format_spread(stats["letter_fid"], "{:.1f}")),
            ("runs with collapse onset", lambda stats: f"{stats['collapsed_runs']}/{stats['runs']}"),
            ("seconds per epoch", lambda stats: format_spread(stats["seconds_per_epoch"], "{:.1f}"))]
    for label, show in rows:
        grouped.add_row(label, *[show(stats) for stats in groups.values()])
    return [table, grouped]


# ------------------------------------------------------------------------------------------------ benchmark

def _benchmark_columns(datasets: list[str]) -> list[tuple[str, str, str, str, float]]:
    """(header, dataset, metric, format, scale) per column."""
    columns = []
    for dataset in datasets:
        if dataset == "fonts":
            columns += [("fonts letters", dataset, "letters_covered", "{:.1f}", 1.0),
                        ("fonts FID", dataset, "letter_fid", "{:.0f}", 1.0)]
        else:
            columns += [(f"{dataset} modes", dataset, "modes_captured", "{:.1f}", 1.0),
                        (f"{dataset} HQ %", dataset, "high_quality", "{:.1f}", 100.0),
                        (f"{dataset} rev KL", dataset, "reverse_kl", "{:.2f}", 1.0)]
        columns.append((f"{dataset} s/ep (×)", dataset, "seconds_per_epoch", "", 1.0))
    return columns


def _published_cell(name: str, dataset: str, metric: str) -> str:
    figures = PUBLISHED[name].get(dataset, {})
    key = {"modes_captured": "modes", "high_quality": "high_quality"}.get(metric)
    if key not in figures:
        return ""
    value = figures[key]
    return f"{100 * value:.1f}" if key == "high_quality" else f"{value:.1f}"


def benchmark_table(table: dict, datasets: list[str], seeds: list[int]) -> tuple[Table, str]:
    """The rich table, and the same as Markdown for benchmark.md."""
    columns = _benchmark_columns(datasets)
    rich_table = Table(title=f"mean ± std over seeds {', '.join(map(str, seeds))} (last epoch's evaluation; "
                             f"2-D: 2,500 samples; s/ep: seconds per epoch, × = relative to vanilla)",
                       title_justify="left")
    rich_table.add_column("fixes", no_wrap=True)
    for header, *_ in columns:
        rich_table.add_column(header, justify="right")
    rows = []
    for name, row in table.items():
        cells = []
        for _, dataset, metric, fmt, scale in columns:
            cell = row.get(dataset)
            if cell is None:
                cells.append("")
            elif metric == "seconds_per_epoch":
                seconds, cost = cell[metric]["mean"], cell.get("cost_vs_vanilla")
                cells.append(("n/a" if seconds is None else f"{seconds:.1f}") + (f" ({cost:.1f}×)" if cost else ""))
            else:
                cells.append(format_spread(cell[metric], fmt, scale))
        rows.append([name, *cells])
    for name in PUBLISHED if set(datasets) & {"ring8", "grid25"} else ():
        rows.append([name, *[_published_cell(name, dataset, metric) if dataset != "fonts" else ""
                             for _, dataset, metric, _, _ in columns]])
    for row in rows:
        rich_table.add_row(*row)
    return rich_table, markdown(["fixes", *[c[0] for c in columns]], rows)


def benchmark_progress_line(name: str, dataset: str, summary: dict) -> str:
    final = summary.get("final") or {}
    if dataset != "fonts":
        return f"{name}: {final.get('modes_captured')} modes, HQ {final.get('high_quality')}"
    return f"{name}: {final.get('letters_covered')} letters, FID {final.get('letter_fid')}"
