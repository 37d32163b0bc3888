"""What every command shares: error handling and exit codes, output to stdout, Ctrl-C, the run commands.

Options are declared in gentool/cli/options.py, groups in gentool/cli/commands.py. Nothing heavy is imported at
module level (see options.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import typer

from gentool.cli.options import config_overrides, refuse_on_resume
from gentool.errors import GentoolError, UsageError, describe_os_error

if TYPE_CHECKING:
    from rich.console import Console

    from gentool.runtime.context import RunContext
    from gentool.runtime.progress import Reporter
    from gentool.runtime.runs import Family

EXIT_INTERRUPTED = 130


@functools.lru_cache(maxsize=1)
def console() -> Console:
    """stdout carries results; rich turns colour off by itself when it is not a terminal."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def out(*items: Any) -> None:
    """Print rich tables and lines on stdout."""
    for item in items:
        console().print(item)


def error_line(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def handle_errors(command: Callable) -> Callable:
    """Known problems: one line and their exit code (2 bad input, 1 run failure); Ctrl-C: 130.

    A path the user named that cannot be read or written (permissions, a read-only file system, a file where a
    folder belongs, a name too long) is bad input: exit 2 with the path and the reason. A full disk is a run
    failure (exit 1). Anything unexpected is a one-line cause and exit 1; GENTOOL_DEBUG=1 shows the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            refuse_undecodable_paths(kwargs)
            return command(*args, **kwargs)
        except OSError as err:
            if os.environ.get("GENTOOL_DEBUG") == "1":
                raise
            failure = describe_os_error(err)
            error_line(str(failure))
            raise typer.Exit(failure.exit_code) from None
        except GentoolError as err:
            error_line(str(err))
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            error_line("interrupted; files already written are complete (writes are atomic)")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except typer.Exit:
            raise
        except Exception as err:
            if os.environ.get("GENTOOL_DEBUG") == "1":
                raise
            error_line(f"unexpected failure: {type(err).__name__}: {err} (set GENTOOL_DEBUG=1 for the traceback)")
            raise typer.Exit(1) from None

    return wrapper


def refuse_undecodable_paths(arguments: dict[str, Any]) -> None:
    """A file or folder name that is not UTF-8 could not be printed back or written into a figure or a JSON file
    as the user typed it, so it is refused before anything runs."""
    for value in arguments.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, (str, Path)):
                try:
                    str(item).encode("utf-8")
                except UnicodeEncodeError:
                    shown = os.fsencode(str(item)).decode("utf-8", "backslashreplace")
                    raise UsageError(f"'{shown}' is not a UTF-8 name; rename it or choose a UTF-8 name") from None


def show(result: Any, as_json: bool, render: Callable[[Any], Iterable[Any]]) -> None:
    """A command's results on stdout: with --json the result itself, else what its view renders from it (rich
    tables and lines, in order)."""
    if as_json:
        print_json(result)
        return
    out(*render(result))


def print_json(data: dict) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def reporter_for(quiet: bool) -> Reporter:
    from gentool.runtime.progress import Reporter

    return Reporter.for_terminal(quiet)


def command_line() -> str:
    return " ".join(shlex.quote(arg) for arg in ["gentool", *sys.argv[1:]])


@contextlib.contextmanager
def stop_on_ctrl_c(stop: Any) -> Iterator[None]:
    """First Ctrl-C asks the trainer to save and stop after its step; a second one aborts at once."""

    def handler(signum: int, frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        print("\nstopping after this step and saving a checkpoint (Ctrl-C again to abort)", file=sys.stderr,
              flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def context_for(device: str | None, quiet: bool, data_dir: Path | None = None) -> RunContext:
    """The command's context: --device is decided once, by the first core step that needs it."""
    from gentool.runtime.context import RunContext

    return RunContext(reporter=reporter_for(quiet), data_dir=data_dir, requested_device=device)


def run_command(family: Family, command: Callable, values: dict[str, Any]) -> None:
    """Every command that makes a run (`gan train`, `vae train`, `em fit`, `mcmc sample`, `vi fit`, ...): a new run
    from preset < --config < flags < --set, or --resume RUN; then the outcome.

    `values` are the command's parameters by name (its locals()); the options' roles in `command`'s signature say
    which config keys they set and which --resume takes.
    """
    from gentool.runtime.runs import resume_run, start_run

    ctx = context_for(values.get("device"), values["quiet"], values.get("data_dir"))
    with stop_on_ctrl_c(ctx.stop):
        if values["resume"] is not None:
            if family.resumable:  # a family without checkpoints refuses --resume itself, with its reason
                refuse_on_resume(command, values)
            outcome = resume_run(family, values["resume"], ctx, epochs=values.get("epochs"), command=command_line())
        else:
            preset = values.get("preset") or family.default_preset
            config = family.resolve_config(preset, str(values["config"]) if values.get("config") else None,
                                           config_overrides(command, values), values.get("set_"))
            outcome = start_run(family, config, ctx, out=values.get("out_dir"), preset=preset,
                                command=command_line())
    show_outcome(outcome.summary, outcome.status, values["json_"], family)


def end_of_cells(stopped: bool, folder: Path, failed: list[str], reasons: str) -> None:
    """How a sweep or a benchmark ends: after Ctrl-C, exit 130 (running cells kept their checkpoints); with failed
    cells, exit 1 naming them and where their reasons are."""
    if stopped:
        error_line(f"interrupted: running cells kept their checkpoints; give the same command again to continue "
                   f"{folder}")
        raise typer.Exit(EXIT_INTERRUPTED)
    if failed:
        error_line(f"{len(failed)} cell(s) failed: {', '.join(failed)} (reasons in {reasons})")
        raise typer.Exit(1)


def show_outcome(summary: dict, status: str, as_json: bool, family: Family) -> None:
    """Print a run's outcome (JSON or lines on stdout); an interrupted run says what is kept and exits 130."""
    from gentool.views.runs import interrupted_line, outcome_lines

    show(summary, as_json, lambda shown: outcome_lines(shown, family.outcome_lines(shown)))
    if status == "interrupted":
        resume = f"gentool {family.name} {family.command}" if family.resumable else None
        print(interrupted_line(summary, resume), file=sys.stderr, flush=True)
        raise typer.Exit(EXIT_INTERRUPTED)
