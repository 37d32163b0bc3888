"""How the instruments measure: the config sections of letter coverage, the letter and digit evaluators and the
genre classifier, which family configs embed.

Like every config module, this one imports no torch, numpy or matplotlib (see gentool/config.py); the instruments
themselves live beside it (coverage.py, letters.py, digits.py, genres.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Literal

from gentool.config import option
from gentool.datasets.config import LETTERS
from gentool.errors import ConfigError
from gentool.runtime.seeding import MAX_SEED

BASELINES = ("real", "noise", "collapsed")
PRDC_DEFAULT_K = 5  # k of the k-NN balls behind precision, recall, density and coverage (gentool.evaluate.prdc)
# what a measurement adds to a record and to coverage.json: "prdc_" keeps them apart from the letter coverage
# (letters covered / 26) and from the training precision (fp32 / bf16)
PRDC_KEYS = ("prdc_precision", "prdc_recall", "prdc_density", "prdc_coverage")


# Text faces of common free font packages (Debian: fonts-linuxlibertine, fonts-sil-gentiumplus, fonts-sil-charis,
# fonts-oldstandard, fonts-go, fonts-quicksand, fonts-league-spartan, fonts-comic-neue): serifs old-style,
# transitional and modern, humanist, geometric and rounded sans, monospace, from light to black.
LETTER_FONTS = ["LinLibertine_R*.otf", "LinLibertine_DR.otf", "LinLibertine_M.otf", "LinBiolinum_R*.otf",
                "GentiumPlus-*.ttf", "GentiumBookPlus-*.ttf", "CharisSIL-*.ttf", "OldStandard-*.ttf", "Go-[!S]*.ttf",
                "Quicksand-*.ttf", "LeagueSpartan-*.otf", "ComicNeue-*.otf"]
SOURCE_HELP = ("shipped: the instrument installed with gentool, the same on every machine; local: one built from "
               "this config's {data} on first use (cached under the data folder), labelled local in every figure it "
               "makes")


@dataclass
class EvaluatorSettings:
    """Which glyph evaluator measures (`source`) and, for a local one, how it is built (the rest)."""
    source: Literal["shipped", "local"] = option("shipped", help=SOURCE_HELP.format(data="fonts"))
    samples_per_glyph: int = option(40, min=1, max=2000, help="dataset size the evaluator trains on")
    epochs: int = option(6, min=1, max=1000)
    batch_size: int = option(128, min=2, max=65536)
    lr: float = option(3e-3, min=0.0, min_exclusive=True, max=1.0)
    seed: int = option(0, min=0, max=MAX_SEED)
    # on-the-fly geometry jitter while training (on top of the dataset's own augmentation)
    rotation_deg: float = option(12.0, min=0.0, max=45.0)
    shear: float = option(0.3, min=0.0, max=1.0)
    min_scale: float = option(0.85, min=0.3, max=1.0)
    max_scale: float = option(1.1, min=1.0, max=2.0)
    shift_px: float = option(2.0, min=0.0, max=8.0)
    not_letter_share: float = option(0.25, min=0.0, max=0.9, help="share of each batch that is not a letter")
    real_non_letter_share: float = option(0.5, min=0.0, max=1.0,
                                          help="of the not-a-letter part, the share of real non-letter glyphs "
                                               "(the rest is synthetic noise)")
    styled_capitals: int = option(12, min=0, max=2000,
                                  help="samples per script or double-struck capital of the training faces (0 = none)")
    non_letter_glyphs: int = option(100, min=1, max=5000, help="non-letter glyphs drawn per (face, category)")
    precision: Literal["auto", "bf16", "fp32"] = option(
        "auto", help="training arithmetic: auto = bf16 where it is faster (a CPU with AVX-512 BF16 or AMX), else "
                     "fp32 (a GPU among them); the loss and the weights stay fp32")


@dataclass
class LetterEvaluatorSettings(EvaluatorSettings):
    """The letter evaluator's settings: the shared ones, and what only the letter evaluator uses."""
    epochs: int = option(6, min=1, max=1000)
    pool_first: bool = option(True, help="max-pool before batch norm and ReLU in the first two blocks (a quarter "
                                         "of the element-wise work)")
    light_capitals: int = option(4, min=0, max=2000,
                                 help="light-weight renders per capital of the training faces (0 = none)")
    reject_bias: float = option(1.0, min=-10.0, max=10.0,
                                help="subtracted from the not-a-letter logit when images are read (0 = as trained; "
                                     "above 0 it names more unusual letters and rejects fewer symbols)")
    script_fonts: list[str] = option(["DejaVuMathTeXGyre.ttf"],
                                     help="font files (paths, or names found in the system font folders) whose "
                                          "script capitals are extra letter material; refused when held out")
    letter_fonts: list[str] = option(LETTER_FONTS,
                                     help="font files (paths, or names or globs found in the system font folders) "
                                          "whose A-Z are extra letter material; refused when held out")


@dataclass
class CoverageSettings:
    samples: int = option(2600, min=26, max=1_000_000, help="images to generate and classify (100 per letter)")
    threshold: float = option(0.9, min=0.0, max=1.0, min_exclusive=True,
                              help="a prediction counts when its softmax probability is at least this")
    min_share: float = option(0.1, min=0.0, max=1.0, min_exclusive=True,
                              help="a letter is covered with at least this share of a uniform generator's count")
    prdc_k: int = option(PRDC_DEFAULT_K, min=1, max=100,
                         help="k of the nearest-neighbour balls behind precision, recall, density and coverage "
                              "(prdc_*)")

    def min_count(self) -> int:
        return max(1, math.ceil(self.min_share * self.samples / len(LETTERS)))


@dataclass
class LetterEvaluationConfig(CoverageSettings):
    """How a letter model (GAN or VAE) is measured while it trains and by its coverage command."""

    every: int = option(5, min=0, help="measure coverage every N epochs and at the last one (0 = never)")
    collapse_drop: int = option(2, min=1, max=26, help="collapse begins at the first evaluation whose letters "
                                                        "covered fall this many below the best so far")
    evaluator: LetterEvaluatorSettings = field(default_factory=LetterEvaluatorSettings)


@dataclass
class GenreClassifierSettings:
    source: Literal["shipped", "local"] = option("shipped", help=SOURCE_HELP.format(data="drum data"))
    epochs: int = option(40, min=1, max=10_000)
    hidden: int = option(128, min=8, max=4096)
    lr: float = option(1e-3, min=0.0, min_exclusive=True, max=1.0)
    batch_size: int = option(128, min=2)
    seed: int = option(0, min=0, max=MAX_SEED)


INSTRUMENT_SECTIONS = ("evaluator", "classifier")  # a config's evaluation.<these>: the instrument that measures


def pinned_instruments(data: dict) -> dict:
    """A saved config (a run's config.yaml, a checkpoint's) as its run is measured now. An instrument section saved
    without `source` comes from a run made before instruments were pinned: it described an evaluator built on that
    machine by a recipe that is gone, so it is dropped and the shipped instrument measures the run (its earlier
    records name no instrument, and comparisons across them say so)."""
    evaluation = data.get("evaluation")
    if not isinstance(evaluation, dict):
        return data
    return {**data, "evaluation": {key: value for key, value in evaluation.items()
                                   if not (key in INSTRUMENT_SECTIONS and isinstance(value, dict)
                                           and "source" not in value)}}


def check_source(settings: EvaluatorSettings | GenreClassifierSettings, key: str) -> None:
    """A build setting changed while the shipped instrument measures would be silently ignored: refused, naming
    the way to a local build."""
    if settings.source == "local":
        return
    defaults = type(settings)()
    changed = [item.name for item in fields(settings)
               if item.name != "source" and getattr(settings, item.name) != getattr(defaults, item.name)]
    if changed:
        raise ConfigError(f"{key}.{changed[0]}", f"sets how a local instrument is built, but the shipped one "
                                                 f"measures as it was built; drop it, or build a local one with "
                                                 f"--set {key}.source=local")
