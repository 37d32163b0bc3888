"""`gentool sweep FAMILY`: a grid of runs over config values and seeds, with statistics; `gentool sweep show`."""

# no `from __future__ import annotations`: the per-family commands are closures, and Typer reads their option
# annotations (which name `family`) at definition time

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from gentool.cli.common import (
    EXIT_INTERRUPTED,
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    SetOption,
    context_for,
    error_line,
    handle_errors,
    print_json,
    show,
    stop_on_ctrl_c,
)
from gentool.runtime.context import RunContext
from gentool.runtime.progress import counting
from gentool.sweep.engine import Sweep, SweepEvents, baseline_of, failed_cells, load_results, plan_sweep, run_sweep
from gentool.sweep.executors import EXECUTORS, Executor, make_executor
from gentool.sweep.grid import SWEEPABLE
from gentool.sweep.report import csv_text
from gentool.views.sweep import cell_line, counts_text, sweep_view


@contextlib.contextmanager
def progress_events(ctx: RunContext, total: int) -> Iterator[SweepEvents]:
    """One bar over every cell (of one sweep, or of several run one after another) and a line per finished cell."""
    state = {"finished": 0, "offset": 0, "failed": 0, "failed_before": 0}
    with counting(ctx.reporter, "cells", total, 0) as bar:
        def started(sweep: Sweep, done: int, executor: Executor) -> None:
            state["offset"], state["failed_before"] = state["finished"], state["failed"]
            state["finished"] += done
            ctx.reporter.info(f"sweep {sweep.folder}: {len(sweep.cells)} cells ({done} already done), "
                              f"{executor.describe()}")

        def cell_done(record: dict) -> None:
            if record["status"] == "pending":  # stopped by Ctrl-C
                ctx.reporter.info(f"{record['name']}: stopped; its checkpoint is kept")
                return
            state["finished"] += 1
            ctx.reporter.info(cell_line(record, state["finished"], total))

        def counts(done: int, running: int, failed: int) -> None:
            state["failed"] = state["failed_before"] + failed
            bar.update(state["offset"] + done, counts_text(running, state["failed"]))

        yield SweepEvents(started=started, cell_done=cell_done, counts=counts, note=ctx.reporter.info)


BatchSeedsOption = Annotated[bool, typer.Option(
    "--batch-seeds", help="Train the seeds of each 2-D GAN cell group as one batched model in one process; each "
                          "seed keeps its own run folder, bit-identical to its own run except with spectral-norm "
                          "(statistically the same). On a CPU about as fast as one by one (README: Speed). Other "
                          "groups train one by one.")]

app = typer.Typer(help="Grids of runs over config values x seeds, with confidence intervals and tests, on local "
                       "processes or a Ray cluster.", no_args_is_help=True)


def sweep_command(family: str):
    @handle_errors
    def command(
        grid: Annotated[Optional[list[str]], typer.Option(
            "--grid", metavar="KEY=V1,V2,...", help="Values of a config key to sweep, validated like --set; a "
                                                    "list key (fixes) joins items with + (repeatable: the "
                                                    "product).")] = None,
        seeds: Annotated[int, typer.Option(min=1, max=1000, help="Seeds 0..N-1 under every combination.")] = 3,
        preset: Annotated[Optional[str], typer.Option(show_default="the family's default",
                                                      help="Preset under every run.")] = None,
        dataset: Annotated[Optional[str], typer.Option(help="Shorthand for --set dataset=NAME.")] = None,
        set_: SetOption = None,
        baseline: Annotated[Optional[str], typer.Option(
            show_default="the first group", help="Group the others are tested against (a grid value, or "
                                                 "KEY=V, KEY=V for several keys, as the table names it).")] = None,
        jobs: Annotated[int, typer.Option(min=1, max=1024, help="Cells at once (local: each gets cores/jobs "
                                                                "threads).")] = 1,
        executor: Annotated[str, typer.Option(help=f"Where cells run: {' or '.join(EXECUTORS)}.")] = "local",
        address: Annotated[Optional[str], typer.Option(
            show_default="a local Ray cluster", help="Ray: 'auto' or HOST:PORT of a running cluster; --out must "
                                                     "then be storage every node sees.")] = None,
        cpus_per_run: Annotated[Optional[int], typer.Option(min=1, max=1024, show_default="1",
                                                            help="Ray: CPUs (and threads) per cell.")] = None,
        gpus_per_run: Annotated[Optional[float], typer.Option(
            show_default="none: CPU cells (local: cells on CUDA take a GPU each in turn)",
            help="GPUs each cell gets (0.5: two cells share one). Ray tasks ask for them; the local pool gives each "
                 "worker its own CUDA_VISIBLE_DEVICES. A cell that cannot see its GPU fails; it never trains on the "
                 "CPU instead.")] = None,
        out_dir: Annotated[Optional[Path], typer.Option(
            "--out", "-o", show_default=f"runs/sweeps/{family}-KEYS", help="Sweep folder. The same command again "
                                "continues it: finished cells are read, unfinished ones resume. With --executor ray "
                                "on a cluster: storage every node sees (workers write the runs there).")] = None,
        batch_seeds: BatchSeedsOption = False,
        device: DeviceOption = None,
        data_dir: DataDirOption = None,
        json_: JsonOption = False,
        quiet: QuietOption = False,
    ) -> None:
        assignments = [*(set_ or []), *([f"dataset={dataset}"] if dataset else [])]
        sweep = plan_sweep(family=family, grid_texts=grid or [], seeds=seeds, preset=preset,
                           assignments=assignments, out=out_dir, baseline=baseline)
        runner = make_executor(executor, jobs, cpus_per_run, address, gpus_per_run, device,
                               sweep.base.get("device") or "auto")
        ctx = context_for(device, quiet, data_dir)
        with progress_events(ctx, len(sweep.cells)) as events, stop_on_ctrl_c(ctx.stop):
            results = run_sweep(sweep, runner, ctx, events, batch_seeds=batch_seeds)
        show(results, json_, lambda r: sweep_view(r, sweep.baseline, str(sweep.folder)))
        if ctx.stop.requested:
            error_line(f"interrupted: running cells kept their checkpoints; give the same command again to continue "
                       f"{sweep.folder}")
            raise typer.Exit(EXIT_INTERRUPTED)
        failed = failed_cells(results)
        if failed:
            error_line(f"{len(failed)} cell(s) failed: {', '.join(failed)} (reasons in {sweep.folder}/sweep.md)")
            raise typer.Exit(1)

    command.__doc__ = (f"Sweep {family.upper()} runs over --grid values x --seeds; each cell is an ordinary run "
                       f"folder under OUT/cells/. Prints mean ± std, 95% t-intervals, and Welch tests against the "
                       f"baseline with Holm's correction.")
    return command


@handle_errors
def show_command(
    path: Annotated[Path, typer.Argument(help="A sweep folder.")],
    json_: JsonOption = False,
    csv: Annotated[bool, typer.Option("--csv", help="One row per cell, as CSV.")] = False,
) -> None:
    """The results table of a sweep folder again (--json: the results object; --csv: one row per cell)."""
    results = load_results(path)
    if csv:
        sys.stdout.write(csv_text(results))
        return
    if json_:
        print_json(results)
        return
    show(results, False, lambda r: sweep_view(r, baseline_of(path), str(path)))


for name in SWEEPABLE:
    app.command(name)(sweep_command(name))
app.command("show")(show_command)
