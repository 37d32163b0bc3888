"""`gentool sweep FAMILY`: a grid of runs over config values and seeds, with statistics; `gentool sweep show`."""

# no `from __future__ import annotations`: the per-family commands are closures, and Typer reads their option
# annotations (which name `family`) at definition time

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import context_for, end_of_cells, handle_errors, print_json, show, stop_on_ctrl_c
from gentool.cli.options import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    SetOption,
    choice_option,
    out_option,
    preset_option,
)
from gentool.sweep import EXECUTORS
from gentool.sweep.metrics import SWEEP_METRICS

# the config key that a family's --dataset sets, where it is not `dataset` (mcmc sample --dataset: `target`)
DATASET_KEYS = {"mcmc": "target"}


app = Commands()


def sweep_command(family: str):
    dataset_key = DATASET_KEYS.get(family, "dataset")

    @handle_errors
    def command(
        grid: Annotated[Optional[list[str]], typer.Option(
            "--grid", metavar="KEY=V1,V2,...", help="Values of a config key to sweep, validated like --set; a list "
                                                    "key (fixes) joins items with + (the grids multiply).  "
                                                    "[repeatable]")] = None,
        seeds: Annotated[int, typer.Option(min=1, max=1000, help="Seeds 0..N-1 under every combination.")] = 3,
        preset: preset_option(family, "the family's default") = None,
        dataset: Annotated[Optional[str], typer.Option(
            help=f"What every run learns: shorthand for --set {dataset_key}=NAME.")] = None,
        set_: SetOption = None,
        baseline: Annotated[Optional[str], typer.Option(
            help="Group the others are tested against: a grid value, or KEY=V, KEY=V for several keys, as the "
                 "table names it.  [default: the first group]")] = None,
        jobs: Annotated[int, typer.Option(min=1, max=1024, help="Cells at once (local: each gets cores/jobs "
                                                                "threads).")] = 1,
        executor: Annotated[str, choice_option("--executor", choices=EXECUTORS, help="Where cells run.")] = "local",
        address: Annotated[Optional[str], typer.Option(
            help="Ray: 'auto' or HOST:PORT of a running cluster; --out must then be storage every node sees.  "
                 "[default: a local Ray cluster]")] = None,
        cpus_per_run: Annotated[Optional[int], typer.Option(
            min=1, max=1024, help="Ray: CPUs (and threads) per cell.  [default: 1]")] = None,
        gpus_per_run: Annotated[Optional[float], typer.Option(
            help="GPUs each cell gets (0.5: two cells share one). Ray tasks ask for them; the local pool gives each "
                 "worker its own CUDA_VISIBLE_DEVICES. A cell that cannot see its GPU fails; it never trains on the "
                 "CPU instead.  [default: none: CPU cells (local: cells on CUDA take a GPU each in turn)]")] = None,
        out_dir: out_option("Sweep folder. The same command again continues it: finished cells are read, unfinished "
                            "ones resume. With --executor ray on a cluster: storage every node sees (workers write "
                            "the runs there).", f"runs/sweeps/{family}-KEYS") = None,
        device: DeviceOption = None,
        data_dir: DataDirOption = None,
        json_: JsonOption = False,
        quiet: QuietOption = False,
    ) -> None:
        from gentool.sweep.engine import failed_cells, plan_sweep, run_sweep
        from gentool.sweep.executors import make_executor
        from gentool.sweep.progress import reported_events
        from gentool.views.sweep import sweep_view

        assignments = [*(set_ or []), *([f"{dataset_key}={dataset}"] if dataset else [])]
        sweep = plan_sweep(family=family, grid_texts=grid or [], seeds=seeds, preset=preset,
                           assignments=assignments, out=out_dir, baseline=baseline)
        runner = make_executor(executor, jobs, cpus_per_run, address, gpus_per_run, device,
                               sweep.base.get("device") or "auto")
        ctx = context_for(device, quiet, data_dir)
        with reported_events(ctx.reporter, len(sweep.cells)) as events, stop_on_ctrl_c(ctx.stop):
            results = run_sweep(sweep, runner, ctx, events)
        show(results, json_, lambda r: sweep_view(r, sweep.baseline, str(sweep.folder)))
        end_of_cells(ctx.stop.requested, sweep.folder, failed_cells(results), f"{sweep.folder}/sweep.md")

    command.__doc__ = (f"Sweep {family.upper()} runs over --grid values x --seeds; each cell is an ordinary run "
                       f"folder under OUT/cells/. Prints mean ± std, 95% t-intervals, and Welch tests against the "
                       f"baseline with Holm's correction.")
    return command


@handle_errors
def show_command(
    path: Annotated[Path, typer.Argument(metavar="FOLDER", help="A sweep folder.")],
    json_: JsonOption = False,
    csv: Annotated[bool, typer.Option("--csv", help="One row per cell, as CSV.")] = False,
) -> None:
    """The results table of a sweep folder again (--json: the results object; --csv: one row per cell)."""
    from gentool.sweep.engine import baseline_of, load_results
    from gentool.sweep.tables import csv_text
    from gentool.views.sweep import sweep_view

    results = load_results(path)
    if csv:
        sys.stdout.write(csv_text(results))
        return
    if json_:
        print_json(results)
        return
    show(results, False, lambda r: sweep_view(r, baseline_of(path), str(path)))


for name in SWEEP_METRICS:
    app.command(name)(sweep_command(name))
app.command("show")(show_command)
