"""Several seeds of one 2-D GAN configuration trained in one process as one model (`--batch-seeds`).

The ring8/grid25 MLPs are so small that a training step is mostly per-operation overhead, so S seeds cost
little more than one when their parameters carry a leading seed dimension (gentool.gan.stacked). Each seed is
still an ordinary run: an ordinary `GanTrainer` per seed builds its models from its own seed, owns its run
folder, and writes its records, samples, figures, summary and checkpoints through the ordinary code; this
module only replaces the training steps between two epoch ends. Everything random is drawn per seed, in the
order the ordinary step draws it, from a generator that carries that seed's stream, so on CPU every seed's run is
the run `gentool gan train --seed S` makes (tests/test_seed_batch.py checks it step by step and to the end), its
checkpoints are ordinary checkpoints, and a batched run can be resumed batched or alone.

What is not batched trains seed by seed, and the caller says why (`batching_refusal`): letters, bf16, runs that
write TensorBoard logs, and any fix without a stacked form of its loss parts (`STACKED_LOSS_PARTS` below).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import torch
import torch.nn.functional as F

from gentool.gan.config import GanConfig, gan_config_dict
from gentool.gan.fixes.registry import StepContext
from gentool.gan.models import DiscriminatorOutput
from gentool.gan.stacked import (
    StackedPointDiscriminator,
    StackedPointGenerator,
    seed_optimizer_state,
    seed_state,
    stacked_optimizer_state,
)
from gentool.gan.tasks import PointTask, load_task
from gentool.gan.train import SHOWN, GanTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.device import describe_device
from gentool.runtime.faults import kill_point
from gentool.runtime.rundir import RunDir, open_run
from gentool.runtime.runs import read_run_config
from gentool.runtime.seeding import capture_rng_state, restore_rng_state
from gentool.runtime.trainer import CHECK_EVERY, NonFiniteLoss

Draw = Callable[[torch.Generator], torch.Tensor]


# ------------------------------------------------------------------------------- the fixes' stacked loss parts

def row_bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    """Per seed, BCE-with-logits against a constant target averaged over the batch: (S, N) -> (S,).

    Row by row, with torch's own loss, so each seed's loss and its gradients (second-order ones too, for
    unrolled) are bit-for-bit what an unstacked run computes. Not one call over (S, N): torch's vectorised
    exp/log give a slightly different result for the elements that end up in a kernel's scalar tail, and which
    elements those are depends on the tensor's length; and the mean of a row differs in its last bit from the
    row's part of a mean over (S, N) reduced along dim 1."""
    return torch.stack([F.binary_cross_entropy_with_logits(row, torch.full_like(row, target))
                        for row in logits.unbind(0)])  # unbind: one backward node, not S zero-filled gradients


def row_sigmoid_mean(logits: torch.Tensor) -> torch.Tensor:
    """mean(sigmoid(row)) per seed, row by row for the reason _RowBce gives."""
    return torch.stack([torch.sigmoid(row).mean() for row in logits.unbind(0)])


def _input_gradient_norms(critic, inputs: torch.Tensor, pack: int) -> torch.Tensor:
    """|| d critic / d input || per discriminator input, per seed: (S, B, 2) -> (S, B / pack)."""
    inputs = inputs.detach().requires_grad_(True)
    scores = critic(inputs).logits
    (gradients,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return gradients.reshape(len(inputs), inputs.shape[1] // pack, -1).norm(dim=2)


@dataclass
class SeedStep:
    """One batched step: the ordinary StepContext with (S, ...) tensors, and a per-seed draw."""

    context: StepContext
    draw: Callable[[Draw], torch.Tensor]  # stacks one draw per seed, each from that seed's own stream


def _r1(fix, step: SeedStep, critic, loss, real, fake, metrics):
    norms = _input_gradient_norms(critic, step.context.real, step.context.setup.discriminator.pack)
    penalty = norms.pow(2).mean(dim=1)
    metrics["r1_penalty"] = penalty.detach()
    return loss + 0.5 * fix.options.gamma * penalty


def _wgan_gp(fix, step: SeedStep, critic, loss, real, fake, metrics):
    context = step.context
    fake_batch = context.fake.detach()
    batch = context.real.shape[1]
    mix = step.draw(lambda rng: torch.rand(batch, 1, generator=rng)).to(context.real.device)  # (S, B, 1)
    between = mix * context.real + (1 - mix) * fake_batch
    norms = _input_gradient_norms(critic, between, context.setup.discriminator.pack)
    penalty = (norms - 1).pow(2).mean(dim=1)
    metrics["gp_penalty"] = penalty.detach()
    return loss + fix.options.weight * penalty


def _feature_matching(fix, step: SeedStep, loss, fake, metrics):
    context = step.context
    with torch.no_grad():
        real_features = context.discriminator(context.real).features.mean(dim=1)  # (S, F)
    distance = (fake.features.mean(dim=1) - real_features).pow(2).mean(dim=1)
    metrics["fm_distance"] = distance.detach()
    return fix.options.adversarial_weight * loss + fix.options.weight * distance


@dataclass(frozen=True)
class StackedLossParts:
    """What a fix adds to the losses, written for (S, ...) tensors; None where the fix adds nothing there.
    Fixes that only shape the models (configure) or that work on any parameter tensors (unrolled: its
    `discriminator_for_generator` is used as it is) need nothing here."""

    discriminator_loss: Callable | None = None
    generator_loss: Callable | None = None
    per_seed_layers: bool = False  # the discriminator's linear layers seed by seed (see StackedLinear): exactness


STACKED_LOSS_PARTS: dict[str, StackedLossParts] = {
    "label-smoothing": StackedLossParts(), "pacgan": StackedLossParts(), "spectral-norm": StackedLossParts(),
    "minibatch-discrimination": StackedLossParts(), "unrolled": StackedLossParts(per_seed_layers=True),
    "r1": StackedLossParts(discriminator_loss=_r1), "wgan-gp": StackedLossParts(discriminator_loss=_wgan_gp),
    "feature-matching": StackedLossParts(generator_loss=_feature_matching),
}


def batching_refusal(config: GanConfig) -> str | None:
    """Why this config's seeds cannot train as one batched model, or None when they can."""
    if not config.on_points:
        return "only the 2-D MLP GANs (ring8, grid25) are batched; letter runs train one by one"
    if config.train.precision != "fp32":
        return f"train.precision={config.train.precision} is not batched (fp32 only)"
    if config.train.g_ema:
        return "runs with a generator weight average (train.g_ema) are not batched"
    if config.logging.tensorboard:
        return "runs that write TensorBoard logs are not batched"
    missing = [name for name in config.fixes if name not in STACKED_LOSS_PARTS]
    if missing:
        return f"fix(es) {', '.join(missing)} have no stacked form (gentool/gan/seed_batch.py)"
    return None


# --------------------------------------------------------------------------------------------------- trainer

class SeedBatchTrainer:
    """Trains S ordinary GanTrainers (one configuration, S seeds, all at the same step) as one stacked model."""

    def __init__(self, trainers: list[GanTrainer], rng_states: list[dict]):
        first = trainers[0]
        self.trainers = trainers
        self.alive = [True] * len(trainers)
        self.config, self.device, self.real = first.config, first.device, first.real
        self.fixes, self.setup = first.fixes, first.setup
        self.stop, self.reporter = first.stop, first.reporter
        # each seed's random state; its torch stream lives in its generator while the batch trains
        self.rng_states = rng_states
        self.streams = [torch.Generator().set_state(state["torch"]) for state in rng_states]
        self.generator = StackedPointGenerator([t.generator for t in trainers])
        per_seed_layers = any(STACKED_LOSS_PARTS[fix.name].per_seed_layers for fix in self.fixes)
        self.discriminator = StackedPointDiscriminator([t.discriminator for t in trainers], per_seed_layers)
        betas = (self.config.optim.beta1, self.config.optim.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.config.optim.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=self.config.optim.lr, betas=betas)
        self.opt_g.load_state_dict(stacked_optimizer_state([t.opt_g.state_dict() for t in trainers]))
        self.opt_d.load_state_dict(stacked_optimizer_state([t.opt_d.state_dict() for t in trainers]))
        self.sums: dict[str, torch.Tensor] = {name: torch.stack([torch.as_tensor(t.sums[name]) for t in trainers])
                                              for name in first.sums}
        self.epoch, self.batch, self.global_step = first.epoch, first.batch, first.global_step
        self.failed: dict[int, dict] = {}

    @property
    def seeds(self) -> int:
        return len(self.trainers)

    def draw(self, one: Draw) -> torch.Tensor:
        return torch.stack([one(stream) for stream in self.streams])

    @contextlib.contextmanager
    def as_seed(self, seed: int) -> Iterator[GanTrainer]:
        """The global random state is this seed's while its trainer does ordinary work (evaluate, save)."""
        state = {**self.rng_states[seed], "torch": self.streams[seed].get_state()}
        restore_rng_state(state)
        try:
            yield self.trainers[seed]
        finally:
            self.rng_states[seed] = capture_rng_state()
            self.streams[seed].set_state(self.rng_states[seed]["torch"])

    # -------------------------------------------------------------------------------------------- one step

    def new_step(self, index: torch.Tensor) -> SeedStep:
        batch = index.shape[1]
        real = self.real[index]  # (S, B, 2)
        z = self.draw(lambda rng: torch.randn(batch, self.config.model.z_dim, generator=rng)).to(self.device)
        fake = self.generator(z)  # (S, B, 2)
        context = StepContext(real=real, real_labels=None, fake=fake, fake_labels=None, generator=self.generator,
                              discriminator=self.discriminator, d_optimizer=self.opt_d, setup=self.setup)
        return SeedStep(context=context, draw=self.draw)

    def discriminator_loss(self, step: SeedStep, critic, fake: torch.Tensor, metrics: dict) -> torch.Tensor:
        """(S,) losses: the base loss and every fix's stacked part, as GanTrainer.discriminator_loss per seed."""
        d_real: DiscriminatorOutput = critic(step.context.real)
        d_fake: DiscriminatorOutput = critic(fake)
        if self.setup.loss == "wasserstein":
            gap = d_real.logits.mean(dim=1) - d_fake.logits.mean(dim=1)
            loss = -gap
            metrics["critic_gap"] = gap.detach()
        else:
            loss = row_bce(d_real.logits, self.setup.real_target) + row_bce(d_fake.logits, 0.0)
            metrics["d_real"] = row_sigmoid_mean(d_real.logits.detach())
            metrics["d_fake"] = row_sigmoid_mean(d_fake.logits.detach())
        for fix in self.fixes:
            part = STACKED_LOSS_PARTS[fix.name].discriminator_loss
            if part is not None:
                loss = part(fix, step, critic, loss, d_real, d_fake, metrics)
        return loss

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """GanTrainer.train_step for S seeds at once: index (S, B) -> {metric: (S,)}."""
        metrics: dict[str, torch.Tensor] = {}
        if self.config.optim.final_lr_ratio != 1.0:
            rate = self.trainers[0].learning_rate()  # a function of the step alone, the same for every seed
            for group in (*self.opt_d.param_groups, *self.opt_g.param_groups):
                group["lr"] = rate
        # (1) update D; each seed's loss is its own, so the sum's gradient is every seed's own gradient
        size, examples = index.shape[1], len(self.real)
        for d_step in range(self.setup.d_steps):
            if d_step:
                index = self.draw(lambda rng: torch.randint(0, examples, (size,), generator=rng))
                index = index.to(self.device)
            step = self.new_step(index)
            loss_d = self.discriminator_loss(step, self.discriminator, step.context.fake.detach(), metrics)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.sum().backward()
            self.opt_d.step()

        # (2) update G against the updated D (or what a fix makes of it: unrolled k steps ahead)
        critic = self.discriminator
        for fix in self.fixes:
            critic = fix.discriminator_for_generator(
                step.context, critic, lambda c, fake, m: self.discriminator_loss(step, c, fake, m).sum())
        d_gen = critic(step.context.fake)
        if self.setup.loss == "wasserstein":
            loss_g = -d_gen.logits.mean(dim=1)
        else:
            loss_g = row_bce(d_gen.logits, 1.0)
        for fix in self.fixes:
            part = STACKED_LOSS_PARTS[fix.name].generator_loss
            if part is not None:
                loss_g = part(fix, step, loss_g, d_gen, metrics)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.sum().backward()
        self.opt_g.step()
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), **metrics}

    # -------------------------------------------------------------------------------- the seeds' own state

    def write_back(self) -> None:
        """Each seed's slice of the stacked models, optimisers and metric sums into its own trainer."""
        generator, discriminator = self.generator.state_dict(), self.discriminator.state_dict()
        opt_g, opt_d = self.opt_g.state_dict(), self.opt_d.state_dict()
        for seed, trainer in enumerate(self.trainers):
            trainer.generator.load_state_dict(seed_state(generator, seed))
            trainer.discriminator.load_state_dict(seed_state(discriminator, seed))
            trainer.opt_g.load_state_dict(seed_optimizer_state(opt_g, seed))
            trainer.opt_d.load_state_dict(seed_optimizer_state(opt_d, seed))
            trainer.sums = {name: value[seed] for name, value in self.sums.items()}

    def _fail(self, seed: int, err: NonFiniteLoss, preset: str | None) -> None:
        """A seed whose loss turned NaN fails as its ordinary run would; the others train on (nothing mixes
        seeds, so its NaNs stay in its own slice, which is no longer recorded or saved)."""
        self.alive[seed] = False
        with self.as_seed(seed) as trainer:
            summary = {**trainer.summary("failed", preset, self.commands[seed], note=str(err)),
                       "seeds_batched": self.seeds}
            trainer.run.write_summary(summary)
        self.failed[seed] = summary

    def _sync(self, trainer: GanTrainer) -> GanTrainer:
        trainer.epoch, trainer.batch, trainer.global_step = self.epoch, self.batch, self.global_step
        return trainer

    # ----------------------------------------------------------------------------------------------- the loop

    def fit(self, preset: str | None) -> str:
        """EpochTrainer.fit for every seed at once; "completed" or "interrupted" (every seed's last.pt saved)."""
        first = self.trainers[0]
        epochs, batches, size = first.epochs, first.batches_per_epoch, first.batch_size
        with self.reporter.training(epochs, self.epoch, batches, self.batch) as progress:
            while self.epoch < epochs and any(self.alive):
                if self.batch == 0:
                    for seed, trainer in enumerate(self.trainers):
                        trainer.order = torch.randperm(trainer.examples, generator=self.streams[seed])
                        trainer.order = trainer.order.to(self.device)
                        trainer.epoch_seconds = 0.0
                    self.sums = {}
                orders = torch.stack([trainer.order for trainer in self.trainers])  # (S, N)
                started = time.perf_counter()
                batch_at_start = self.batch
                while self.batch < batches:
                    index = orders[:, self.batch * size:(self.batch + 1) * size]
                    self._sync(first)  # the learning-rate schedule reads the step
                    step_metrics = self.train_step(index)
                    for name, value in step_metrics.items():
                        self.sums[name] = self.sums.get(name, 0.0) + value
                    self.batch += 1
                    self.global_step += 1
                    if self.batch % CHECK_EVERY == 0:
                        self._check_finite(preset)
                        done = (self.batch - batch_at_start) * size * self.seeds
                        speed = done / max(time.perf_counter() - started, 1e-9)
                        shown = {k: v for k, v in self._seed_means(self._first_alive()).items() if k in SHOWN}
                        progress.advance(stats={**shown, first.rate_name: speed})
                    else:
                        progress.advance()
                    if self.stop.requested:
                        self._add_time(started)
                        self.write_back()
                        for seed in self._alive_seeds():
                            with self.as_seed(seed) as trainer:
                                self._sync(trainer).save_checkpoint(trainer.run.last_checkpoint)
                        return "interrupted"
                self._add_time(started)
                self.write_back()
                for seed in self._alive_seeds():
                    with self.as_seed(seed) as trainer:
                        record = self._sync(trainer)._epoch_record()
                        try:
                            trainer._stop_if_not_finite(record)
                        except NonFiniteLoss as err:
                            self._fail(seed, err, preset)
                            continue
                        record["seeds_batched"] = self.seeds
                        trainer.epoch += 1
                        trainer.batch = 0
                        trainer.after_epoch(record)
                        # the record first, then the checkpoints, as EpochTrainer.fit writes them
                        trainer.run.append_metrics(record)
                        kill_point("record")
                        trainer._save_epoch_checkpoints(record)
                self.epoch += 1
                self.batch = 0
                progress.epoch_done(self.epoch, epochs, {})
        return "completed"

    def _alive_seeds(self) -> list[int]:
        return [seed for seed, alive in enumerate(self.alive) if alive]

    def _first_alive(self) -> int:
        return next(iter(self._alive_seeds()), 0)

    def _seed_means(self, seed: int) -> dict[str, float]:
        trainer = self._sync(self.trainers[seed])
        trainer.sums = {name: value[seed] for name, value in self.sums.items()}
        return trainer._means()

    def _check_finite(self, preset: str | None) -> None:
        for seed in self._alive_seeds():
            try:
                self.trainers[seed]._stop_if_not_finite(self._seed_means(seed))
            except NonFiniteLoss as err:
                self._fail(seed, err, preset)

    def _add_time(self, started: float) -> None:
        """Each seed is charged its share of the batch's time: its seconds per epoch are what it cost."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        share = (time.perf_counter() - started) / self.seeds
        for trainer in self.trainers:
            trainer.epoch_seconds += share
            trainer.elapsed_seconds += share

    def run_to_end(self, preset: str | None = None, commands: list[str | None] | None = None) -> list[dict]:
        """Train every seed, then write each one's summary.json; returns each seed's summary (a failed seed's
        says "failed" with its reason). `commands`: what each seed's summary names as its command."""
        self.commands = commands or [None] * self.seeds
        status = self.fit(preset)
        summaries = []
        for seed in range(self.seeds):
            with self.as_seed(seed) as trainer:
                if not self.alive[seed]:
                    summaries.append(self.failed[seed])
                    continue
                summary = {**self._sync(trainer).summary(status, preset, self.commands[seed]),
                           "seeds_batched": self.seeds}
                if status == "completed":
                    trainer.on_completed(summary)
                trainer.run.write_summary(summary)
                summaries.append(summary)
        return summaries


# ------------------------------------------------------------------------------------------- the run path

def train_seed_batch(configs: list[GanConfig], folders: list[Path], ctx: RunContext, preset: str,
                     commands: list[str]) -> list[dict] | None:
    """Train (or resume) one run folder per config as one batched model; each seed's summary, or None when
    these runs cannot share a batch (their configs differ beyond the seed, or their checkpoints stand at
    different steps): the caller then trains them one by one.

    A folder with a last checkpoint is resumed from it (with its own config.yaml, as `--resume` does); any
    other is started afresh. Every folder is locked while it trains, as an ordinary run's is.
    """
    from gentool.gan.family import GAN, make_trainer

    same = {json.dumps({**gan_config_dict(c), "seed": 0}, sort_keys=True, default=str) for c in configs}
    if len(same) != 1:
        return None
    with contextlib.ExitStack() as held:
        ctx.decide_device(configs[0].device)
        dataset_task = load_task(configs[0], ctx)
        dataset_task.batches_per_epoch()  # a batch larger than the data fails before any folder is made
        trainers, rng_states = [], []
        for config, folder in zip(configs, folders):
            resuming = RunDir(folder).last_checkpoint.is_file()
            if resuming:
                run = open_run(folder, GAN.name, what="--resume")
                held.enter_context(run.locked())
                run.remove_stale_temporaries()
                config = read_run_config(run, GAN)
                if ctx.requested_device is not None:
                    config.device = ctx.requested_device
            else:
                if Path(folder).exists():  # a start that ended before its first checkpoint: nothing to continue
                    shutil.rmtree(folder)
                run = RunDir.create(folder, "unused")
                held.enter_context(run.locked())
                run.write_config(gan_config_dict(config))
            trainer = make_trainer(config, PointTask(config, dataset_task.dataset, dataset_task.device), run, ctx)
            if resuming:
                trainer.resume_from_last()
            trainers.append(trainer)
            rng_states.append(capture_rng_state())  # the seed's stream after its models were built or reloaded
        if len({(t.epoch, t.batch, t.global_step, t.epochs) for t in trainers}) != 1:
            return None
        seeds = ", ".join(str(t.config.seed) for t in trainers)
        ctx.reporter.info(f"training seeds {seeds} of {trainers[0].run.path.name.rsplit('-s', 1)[0]} as one batched "
                          f"model on {describe_device(ctx.device)}, from epoch {trainers[0].epoch}")
        batch = SeedBatchTrainer(trainers, rng_states)
        return batch.run_to_end(preset, commands)
