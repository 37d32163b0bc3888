"""The `gentool` command: groups of subcommands over the core library."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gentool import __version__
from gentool.cli import data, em, gan, mcmc, rbm, vae, vi  # the course's other families

app = typer.Typer(
    name="gentool",
    help="A workbench for generative-model experiments: train GANs and hierarchical VAEs, watch them fail "
         "(mode collapse, posterior collapse), apply the known fixes, and measure the result honestly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(data.app, name="data")
app.add_typer(gan.app, name="gan")
app.add_typer(vae.app, name="vae")
app.add_typer(em.app, name="em")
app.add_typer(mcmc.app, name="mcmc")
app.add_typer(vi.app, name="vi")
app.add_typer(rbm.app, name="rbm")


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


def main() -> None:
    app()
