"""Training the letter VAE: the same ELBO, KL schedules, free bits and epoch loop as the drum VAE, on 28x28 letters,
measured like the letter GAN.

loss = reconstruction (Bernoulli, nats per image) + beta * sum_d max(lambda, KL_d), KL_d each latent dimension's
batch-mean KL (free bits per dimension, free_bits.z). Every epoch records on the held-out fonts: reconstruction,
KL and their sum, the negative ELBO (beta = 1), and active units; every `evaluation.every` epochs and at the last,
the GAN's letter measurements of samples from the prior (letters covered, entropy, letter FID, recognisable share,
sharpness) on the same noise each time. best.pt keeps the lowest held-out negative ELBO.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from gentool.datasets.fonts import FontDataset, load_font_dataset
from gentool.evaluate.coverage import RECORD_KEYS, generate, measure
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.letter_figures import write_run_figures
from gentool.evaluate.letters import LetterEvaluator, load_letter_evaluator
from gentool.io.images import save_grid
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import full_batches
from gentool.vae.config import LetterVaeConfig, read_saved_config
from gentool.vae.letter_model import LetterSampler, LetterVAE
from gentool.vae.measure import ACTIVE_THRESHOLD
from gentool.vae.model import kl_standard_normal
from gentool.vae.train import CHECKPOINT_KIND, ElboTrainer

SHOWN = ("loss", "recon", "kl", "beta", "letters_covered", "letter_fid")
# evaluation noise has its own stream, offset from the training seed: the same z at every evaluation of a run
# (the GAN's offset, so a GAN and a VAE of one seed and z size are scored on the same noise)
EVAL_SEED_OFFSET = 1_000_003
HELD_OUT_SEED_OFFSET = 2_000_003  # the held-out posterior draws: their own stream, the training stream untouched
SAMPLE_GRID = 64


def evaluation_noise(config: LetterVaeConfig) -> dict:
    """The samples and noise seed of a run's evaluations: `vae coverage --seed SEED` reproduces the last one."""
    return {"samples": config.evaluation.samples, "seed": config.seed + EVAL_SEED_OFFSET}


def build_letter_vae(config: LetterVaeConfig, device: torch.device) -> LetterVAE:
    return LetterVAE(config.model.z_dim, config.model.width, config.model.conditional).to(device)


def ink(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] as ink levels in [0, 1]: the Bernoulli targets."""
    return (images + 1) / 2


@dataclass
class LetterData:
    """What a letter VAE trains and is measured on: the letter dataset and (when measured) the letter evaluator."""

    dataset: FontDataset
    evaluator: LetterEvaluator | None


def batches_per_epoch(config: LetterVaeConfig, dataset: FontDataset) -> int:
    return full_batches(int((~dataset.is_val).sum()), config.train.batch_size, config.train.max_steps_per_epoch,
                        "images", "raise fonts.samples_per_glyph")


def load_letter_data(config: LetterVaeConfig, ctx: RunContext) -> LetterData:
    dataset = load_font_dataset(config.fonts, ctx.data_dir, reporter=ctx.reporter)
    batches_per_epoch(config, dataset)  # a batch larger than the data fails before a run folder is made
    evaluator = (load_letter_evaluator(config.fonts, ctx.data_dir, ctx.decide_device(config.device),
                                       settings=config.evaluation.evaluator, reporter=ctx.reporter)
                 if config.evaluation.every else None)
    return LetterData(dataset, evaluator)


def negative_elbo_terms(model: LetterVAE, images: torch.Tensor, labels: torch.Tensor | None
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction (nats per image, (B,)) and KL per dimension ((B, z_dim)) of images in [-1, 1]."""
    target = ink(images)
    out = model(target, labels)
    recon = F.binary_cross_entropy_with_logits(out.logits, target, reduction="none").sum(dim=(1, 2, 3))
    return recon, kl_standard_normal(out.q)


class LetterVaeTrainer(ElboTrainer):
    rate_name = "images_per_s"

    def __init__(self, *, config: LetterVaeConfig, data: LetterData, run: RunDir, ctx: RunContext):
        dataset = data.dataset
        super().__init__(run=run, ctx=ctx, examples=int((~dataset.is_val).sum()), batch_size=config.train.batch_size,
                         epochs=config.train.epochs, batches_per_epoch=batches_per_epoch(config, dataset),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=dataset.fingerprint,
                         precision=config.train.precision)
        if not dataset.is_val.any():
            raise ValueError("the VAE is measured on held-out fonts: fonts.val_fraction must be above 0")
        self.config = config
        self.dataset = dataset
        self.evaluator = data.evaluator
        self.images, self.labels = dataset.tensors("train", self.device)
        self.val_images, self.val_labels = dataset.tensors("val", self.device)
        set_seed(config.seed)
        self.model = build_letter_vae(config, self.device)
        self.sampler = LetterSampler(self.model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.optim.lr)
        self.best = {"epoch": None, "val_elbo": None}

    def conditioned(self, labels: torch.Tensor) -> torch.Tensor | None:
        return labels if self.config.model.conditional else None

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        recon, kl = negative_elbo_terms(self.model, self.images[index], self.conditioned(self.labels[index]))
        recon, kl_dims = recon.mean(), kl.mean(dim=0)
        beta = self.beta
        loss = recon + beta * kl_dims.clamp_min(self.config.free_bits.z).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.detach(), "recon": recon.detach(), "kl": kl_dims.sum().detach(),
                "beta": torch.tensor(beta, device=self.device)}

    def fit(self) -> str:
        return super().fit(SHOWN)

    def after_epoch(self, record: dict) -> None:
        record.update(self.held_out())
        every = self.config.evaluation.every
        if every and (self.epoch % every == 0 or self.epoch == self.epochs):
            record.update(self.evaluate())
        if self.epoch == self.epochs:
            self.save_samples(self.run.samples / f"epoch_{self.epoch:04d}.png")

    @torch.no_grad()
    def held_out(self, batch_size: int = 1000) -> dict:
        """Reconstruction, KL, negative ELBO (nats per image) and active units on the held-out fonts."""
        self.model.eval()
        devices = [self.device] if self.device.type == "cuda" else []
        recon_sum, kl_sum, means = 0.0, torch.zeros(self.config.model.z_dim, device=self.device), []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.config.seed + HELD_OUT_SEED_OFFSET)
            for start in range(0, len(self.val_images), batch_size):
                images = self.val_images[start:start + batch_size]
                labels = self.conditioned(self.val_labels[start:start + batch_size])
                recon, kl = negative_elbo_terms(self.model, images, labels)
                recon_sum += float(recon.sum())
                kl_sum += kl.sum(dim=0)
                means.append(self.model.encode(ink(images), labels).mean)
        self.model.train()
        count = len(self.val_images)
        recon, kl = recon_sum / count, float(kl_sum.sum()) / count
        active = int((torch.cat(means).var(dim=0) > ACTIVE_THRESHOLD).sum())
        return {"val_recon": round(recon, 4), "val_kl": round(kl, 4), "val_elbo": round(recon + kl, 4),
                "active_units": active}

    def evaluate(self) -> dict:
        """The GAN's letter measurements of samples from the prior (its own noise stream; training untouched)."""
        config = self.config
        images = generate(self.sampler, config.evaluation.samples, config.model.z_dim, config.model.conditional,
                          config.seed + EVAL_SEED_OFFSET, self.device)
        report, _ = measure(images, self.evaluator, config.evaluation)
        return {key: report[key] for key in RECORD_KEYS}

    def save_samples(self, path: Path) -> Path:
        config = self.config
        images = generate(self.sampler, SAMPLE_GRID, config.model.z_dim, config.model.conditional, config.seed,
                          self.device)
        return save_grid(path, ink(images), nrow=8)

    def summary_extras(self, records: list[dict]) -> dict:
        extras = {
            "dataset": {"name": "fonts", "fingerprint": self.dataset.fingerprint, "path": str(self.dataset.path),
                        "train_images": len(self.images), "val_images": len(self.val_images),
                        "batches_per_epoch": self.batches_per_epoch},
            "anneal": self.config.anneal.schedule, "free_bits_z": self.config.free_bits.z,
            "conditional": self.config.model.conditional, "parameters": sum(p.numel() for p in self.model.parameters()),
            "seconds_per_epoch": round(sum(r["epoch_s"] for r in records) / len(records), 3) if records else None,
            "evaluation": evaluation_noise(self.config),
            "samples": sorted(p.name for p in self.run.samples.glob("*.png")),
        }
        if self.evaluator is not None:
            extras["collapse_onset_epoch"] = collapse_onset(records, self.config.evaluation.collapse_drop)
            extras["instrument"] = self.evaluator.instrument.record()
        return extras

    def on_completed(self, summary: dict) -> None:
        if self.evaluator is not None:
            summary["figures"] = [str(p) for p in write_run_figures(
                self.run, self.config, self.sampler, self.evaluator, self.device, run_title(self.run, self.config))]


def run_title(run: RunDir, config: LetterVaeConfig) -> str:
    conditional = ", conditional" if config.model.conditional else ""
    return f"{run.path.name}: letter VAE, z {config.model.z_dim}{conditional}, seed {config.seed}"


def load_letter_vae(path: str | Path, ctx: RunContext | None = None) -> tuple[LetterVAE, LetterVaeConfig]:
    """A trained letter VAE (eval mode) and its config from a checkpoint, on the device `ctx` decides."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    config = read_saved_config(LetterVaeConfig, state["config"])
    model = build_letter_vae(config, (ctx or RunContext.on("cpu")).decide_device(config.device))
    model.load_state_dict(state["model"])
    return model.eval(), config


