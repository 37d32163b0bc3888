"""`gentool gan benchmark`: fixes over seeds on ring8, grid25 and letters, one table beside published figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    context_for,
    handle_errors,
    out,
    print_json,
)
from gentool.gan import benchmark
from gentool.views.gan import benchmark_progress_line, benchmark_table


@handle_errors
def benchmark_command(
    dataset: Annotated[Optional[list[str]], typer.Option(
        "--dataset", show_default="all three", help="ring8, grid25, fonts (repeatable).")] = None,
    fixes: Annotated[Optional[list[str]], typer.Option(
        "--fixes", help="A fix set: 'vanilla', one fix, or several joined with + (e.g. pacgan+r1); repeatable. "
                        "Default: vanilla and each fix alone.")] = None,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds per cell (0, 1, ...).")] = 3,
    fonts_preset: Annotated[str, typer.Option(help="Preset under each letter run (its fixes are replaced).")] = "quick",
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar="[DATASET:]KEY=VALUE", help="Override a config key in every run, or with a DATASET: "
                                                     "prefix only in that dataset's runs (repeatable).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/benchmark", help="Benchmark folder. Give the same folder again to continue "
                            "an interrupted benchmark: finished runs are read, unfinished ones resume.")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Runs side by side (each gets cores/jobs threads).")] = 1,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run each fix over seeds on ring8, grid25 and the letters; print modes, high-quality share and reverse KL
    (letters covered and letter FID on fonts), with time per epoch, beside PacGAN's published figures."""
    folder = out_dir or Path("runs") / "benchmark"
    report = benchmark.run_benchmark(
        datasets=dataset, fix_sets=fixes, seeds=seeds, out=folder, fonts_preset=fonts_preset,
        assignments=set_ or [], jobs=jobs, ctx=context_for(device, quiet, data_dir),
        describe=lambda spec, summary: benchmark_progress_line(spec.name, spec.dataset, summary))
    tables, markdown = benchmark_table(report["table"], report["datasets"], report["seeds"])
    written = benchmark.write_report(folder, report, markdown)
    if json_:
        print_json(report)
        return
    for table in tables:  # one per dataset: each fits an 80-column terminal
        out.print(table)
    out.print(f"wrote {written[0]} and {written[1]}")


def register(app: typer.Typer) -> None:
    app.command("benchmark")(benchmark_command)
