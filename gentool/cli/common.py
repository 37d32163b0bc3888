"""What every command shares: error handling and exit codes, output to stdout, Ctrl-C, common options."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import shlex
import signal
import sys
import typing
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Iterator, Optional

import typer
from rich.console import Console

from gentool.errors import GentoolError, UsageError, describe_os_error
from gentool.runtime.context import RunContext
from gentool.runtime.flags import FlagTable
from gentool.runtime.progress import Reporter
from gentool.runtime.runs import Family, resume_run, start_run
from gentool.runtime.seeding import MAX_SEED

EXIT_INTERRUPTED = 130

# stdout carries results; rich turns colour off by itself when it is not a terminal
out = Console(highlight=False, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object with the results on stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or diagnostics on stderr.")]
DataDirOption = Annotated[Optional[Path], typer.Option(
    "--data-dir", envvar="GENTOOL_DATA_DIR", show_default="./data", help="Where built datasets are cached.")]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY=VALUE",
    help="Override any config key, e.g. --set optim.lr=1e-4 (repeatable; wins over all).")]
ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", "-c", help="YAML file with config keys (a run's config.yaml reproduces that run).")]
FontsDirOption = Annotated[Optional[list[Path]], typer.Option(
    "--fonts-dir", help="Folder of extra .ttf/.otf fonts, searched recursively (repeatable).")]
DeviceOption = Annotated[Optional[str], typer.Option(
    envvar="GENTOOL_DEVICE", show_default="the config's (auto: cuda, then mps, then cpu)",
    help="auto, cpu, cuda, cuda:N or mps.")]
PrecisionOption = Annotated[Optional[str], typer.Option(
    show_default="the config's: auto for letter GANs, else fp32",
    help="fp32, bf16 (autocast matmuls and convolutions; losses, optimiser and metrics stay fp32) or auto (bf16 "
         "where it trains these models faster: a CPU with AVX-512 BF16 or AMX; fp32 on a GPU, where it does not).")]
EpochsOption = Annotated[Optional[int], typer.Option(show_default="the preset's",
                                                     help="Epochs to train (with --resume: the new total).")]
TrainSeedOption = Annotated[Optional[int], typer.Option(
    "--seed", min=0, max=MAX_SEED, metavar="0..2^32-1", show_default="the preset's",
    help="Training seed; a CPU run with the same seed repeats exactly.")]
TensorboardOption = Annotated[bool, typer.Option(
    "--tensorboard", help="Also write per-epoch scalars, sample grids and figures as TensorBoard event files in the "
                          "run folder (config logging.tensorboard; needs the tensorboard package).")]
ResumeOption = Annotated[Optional[Path], typer.Option(help="Continue this run folder from its last checkpoint.")]
# runs without checkpoints accept --resume only to refuse it with the reason, so it stays out of their --help
NoResumeOption = Annotated[Optional[Path], typer.Option("--resume", hidden=True)]


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
    for item in render(result):
        out.print(item)


def print_json(data: dict) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def reporter_for(quiet: bool) -> Reporter:
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
    return RunContext(reporter=reporter_for(quiet), data_dir=data_dir, requested_device=device)


def bind_flags(command: Callable, table: FlagTable) -> None:
    """Check that the table names every parameter of the command (FlagTable.bind), and show where an option's
    value comes from when it is not given: every config option left out keeps the preset's value, and its help
    says "[default: the preset's]" rather than nothing."""
    table.bind(command)
    # resolved in the command's own module, and stored back resolved, so Typer reads these very option objects
    hints = typing.get_type_hints(inspect.unwrap(command), include_extras=True)
    command.__annotations__.update(hints)
    defaults = {name: param.default for name, param in inspect.signature(command).parameters.items()}
    for param, flag in table.flags.items():
        for meta in typing.get_args(hints.get(param))[1:]:
            if flag.keys and defaults.get(param) is None and isinstance(meta, typer.models.OptionInfo) \
                    and meta.show_default is True:
                meta.show_default = "the preset's"


def run_command(family: Family, table: FlagTable, values: dict[str, Any]) -> None:
    """Every command that makes a run (`gan train`, `vae train`, `em fit`, `mcmc sample`, `vi fit`): a new run from
    preset < --config < flags < --set, or --resume RUN; then the outcome.

    `values` are the command's parameters by name (its locals()); `table` maps them to config keys.
    """
    ctx = context_for(values.get("device"), values["quiet"], values.get("data_dir"))
    with stop_on_ctrl_c(ctx.stop):
        if values["resume"] is not None:
            if family.resumable:  # a family without checkpoints refuses --resume itself, with its reason
                table.refuse_on_resume(values)
            outcome = resume_run(family, values["resume"], ctx, epochs=values.get("epochs"), command=command_line())
        else:
            preset = values.get("preset") or family.default_preset
            config = family.resolve_config(preset, str(values["config"]) if values.get("config") else None,
                                           table.overrides(values), values.get("set_"))
            outcome = start_run(family, config, ctx, out=values.get("out_dir"), preset=preset,
                                command=command_line())
    report_outcome(outcome.summary, outcome.status, values["json_"], family)


def report_outcome(summary: dict, status: str, as_json: bool, family: Family) -> None:
    """Print a run's outcome (JSON or lines on stdout); an interrupted run says what is kept and exits 130."""
    if as_json:
        print_json(summary)
    else:
        out.print(f"run: {summary['run']}")
        progress = (f"{summary['epochs_completed']}/{summary['epochs']} epochs, {summary['steps']} steps, "
                    if "epochs" in summary else "")
        out.print(f"status: {summary['status']} ({progress}{summary['wall_time_s']:.1f} s, device "
                  f"{summary['device']})")
        for line in family.outcome_lines(summary):
            out.print(line)
    if status == "interrupted":
        kept = (f"checkpoint saved; continue with: gentool {family.name} {family.command} --resume {summary['run']}"
                if family.resumable
                else "the run folder holds the result so far")
        print(f"interrupted: {kept}", file=sys.stderr, flush=True)
        raise typer.Exit(EXIT_INTERRUPTED)
