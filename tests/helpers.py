"""Helpers several test files share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

from gentool.config import deep_merge
from gentool.gan.config import gan_config_dict, resolve_gan_config
from gentool.gan.family import GAN
from gentool.presets import load_preset
from gentool.runtime.context import RunContext, StopRequest
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, resume_run, start_run
from gentool.vae.family import VAE

TINY_VAE = {
    "device": "cpu",
    "drums": {"phrases_per_genre": 16, "bars_per_phrase": 4},
    "model": {"z_high": 2, "z_low": 4, "hidden": 32},
    "train": {"epochs": 2, "batch_size": 16, "checkpoint_every": 1},
    "anneal": {"schedule": "linear", "warmup_epochs": 2},
    "free_bits": {"high": 0.2, "low": 0.05},
    "evaluation": {"samples_per_genre": 8, "classifier": {"source": "local", "epochs": 15, "hidden": 32}},
}

# a local letter or digit evaluator of the tiny fonts, built in seconds: runs otherwise measure with the shipped one
TINY_EVALUATOR = {"source": "local", "samples_per_glyph": 12, "epochs": 8, "batch_size": 64}
TINY_LETTER_EVALUATOR = {**TINY_EVALUATOR, "letter_fonts": []}  # without other families' capitals: seconds


def tiny_font_data(fonts_dir: Path) -> dict:
    """A config's font data on the tiny font set (conftest's tiny_fonts_dir): 3 renderings a glyph, a quarter held
    out."""
    return {"matplotlib_fonts": False, "fonts_dirs": [str(fonts_dir)], "samples_per_glyph": 3, "val_fraction": 0.25}


def tiny_2d(dataset: str = "ring8", **sections) -> dict:
    """The shipped `tiny` preset (a small 2-D GAN) on `dataset`, its regime underneath, resolved on the CPU as a
    config mapping for build_gan_config; `sections` are merged in key by key: tiny_2d(train={"epochs": 4})
    changes train.epochs alone."""
    config = resolve_gan_config("tiny", flags={"device": "cpu", "dataset": dataset})
    return deep_merge(gan_config_dict(config), sections)


def dotted(mapping: dict, prefix: str = "") -> list[str]:
    """{'a': {'b': 1}} -> ['a.b=1'], as --set and --grid take keys."""
    items = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            items += dotted(value, f"{prefix}{key}.")
        else:
            items.append(f"{prefix}{key}={json.dumps(value)}")
    return items


# the tiny preset's sizes as --set assignments, to lay over any preset and 2-D dataset (its dataset and number of
# epochs are left to the command)
TINY_2D = [item for item in dotted({key: value for key, value in load_preset("gan", "tiny").items()
                                    if key != "dataset"}) if not item.startswith("train.epochs=")]
TINY_2D_ARGS = [part for item in TINY_2D for part in ("--set", item)]


class StopAfter(StopRequest):
    """Asks the trainer to stop once it has checked `steps` times (once per step)."""

    def __init__(self, steps: int):
        super().__init__()
        self.steps = steps

    @property
    def requested(self) -> bool:
        self.steps -= 1
        return self.steps <= 0

    @requested.setter
    def requested(self, value: bool) -> None:
        pass


def cpu_context(data_dir: Path | None = None, stop: StopRequest | None = None) -> RunContext:
    return RunContext.on("cpu", data_dir=data_dir, stop=stop or StopRequest())


def start(family: Family, config, run: RunDir, data_dir: Path | None = None, stop: StopRequest | None = None,
          **options):
    """A new run of `config` into the folder `run` names, on CPU, through the shared run path."""
    return start_run(family, config, cpu_context(data_dir, stop), out=run.path, **options)


def resume(family: Family, run: RunDir, data_dir: Path | None = None, epochs: int | None = None):
    return resume_run(family, run.path, cpu_context(data_dir), epochs=epochs)


def start_gan(config, run: RunDir, data_dir: Path | None = None, stop: StopRequest | None = None, **options):
    return start(GAN, config, run, data_dir, stop, **options)


def start_vae(config, run: RunDir, data_dir: Path | None = None, stop: StopRequest | None = None, **options):
    return start(VAE, config, run, data_dir, stop, **options)


def at_80_columns(items) -> str:
    """What a view prints (rich tables and lines) as an 80-column terminal shows it."""
    import io

    from rich.console import Console

    console = Console(width=80, file=io.StringIO(), record=True, highlight=False)
    for item in items:
        console.print(item)
    return console.export_text()


def assert_tables_fit_80_columns(text: str) -> None:
    """Every table line fits and no cell was cut short ('…'). Plain lines may be longer: the terminal wraps them."""
    for line in text.splitlines():
        if line[:1] in "┏┃┡│└ " and line.strip():
            assert len(line.rstrip()) <= 80, line
    assert "…" not in text, text
