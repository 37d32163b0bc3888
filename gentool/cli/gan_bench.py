"""`gentool gan benchmark`: fixes over seeds on ring8, grid25 and letters, one table beside published figures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from gentool.cli.common import (DataDirOption, DeviceOption, JsonOption, QuietOption, handle_errors, out,
                                print_json, reporter_for)
from gentool.errors import UsageError
from gentool.evaluate.spread import format_spread
from gentool.gan import benchmark
from gentool.gan.fixes import FIXES
from gentool.runtime.files import atomic_write_json, atomic_write_text

DEFAULT_FIX_SETS = [benchmark.VANILLA, *FIXES]


def _columns(datasets: list[str]) -> list[tuple[str, str, str, str, float]]:
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
    figures = benchmark.PUBLISHED[name].get(dataset, {})
    key = {"modes_captured": "modes", "high_quality": "high_quality"}.get(metric)
    if key not in figures:
        return ""
    value = figures[key]
    return f"{100 * value:.1f}" if key == "high_quality" else f"{value:.1f}"


def render_table(table: dict, datasets: list[str], seeds: list[int]) -> tuple[Table, str]:
    """The rich table, and the same as Markdown for benchmark.md."""
    columns = _columns(datasets)
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
        rows.append((name, cells))
    for name in benchmark.PUBLISHED if set(datasets) & {"ring8", "grid25"} else ():
        rows.append((name, [_published_cell(name, dataset, metric) if dataset != "fonts" else ""
                            for _, dataset, metric, _, _ in columns]))
    for name, cells in rows:
        rich_table.add_row(name, *cells)
    header = ["fixes", *[c[0] for c in columns]]
    markdown = "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                          *["| " + " | ".join([name, *cells]) + " |" for name, cells in rows]])
    return rich_table, markdown


@handle_errors
def benchmark_command(
    dataset: Annotated[Optional[list[str]], typer.Option(
        "--dataset", help="ring8, grid25, fonts (repeatable; default: all three).")] = None,
    fixes: Annotated[Optional[list[str]], typer.Option(
        "--fixes", help="A fix set: 'vanilla', one fix, or several joined with + (e.g. pacgan+r1); repeatable. "
                        "Default: vanilla and each fix alone.")] = None,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds per cell (0, 1, ...).")] = 3,
    fonts_preset: Annotated[str, typer.Option(help="Preset under each letter run (its fixes are replaced).")] = "quick",
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar="[DATASET:]KEY=VALUE", help="Override a config key in every run, or with a DATASET: "
                                                     "prefix only in that dataset's runs (repeatable).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Benchmark folder (default: runs/benchmark). Give the same folder again to continue "
                            "an interrupted benchmark: finished runs are read, unfinished ones resume.")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Runs side by side (each gets cores/jobs threads).")] = 1,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run each fix over seeds on ring8, grid25 and the letters; print modes, high-quality share and reverse KL
    (letters covered and letter FID on fonts), with time per epoch, beside PacGAN's published figures."""
    datasets = dataset or ["ring8", "grid25", "fonts"]
    fix_sets = fixes or DEFAULT_FIX_SETS
    if len(set(fix_sets)) != len(fix_sets):
        raise UsageError("a fix set is listed twice in --fixes")
    folder = out_dir or Path("runs") / "benchmark"
    reporter = reporter_for(quiet)
    seed_list = list(range(seeds))
    specs = benchmark.plan(datasets, fix_sets, seed_list, folder, fonts_preset, set_ or [], device or "auto",
                           data_dir, jobs)
    done = sum(benchmark.status_of(spec) == "done" for spec in specs)
    reporter.info(f"benchmark {folder}: {len(specs)} runs ({done} already done), {jobs} at a time")
    benchmark.prepare_shared_data(specs, reporter)
    started = time.perf_counter()
    finished = [0]

    def on_done(spec: benchmark.RunSpec, summary: dict) -> None:
        finished[0] += 1
        final = summary.get("final") or {}
        shown = (f"{final.get('modes_captured')} modes, HQ {final.get('high_quality')}" if spec.dataset != "fonts"
                 else f"{final.get('letters_covered')} letters, FID {final.get('letter_fid')}")
        reporter.info(f"[{finished[0]}/{len(specs)}] {spec.name}: {shown} "
                      f"({time.perf_counter() - started:.0f} s elapsed)")

    results = benchmark.run_all(specs, jobs, on_done)
    table = benchmark.aggregate(specs, results)
    benchmark.relative_cost(table)
    rich_table, markdown = render_table(table, datasets, seed_list)
    report = {"datasets": datasets, "fix_sets": fix_sets, "seeds": seed_list, "table": table,
              "published": benchmark.PUBLISHED, "runs": {spec.name: spec.folder for spec in specs}}
    atomic_write_json(folder / "benchmark.json", report)
    atomic_write_text(folder / "benchmark.md", markdown + "\n")
    if json_:
        print_json(report)
        return
    # piped output gets a wide console: rich would squeeze the table into 80 columns
    (out if out.is_terminal else Console(highlight=False, width=250)).print(rich_table)
    out.print(f"wrote {folder / 'benchmark.json'} and {folder / 'benchmark.md'}")


def register(app: typer.Typer) -> None:
    app.command("benchmark")(benchmark_command)
