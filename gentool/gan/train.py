"""GAN training: each step updates D, then G; every enabled fix adjusts the two losses through its hooks.

The training split sits on the device as one tensor; each epoch shuffles indices there and slices batches, so no
per-item decoding and no DataLoader. A checkpoint holds everything the next step depends on (models, optimisers,
random states, the epoch's shuffle order and position, the running sums of the epoch's metrics), so a run stopped
mid-epoch and resumed ends with the same weights as one that never stopped (on CPU, same seed).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from gentool.datasets.fonts import FontDataset
from gentool.datasets.font_faces import LETTERS
from gentool.config import load_yaml_file
from gentool.errors import RunFailure, UsageError
from gentool.evaluate.coverage import generate, measure
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.letters import LetterEvaluator
from gentool.gan.config import GanConfig, build_gan_config, gan_config_dict
from gentool.gan.fixes import StepContext, build_fixes
from gentool.gan.models import Discriminator, Generator, count_parameters
from gentool.gan.report import write_run_figures
from gentool.io.images import save_grid, to_unit_range
from gentool.runtime.checkpoint import load_checkpoint, save_checkpoint
from gentool.runtime.progress import Reporter
from gentool.runtime.rundir import RunDir, environment_info
from gentool.runtime.seeding import capture_rng_state, restore_rng_state, set_seed

CHECKPOINT_KIND = "gan"
SHOWN = ("loss_d", "loss_g", "d_real", "d_fake", "fm_distance", "images_per_s", "letters_covered", "letter_fid")
# how often (in steps) running losses are read back from the device to check them and show them: reading them
# every step would make a GPU wait on each step
CHECK_EVERY = 10
# evaluation noise has its own stream, offset from the training seed: the same z at every evaluation of a run
EVAL_SEED_OFFSET = 1_000_003


@dataclass
class StopRequest:
    """Set by the Ctrl-C handler; the trainer finishes its step, saves a checkpoint and returns."""

    requested: bool = False


class NonFiniteLoss(RunFailure):
    pass


@dataclass
class TrainOutcome:
    status: str  # "completed" or "interrupted"
    summary: dict = field(default_factory=dict)


def build_models(config: GanConfig, device: torch.device) -> tuple[Generator, Discriminator]:
    classes = len(LETTERS) if config.model.conditional else 0
    generator = Generator(config.model.z_dim, config.model.g_width, classes).to(device)
    discriminator = Discriminator(config.model.d_width, classes).to(device)
    return generator, discriminator


def batches_per_epoch(config: GanConfig, dataset: FontDataset) -> int:
    """Full batches only (steady batch-norm statistics), capped by train.max_steps_per_epoch."""
    images = int((~dataset.is_val).sum())
    batch_size = config.train.batch_size
    if images < batch_size:
        raise UsageError(f"the training split holds {images} images, fewer than train.batch_size={batch_size}; "
                         f"lower --batch-size or raise data.samples_per_glyph")
    return min(images // batch_size, config.train.max_steps_per_epoch or images)


class GanTrainer:
    def __init__(self, config: GanConfig, dataset: FontDataset, device: torch.device, run: RunDir,
                 reporter: Reporter | None = None, stop: StopRequest | None = None,
                 evaluator: LetterEvaluator | None = None):
        if config.evaluation.every and evaluator is None:
            raise ValueError("evaluation.every > 0 needs a letter evaluator (load_letter_evaluator)")
        self.config = config
        self.evaluator = evaluator
        self.dataset = dataset
        self.device = device
        self.run = run
        self.reporter = reporter or Reporter("quiet")
        self.stop = stop or StopRequest()

        self.batches_per_epoch = batches_per_epoch(config, dataset)
        self.images, self.labels = dataset.tensors("train", device)  # (N, 1, 28, 28) in [-1, 1], (N,)

        set_seed(config.seed)
        self.generator, self.discriminator = build_models(config, device)
        betas = (config.optim.beta1, config.optim.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.optim.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.optim.lr, betas=betas)
        self.fixes = build_fixes(config.fixes, config.fix_options)

        # fixed noise from its own generator: the same grid inputs for every run with this seed
        noise_rng = torch.Generator().manual_seed(config.seed)
        self.fixed_noise = torch.randn(config.train.sample_count, config.model.z_dim, generator=noise_rng).to(device)
        self.fixed_labels = (torch.arange(config.train.sample_count) % len(LETTERS)).to(device)

        self.epoch = 0  # completed epochs
        self.batch = 0  # batches done in the current epoch
        self.global_step = 0
        self.order: torch.Tensor | None = None  # this epoch's shuffle
        self.sums: dict[str, torch.Tensor] = {}  # this epoch's running metric sums, on the device
        self.epoch_seconds = 0.0
        self.elapsed_seconds = 0.0
        self.best = {"epoch": None, "letters_covered": -1, "letter_fid": None}  # by coverage, then letter FID

    # ------------------------------------------------------------------------------------------------ one step

    def train_step(self, batch_index: int) -> dict[str, torch.Tensor]:
        batch_size = self.config.train.batch_size
        index = self.order[batch_index * batch_size:(batch_index + 1) * batch_size]
        real = self.images[index]  # (B, 1, 28, 28)
        conditional = self.config.model.conditional
        real_labels = self.labels[index] if conditional else None
        z = torch.randn(batch_size, self.config.model.z_dim, device=self.device)
        fake_labels = torch.randint(0, len(LETTERS), (batch_size,), device=self.device) if conditional else None
        fake = self.generator(z, fake_labels)  # (B, 1, 28, 28)
        step = StepContext(real, real_labels, fake, fake_labels, self.generator, self.discriminator)
        metrics: dict[str, torch.Tensor] = {}
        ones = torch.ones(batch_size, device=self.device)
        zeros = torch.zeros(batch_size, device=self.device)

        # (1) update D: real -> 1, fake -> 0
        d_real = self.discriminator(real, real_labels)
        d_fake = self.discriminator(fake.detach(), fake_labels)
        loss_d = (F.binary_cross_entropy_with_logits(d_real.logits, ones)
                  + F.binary_cross_entropy_with_logits(d_fake.logits, zeros))
        for fix in self.fixes:
            loss_d = fix.discriminator_loss(step, loss_d, d_real, d_fake, metrics)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()

        # (2) update G: make the updated D call the fakes real
        d_gen = self.discriminator(fake, fake_labels)
        loss_g = F.binary_cross_entropy_with_logits(d_gen.logits, ones)
        for fix in self.fixes:
            loss_g = fix.generator_loss(step, loss_g, d_gen, metrics)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()

        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(),
                "d_real": torch.sigmoid(d_real.logits).mean().detach(),
                "d_fake": torch.sigmoid(d_fake.logits).mean().detach(), **metrics}

    # ----------------------------------------------------------------------------------------------- the loop

    def fit(self) -> str:
        """Train up to config.train.epochs; returns "completed", or "interrupted" after saving a checkpoint."""
        total = self.config.train.epochs
        with self.reporter.training(total, self.epoch, self.batches_per_epoch, self.batch) as progress:
            while self.epoch < total:
                if self.batch == 0:
                    self.order = torch.randperm(len(self.images)).to(self.device)
                    self.sums = {}
                    self.epoch_seconds = 0.0
                started = time.perf_counter()
                batch_at_start = self.batch  # a resumed epoch starts midway
                while self.batch < self.batches_per_epoch:
                    for name, value in self.train_step(self.batch).items():
                        self.sums[name] = self.sums.get(name, 0.0) + value
                    self.batch += 1
                    self.global_step += 1
                    if self.batch % CHECK_EVERY == 0:
                        means = self._means()
                        self._stop_if_not_finite(means)
                        images = (self.batch - batch_at_start) * self.config.train.batch_size
                        speed = images / max(time.perf_counter() - started, 1e-9)
                        progress.advance(stats={**means, "img/s": speed})
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
                self._write_samples_if_due()
                if self._evaluation_due():
                    record.update(self.evaluate())
                self._save_epoch_checkpoints(record)
                self.run.append_metrics(record)
                progress.epoch_done(self.epoch, total, {k: v for k, v in record.items() if k in SHOWN})
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
        values = (torch.stack([torch.as_tensor(self.sums[n]) for n in names]) / max(self.batch, 1)).tolist()
        return dict(zip(names, values))

    def _epoch_record(self) -> dict:
        images = self.batches_per_epoch * self.config.train.batch_size
        return {"epoch": self.epoch + 1, "step": self.global_step, **self._means(),
                "epoch_s": round(self.epoch_seconds, 3), "elapsed_s": round(self.elapsed_seconds, 3),
                "images_per_s": round(images / max(self.epoch_seconds, 1e-9), 1)}

    def _stop_if_not_finite(self, values: dict[str, float]) -> None:
        bad = {name: value for name, value in values.items()
               if isinstance(value, float) and not math.isfinite(value)}
        if not bad:
            return
        name, value = next(iter(bad.items()))
        kept = (f"its last good checkpoint ({self.run.last_checkpoint}, after epoch {self.epoch}) is kept"
                if self.run.last_checkpoint.exists() else "no checkpoint had been written yet")
        raise NonFiniteLoss(f"{name} became {value} in epoch {self.epoch + 1} (by step {self.global_step}); "
                            f"the run stopped and {kept}. Lower optim.lr or add a fix (--fix feature-matching) "
                            f"and train again")

    def _evaluation_due(self) -> bool:
        every = self.config.evaluation.every
        return bool(every) and (self.epoch % every == 0 or self.epoch == self.config.train.epochs)

    def evaluate(self) -> dict:
        """Coverage of the current generator on fresh samples (its own noise stream; training state untouched)."""
        config = self.config
        images = generate(self.generator, config.evaluation.samples, config.model.z_dim, config.model.conditional,
                          config.seed + EVAL_SEED_OFFSET, self.device)
        report, _ = measure(images, self.evaluator, config.evaluation)
        keys = ("letters_covered", "coverage", "entropy", "kl_uniform", "confident_share", "not_letter_share",
                "letter_fid", "missing", "letter_counts")
        return {key: report[key] for key in keys}

    def _write_samples_if_due(self) -> None:
        train = self.config.train
        if self.epoch in train.sample_epochs or self.epoch == train.epochs:
            self.save_samples(self.run.samples / f"epoch_{self.epoch:04d}.png")

    def save_samples(self, path: Path) -> Path:
        """The fixed-noise grid, generated in eval mode so sampling never changes the model's state."""
        self.generator.eval()
        with torch.no_grad():
            labels = self.fixed_labels if self.config.model.conditional else None
            images = self.generator(self.fixed_noise, labels)
        self.generator.train()
        return save_grid(path, to_unit_range(images), nrow=8)

    def _save_epoch_checkpoints(self, record: dict) -> None:
        if "letters_covered" in record and self._better_than_best(record):
            self.best = {"epoch": self.epoch, "letters_covered": record["letters_covered"],
                         "letter_fid": record["letter_fid"]}
            self.save_checkpoint(self.run.checkpoints / "best.pt")
        self.save_checkpoint(self.run.last_checkpoint)
        if self.epoch % self.config.train.checkpoint_every == 0:
            self.save_checkpoint(self.run.checkpoints / f"epoch_{self.epoch:04d}.pt")

    def _better_than_best(self, record: dict) -> bool:
        if record["letters_covered"] != self.best["letters_covered"]:
            return record["letters_covered"] > self.best["letters_covered"]
        return record["letter_fid"] < self.best["letter_fid"]

    # ------------------------------------------------------------------------------------------- checkpoints

    def state_dict(self) -> dict:
        return {
            "epoch": self.epoch, "batch": self.batch, "global_step": self.global_step,
            "elapsed_s": self.elapsed_seconds, "epoch_s": self.epoch_seconds,
            "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "rng": capture_rng_state(),
            "order": self.order if self.batch else None,
            "sums": {name: torch.as_tensor(value) for name, value in self.sums.items()} if self.batch else {},
            "fixed_noise": self.fixed_noise, "fixed_labels": self.fixed_labels,
            "config": gan_config_dict(self.config), "dataset_fingerprint": self.dataset.fingerprint,
            "best": dict(self.best),
        }

    def save_checkpoint(self, path: Path) -> Path:
        return save_checkpoint(path, CHECKPOINT_KIND, self.state_dict())

    def load_state_dict(self, state: dict, source: Path) -> None:
        if state["dataset_fingerprint"] != self.dataset.fingerprint:
            raise UsageError(f"checkpoint '{source}' was trained on letter dataset {state['dataset_fingerprint']}, "
                             f"but these inputs give {self.dataset.fingerprint} (font files or data settings "
                             f"changed); resume with the same fonts, or start a new run")
        try:
            self.generator.load_state_dict(state["generator"])
            self.discriminator.load_state_dict(state["discriminator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        except (RuntimeError, KeyError, ValueError) as err:
            raise UsageError(f"checkpoint '{source}' does not match this run's model config "
                             f"({str(err).splitlines()[0][:160]}); resume it with its own config.yaml") from None
        self.epoch, self.batch = state["epoch"], state["batch"]
        self.global_step = state["global_step"]
        self.elapsed_seconds, self.epoch_seconds = state["elapsed_s"], state["epoch_s"]
        self.order = state["order"].to(self.device) if state["order"] is not None else None
        self.sums = {name: value.to(self.device) for name, value in state["sums"].items()}
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.fixed_labels = state["fixed_labels"].to(self.device)
        self.best = dict(state["best"])
        restore_rng_state(state["rng"])


# ---------------------------------------------------------------------------------------------- whole runs

def _summary(trainer: GanTrainer, status: str, preset: str | None, command: str | None, note: str = "") -> dict:
    records = trainer.run.read_metrics()
    speeds = [r["images_per_s"] for r in records if "images_per_s" in r]
    summary = {
        "kind": CHECKPOINT_KIND, "status": status, "run": str(trainer.run.path), "preset": preset,
        "command": command, "seed": trainer.config.seed, "device": str(trainer.device),
        "epochs": trainer.config.train.epochs, "epochs_completed": trainer.epoch, "steps": trainer.global_step,
        "fixes": list(trainer.config.fixes), "conditional": trainer.config.model.conditional,
        "wall_time_s": round(trainer.elapsed_seconds, 3),
        "images_per_s": round(sum(speeds) / len(speeds), 1) if speeds else None,
        "final": records[-1] if records else None,
        "parameters": {"generator": count_parameters(trainer.generator),
                       "discriminator": count_parameters(trainer.discriminator)},
        "dataset": {"fingerprint": trainer.dataset.fingerprint, "path": str(trainer.dataset.path),
                    "train_images": len(trainer.images), "batches_per_epoch": trainer.batches_per_epoch},
        "samples": sorted(p.name for p in trainer.run.samples.glob("*.png")),
        "environment": environment_info(trainer.device),
    }
    if trainer.evaluator is not None:
        summary["best"] = trainer.best
        summary["collapse_onset_epoch"] = collapse_onset(records, trainer.config.evaluation.collapse_drop)
        summary["evaluator"] = {"path": str(trainer.evaluator.path),
                                "held_out_accuracy": trainer.evaluator.report["held_out"]["accuracy"]}
    if note:
        summary["message"] = note
    return summary


def fit_and_record(trainer: GanTrainer, preset: str | None = None, command: str | None = None) -> TrainOutcome:
    """Train, then write summary.json (also when a loss turns NaN, with status "failed")."""
    try:
        status = trainer.fit()
    except NonFiniteLoss as err:
        trainer.run.write_summary(_summary(trainer, "failed", preset, command, note=str(err)))
        raise
    summary = _summary(trainer, status, preset, command)
    if status == "completed" and trainer.evaluator is not None:
        summary["figures"] = [str(p) for p in write_run_figures(trainer.run, trainer.config, trainer.generator,
                                                                trainer.evaluator)]
    trainer.run.write_summary(summary)
    return TrainOutcome(status, summary)


def new_trainer(config: GanConfig, run: RunDir, dataset: FontDataset, device: torch.device,
                reporter: Reporter | None = None, stop: StopRequest | None = None,
                evaluator: LetterEvaluator | None = None) -> GanTrainer:
    run.write_config(gan_config_dict(config))
    return GanTrainer(config, dataset, device, run, reporter, stop, evaluator)


def resumed_trainer(run: RunDir, config: GanConfig, dataset: FontDataset, device: torch.device,
                    reporter: Reporter | None = None, stop: StopRequest | None = None,
                    evaluator: LetterEvaluator | None = None) -> GanTrainer:
    """A trainer at run/checkpoints/last.pt. `config` is the run's own, possibly with more epochs."""
    state = load_checkpoint(run.last_checkpoint, CHECKPOINT_KIND, map_location=device)
    trainer = GanTrainer(config, dataset, device, run, reporter, stop, evaluator)
    trainer.load_state_dict(state, run.last_checkpoint)
    # records past the checkpoint (written after it, before a crash) will be written again
    run.keep_metrics(lambda record: record.get("epoch", 0) <= trainer.epoch)
    run.write_config(gan_config_dict(config))
    return trainer


def previous_preset(run: RunDir) -> str | None:
    if not run.summary_path.is_file():
        return None
    try:
        return json.loads(run.summary_path.read_text(encoding="utf-8")).get("preset")
    except (OSError, ValueError):
        return None


def read_run_config(run: RunDir) -> GanConfig:
    return build_gan_config(load_yaml_file(run.config_path))


def start_gan_run(config: GanConfig, run: RunDir, dataset: FontDataset, device: torch.device,
                  reporter: Reporter | None = None, stop: StopRequest | None = None, preset: str | None = None,
                  command: str | None = None, evaluator: LetterEvaluator | None = None) -> TrainOutcome:
    return fit_and_record(new_trainer(config, run, dataset, device, reporter, stop, evaluator), preset, command)


def resume_gan_run(run: RunDir, config: GanConfig, dataset: FontDataset, device: torch.device,
                   reporter: Reporter | None = None, stop: StopRequest | None = None,
                   command: str | None = None, evaluator: LetterEvaluator | None = None) -> TrainOutcome:
    trainer = resumed_trainer(run, config, dataset, device, reporter, stop, evaluator)
    return fit_and_record(trainer, previous_preset(run), command)


def load_generator(path: str | Path, device: torch.device | str = "cpu") -> tuple[Generator, GanConfig]:
    """A trained generator (eval mode) and its config, from any GAN checkpoint."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location=device)
    config = build_gan_config(state["config"])
    generator, _ = build_models(config, torch.device(device))
    generator.load_state_dict(state["generator"])
    return generator.eval(), config
