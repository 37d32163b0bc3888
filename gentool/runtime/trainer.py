"""The epoch loop every gentool trainer shares: shuffled batches sliced from tensors on the device, live progress,
a NaN guard, Ctrl-C, and checkpoints that let a run stop anywhere and resume to the same weights.

A checkpoint holds everything the next step depends on: the subclass's models and optimisers, every random
state, the epoch's shuffle order and position, and the running sums of the epoch's metrics. So a run stopped
mid-epoch and resumed ends with the same weights as one that never stopped (on CPU, same seed).

Subclasses supply `train_step` (one batch of indices -> metric tensors), `after_epoch` (samples, evaluations),
`is_better` (the best-checkpoint criterion), and their model state.
"""

from __future__ import annotations

import errno
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import torch

from gentool.errors import RunFailure, UsageError
from gentool.runtime.checkpoint import load_checkpoint, save_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.faults import kill_point
from gentool.runtime.precision import autocast, resolve_precision
from gentool.runtime.rundir import RunDir, environment_info
from gentool.runtime.seeding import capture_rng_state, restore_rng_state
from gentool.runtime.tensorboard import open_log

# how often (in steps) running metrics are read back from the device to check and show them: reading them every
# step would make a GPU wait on each step
CHECK_EVERY = 10


class NonFiniteLoss(RunFailure):
    pass


@dataclass
class TrainOutcome:
    status: str  # "completed" or "interrupted"
    summary: dict = field(default_factory=dict)


def full_batches(examples: int, batch_size: int, max_steps: int | None, what: str, hint: str) -> int:
    """Batches per epoch: full batches only (steady batch statistics), capped by max_steps."""
    if examples < batch_size:
        raise UsageError(f"the training split holds {examples} {what}, fewer than train.batch_size={batch_size}; "
                         f"lower --batch-size or {hint}")
    return min(examples // batch_size, max_steps or examples)


class EpochTrainer:
    kind: ClassVar[str]  # the checkpoint kind, e.g. "gan"
    rate_name: ClassVar[str] = "examples_per_s"
    nan_hint: ClassVar[str] = "Lower optim.lr and train again"

    def __init__(self, *, run: RunDir, ctx: RunContext, examples: int, batch_size: int, epochs: int,
                 batches_per_epoch: int, checkpoint_every: int, fingerprint: str, precision: str = "fp32"):
        self.run = run
        self.ctx = ctx
        self.device = ctx.decide_device()
        self.reporter = ctx.reporter
        self.stop = ctx.stop
        self.examples = examples
        self.batch_size = batch_size
        self.epochs = epochs
        self.batches_per_epoch = batches_per_epoch
        self.checkpoint_every = checkpoint_every
        self.fingerprint = fingerprint  # of the dataset: resuming on other data is refused
        self.precision = resolve_precision(precision, self.device)  # "fp32" or "bf16" (autocast)

        self.epoch = 0  # completed epochs
        self.batch = 0  # batches done in the current epoch
        self.global_step = 0
        self.order: torch.Tensor | None = None  # this epoch's shuffle
        self.sums: dict[str, torch.Tensor] = {}  # this epoch's running metric sums, on the device
        self.epoch_seconds = 0.0
        self.elapsed_seconds = 0.0
        self.best: dict = {"epoch": None}
        self.board = None  # a TensorboardLog while run_to_end trains a run that asked for one

    # ------------------------------------------------------------------------------------ what subclasses add

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def after_epoch(self, record: dict) -> None:
        """Add evaluations to the epoch's record, write samples. Runs after `self.epoch` is incremented."""

    def is_better(self, record: dict) -> bool:
        """Whether this epoch's record beats `self.best` (then best.pt is written and `best_of` stored)."""
        return False

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch}

    def model_state(self) -> dict:
        raise NotImplementedError

    def load_model_state(self, state: dict) -> None:
        raise NotImplementedError

    def config_dict(self) -> dict:
        raise NotImplementedError

    def summary_extras(self, records: list[dict]) -> dict:
        """Kind-specific figures for summary.json."""
        return {}

    def on_completed(self, summary: dict) -> None:
        """Work for a finished run (figures), recorded into its summary."""

    # ------------------------------------------------------------------------------------------- whole runs

    def summary(self, status: str, preset: str | None, command: str | None, note: str = "") -> dict:
        records = self.run.read_metrics()
        summary = {
            "kind": self.kind, "status": status, "run": str(self.run.path), "preset": preset, "command": command,
            "seed": self.config_dict()["seed"], "device": str(self.device), "precision": self.precision,
            "epochs": self.epochs,
            "epochs_completed": self.epoch, "steps": self.global_step, "wall_time_s": round(self.elapsed_seconds, 3),
            "final": records[-1] if records else None, "best": self.best, **self.summary_extras(records),
            "environment": environment_info(self.device),
        }
        if note:
            summary["message"] = note
        return summary

    def run_to_end(self, preset: str | None = None, command: str | None = None) -> TrainOutcome:
        """Train, then write summary.json: "completed", "interrupted", or "failed" when a loss turns NaN."""
        self.board = open_log(self.run.path, self.config_dict(), self.epoch)
        try:
            try:
                status = self.fit()
            except NonFiniteLoss as err:
                self.run.write_summary(self.summary("failed", preset, command, note=str(err)))
                raise
            summary = self.summary(status, preset, command)
            if status == "completed":
                self.on_completed(summary)
                if self.board is not None:  # the figures and sounds made at the end
                    self.board.media(self.epoch)
            self.run.write_summary(summary)
            return TrainOutcome(status, summary)
        finally:
            if self.board is not None:
                self.board.close()
                self.board = None

    # ----------------------------------------------------------------------------------------------- the loop

    def fit(self, shown: tuple[str, ...] = ()) -> str:
        """Train up to `self.epochs`; returns "completed", or "interrupted" after saving a checkpoint."""
        with self.reporter.training(self.epochs, self.epoch, self.batches_per_epoch, self.batch) as progress:
            while self.epoch < self.epochs:
                if self.batch == 0:
                    self.order = torch.randperm(self.examples).to(self.device)
                    self.sums = {}
                    self.epoch_seconds = 0.0
                started = time.perf_counter()
                batch_at_start = self.batch  # a resumed epoch starts midway
                while self.batch < self.batches_per_epoch:
                    index = self.order[self.batch * self.batch_size:(self.batch + 1) * self.batch_size]
                    with autocast(self.precision, self.device):
                        step_metrics = self.train_step(index)
                    for name, value in step_metrics.items():
                        self.sums[name] = self.sums.get(name, 0.0) + value
                    self.batch += 1
                    self.global_step += 1
                    if self.batch % CHECK_EVERY == 0:
                        means = self._means()
                        self._stop_if_not_finite(means)
                        done = (self.batch - batch_at_start) * self.batch_size
                        speed = done / max(time.perf_counter() - started, 1e-9)
                        progress.advance(stats={**{k: v for k, v in means.items() if k in shown},
                                                self.rate_name: speed})
                    else:
                        progress.advance()
                    if self.stop.requested:
                        self._add_time(started)
                        self.save_checkpoint(self.run.last_checkpoint)
                        return "interrupted"
                self._add_time(started)
                record = self._epoch_record()
                self._stop_if_not_finite(record)
                self.epoch += 1
                self.batch = 0
                self.after_epoch(record)
                # the record first: a process killed between the two writes resumes from the last checkpoint,
                # which trims this record and writes it again, so no epoch's record is ever lost
                self.run.append_metrics(record)
                if self.board is not None:
                    self.board.epoch(record, self.epoch)
                kill_point("record")
                self._save_epoch_checkpoints(record)
                progress.epoch_done(self.epoch, self.epochs, {k: v for k, v in record.items()
                                                              if k in shown or k == self.rate_name})
        return "completed"

    def _add_time(self, started: float) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        seconds = time.perf_counter() - started
        self.epoch_seconds += seconds
        self.elapsed_seconds += seconds

    def _means(self) -> dict[str, float]:
        if not self.sums:
            return {}
        names = list(self.sums)
        values = (torch.stack([torch.as_tensor(self.sums[n]).float() for n in names]) / max(self.batch, 1)).tolist()
        return dict(zip(names, values))

    def _epoch_record(self) -> dict:
        seen = self.batches_per_epoch * self.batch_size
        return {"epoch": self.epoch + 1, "step": self.global_step, **self._means(),
                "epoch_s": round(self.epoch_seconds, 3), "elapsed_s": round(self.elapsed_seconds, 3),
                self.rate_name: round(seen / max(self.epoch_seconds, 1e-9), 1)}

    def _stop_if_not_finite(self, values: dict) -> None:
        bad = {name: value for name, value in values.items()
               if isinstance(value, float) and not math.isfinite(value)}
        if not bad:
            return
        name, value = next(iter(bad.items()))
        kept = (f"its last good checkpoint ({self.run.last_checkpoint}, after epoch {self.epoch}) is kept"
                if self.run.last_checkpoint.exists() else "no checkpoint had been written yet")
        raise NonFiniteLoss(f"{name} became {value} in epoch {self.epoch + 1} (by step {self.global_step}); "
                            f"the run stopped and {kept}. {self.nan_hint}")

    def _save_epoch_checkpoints(self, record: dict) -> None:
        try:
            self._write_epoch_checkpoints(record)
        except OSError as err:
            if err.errno != errno.ENOSPC:
                raise
            kept = (f"the last checkpoint ({self.run.last_checkpoint}, epoch {self.epoch - 1}) is intact"
                    if self.run.last_checkpoint.exists() else "no checkpoint had been written yet")
            raise RunFailure(f"no space left on the device while writing the checkpoints of epoch {self.epoch} in "
                             f"{self.run.checkpoints}; {kept}: free some space and continue with --resume "
                             f"{self.run.path}") from None

    def _write_epoch_checkpoints(self, record: dict) -> None:
        if self.is_better(record):
            self.best = self.best_of(record)
            self.save_checkpoint(self.run.checkpoints / "best.pt")
            kill_point("best")
        self.save_checkpoint(self.run.last_checkpoint)
        kill_point("last")
        if self.epoch % self.checkpoint_every == 0:
            self.save_checkpoint(self.run.checkpoints / f"epoch_{self.epoch:04d}.pt")

    # ------------------------------------------------------------------------------------------- checkpoints

    def state_dict(self) -> dict:
        return {
            "epoch": self.epoch, "batch": self.batch, "global_step": self.global_step,
            "elapsed_s": self.elapsed_seconds, "epoch_s": self.epoch_seconds, "rng": capture_rng_state(),
            "order": self.order if self.batch else None,
            "sums": {name: torch.as_tensor(value) for name, value in self.sums.items()} if self.batch else {},
            "config": self.config_dict(), "dataset_fingerprint": self.fingerprint, "best": dict(self.best),
            **self.model_state(),
        }

    def save_checkpoint(self, path: Path) -> Path:
        return save_checkpoint(path, self.kind, self.state_dict())

    def resume_from_last(self) -> "EpochTrainer":
        """Continue from run/checkpoints/last.pt (this trainer's config is the run's own, maybe with more epochs)."""
        state = load_checkpoint(self.run.last_checkpoint, self.kind, map_location=self.device)
        self.load_state_dict(state, self.run.last_checkpoint)
        if self.epoch > self.epochs:  # checked before anything in the folder is rewritten
            raise UsageError(f"run '{self.run.path}' has done {self.epoch} epochs, more than the {self.epochs} asked "
                             f"for; give --epochs {self.epoch} or more to train it further")
        # records past the checkpoint (written after it, before a crash) will be written again
        self.run.keep_metrics(lambda record: record.get("epoch", 0) <= self.epoch)
        self.run.write_config(self.config_dict())
        return self

    def load_state_dict(self, state: dict, source: Path) -> None:
        if state["dataset_fingerprint"] != self.fingerprint:
            raise UsageError(f"checkpoint '{source}' was trained on dataset {state['dataset_fingerprint']}, but "
                             f"these inputs give {self.fingerprint} (its files or data settings changed); resume "
                             f"with the same data, or start a new run")
        try:
            self.load_model_state(state)
        except (RuntimeError, KeyError, ValueError) as err:
            raise UsageError(f"checkpoint '{source}' does not match this run's model config "
                             f"({str(err).splitlines()[0][:160]}); resume it with its own config.yaml") from None
        self.epoch, self.batch = state["epoch"], state["batch"]
        self.global_step = state["global_step"]
        self.elapsed_seconds, self.epoch_seconds = state["elapsed_s"], state["epoch_s"]
        self.order = state["order"].to(self.device) if state["order"] is not None else None
        self.sums = {name: value.to(self.device) for name, value in state["sums"].items()}
        self.best = dict(state["best"])
        restore_rng_state(state["rng"])
