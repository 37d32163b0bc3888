"""What `em fit`, `mcmc sample` and `vi fit` share: config layers -> device -> run folder -> core entry -> output.

These runs take seconds and keep no checkpoints, so --resume is refused with the reason; Ctrl-C stops after the
current iteration and the run folder is still written (status "interrupted", exit 130).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from gentool.cli.common import EXIT_INTERRUPTED, command_line, out, print_json, reporter_for, stop_on_ctrl_c
from gentool.errors import UsageError
from gentool.runtime.context import RunContext
from gentool.runtime.device import describe_device, resolve_device
from gentool.runtime.rundir import RunDir


# accepted only to refuse it with the reason (these runs keep no checkpoints), so it stays out of --help
NoResumeOption = Annotated[Optional[Path], typer.Option("--resume", hidden=True)]


def run_command(*, group: str, preset: str, resolve: Callable[..., Any], run_core: Callable[..., Any],
                flags: dict, config_file: Path | None, assignments: list[str] | None, out_dir: Path | None,
                resume: Path | None, as_json: bool, quiet: bool, lines: Callable[[dict], list[str]]) -> None:
    if resume is not None:
        raise UsageError(f"{group} runs take seconds and keep no checkpoints, so there is nothing to resume; "
                         f"start a new run (pass the old run's config.yaml with --config to repeat it)")
    config = resolve(preset, str(config_file) if config_file else None, flags, assignments)
    device = resolve_device(config.device)
    reporter = reporter_for(quiet)
    ctx = RunContext(device=device, reporter=reporter)
    run = RunDir.create(out_dir, f"{group}-{preset}")
    reporter.info(f"{group}: run {run.path} on {describe_device(device)} (preset {preset}, seed {config.seed})")
    with stop_on_ctrl_c(ctx.stop):
        outcome = run_core(config, run, ctx, preset, command_line())
    summary = outcome.summary
    if as_json:
        print_json(summary)
    else:
        out.print(f"run: {summary['run']}")
        out.print(f"status: {summary['status']} ({summary['wall_time_s']:.1f} s, device {summary['device']})")
        for line in lines(summary):
            out.print(line)
        for figure in summary.get("figures", []):
            out.print(f"figure: {figure}")
    if outcome.status == "interrupted":
        print("interrupted: the run folder holds the result so far", file=sys.stderr, flush=True)
        raise typer.Exit(EXIT_INTERRUPTED)
