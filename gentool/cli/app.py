"""The `gentool` command: groups of subcommands over the core library."""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Optional

import typer
from typer import rich_utils

from gentool import __version__
from gentool.cli import data, em, gan, mcmc, rbm, seq2seq, sweep, vae, vi  # the course's other families
from gentool.cli.demo import demo
from gentool.cli.report import report

app = typer.Typer(
    name="gentool",
    help="A workbench for generative-model experiments: GANs, a hierarchical VAE, RBMs, EM, MCMC, variational "
         "inference and sequence-to-sequence models on arithmetic; watch them fail (mode collapse, posterior "
         "collapse, mode-locked chains), apply the known fixes, and measure the result honestly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # gentool --install-completion: shell completion of commands and options
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(data.app, name="data")
app.add_typer(gan.app, name="gan")
app.add_typer(vae.app, name="vae")
app.add_typer(em.app, name="em")
app.add_typer(mcmc.app, name="mcmc")
app.add_typer(vi.app, name="vi")
app.add_typer(rbm.app, name="rbm")
app.add_typer(seq2seq.app, name="seq2seq")
app.add_typer(sweep.app, name="sweep")
app.command(name="demo")(demo)  # the first command a newcomer runs: listed first
app.command(name="report")(report)


def _show_version(value: bool) -> None:
    if value:
        print(f"gentool {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """gentool: trustworthy generative-model experiments from the terminal."""


def one_line_usage_error(error: Exception) -> None:
    """Typer's own usage errors (a missing argument, a value out of range, an unknown command) as one line, like
    gentool's, instead of a usage block and a framed panel. Typer calls this where it would draw the panel."""
    if type(error).__name__ == "NoArgsIsHelpError":  # `gentool gan` alone: Typer shows the help itself
        return
    context = getattr(error, "ctx", None)
    where = f" (see '{context.command_path} --help')" if context is not None else ""
    print(f"error: {error.format_message().rstrip('.')}{where}", file=sys.stderr, flush=True)


rich_utils.rich_format_error = one_line_usage_error


def main() -> None:
    # `gentool gan fixes | head -1`: a closed pipe ends the program quietly, as it does other command-line tools
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
