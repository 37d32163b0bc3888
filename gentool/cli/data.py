"""`gentool data ...`: build and inspect the datasets."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import handle_errors, reporter_for, show
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    JsonOption,
    QuietOption,
    SetOption,
    choice_option,
    config_overrides,
    out_option,
    preset_option,
    resolved_paths,
    seed_option,
)
from gentool.datasets.config import DrumDataConfig
from gentool.gan.config import GanConfig
from gentool.groove.drummers import PERFORMER_NAMES

app = Commands()
letter_flags = ConfigFlags(GanConfig)
drum_flags = ConfigFlags(DrumDataConfig, source=None)

RebuildOption = Annotated[bool, typer.Option("--rebuild", help="Build it again even when the cache matches.")]


def genre_list(values: list[str]) -> list[str]:
    """--genres rock,jazz and --genres rock --genres jazz name the same genres."""
    return [genre.strip() for value in values for genre in value.split(",") if genre.strip()]


@app.command("fonts")
@handle_errors
def fonts(
    fonts_dir: letter_flags("fonts.fonts_dirs", "--fonts-dir", convert=resolved_paths, metavar="<dir>") = None,
    matplotlib_fonts: letter_flags("fonts.matplotlib_fonts") = None,
    samples_per_glyph: letter_flags("fonts.samples_per_glyph") = None,
    seed: letter_flags("fonts.seed", "--seed") = None,
    preset: preset_option("gan", "vanilla") = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    rebuild: RebuildOption = False,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the letter dataset A-Z from font files; prints faces, skips and counts, writes a preview PNG.

    The data settings are those of the GAN preset and config given: with the same options as `gan train`, this is
    the dataset that training uses.
    """
    from gentool.datasets.fonts import load_font_dataset
    from gentool.gan.config import resolve_gan_config
    from gentool.views.data import font_report

    gan_config = resolve_gan_config(preset or "vanilla", str(config) if config else None,
                                    config_overrides(fonts, locals()), set_)
    stats = load_font_dataset(gan_config.fonts, data_dir, rebuild=rebuild, reporter=reporter_for(quiet)).stats()
    show(stats, json_, font_report)


@app.command("drums")
@handle_errors
def drums(
    midi_dir: drum_flags("midi_dirs", "--midi-dir", convert=resolved_paths, metavar="<dir>") = None,
    grammar: drum_flags("grammar") = None,
    genres: drum_flags("genres", convert=genre_list, metavar="GENRE[,GENRE...]") = None,
    phrases_per_genre: drum_flags("phrases_per_genre") = None,
    bars: drum_flags("bars_per_phrase", "--bars") = None,
    seed: drum_flags("seed") = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    rebuild: RebuildOption = False,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the drum dataset: five genre grammars and your MIDI files; prints per-genre figures and
    the metrics beside their baselines, writes a piano-roll preview and a MIDI + WAV example per genre."""
    from gentool.datasets.drums import load_drum_dataset, resolve_drum_data_config
    from gentool.evaluate.drum_baselines import drum_dataset_report
    from gentool.evaluate.genres import load_genre_classifier
    from gentool.views.data import drum_report

    data_config = resolve_drum_data_config(config, config_overrides(drums, locals()), set_)
    reporter = reporter_for(quiet)
    dataset = load_drum_dataset(data_config, data_dir, rebuild=rebuild, reporter=reporter)
    classifier = load_genre_classifier(dataset, data_dir, rebuild=rebuild, reporter=reporter)
    stats = drum_dataset_report(dataset, classifier, data_config.seed)
    show(stats, json_, drum_report)


@app.command("render-drums")
@handle_errors
def render_drums(
    pattern: Annotated[Path, typer.Argument(
        metavar="PATTERN", help="A drum MIDI file (.mid) or a .npy array (16 x bars, 9).")],
    out_dir: out_option("Folder for the MIDI, WAV and PNG.", "the current folder") = None,
    bpm: Annotated[Optional[float], typer.Option(
        help="Tempo of the MIDI and WAV.  [default: the MIDI file's tempo (110 for a .npy)]")] = None,
    json_: JsonOption = False,
) -> None:
    """Turn a pattern file into what people open: MIDI (channel 10), WAV (synthesized kit) and a piano roll."""
    from gentool.io.render import render_pattern_file

    result = render_pattern_file(pattern, out_dir or Path("."), bpm)
    show(result, json_, lambda rendered: rendered["files"])


@app.command("performances")
@handle_errors
def performances(
    out_dir: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder for one sub-folder of MIDI files per performer.")],
    performer: Annotated[Optional[list[str]], choice_option(
        "--performer", choices=PERFORMER_NAMES, help="A performer to write.  [repeatable; default: all]")] = None,
    files: Annotated[int, typer.Option(min=2, max=10_000, help="Performances (MIDI files) per performer.")] = 40,
    bars: Annotated[int, typer.Option(min=1, max=64, help="Bars per performance.")] = 8,
    seed: seed_option("Seed: the same seed writes the same files.") = 0,
    json_: JsonOption = False,
) -> None:
    """Write synthetic drummers' performances as MIDI files: each plays grammar scores with a stated feel (swing,
    snare and kick pushed or dragged by so many ms, hi-hat accents, ghost notes, noise), one tempo per file. Train
    a groove on them with `gentool groove train --midi-dir OUT`."""
    from gentool.groove.performers import write_performances
    from gentool.views.groove import performances_lines

    result = write_performances(out_dir, performer, files=files, bars=bars, seed=seed)
    show(result, json_, performances_lines)
