"""GAN training: each step updates D (once, or as often as a fix asks), then G; every enabled fix shapes the
models and adjusts the losses through its hooks (gentool.gan.fixes).

The training split sits on the device as one tensor; the shared epoch loop (gentool.runtime.trainer) shuffles
indices there and slices batches, so no per-item decoding and no DataLoader, and its checkpoints resume a run to
the same weights. What differs between letters and 2-D points lives in gentool.gan.tasks.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from gentool.datasets.font_faces import LETTERS
from gentool.gan.averaging import GeneratorAverage
from gentool.gan.config import GanConfig, gan_config_dict, read_saved_gan_config
from gentool.gan.fixes.registry import Critic, StepContext, build_fixes, training_setup
from gentool.gan.model import count_parameters
from gentool.gan.tasks import GanTask, build_models
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer

CHECKPOINT_KIND = "gan"
SHOWN = ("loss_d", "loss_g", "d_real", "d_fake", "critic_gap", "fm_distance", "code_loss", "letters_covered",
         "letter_fid", "modes_captured", "high_quality")


class GanTrainer(EpochTrainer):
    kind = CHECKPOINT_KIND
    nan_hint = "Lower optim.lr or add a fix (`gentool gan fixes` lists them) and train again"

    def __init__(self, *, config: GanConfig, task: GanTask, run: RunDir, ctx: RunContext):
        self.real, self.labels = task.real_tensors()  # (N, ...) on the device; labels: letters only
        super().__init__(run=run, ctx=ctx, examples=len(self.real), batch_size=config.train.batch_size,
                         epochs=config.train.epochs, batches_per_epoch=task.batches_per_epoch(),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=task.fingerprint,
                         precision=config.train.precision)
        self.config = config
        self.task = task
        self.rate_name = task.rate_name

        set_seed(config.seed)
        self.fixes = build_fixes(config.fixes, config.fix_options)
        self.setup = training_setup(self.fixes)
        self.generator, self.discriminator = build_models(config, self.device, self.setup.discriminator)
        for fix in self.fixes:  # what a fix computes once from the training split (clusters of the images)
            fix.prepare(self.real, self.generator, config.seed)
        betas = (config.optim.beta1, config.optim.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.optim.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.optim.lr, betas=betas)
        self.average = GeneratorAverage(self.generator, config.train.g_ema) if config.train.g_ema else None

        # fixed noise from its own generator: the same sample inputs for every run with this seed
        noise_rng = torch.Generator().manual_seed(config.seed)
        fixed_noise = torch.randn(config.train.sample_count, config.model.z_dim, generator=noise_rng)
        self.fixed_noise = fixed_noise.to(self.device)
        self.fixed_labels = (torch.arange(config.train.sample_count) % len(LETTERS)).to(self.device)

    # ------------------------------------------------------------------------------------------------ one step

    def new_step(self, index: torch.Tensor) -> StepContext:
        """A real batch and a fresh fake batch (attached to the generator's graph), with the labels D sees: the
        letters (conditional), a fix's own (clusters: G reads its own off the noise) or none."""
        conditional = self.config.model.conditional
        real = self.real[index]
        real_labels = self.labels[index] if conditional else None
        z = torch.randn(len(index), self.config.model.z_dim, device=self.device)
        fake_labels = torch.randint(0, len(LETTERS), (len(index),), device=self.device) if conditional else None
        fake = self.generator(z, fake_labels)
        for fix in self.fixes:
            real_labels, fake_labels = fix.conditioning(index, z, self.generator) or (real_labels, fake_labels)
        return StepContext(real=real, real_labels=real_labels, fake=fake, noise=z, fake_labels=fake_labels,
                           generator=self.generator, discriminator=self.discriminator, d_optimizer=self.opt_d,
                           setup=self.setup)

    def discriminator_loss(self, step: StepContext, critic: Critic, fake: torch.Tensor, metrics: dict) -> torch.Tensor:
        """The base loss (BCE with the real target, or Wasserstein) plus every fix's part."""
        d_real = critic(step.real, step.real_labels)
        d_fake = critic(fake, step.fake_labels)
        if self.setup.loss == "wasserstein":
            gap = d_real.logits.mean() - d_fake.logits.mean()
            loss = -gap
            metrics["critic_gap"] = gap.detach()
        else:
            targets = torch.full_like(d_real.logits, self.setup.real_target)
            loss = (F.binary_cross_entropy_with_logits(d_real.logits, targets)
                    + F.binary_cross_entropy_with_logits(d_fake.logits, torch.zeros_like(d_fake.logits)))
            metrics["d_real"] = torch.sigmoid(d_real.logits).mean().detach()
            metrics["d_fake"] = torch.sigmoid(d_fake.logits).mean().detach()
        for fix in self.fixes:
            loss = fix.discriminator_loss(step, critic, loss, d_real, d_fake, metrics)
        return loss

    def learning_rate(self) -> float:
        """lr, falling linearly to lr x optim.final_lr_ratio at the last step (a function of the step alone, so a
        resumed run follows the same schedule)."""
        optim = self.config.optim
        progress = self.global_step / max(1, self.epochs * self.batches_per_epoch - 1)
        return optim.lr * (1.0 - (1.0 - optim.final_lr_ratio) * min(progress, 1.0))

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        metrics: dict[str, torch.Tensor] = {}
        if self.config.optim.final_lr_ratio != 1.0:
            for group in (*self.opt_d.param_groups, *self.opt_g.param_groups):
                group["lr"] = self.learning_rate()
        # (1) update D: on this batch, then (WGAN-GP's critic steps) on random batches of the training split
        for d_step in range(self.setup.d_steps):
            if d_step:
                index = torch.randint(0, len(self.real), (len(index),), device=self.device)
            step = self.new_step(index)
            loss_d = self.discriminator_loss(step, self.discriminator, step.fake.detach(), metrics)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()

        # (2) update G against the updated D (or what a fix makes of it: D some steps ahead)
        critic: Critic = self.discriminator
        for fix in self.fixes:
            critic = fix.discriminator_for_generator(
                step, critic, lambda c, fake, m: self.discriminator_loss(step, c, fake, m))
        d_gen = critic(step.fake, step.fake_labels)
        if self.setup.loss == "wasserstein":
            loss_g = -d_gen.logits.mean()
        else:  # non-saturating: make D call the fakes real
            loss_g = F.binary_cross_entropy_with_logits(d_gen.logits, torch.ones_like(d_gen.logits))
        for fix in self.fixes:
            loss_g = fix.generator_loss(step, loss_g, d_gen, metrics)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        if self.average is not None:
            self.average.update(self.generator)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), **metrics}

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

    @property
    def sampler(self) -> torch.nn.Module:
        """What evaluations, samples and figures draw from: the weight average if train.g_ema asks for one."""
        return self.generator if self.average is None else self.average.model

    def evaluate(self) -> dict:
        return self.task.evaluate(self.sampler)

    def save_samples(self, path: Path) -> Path:
        """The fixed-noise samples, generated in eval mode so sampling never changes the model's state."""
        sampler, was_training = self.sampler, self.sampler.training
        sampler.eval()
        with torch.no_grad():
            labels = self.fixed_labels if self.config.model.conditional else None
            samples = sampler(self.fixed_noise, labels)
        sampler.train(was_training)
        return self.task.save_samples(path, samples)

    def is_better(self, record: dict) -> bool:
        """The task's ranking (letters: covered, then lower FID; points: modes, then HQ) beats the best so far."""
        if record.get(self.task.best_fields[0]) is None:  # not an evaluated epoch
            return False
        return self.best["epoch"] is None or self.task.rank(record) > self.task.rank(self.best)

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, **{field: record[field] for field in self.task.best_fields}}

    # ------------------------------------------------------------------------------------------- checkpoints

    def model_state(self) -> dict:
        return {"generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "fixed_noise": self.fixed_noise, "fixed_labels": self.fixed_labels,
                **({} if self.average is None else {"generator_average": self.average.state_dict()}),
                **{key: value for fix in self.fixes for key, value in fix.state().items()}}

    def load_model_state(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        if self.average is not None:
            self.average.load_state_dict(state["generator_average"])
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.fixed_labels = state["fixed_labels"].to(self.device)
        for fix in self.fixes:
            fix.load_state(state)

    def config_dict(self) -> dict:
        return gan_config_dict(self.config)

    def summary_extras(self, records: list[dict]) -> dict:
        speeds = [r[self.rate_name] for r in records if self.rate_name in r]
        extras = {
            "fixes": list(self.config.fixes), "conditional": self.config.model.conditional,
            "weight_average": self.config.train.g_ema or None,  # the decay the figures' generator averaged with
            self.rate_name: round(sum(speeds) / len(speeds), 1) if speeds else None,
            "seconds_per_epoch": round(sum(r["epoch_s"] for r in records) / len(records), 3) if records else None,
            "parameters": {"generator": count_parameters(self.generator),
                           "discriminator": count_parameters(self.discriminator)},
            "samples": sorted(p.name for p in self.run.samples.glob("*.png")),
            **self.task.summary_extras(records),
        }
        extras["dataset"]["batches_per_epoch"] = self.batches_per_epoch
        for fix in self.fixes:
            extras.update(fix.summary_extras(self.labels))
        return extras

    def on_completed(self, summary: dict) -> None:
        summary["figures"] = [str(p) for p in self.task.figures(self.run, self.sampler)]


# ---------------------------------------------------------------------------------------------- trained models

def load_generator(path: str | Path, ctx: RunContext | None = None) -> tuple[torch.nn.Module, GanConfig]:
    """A trained generator (eval mode; its weight average where the run kept one) and its config, from any GAN
    checkpoint. The checkpoint is the one source: its config gives the model and, unless --device said otherwise,
    the device (decided once, in `ctx`)."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    config = read_saved_gan_config(state["config"])
    device = (ctx or RunContext.on("cpu")).decide_device(config.device)
    generator, _ = build_models(config, device)
    average = state.get("generator_average")  # train.g_ema: the run is sampled from its weight average
    generator.load_state_dict(state["generator"] if average is None else average["weights"])
    return generator.eval(), config
