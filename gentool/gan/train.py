"""GAN training: each step updates D, then G; every enabled fix adjusts the two losses through its hooks.

The training split sits on the device as one tensor; the shared epoch loop (gentool.runtime.trainer) shuffles
indices there and slices batches, so no per-item decoding and no DataLoader, and its checkpoints resume a run to
the same weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from gentool.config import load_yaml_file
from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataset
from gentool.evaluate.coverage import generate, measure
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.letters import LetterEvaluator
from gentool.gan.config import GanConfig, build_gan_config, gan_config_dict
from gentool.gan.fixes import StepContext, build_fixes
from gentool.gan.models import Discriminator, Generator, count_parameters
from gentool.gan.report import write_run_figures
from gentool.io.images import save_grid, to_unit_range
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.progress import Reporter
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer, StopRequest, TrainOutcome, full_batches

CHECKPOINT_KIND = "gan"
SHOWN = ("loss_d", "loss_g", "d_real", "d_fake", "fm_distance", "letters_covered", "letter_fid")
# evaluation noise has its own stream, offset from the training seed: the same z at every evaluation of a run
EVAL_SEED_OFFSET = 1_000_003



def build_models(config: GanConfig, device: torch.device) -> tuple[Generator, Discriminator]:
    classes = len(LETTERS) if config.model.conditional else 0
    generator = Generator(config.model.z_dim, config.model.g_width, classes).to(device)
    discriminator = Discriminator(config.model.d_width, classes).to(device)
    return generator, discriminator


def batches_per_epoch(config: GanConfig, dataset: FontDataset) -> int:
    return full_batches(int((~dataset.is_val).sum()), config.train.batch_size, config.train.max_steps_per_epoch,
                        "images", "raise data.samples_per_glyph")


class GanTrainer(EpochTrainer):
    kind = CHECKPOINT_KIND
    rate_name = "images_per_s"
    nan_hint = "Lower optim.lr or add a fix (--fix feature-matching) and train again"

    def __init__(self, config: GanConfig, dataset: FontDataset, device: torch.device, run: RunDir,
                 reporter: Reporter | None = None, stop: StopRequest | None = None,
                 evaluator: LetterEvaluator | None = None):
        if config.evaluation.every and evaluator is None:
            raise ValueError("evaluation.every > 0 needs a letter evaluator (load_letter_evaluator)")
        super().__init__(run, device, reporter, stop, int((~dataset.is_val).sum()), config.train.batch_size,
                         config.train.epochs, batches_per_epoch(config, dataset), config.train.checkpoint_every,
                         dataset.fingerprint)
        self.config = config
        self.evaluator = evaluator
        self.dataset = dataset
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
        if evaluator is not None:  # best.pt: most letters covered, then lowest letter FID
            self.best = {"epoch": None, "letters_covered": -1, "letter_fid": None}

    # ------------------------------------------------------------------------------------------------ one step

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        batch_size = len(index)
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

    def fit(self) -> str:
        return super().fit(SHOWN)

    # ------------------------------------------------------------------------------------------ end of epoch

    def after_epoch(self, record: dict) -> None:
        train = self.config.train
        if self.epoch in train.sample_epochs or self.epoch == train.epochs:
            self.save_samples(self.run.samples / f"epoch_{self.epoch:04d}.png")
        every = self.config.evaluation.every
        if every and (self.epoch % every == 0 or self.epoch == train.epochs):
            record.update(self.evaluate())

    def evaluate(self) -> dict:
        """Coverage of the current generator on fresh samples (its own noise stream; training state untouched)."""
        config = self.config
        images = generate(self.generator, config.evaluation.samples, config.model.z_dim, config.model.conditional,
                          config.seed + EVAL_SEED_OFFSET, self.device)
        report, _ = measure(images, self.evaluator, config.evaluation)
        keys = ("letters_covered", "coverage", "entropy", "kl_uniform", "confident_share", "not_letter_share",
                "letter_fid", "missing", "letter_counts")
        return {key: report[key] for key in keys}

    def save_samples(self, path: Path) -> Path:
        """The fixed-noise grid, generated in eval mode so sampling never changes the model's state."""
        self.generator.eval()
        with torch.no_grad():
            labels = self.fixed_labels if self.config.model.conditional else None
            images = self.generator(self.fixed_noise, labels)
        self.generator.train()
        return save_grid(path, to_unit_range(images), nrow=8)

    def is_better(self, record: dict) -> bool:
        """Most letters covered; ties go to the lower letter FID."""
        if "letters_covered" not in record:
            return False
        if record["letters_covered"] != self.best["letters_covered"]:
            return record["letters_covered"] > self.best["letters_covered"]
        return record["letter_fid"] < self.best["letter_fid"]

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, "letters_covered": record["letters_covered"], "letter_fid": record["letter_fid"]}

    # ------------------------------------------------------------------------------------------- checkpoints

    def model_state(self) -> dict:
        return {"generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "fixed_noise": self.fixed_noise, "fixed_labels": self.fixed_labels}

    def load_model_state(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.fixed_labels = state["fixed_labels"].to(self.device)

    def config_dict(self) -> dict:
        return gan_config_dict(self.config)

    def summary_extras(self, records: list[dict]) -> dict:
        speeds = [r["images_per_s"] for r in records if "images_per_s" in r]
        extras = {
            "fixes": list(self.config.fixes), "conditional": self.config.model.conditional,
            "images_per_s": round(sum(speeds) / len(speeds), 1) if speeds else None,
            "parameters": {"generator": count_parameters(self.generator),
                           "discriminator": count_parameters(self.discriminator)},
            "dataset": {"fingerprint": self.dataset.fingerprint, "path": str(self.dataset.path),
                        "train_images": len(self.images), "batches_per_epoch": self.batches_per_epoch},
            "samples": sorted(p.name for p in self.run.samples.glob("*.png")),
        }
        if self.evaluator is not None:
            extras["collapse_onset_epoch"] = collapse_onset(records, self.config.evaluation.collapse_drop)
            extras["evaluator"] = {"path": str(self.evaluator.path),
                                   "held_out_accuracy": self.evaluator.report["held_out"]["accuracy"]}
        return extras

    def on_completed(self, summary: dict) -> None:
        if self.evaluator is not None:
            summary["figures"] = [str(p) for p in write_run_figures(self.run, self.config, self.generator,
                                                                    self.evaluator)]


# ---------------------------------------------------------------------------------------------- whole runs

def new_trainer(config: GanConfig, run: RunDir, dataset: FontDataset, device: torch.device,
                reporter: Reporter | None = None, stop: StopRequest | None = None,
                evaluator: LetterEvaluator | None = None) -> GanTrainer:
    run.write_config(gan_config_dict(config))
    return GanTrainer(config, dataset, device, run, reporter, stop, evaluator)


def resumed_trainer(run: RunDir, config: GanConfig, dataset: FontDataset, device: torch.device,
                    reporter: Reporter | None = None, stop: StopRequest | None = None,
                    evaluator: LetterEvaluator | None = None) -> GanTrainer:
    """A trainer at run/checkpoints/last.pt. `config` is the run's own, possibly with more epochs."""
    return GanTrainer(config, dataset, device, run, reporter, stop, evaluator).resume_from_last()


def read_run_config(run: RunDir) -> GanConfig:
    return build_gan_config(load_yaml_file(run.config_path))


def start_gan_run(config: GanConfig, run: RunDir, dataset: FontDataset, device: torch.device,
                  reporter: Reporter | None = None, stop: StopRequest | None = None, preset: str | None = None,
                  command: str | None = None, evaluator: LetterEvaluator | None = None) -> TrainOutcome:
    return new_trainer(config, run, dataset, device, reporter, stop, evaluator).run_to_end(preset, command)


def resume_gan_run(run: RunDir, config: GanConfig, dataset: FontDataset, device: torch.device,
                   reporter: Reporter | None = None, stop: StopRequest | None = None,
                   command: str | None = None, evaluator: LetterEvaluator | None = None) -> TrainOutcome:
    trainer = resumed_trainer(run, config, dataset, device, reporter, stop, evaluator)
    return trainer.run_to_end(run.previous_preset(), command)


def load_generator(path: str | Path, device: torch.device | str = "cpu") -> tuple[Generator, GanConfig]:
    """A trained generator (eval mode) and its config, from any GAN checkpoint."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location=device)
    config = build_gan_config(state["config"])
    generator, _ = build_models(config, torch.device(device))
    generator.load_state_dict(state["generator"])
    return generator.eval(), config
