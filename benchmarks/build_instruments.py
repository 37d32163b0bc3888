"""Build gentool's shipped instruments into gentool/instruments/ (a developer's tool, run from a checkout's root).

    python -m benchmarks.build_instruments letters|digits|genres [--data-dir DIR] [--threads N]

Each instrument is built with its default settings from the default data (the letter dataset of matplotlib's
fonts, the default drum dataset), exactly as a local build (`source: local`) would be, and written as
`<name>-v<version>.pt` with its manifest `<name>.json`: its sha256, its report (the held-out figures every test
and `gentool gan evaluator` show), the font files and data it was built from, the versions and this command.
docs/instruments.md says which system fonts the letter evaluator's build reads and what a rebuild gives.
"""

from __future__ import annotations

import argparse
import platform
import sys
from dataclasses import asdict, replace

import PIL
import torch
from PIL import features as pil_features

from gentool import __version__
from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.datasets.fonts import FontDataConfig, load_font_dataset
from gentool.datasets.non_letters import NonLetterSettings, face_file, load_non_letters
from gentool.datasets.root import data_root
from gentool.datasets.symbols import load_symbol_dataset
from gentool.evaluate import digits, genres, letters
from gentool.evaluate.config import EvaluatorSettings, GenreClassifierSettings, LetterEvaluatorSettings
from gentool.evaluate.instruments import write_shipped
from gentool.runtime.files import file_sha256
from gentool.runtime.progress import Reporter


def versions() -> dict:
    return {"gentool": __version__, "torch": torch.__version__, "pillow": PIL.__version__,
            "freetype": pil_features.version("freetype2"), "python": platform.python_version(),
            "platform": platform.platform(), "threads": torch.get_num_threads()}


def faces_built_from(dataset) -> list[dict]:
    return [{**face, "sha256": file_sha256(face_file(face))} for face in dataset.faces]


def build_letters(data_dir, reporter: Reporter) -> tuple:
    settings = LetterEvaluatorSettings(source="local")
    dataset = load_font_dataset(letters.evaluator_data_config(FontDataConfig(), settings), data_dir,
                                reporter=reporter)
    glyphs = load_non_letters(dataset, data_dir, NonLetterSettings(settings.non_letter_glyphs, seed=settings.seed),
                              reporter)
    _, state, report = letters.build_letter_evaluator(dataset, glyphs, settings, torch.device("cpu"), reporter)
    built_from = {"fonts": faces_built_from(dataset), "script_fonts": report["script_fonts"],
                  "dataset_fingerprint": dataset.fingerprint,
                  "non_letter_glyphs": {"train": int((~glyphs.is_val).sum()), "held_out": int(glyphs.is_val.sum()),
                                        "left_out_as_lookalikes": glyphs.left_out}}
    return letters.EVALUATOR_NAME, letters.EVALUATOR_VERSION, state, report, built_from


def build_digits(data_dir, reporter: Reporter) -> tuple:
    settings = EvaluatorSettings(source="local")
    dataset = load_symbol_dataset(replace(FontDataConfig(), samples_per_glyph=settings.samples_per_glyph), data_dir,
                                  reporter=reporter)
    _, state, report = digits.build_digit_evaluator(dataset, settings, torch.device("cpu"), reporter)
    built_from = {"fonts": faces_built_from(dataset), "dataset_fingerprint": dataset.fingerprint}
    return digits.DIGIT_EVALUATOR_NAME, digits.DIGIT_EVALUATOR_VERSION, state, report, built_from


def build_genres(data_dir, reporter: Reporter) -> tuple:
    settings = GenreClassifierSettings(source="local")
    dataset = load_drum_dataset(DrumDataConfig(), data_dir, reporter=reporter)
    _, state, report = genres.build_genre_classifier(dataset, settings, reporter)
    built_from = {"drum_data": asdict(DrumDataConfig()), "dataset_fingerprint": dataset.fingerprint}
    return genres.CLASSIFIER_NAME, genres.CLASSIFIER_VERSION, state, report, built_from


BUILDERS = {"letters": build_letters, "digits": build_digits, "genres": build_genres}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instrument", choices=sorted(BUILDERS))
    parser.add_argument("--data-dir", help="the data folder for the datasets it renders (default: as gentool's)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the shipped files: 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    reporter = Reporter("plain")
    name, version, state, report, built_from = BUILDERS[args.instrument](data_root(args.data_dir), reporter)
    command = " ".join(["python", "-m", "benchmarks.build_instruments", *sys.argv[1:]])
    path, manifest = write_shipped(name, version, state, {
        "weights": "fp16" if any(v.dtype == torch.float16 for v in state["model"].values()) else "fp32",
        "report": report, "built_from": built_from, "versions": versions(), "build_command": command})
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {manifest}")


if __name__ == "__main__":
    main()
