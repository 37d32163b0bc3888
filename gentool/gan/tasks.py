"""What differs between the GAN's datasets: the models, the real batches, how a generator is measured while it
trains, which epoch is best, what a sample picture is, and the figures of a finished run.

`GanTask` is the contract; `LetterTask` (28x28 letters, DCGAN models, letter coverage with the letter evaluator)
and `PointTask` (the 2-D mixtures ring8 / grid25, PacGAN's MLPs, modes captured / high quality / reverse KL) keep
it. The trainer (gentool.gan.train) holds one task and is otherwise the same for both. A task lives on the
command's one device, given when it is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Protocol

import torch
from torch import nn

from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataset, load_font_dataset
from gentool.datasets.points import PointDataset, load_point_dataset
from gentool.evaluate import mode_figures
from gentool.evaluate.coverage import RECORD_KEYS, generate, letters_by_code, measure, sample_noise
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.letter_figures import write_run_figures
from gentool.evaluate.letters import LetterEvaluator, load_letter_evaluator
from gentool.evaluate.modes import mode_metrics, point_metrics, reference_balls
from gentool.evaluate.prdc import PRDC_KEYS, RealBalls
from gentool.gan.config import GanConfig
from gentool.gan.fixes.registry import build_fixes, training_setup
from gentool.gan.model import (
    Discriminator,
    DiscriminatorSetup,
    Generator,
    PointDiscriminator,
    PointGenerator,
    init_gaussian_weights,
)
from gentool.io.images import save_grid, to_unit_range
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.trainer import full_batches

# evaluation noise has its own stream, offset from the training seed: the same z at every evaluation of a run
EVAL_SEED_OFFSET = 1_000_003


def evaluation_noise(config: GanConfig) -> dict:
    """The samples and noise seed of a run's evaluations: `gan coverage --seed SEED` on the last checkpoint
    reproduces the last evaluation's figures exactly."""
    return {"samples": config.evaluation.samples, "seed": config.seed + EVAL_SEED_OFFSET}


def build_models(config: GanConfig, device: torch.device,
                 setup: DiscriminatorSetup | None = None) -> tuple[nn.Module, nn.Module]:
    """Generator and discriminator for the config's dataset; `setup` (from the fixes) shapes the discriminator."""
    setup = setup or training_setup(build_fixes(config.fixes, config.fix_options)).discriminator
    if config.on_points:
        mlp = config.mlp
        generator = PointGenerator(config.model.z_dim, mlp.g_hidden, mlp.g_layers, mlp.g_batch_norm)
        discriminator = PointDiscriminator(mlp.d_hidden, mlp.d_layers, mlp.maxout_pieces, setup)
        if mlp.init_std is not None:
            for model in (generator, discriminator):
                init_gaussian_weights(model, mlp.init_std)
    else:
        classes = len(LETTERS) if config.model.conditional else 0
        # a uniform code, or clusters drawn at their frequencies (D sees the cluster)
        generator = Generator(config.model.z_dim, config.model.g_width, classes, config.model.g_batch_norm,
                              setup.codes or setup.clusters, weighted_codes=bool(setup.clusters))
        discriminator = Discriminator(config.model.d_width, classes or setup.clusters, setup)
    for transform in setup.transforms:
        discriminator = transform(discriminator)
    return generator.to(device), discriminator.to(device)


def run_title(run: RunDir, config: GanConfig) -> str:
    return f"{run.path.name}: fixes {', '.join(config.fixes) or 'none'}, seed {config.seed}"


class GanTask(Protocol):
    rate_name: ClassVar[str]  # the training speed's unit in records: images_per_s, points_per_s
    best_fields: ClassVar[tuple[str, ...]]  # the record fields that rank epochs for best.pt, most important first
    config: GanConfig
    device: torch.device

    @property
    def fingerprint(self) -> str:
        """The training data's fingerprint: a resume on other data is refused."""

    def real_tensors(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The training split on the device: (N, ...) examples and (N,) labels (None where there are none)."""

    def batches_per_epoch(self) -> int:
        """Full batches per epoch; a UsageError when the data holds fewer examples than one batch."""

    def evaluate(self, generator: nn.Module) -> dict:
        """The measurements an evaluated epoch adds to its record."""

    def rank(self, record: dict) -> tuple:
        """Sort key of an evaluated record (higher is better), over `best_fields`."""

    def save_samples(self, path: Path, samples: torch.Tensor) -> Path:
        """A picture of fixed-noise samples."""

    def summary_extras(self, records: list[dict]) -> dict:
        """Task-specific entries of summary.json (at least "dataset")."""

    def figures(self, run: RunDir, generator: nn.Module) -> list[Path]:
        """The figures of a finished run, written into run.figures."""


class LetterTask:
    rate_name = "images_per_s"
    best_fields = ("letters_covered", "letter_fid")  # best.pt: most letters covered, then the lower letter FID

    def __init__(self, *, config: GanConfig, dataset: FontDataset, evaluator: LetterEvaluator | None,
                 device: torch.device):
        if config.evaluation.every and evaluator is None:
            raise ValueError("evaluation.every > 0 needs a letter evaluator (load_letter_evaluator)")
        self.config, self.dataset, self.evaluator, self.device = config, dataset, evaluator, device

    @property
    def fingerprint(self) -> str:
        return self.dataset.fingerprint

    def real_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dataset.tensors("train", self.device)  # (N, 1, 28, 28) in [-1, 1], (N,)

    def batches_per_epoch(self) -> int:
        return full_batches(int((~self.dataset.is_val).sum()), self.config.train.batch_size,
                            self.config.train.max_steps_per_epoch, "images", "raise fonts.samples_per_glyph")

    def evaluate(self, generator: nn.Module) -> dict:
        """Letter coverage of fresh samples (its own noise stream; training state untouched)."""
        config = self.config
        images = generate(generator, config.evaluation.samples, config.model.z_dim, config.model.conditional,
                          config.seed + EVAL_SEED_OFFSET, self.device)
        report, probabilities = measure(images, self.evaluator, config.evaluation)
        record = {key: report[key] for key in RECORD_KEYS}
        if getattr(generator, "codes", 0):  # a generator with a code (or clusters): which letter each draws
            noise = sample_noise(config.evaluation.samples, config.model.z_dim, config.seed + EVAL_SEED_OFFSET)
            record["code_letters"] = letters_by_code(probabilities, generator.code_of(noise.to(self.device)).cpu(),
                                                     generator.codes, config.evaluation.threshold)
        return record

    @staticmethod
    def rank(record: dict) -> tuple:
        return record["letters_covered"], -record["letter_fid"]

    def save_samples(self, path: Path, samples: torch.Tensor) -> Path:
        return save_grid(path, to_unit_range(samples), nrow=8)

    def summary_extras(self, records: list[dict]) -> dict:
        extras = {"dataset": {"name": "fonts", "fingerprint": self.dataset.fingerprint,
                              "path": str(self.dataset.path), "train_images": int((~self.dataset.is_val).sum())},
                  "evaluation": evaluation_noise(self.config)}
        if self.evaluator is not None:
            extras["collapse_onset_epoch"] = collapse_onset(records, self.config.evaluation.collapse_drop)
            extras["instrument"] = self.evaluator.instrument.record()
        return extras

    def figures(self, run: RunDir, generator: nn.Module) -> list[Path]:
        if self.evaluator is None:
            return []
        return write_run_figures(run, self.config, generator, self.evaluator, self.device, run_title(run, self.config))


class PointTask:
    rate_name = "points_per_s"
    best_fields = ("modes_captured", "high_quality")  # best.pt: most modes captured, then the larger HQ share

    def __init__(self, config: GanConfig, dataset: PointDataset, device: torch.device):
        self.config, self.dataset, self.device = config, dataset, device
        self.real: RealBalls | None = None  # the points precision and recall measure against, made on first use

    @property
    def fingerprint(self) -> str:
        return self.dataset.fingerprint

    def real_tensors(self) -> tuple[torch.Tensor, None]:
        return self.dataset.tensors(self.device), None  # (N, 2)

    def batches_per_epoch(self) -> int:
        return full_batches(self.dataset.size, self.config.train.batch_size, self.config.train.max_steps_per_epoch,
                            "points", "raise points.samples")

    def sample_points(self, generator: nn.Module) -> torch.Tensor:
        """evaluation.samples points from the run's evaluation noise (the same z at every evaluation)."""
        return generate(generator, self.config.evaluation.samples, self.config.model.z_dim, False,
                        self.config.seed + EVAL_SEED_OFFSET, self.device)

    def evaluate(self, generator: nn.Module) -> dict:
        if self.real is None:
            self.real = reference_balls(self.dataset.means, self.dataset.std, self.config.evaluation.samples,
                                        self.config.evaluation.prdc_k)
        report = point_metrics(self.sample_points(generator), self.dataset.means, self.dataset.std, self.real)
        return {key: report[key] for key in ("modes_captured", "high_quality", "reverse_kl", *PRDC_KEYS,
                                             "mode_counts")}

    @staticmethod
    def rank(record: dict) -> tuple:
        return record["modes_captured"], record["high_quality"]

    def save_samples(self, path: Path, samples: torch.Tensor) -> Path:
        return mode_figures.scatter(path, samples, self.dataset.means, self.dataset.std,
                                    f"{self.dataset.name}: {len(samples)} fixed-noise samples")

    def summary_extras(self, records: list[dict]) -> dict:
        return {"dataset": {"name": self.dataset.name, "fingerprint": self.dataset.fingerprint,
                            "train_points": self.dataset.size, "modes": len(self.dataset.means),
                            "std": self.dataset.std},
                "evaluation": evaluation_noise(self.config)}

    def figures(self, run: RunDir, generator: nn.Module) -> list[Path]:
        config = self.config
        title = f"{run.path.name}: {config.dataset}, fixes {', '.join(config.fixes) or 'none'}, seed {config.seed}"
        points = self.sample_points(generator)
        report = mode_metrics(points, self.dataset.means, self.dataset.std)
        written = [mode_figures.scatter(run.figures / "modes.png", points, self.dataset.means, self.dataset.std,
                                        f"{title}\n{report['modes_captured']}/{report['modes']} modes, "
                                        f"{100 * report['high_quality']:.1f}% high quality")]
        records = run.read_metrics()
        if any(r.get("modes_captured") is not None for r in records):
            written.append(mode_figures.dynamics(run.figures / "dynamics.png", records, len(self.dataset.means),
                                                 title))
        return written


def load_task(config: GanConfig, ctx: RunContext, evaluate: bool | None = None) -> GanTask:
    """The dataset (and, for letters measured while training, the letter evaluator) a config needs, on the
    command's device."""
    device = ctx.decide_device(config.device)
    if config.on_points:
        return PointTask(config, load_point_dataset(config.dataset, config.points), device)
    dataset = load_font_dataset(config.fonts, ctx.data_dir, reporter=ctx.reporter)
    wanted = bool(config.evaluation.every) if evaluate is None else evaluate
    evaluator = (load_letter_evaluator(config.fonts, ctx.data_dir, device, settings=config.evaluation.evaluator,
                                       reporter=ctx.reporter) if wanted else None)
    return LetterTask(config=config, dataset=dataset, evaluator=evaluator, device=device)
