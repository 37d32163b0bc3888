"""`gentool gan benchmark`: fixes over seeds on ring8, grid25 and letters, one table beside published figures."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import context_for, end_of_cells, handle_errors, out, print_json, stop_on_ctrl_c
from gentool.cli.options import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    choice_option,
    out_option,
    preset_option,
    renamed,
)
from gentool.gan.config import DATASETS


@handle_errors
def benchmark_command(
    dataset: Annotated[Optional[list[str]], choice_option(
        "--dataset", choices=DATASETS, help="Dataset to run the fixes on.  [repeatable; default: all three]")] = None,
    fixes: Annotated[Optional[list[str]], typer.Option(
        "--fixes", metavar="FIX[+FIX...]",
        help="A fix set: 'vanilla', one fix, or several joined with +.  [repeatable; default: "
             "vanilla and each fix alone]")] = None,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds per cell (0, 1, ...).")] = 3,
    preset: preset_option("gan", "quick") = None,
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar="[DATASET:]KEY=VALUE", help="Override a config key in every run, or with a DATASET: "
                                                     "prefix only in that dataset's runs.  [repeatable]")] = None,
    out_dir: out_option("Benchmark folder. Give the same folder again to continue an interrupted benchmark: "
                        "finished runs are read, unfinished ones resume.", "runs/benchmark") = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Runs side by side (each gets cores/jobs threads).")] = 1,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run each fix over seeds on ring8, grid25 and the letters; print modes, high-quality share and reverse KL
    (letters covered and letter FID on fonts), with time per epoch, beside PacGAN's published figures. The
    letter runs start from --preset (its fixes replaced); the 2-D runs from each dataset's own regime."""
    from gentool.gan import benchmark
    from gentool.gan.fixes.registry import FIXES
    from gentool.sweep.progress import reported_events
    from gentool.views.gan import benchmark_table, significance_lines

    folder = out_dir or Path("runs") / "benchmark"
    ctx = context_for(device, quiet, data_dir)
    cells = len(dataset or benchmark.DEFAULT_DATASETS) * len(fixes or [benchmark.VANILLA, *FIXES]) * seeds
    with reported_events(ctx.reporter, cells) as events, stop_on_ctrl_c(ctx.stop):
        report = benchmark.run_benchmark(
            datasets=dataset, fix_sets=fixes, seeds=seeds, out=folder, fonts_preset=preset or "quick",
            assignments=set_ or [], jobs=jobs, ctx=ctx, events=events)
    tables, markdown = benchmark_table(report)
    written = benchmark.write_report(folder, report, markdown)
    if json_:
        print_json(report)
    else:
        out(*tables, *significance_lines(report), f"wrote {written[0]} and {written[1]}")  # a table per dataset
    end_of_cells(ctx.stop.requested, folder, report["failed"], "each dataset's sweep.md")


def register(app: typer.Typer) -> None:
    app.command("benchmark", context_settings=renamed(**{"fonts-preset": "preset"}))(benchmark_command)
