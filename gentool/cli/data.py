"""`gentool data ...`: build and inspect the datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from gentool.cli.common import (ConfigOption, DataDirOption, FontsDirOption, JsonOption, QuietOption, SetOption,
                                handle_errors, out, print_json, reporter_for)
from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import load_font_dataset
from gentool.gan.config import resolve_gan_config

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
