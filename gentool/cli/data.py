"""`gentool data ...`: build and inspect the datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    ConfigOption,
    DataDirOption,
    FontsDirOption,
    JsonOption,
    QuietOption,
    SetOption,
    handle_errors,
    reporter_for,
    show,
)
from gentool.datasets.drums import load_drum_dataset, resolve_drum_data_config
from gentool.datasets.fonts import load_font_dataset
from gentool.drums.genres import GENRES
from gentool.evaluate.drum_baselines import drum_dataset_report
from gentool.evaluate.genres import load_genre_classifier
from gentool.gan.config import resolve_gan_config
from gentool.groove.performers import PERFORMER_NAMES, write_performances
from gentool.io.render import render_pattern_file
from gentool.runtime.flags import resolved_paths
from gentool.runtime.seeding import MAX_SEED
from gentool.views.data import drum_report, font_report
from gentool.views.groove import performances_lines

app = typer.Typer(help="Build and inspect the datasets (cached under the data folder).", no_args_is_help=True)


@app.command("fonts")
@handle_errors
def fonts(
    fonts_dir: FontsDirOption = None,
    no_matplotlib_fonts: Annotated[bool, typer.Option("--no-matplotlib-fonts",
                                                      help="Use only the faces under --fonts-dir.")] = False,
    samples_per_glyph: Annotated[Optional[int], typer.Option(
        show_default="the preset's", help="Samples per (letter, face).")] = None,
    seed: Annotated[Optional[int], typer.Option(
        min=0, max=MAX_SEED, show_default="the preset's", help="Dataset seed (augmentation and split).")] = None,
    preset: Annotated[str, typer.Option(help="Take the data settings of this GAN preset.")] = "vanilla",
    config: ConfigOption = None,
    set_: SetOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Render again even when the cache matches.")] = False,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the letter dataset A-Z from font files; prints faces, skips and counts, writes a preview PNG.

    With the same options as `gan train`, this is the dataset that training uses.
    """
    flags = {"data.fonts_dirs": resolved_paths(fonts_dir) if fonts_dir else None,
             "data.matplotlib_fonts": False if no_matplotlib_fonts else None,
             "data.samples_per_glyph": samples_per_glyph, "data.seed": seed}
    gan_config = resolve_gan_config(preset, str(config) if config else None, flags, set_)
    stats = load_font_dataset(gan_config.data, data_dir, rebuild=rebuild, reporter=reporter_for(quiet)).stats()
    show(stats, json_, font_report)


@app.command("drums")
@handle_errors
def drums(
    midi_dir: Annotated[Optional[list[Path]], typer.Option(
        "--midi-dir",
        help="Folder of your drum MIDI files in genre sub-folders (rock/, jazz/, ...); repeatable.")] = None,
    no_grammar: Annotated[bool, typer.Option("--no-grammar", help="Only the --midi-dir files, no grammar "
                                                                  "phrases.")] = False,
    genres: Annotated[Optional[str], typer.Option(
        show_default="all", help=f"Comma-separated subset of: {', '.join(GENRES)}.")] = None,
    phrases_per_genre: Annotated[Optional[int], typer.Option(show_default="250",
                                                                             help="Grammar phrases per genre.")] = None,
    bars: Annotated[Optional[int], typer.Option(show_default="4", help="Bars per grammar phrase.")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, max=MAX_SEED, show_default="0", help="Dataset seed.")] = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Generate again even when the cache matches.")] = False,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the drum dataset: five genre grammars and your MIDI files; prints per-genre figures and
    the metrics beside their baselines, writes a piano-roll preview and a MIDI + WAV example per genre."""
    flags = {"genres": [g.strip() for g in genres.split(",") if g.strip()] if genres is not None else None,
             "phrases_per_genre": phrases_per_genre, "bars_per_phrase": bars, "seed": seed,
             "grammar": False if no_grammar else None, "midi_dirs": resolved_paths(midi_dir) if midi_dir else None}
    data_config = resolve_drum_data_config(config, flags, set_)
    reporter = reporter_for(quiet)
    dataset = load_drum_dataset(data_config, data_dir, rebuild=rebuild, reporter=reporter)
    classifier = load_genre_classifier(dataset, data_dir, rebuild=rebuild, reporter=reporter)
    stats = drum_dataset_report(dataset, classifier, data_config.seed)
    show(stats, json_, drum_report)


@app.command("render-drums")
@handle_errors
def render_drums(
    pattern: Annotated[Path, typer.Argument(help="A drum MIDI file (.mid) or a .npy array (16 x bars, 9).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the MIDI, WAV and PNG.")] = Path("."),
    bpm: Annotated[Optional[float], typer.Option(
        show_default="the MIDI file's tempo (110 for a .npy)", help="Tempo of the MIDI and WAV.")] = None,
    json_: JsonOption = False,
) -> None:
    """Turn a pattern file into what people open: MIDI (channel 10), WAV (synthesized kit) and a piano roll."""
    result = render_pattern_file(pattern, out_dir, bpm)
    show(result, json_, lambda rendered: rendered["files"])


@app.command("performances")
@handle_errors
def performances(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for one sub-folder of MIDI files per "
                                                              "performer.")],
    performer: Annotated[Optional[list[str]], typer.Option(
        show_default="all", help=f"A performer to write (repeatable): {', '.join(PERFORMER_NAMES)}.")] = None,
    files: Annotated[int, typer.Option(min=2, max=10_000, help="Performances (MIDI files) per performer.")] = 40,
    bars: Annotated[int, typer.Option(min=1, max=64, help="Bars per performance.")] = 8,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed: the same seed writes the same files.")] = 0,
    json_: JsonOption = False,
) -> None:
    """Write synthetic drummers' performances as MIDI files: each plays grammar scores with a stated feel (swing,
    snare and kick pushed or dragged by so many ms, hi-hat accents, ghost notes, noise), one tempo per file. Train
    a groove on them with `gentool groove train --midi-dir OUT`."""
    result = write_performances(out_dir, performer, files=files, bars=bars, seed=seed)
    show(result, json_, performances_lines)
