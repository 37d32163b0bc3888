"""`gentool data ...`: build and inspect the datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from gentool.cli.common import (ConfigOption, DataDirOption, FontsDirOption, JsonOption, QuietOption, SetOption,
                                handle_errors, out, print_json, reporter_for)
from gentool.config import build_config, deep_merge, load_yaml_file, parse_set_overrides
from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import load_font_dataset
from gentool.drums.files import load_pattern_file
from gentool.drums.genres import GENRES
from gentool.evaluate import drum_metrics
from gentool.evaluate.drum_baselines import baseline_report
from gentool.evaluate.genres import load_genre_classifier
from gentool.gan.config import resolve_gan_config
from gentool.io.audio import write_wav
from gentool.io.midi import write_midi
from gentool.io.pianoroll import save_piano_rolls

app = typer.Typer(help="Build and inspect the datasets (cached under the data folder).", no_args_is_help=True)


@app.command("fonts")
@handle_errors
def fonts(
    fonts_dir: FontsDirOption = None,
    no_matplotlib_fonts: Annotated[bool, typer.Option("--no-matplotlib-fonts",
                                                      help="Use only the faces under --fonts-dir.")] = False,
    samples_per_glyph: Annotated[Optional[int], typer.Option(help="Samples per (letter, face).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Dataset seed (augmentation and split).")] = None,
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
    flags = {"data.fonts_dirs": [str(p.resolve()) for p in fonts_dir] if fonts_dir else None,
             "data.matplotlib_fonts": False if no_matplotlib_fonts else None,
             "data.samples_per_glyph": samples_per_glyph, "data.seed": seed}
    gan_config = resolve_gan_config(preset, str(config) if config else None, flags, set_)
    dataset = load_font_dataset(gan_config.data, data_dir, rebuild=rebuild, reporter=reporter_for(quiet))
    stats = dataset.stats()
    if json_:
        print_json(stats)
        return
    _print_font_report(stats)


def _print_font_report(stats: dict) -> None:
    faces = Table(title=f"font faces used ({len(stats['faces'])})", title_justify="left")
    for column in ("face", "split", "file", "source"):
        faces.add_column(column)
    for face in stats["faces"]:
        faces.add_row(face["name"], face["split"], face["file"], face["source"])
    out.print(faces)
    if stats["skipped"]:
        skipped = Table(title=f"font files skipped ({len(stats['skipped'])})", title_justify="left")
        skipped.add_column("file")
        skipped.add_column("reason")
        for item in stats["skipped"]:
            skipped.add_row(item["file"], item["reason"])
        out.print(skipped)
    per_letter = Table(title="samples per letter", title_justify="left")
    per_letter.add_column("split")
    for letter in LETTERS:
        per_letter.add_column(letter, justify="right")
    per_letter.add_column("total", justify="right")
    for split in ("train", "val"):
        counts = stats["per_letter"][split]
        per_letter.add_row(split, *[str(counts[letter]) for letter in LETTERS], str(stats["samples"][split]))
    out.print(per_letter)
    state = "built now" if stats["built"] else "cache hit"
    out.print(f"dataset {stats['fingerprint']} ({state}): {stats['path']}")
    out.print(f"preview: {stats['preview']}")


@app.command("drums")
@handle_errors
def drums(
    midi_dir: Annotated[Optional[list[Path]], typer.Option(
        "--midi-dir", help="Folder of your drum MIDI files in genre sub-folders (rock/, jazz/, ...); repeatable.")] = None,
    no_grammar: Annotated[bool, typer.Option("--no-grammar", help="Only the --midi-dir files, no grammar "
                                                                  "phrases.")] = False,
    genres: Annotated[Optional[str], typer.Option(help=f"Comma-separated subset of {','.join(GENRES)}.")] = None,
    phrases_per_genre: Annotated[Optional[int], typer.Option(help="Grammar phrases per genre (default 250).")] = None,
    bars: Annotated[Optional[int], typer.Option(help="Bars per grammar phrase (default 4).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Dataset seed.")] = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Generate again even when the cache matches.")] = False,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build (or show) the drum dataset: five genre grammars and your MIDI files; prints per-genre figures and
    the metrics beside their baselines, writes a piano-roll preview and a MIDI + WAV example per genre."""
    layers = [load_yaml_file(config)] if config else []
    flags = {"genres": [g.strip() for g in genres.split(",") if g.strip()] if genres is not None else None,
             "phrases_per_genre": phrases_per_genre, "bars_per_phrase": bars, "seed": seed,
             "grammar": False if no_grammar else None,
             "midi_dirs": [str(p.resolve()) for p in midi_dir] if midi_dir else None}
    layers.append({key: value for key, value in flags.items() if value is not None})
    # --set takes the dataset's keys as they are (phrases_per_genre=10) or as a VAE config names them
    # (data.phrases_per_genre=10), so the same assignment works for `data drums` and `vae train`
    sets = parse_set_overrides(set_ or [])
    layers.append(deep_merge(sets, sets.pop("data", {})))
    merged: dict = {}
    for layer in layers:
        merged = deep_merge(merged, layer)
    data_config = build_config(DrumDataConfig, merged)
    reporter = reporter_for(quiet)
    dataset = load_drum_dataset(data_config, data_dir, rebuild=rebuild, reporter=reporter)
    classifier = load_genre_classifier(dataset, data_dir, rebuild=rebuild)
    stats = dataset.stats()
    stats["genre_classifier"] = {key: classifier.report[key] for key in
                                 ("held_out_accuracy", "train_accuracy", "per_genre", "held_out_bars")}
    stats["genre_classifier"]["path"] = str(classifier.path)
    stats["baselines"] = baseline_report(dataset, classifier, data_config.seed)
    if json_:
        print_json(stats)
        return
    _print_drum_report(stats)


DRUM_COLUMNS = [("bars", "{}"), ("density", "{:.3f}"), ("syncopation", "{:.3f}"), ("symmetry", "{:.3f}"),
                ("groove_consistency", "{:.3f}"), ("validity", "{:.3f}"), ("diversity", "{:.3f}"),
                ("swing", "{:+.3f}"), ("snare_lay_back", "{:+.3f}"), ("velocity_mean", "{:.0f}")]


def _fmt(value, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _print_drum_report(stats: dict) -> None:
    table = Table(title="one-bar patterns per genre (swing: mean offset of off-beat 16ths, in steps)",
                  title_justify="left")
    table.add_column("")
    for genre in stats["genres"]:
        table.add_column(genre, justify="right")
    for name, fmt in DRUM_COLUMNS:
        table.add_row(name.replace("_", " "), *[_fmt(figures[name], fmt) for figures in stats["genres"].values()])
    out.print(table)
    baselines = Table(title="metrics beside their baselines (held-out bars; random = same density; collapsed = one "
                            "bar repeated)", title_justify="left")
    baselines.add_column("")
    for name in stats["baselines"]:
        baselines.add_column(name, justify="right")
    for key, fmt in (("validity", "{:.3f}"), ("genre_accuracy", "{:.3f}"), ("diversity", "{:.3f}"),
                     ("novelty", "{:.3f}"), ("syncopation", "{:.3f}"), ("symmetry", "{:.3f}"), ("density", "{:.3f}")):
        baselines.add_row(key.replace("_", " "), *[_fmt(b.get(key), fmt) for b in stats["baselines"].values()])
    out.print(baselines)
    classifier = stats["genre_classifier"]
    out.print(f"genre classifier: {classifier['held_out_accuracy']:.1%} on {classifier['held_out_bars']} held-out "
              f"bars ({', '.join(f'{g} {a:.0%}' for g, a in classifier['per_genre'].items())})")
    for item in stats["skipped"]:
        out.print(f"skipped {item['file']}: {item['reason']}")
    state = "built now" if stats["built"] else "cache hit"
    out.print(f"dataset {stats['fingerprint']} ({state}): {stats['path']}  ({stats['train_bars']} train / "
              f"{stats['val_bars']} held-out bars)")
    out.print(f"preview: {stats['preview']}; listen: {stats['examples']}/<genre>.wav")


@app.command("render-drums")
@handle_errors
def render_drums(
    pattern: Annotated[Path, typer.Argument(help="A drum MIDI file (.mid) or a .npy array (16 x bars, 9).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the MIDI, WAV and PNG.")] = Path("."),
    bpm: Annotated[float, typer.Option(help="Tempo of the MIDI and WAV.")] = 110.0,
    json_: JsonOption = False,
) -> None:
    """Turn a pattern file into what people open: MIDI (channel 10), WAV (synthesized kit) and a piano roll."""
    drum_pattern = load_pattern_file(pattern)
    stem = pattern.stem
    written = [write_midi(out_dir / f"{stem}.mid", drum_pattern, bpm), write_wav(out_dir / f"{stem}.wav",
                                                                                 drum_pattern, bpm),
               save_piano_rolls(out_dir / f"{stem}.png", [drum_pattern], [f"{stem} ({drum_pattern.bars} bars)"])]
    bars = drum_pattern.hits.reshape(-1, 16, 9)
    result = {"bars": drum_pattern.bars, "hits": int(drum_pattern.hits.sum()), "files": [str(p) for p in written],
              **drum_metrics.summarise(bars),
              "groove_consistency": drum_metrics.groove_consistency(bars) if len(bars) > 1 else None}
    if json_:
        print_json(result)
        return
    for path in written:
        out.print(str(path))
