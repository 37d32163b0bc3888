"""Helpers several test files share (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from gentool.gan.family import GAN
from gentool.runtime.context import RunContext, StopRequest
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, resume_run, start_run
from gentool.vae.family import VAE

TINY_VAE = {
    "device": "cpu",
    "data": {"phrases_per_genre": 16, "bars_per_phrase": 4},
    "model": {"z_high": 2, "z_low": 4, "hidden": 32},
    "train": {"epochs": 2, "batch_size": 16, "checkpoint_every": 1},
    "anneal": {"schedule": "linear", "warmup_epochs": 2},
    "free_bits": {"high": 0.2, "low": 0.05},
    "evaluation": {"samples_per_genre": 8, "classifier": {"source": "local", "epochs": 15, "hidden": 32}},
}


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
