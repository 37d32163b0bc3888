"""The `gentool` command: groups of subcommands over the core library.

Each group (and the commands `demo` and `report`) is imported when it is used: `gentool --help` reads the table
below, and `gentool gan train --help` or a completion request imports only gentool.cli.gan and the config it reads.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer
from typer._click.utils import make_default_short_help
from typer.main import get_command

from gentool import __version__
from gentool.cli.commands import Commands, GentoolGroup

# name: (the module whose `app` holds the group's commands, what the group is for)
GROUPS = {
    # the first command a newcomer runs: listed first
    "demo": ("gentool.cli.demo", "Start here: mode collapse and its fix, side by side, in minutes."),
    "report": ("gentool.cli.report", "Write a static HTML page of runs, a sweep or a benchmark: config, metrics, "
                                     "figures, tables, audio players."),
    "data": ("gentool.cli.data", "Build and inspect the datasets (cached under the data folder)."),
    "gan": ("gentool.cli.gan", "GANs on letters A-Z and on 2-D mixtures (ring8, grid25): train with fixes against "
                               "mode collapse, measure coverage, benchmark the fixes."),
    "vae": ("gentool.cli.vae", "VAEs: the hierarchical drum VAE (train with KL annealing and free bits, see which "
                               "latents are alive, sample genres) and a convolutional letter VAE (--dataset fonts), "
                               "measured like the letter GAN."),
    "groove": ("gentool.cli.groove", "A learned drum groove: how a drummer plays a score (velocity and micro-timing "
                                     "of every hit), trained on MIDI performances and measured against the "
                                     "quantised score, per-instrument means and the hand-made feel."),
    "em": ("gentool.cli.em", "EM and k-means: Gaussian mixtures on ring8, grid25 or a file of points; local optima "
                             "measured by the modes recovered."),
    "mcmc": ("gentool.cli.mcmc", "MCMC: random-walk MH, MALA, HMC, Gibbs and parallel tempering on ring8, grid25 "
                                 "and a 2-D Ising lattice, with R-hat, ESS and the modes each sampler visits."),
    "vi": ("gentool.cli.vi", "Variational inference: a Gaussian or mixture q fitted to ring8/grid25 by reverse or "
                             "forward KL, and CAVI for a Bayesian Gaussian mixture."),
    "rbm": ("gentool.cli.rbm", "Restricted Boltzmann machines on binarised letters: train with CD-k, PCD or "
                               "parallel tempering, measure the letter coverage of Gibbs samples and the likelihood."),
    "seq2seq": ("gentool.cli.seq2seq", "Sequence to sequence on arithmetic: read '57+8' as text or as glyph images "
                                       "and write the answer, or draw it as glyphs; accuracy on held-out "
                                       "expressions."),
    "sweep": ("gentool.cli.sweep", "Grids of runs over config values x seeds, with confidence intervals and tests, "
                                   "on local processes or a Ray cluster."),
}


class LoadedWhenUsed(Mapping):
    """The root's commands by name: a group is imported and built the first time it is looked up."""

    def __init__(self, registered: Mapping[str, Any]):
        self.loaded = dict(registered)  # anything added with app.add_typer / app.command, built already

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            module, help = GROUPS[name]
            command = get_command(importlib.import_module(module).app)
            command.name, command.help = name, command.help or help
            self.loaded[name] = command
        return self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from GROUPS
        yield from (name for name in self.loaded if name not in GROUPS)

    def __len__(self) -> int:
        return len(set(GROUPS) | set(self.loaded))


class Root(GentoolGroup):
    def __init__(self, **settings: Any):
        super().__init__(**settings)
        self.commands = LoadedWhenUsed(self.commands)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """The groups and what each is for, without importing those in GROUPS."""
        limit = formatter.width - 6 - max(map(len, GROUPS))
        rows = [(name, make_default_short_help(GROUPS[name][1], limit) if name in GROUPS
                 else self.commands[name].get_short_help_str(limit)) for name in self.commands]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = Commands(
    name="gentool",
    help="A workbench for generative-model experiments: GANs, a hierarchical VAE, a learned drum groove, RBMs, EM, "
         "MCMC, variational inference and sequence-to-sequence models on arithmetic; watch them fail (mode collapse, "
         "posterior collapse, mode-locked chains), apply the known fixes, and measure the result honestly.",
    cls=Root,
    pretty_exceptions_enable=False,
    add_completion=True,  # gentool --install-completion: shell completion of commands, options and their values
)


def _show_version(value: bool) -> None:
    if value:
        print(f"gentool {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """gentool: trustworthy generative-model experiments from the terminal."""


def main() -> None:
    # `gentool gan fixes | head -1`: a closed pipe ends the program quietly, as it does other command-line tools
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app(prog_name="gentool")  # also under `python -m gentool`: its usage lines and its completion variable
