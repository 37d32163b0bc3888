"""Progress on stderr: rich bars on a terminal, plain log lines otherwise, nothing with --quiet.

stdout is kept for results, so scripts can capture it while people watch progress.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Iterator, Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Mode = Literal["rich", "plain", "quiet"]


def format_stats(stats: dict) -> str:
    parts = []
    for name, value in stats.items():
        if isinstance(value, float):
            parts.append(f"{name} {value:.0f}" if abs(value) >= 100 else f"{name} {value:.3f}")
        else:
            parts.append(f"{name} {value}")
    return "  ".join(parts)


class TrainingProgress:
    """Epoch and batch bars; `advance` once per batch, `epoch_done` once per epoch."""

    def __init__(self, *, reporter: "Reporter", progress: Progress | None, epochs: TaskID | None,
                 batches: TaskID | None, batches_per_epoch: int):
        self._reporter = reporter
        self._progress = progress
        self._epochs = epochs
        self._batches = batches
        self._batches_per_epoch = batches_per_epoch

    def advance(self, stats: dict | None = None) -> None:
        if self._progress is None:
            return
        if stats is not None:
            self._progress.update(self._batches, advance=1, stats=format_stats(stats))
        else:
            self._progress.update(self._batches, advance=1)

    def epoch_done(self, epoch: int, total_epochs: int, stats: dict) -> None:
        if self._progress is not None:
            self._progress.update(self._epochs, advance=1, stats=format_stats(stats))
            self._progress.reset(self._batches, total=self._batches_per_epoch, stats="")
        self._reporter.info(f"epoch {epoch}/{total_epochs}  {format_stats(stats)}", only_plain=True)


class Reporter:
    def __init__(self, mode: Mode = "plain", console: Console | None = None):
        self.mode = mode
        self.console = console or Console(stderr=True, highlight=False)

    @classmethod
    def for_terminal(cls, quiet: bool = False) -> "Reporter":
        if quiet:
            return cls("quiet")
        return cls("rich" if sys.stderr.isatty() else "plain")

    def info(self, text: str, only_plain: bool = False) -> None:
        if self.mode == "quiet" or (only_plain and self.mode != "plain"):
            return
        if self.mode == "rich":
            self.console.print(text, markup=False)
        else:
            print(text, file=sys.stderr, flush=True)

    def _bars(self) -> Progress:
        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), TextColumn("{task.fields[stats]}"), console=self.console,
                        transient=False)

    @contextlib.contextmanager
    def training(self, total_epochs: int, start_epoch: int, batches_per_epoch: int,
                 start_batch: int = 0) -> Iterator[TrainingProgress]:
        if self.mode != "rich":
            yield TrainingProgress(reporter=self, progress=None, epochs=None, batches=None,
                                   batches_per_epoch=batches_per_epoch)
            return
        with self._bars() as progress:
            epochs = progress.add_task("epochs ", total=total_epochs, completed=start_epoch, stats="")
            batches = progress.add_task("batches", total=batches_per_epoch, completed=start_batch, stats="")
            yield TrainingProgress(reporter=self, progress=progress, epochs=epochs, batches=batches,
                                   batches_per_epoch=batches_per_epoch)

    @contextlib.contextmanager
    def task(self, description: str, total: int) -> Iterator["TaskProgress"]:
        """A single bar for finite work (building a dataset, scoring samples). Not on a terminal, a plain line
        at the start and then one every PLAIN_EVERY_S seconds, so a log shows the work is moving."""
        if self.mode == "quiet":
            yield TaskProgress(None, None)
            return
        if self.mode == "plain":
            self.info(f"{description} ...", only_plain=True)
            yield PlainTaskProgress(self, description, total)
            return
        with self._bars() as progress:
            yield TaskProgress(progress, progress.add_task(description, total=total, stats=""))


class TaskProgress:
    def __init__(self, progress: Progress | None, task: TaskID | None):
        self._progress = progress
        self._task = task

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=amount)


PLAIN_EVERY_S = 15.0


class PlainTaskProgress(TaskProgress):
    """Progress as log lines: `training the letter evaluator: 120/600 (20%), 31 s`."""

    def __init__(self, reporter: "Reporter", description: str, total: int):
        super().__init__(None, None)
        self._reporter, self._description, self._total = reporter, description, total
        self._done = 0
        self._started = self._last = time.perf_counter()

    def advance(self, amount: int = 1) -> None:
        self._done += amount
        now = time.perf_counter()
        if now - self._last >= PLAIN_EVERY_S:
            self._last = now
            share = f" ({self._done / self._total:.0%})" if self._total else ""
            self._reporter.info(f"{self._description}: {self._done}/{self._total}{share}, {now - self._started:.0f} s",
                                only_plain=True)


class CountProgress:
    """One bar over a fixed number of items that finish in any order (a sweep's cells): done of total, with
    counts beside it and the time left estimated from the items done so far."""

    def __init__(self, progress: Progress | None, task: TaskID | None):
        self._progress = progress
        self._task = task

    def update(self, done: int, counts: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, stats=counts)


@contextlib.contextmanager
def counting(reporter: Reporter, description: str, total: int, done: int) -> Iterator[CountProgress]:
    """A rich bar on a terminal; otherwise nothing (the caller logs a line per finished item)."""
    if reporter.mode != "rich":
        yield CountProgress(None, None)
        return
    with reporter._bars() as progress:
        yield CountProgress(progress, progress.add_task(description, total=total, completed=done, stats=""))
