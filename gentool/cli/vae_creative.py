"""`gentool vae sample|interpolate|blend|humanize|transfer|complexity`: the musician's commands.

Each writes MIDI, WAV and PNG files and a JSON of its measurements into a folder (--out, default a folder in the
run), prints a short summary (--json: the JSON), and repeats exactly with the same --seed.
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import context_for, handle_errors, show
from gentool.cli.options import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    choice_option,
    completer,
    out_option,
    run_option,
    seed_option,
)
from gentool.datasets.config import GENRES

RunOption = run_option("a VAE")
SeedOption = seed_option("Seed: the same seed gives the same output.")
BpmOption = Annotated[float, typer.Option(help="Tempo of the MIDI and WAV files.")]
InputBpmOption = Annotated[Optional[float], typer.Option(
    min=20.0, max=400.0,
    help="Tempo of the MIDI and WAV files.  [default: the input file's tempo (110 for a .npy or a genre)]")]
OutOption = out_option("Output folder.", "a folder in the run's samples/")
TemperatureOption = Annotated[float, typer.Option(min=0.0, max=10.0, help="Latent noise scale (0 = the mean "
                                                                          "style).")]


def genre_option(help: str) -> typer.models.OptionInfo:
    return choice_option("--style", choices=GENRES, help=help)


@handle_errors
def sample(
    style: Annotated[Optional[str], genre_option("Drum runs: the genre to sample.")] = None,
    n: Annotated[Optional[int], typer.Option(
        "--n", min=1, max=1000, help="Tracks to write (tracks x bars: at most 1,024 bars a command); letter runs: "
                                     "letters.  [default: 8 tracks; 64 letters]")] = None,
    temperature: Annotated[Optional[float], typer.Option(
        min=0.0, max=10.0, help="Latent noise scale (0 = the mean style).  [default: 0.5 drums; 1 letters]")] = None,
    bars: Annotated[int, typer.Option(min=1, max=256, help="Bars per track: one z_high, z_low evolving bar to "
                                                           "bar.")] = 1,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Drum runs: tracks of a genre (z_high around the genre's posterior, z_low evolving from bar to bar) with the
    classifier's verdict per bar, groove consistency and validity. Letter runs: a sheet of letters from the prior,
    each named by the letter evaluator, with the recognisable share and sharpness."""
    from gentool.vae import family
    from gentool.views import vae as views

    result = family.sample(context_for(device, quiet, data_dir), run, out_dir, style=style, n=n,
                           temperature=temperature, bars=bars, bpm=bpm, seed=seed)
    show(result, json_, views.sample_lines)


@handle_errors
def interpolate(
    from_: Annotated[str, typer.Option("--from", autocompletion=completer(GENRES),
                                       help="Start: a genre or a .mid/.npy pattern file; letter runs: a letter.")],
    to: Annotated[str, typer.Option("--to", autocompletion=completer(GENRES),
                                    help="End: a genre or a .mid/.npy pattern file; letter runs: a letter.")],
    steps: Annotated[int, typer.Option(min=2, max=256, help="Patterns (letter runs: frames) along the path.")] = 8,
    level: Annotated[Optional[str], choice_option(
        "--level", choices=("high", "low", "both"),
        help="Drum runs: which latent moves: high (style), low (pattern) or both.  [default: high]")] = None,
    method: Annotated[str, choice_option("--method", choices=("slerp", "lerp"), help="How to move.")] = "slerp",
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Drum runs: the path between two styles or patterns, one bar per step, in one MIDI/WAV, with the genre
    classifier's probabilities at each step. Letter runs: from the most confident sample of one letter to that of
    another, each frame named by the letter evaluator."""
    from gentool.vae import family
    from gentool.views import vae as views

    result = family.interpolate(context_for(device, quiet, data_dir), run, out_dir, from_=from_, to=to, steps=steps,
                                level=level, method=method, bpm=bpm, seed=seed)
    show(result, json_, views.interpolation_lines)


@handle_errors
def blend(
    first: Annotated[str, typer.Argument(metavar="FIRST", autocompletion=completer(GENRES), help="First genre.")],
    second: Annotated[str, typer.Argument(metavar="SECOND", autocompletion=completer(GENRES), help="Second genre.")],
    ratio: Annotated[Optional[float], typer.Option(help="Share of the second genre.  [default: 0.5]")] = None,
    ratios: Annotated[Optional[str], typer.Option(help="Several shares, e.g. 0,0.25,0.5,0.75,1.")] = None,
    n: Annotated[int, typer.Option("--n", min=1, max=1000, help="Tracks per ratio (ratios x tracks x bars: at "
                                                                "most 1,024 bars a command).")] = 4,
    bars: Annotated[int, typer.Option(min=1, max=256, help="Bars per track.")] = 4,
    temperature: TemperatureOption = 0.5,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Mixtures of two styles in z_high: (1 - r) * FIRST + r * SECOND, with each blend's genre probabilities."""
    from gentool.vae import sessions
    from gentool.views import vae as views

    result = sessions.blend(context_for(device, quiet, data_dir), run, out_dir, first=first, second=second, ratio=ratio,
                            ratios=ratios, n=n, bars=bars, temperature=temperature, bpm=bpm, seed=seed)
    show(result, json_, views.blend_lines)


@handle_errors
def humanize(
    input_: Annotated[Optional[Path], typer.Option("--input", help="A mechanical pattern: .mid or .npy.")] = None,
    style: Annotated[Optional[str], genre_option(
        "The genre whose feel to play with, or with no --input, the genre of a plain pattern to start from.  "
        "[default: what the classifier hears in the input]")] = None,
    amount: Annotated[float, typer.Option(help="0 = unchanged, 1 = fully the feel's velocities and timing (and, "
                                               "with --vary-pattern, hits fully re-imagined in the style).")] = 0.5,
    variations: Annotated[int, typer.Option(min=1, max=100, help="Performances to write.")] = 4,
    vary_pattern: Annotated[bool, typer.Option(
        "--vary-pattern", help="Also change the hits: the VAE re-imagines the pattern by --amount (ghost notes, "
                               "dropped or added hits). Without it every note of the input is played.")] = False,
    groove: Annotated[Optional[Path], typer.Option(
        "--groove", help="A groove run: play with its learned feel (see `gentool groove train`).  [default: the "
                         "hand-made feel]")] = None,
    performer: Annotated[Optional[str], typer.Option(
        help="With --groove: which of its performers plays.  [default: the groove run's only performer]")] = None,
    bpm: InputBpmOption = None, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Human-sounding performances of a mechanical pattern: velocities and micro-timing from the genre's hand-made
    feel, or a learned groove's (--groove RUN), moved towards by --amount; the notes are kept unless
    --vary-pattern."""
    from gentool.vae import sessions
    from gentool.views import vae as views

    result = sessions.humanize(context_for(device, quiet, data_dir), run, out_dir, input_=input_, style=style,
                               amount=amount, variations=variations, bpm=bpm, seed=seed, vary_pattern=vary_pattern,
                               groove=groove, performer=performer)
    show(result, json_, views.humanize_lines)


@handle_errors
def transfer(
    content: Annotated[str, typer.Option(autocompletion=completer(GENRES),
                                         help="The rhythm to keep: a .mid/.npy file, or a genre (its held-out "
                                              "bars).")],
    style: Annotated[str, genre_option("The genre to play it in.")],
    count: Annotated[int, typer.Option(min=1, max=10000, help="With a genre as content: how many of its held-out "
                                                              "bars.")] = 50,
    mode: Annotated[str, choice_option(
        "--mode", choices=("replace", "shift"),
        help="replace: z_high becomes the style's mean; shift: z_high moves by the difference of the two genres' "
             "means (keeps more rhythm, converts less often).")] = "replace",
    bpm: InputBpmOption = None, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Style transfer: keep each bar's z_low, take z_high from --style (--mode). Reports rhythm preservation
    (share of kick and snare hits kept) and style success (bars the classifier assigns to --style)."""
    from gentool.vae import sessions
    from gentool.views import vae as views

    result = sessions.transfer(context_for(device, quiet, data_dir), run, out_dir, content=content, style=style,
                               count=count, mode=mode, bpm=bpm, seed=seed)
    show(result, json_, views.transfer_lines)


@handle_errors
def complexity(
    style: Annotated[str, genre_option("The genre whose density to sweep.")],
    levels: Annotated[int, typer.Option(min=2, max=64, help="Steps from sparse to dense.")] = 5,
    span: Annotated[float, typer.Option(
        min=0.1, max=10.0, help="How far to go each way, in the style's spread.")] = 2.0,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Complexity control: move the style along the latent direction in which its bars get denser; reports the
    density at each level and whether it rises monotonically."""
    from gentool.vae import sessions
    from gentool.views import vae as views

    result = sessions.complexity(context_for(device, quiet, data_dir), run, out_dir, style=style, levels=levels,
                                 span=span, bpm=bpm, seed=seed)
    show(result, json_, views.complexity_lines)


def register(app: typer.Typer) -> None:
    for command in (sample, interpolate, blend, humanize, transfer, complexity):
        app.command(command.__name__)(command)
