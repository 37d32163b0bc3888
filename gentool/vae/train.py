"""Drum VAE training: the ELBO with a scheduled KL weight and free bits per latent dimension, on the shared epoch
loop; `ElboTrainer` is what it shares with the letter VAE's trainer (gentool.vae.letter_train).

loss = reconstruction + beta * (sum_d max(lambda_high, KL_high_d) + sum_d max(lambda_low, KL_low_d)), where each
KL_d is that dimension's KL averaged over the batch: free bits apply to every dimension on its own, never to the
sum, where one dimension could take the whole allowance while the others collapse. Every epoch ends with held-out
measurements (reconstruction, hit accuracy and F1, KL per level and dimension, active units, mutual information)
and sample measurements (validity, diversity, genre accuracy). A finished run writes a bar of each genre (MIDI,
WAV, piano roll) into samples/genres/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from gentool.config import config_to_dict
from gentool.datasets.drums import DrumDataset, load_drum_dataset
from gentool.drums.pattern import DrumPattern, as_steps
from gentool.evaluate.genres import GenreClassifier, load_genre_classifier
from gentool.io.pattern_files import DEFAULT_BPM
from gentool.io.render import write_track
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer, full_batches
from gentool.vae import creative, measure
from gentool.vae.config import DrumVaeConfig, LetterVaeConfig, read_saved_config
from gentool.vae.creative import Studio
from gentool.vae.model import HierarchicalVAE, kl_gaussians, kl_standard_normal
from gentool.vae.schedules import beta_at

CHECKPOINT_KIND = "vae"
SHOWN = ("loss", "recon", "kl_high", "kl_low", "beta", "hit_f1", "active_high", "sample_genre_accuracy")
EVAL_SEED_OFFSET = 2_000_003  # evaluation randomness: its own stream, the training stream untouched


def build_model(config: DrumVaeConfig, device: torch.device) -> HierarchicalVAE:
    return HierarchicalVAE(config.model.z_high, config.model.z_low, config.model.hidden).to(device)


def batches_per_epoch(config: DrumVaeConfig, dataset: DrumDataset) -> int:
    return full_batches(int((~dataset.is_val).sum()), config.train.batch_size, config.train.max_steps_per_epoch,
                        "bars", "add phrases (drums.phrases_per_genre)")


def charged_kl(kl_per_dimension: torch.Tensor, free_nats: float) -> torch.Tensor:
    """The KL the loss charges: each dimension's batch-mean KL, but never less than `free_nats` for any one."""
    return kl_per_dimension.clamp_min(free_nats).sum()


@dataclass
class DrumData:
    """What a drum VAE trains and is measured on: the dataset and the genre classifier built on it."""

    dataset: DrumDataset
    classifier: GenreClassifier


def load_drum_data(config: DrumVaeConfig, ctx: RunContext) -> DrumData:
    dataset = load_drum_dataset(config.drums, ctx.data_dir, reporter=ctx.reporter)
    batches_per_epoch(config, dataset)  # a batch larger than the data fails before a run folder is made
    return DrumData(dataset, load_genre_classifier(dataset, ctx.data_dir, settings=config.evaluation.classifier,
                                                            reporter=ctx.reporter))


class ElboTrainer(EpochTrainer):
    """What the drum and the letter VAE trainers share: the KL weight's schedule, best.pt at the lowest held-out
    negative ELBO, and a checkpoint of one model and its Adam state. Subclasses set config, model, optimizer."""

    kind = CHECKPOINT_KIND
    nan_hint = "Lower optim.lr and train again"
    config: DrumVaeConfig | LetterVaeConfig
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer

    @property
    def beta(self) -> float:
        return beta_at(self.global_step, self.epochs * self.batches_per_epoch, self.batches_per_epoch,
                       self.config.anneal)

    def is_better(self, record: dict) -> bool:
        """The lowest held-out negative ELBO (with beta = 1: the bound itself, whatever the schedule)."""
        return self.best["val_elbo"] is None or record["val_elbo"] < self.best["val_elbo"]

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, "val_elbo": record["val_elbo"]}

    def model_state(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_model_state(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])

    def config_dict(self) -> dict:
        return config_to_dict(self.config)


class DrumVaeTrainer(ElboTrainer):
    rate_name = "patterns_per_s"

    def __init__(self, *, config: DrumVaeConfig, data: DrumData, run: RunDir, ctx: RunContext):
        dataset = data.dataset
        train = dataset.split_mask("train")
        super().__init__(run=run, ctx=ctx, examples=int(train.sum()), batch_size=config.train.batch_size,
                         epochs=config.train.epochs, batches_per_epoch=batches_per_epoch(config, dataset),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=dataset.fingerprint,
                         precision=config.train.precision)
        if not dataset.is_val.any():
            raise ValueError("the VAE is measured on held-out bars: drums.val_fraction must be above 0")
        self.config = config
        self.dataset = dataset
        self.classifier = data.classifier
        self.train_hits = torch.from_numpy(dataset.hits[train]).float().to(self.device)  # (N, 16, 9)
        self.train_genre = dataset.genre[train]
        self.val_hits = torch.from_numpy(dataset.hits[dataset.is_val]).float().to(self.device)
        set_seed(config.seed)
        self.model = build_model(config, self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.optim.lr)
        self.best = {"epoch": None, "val_elbo": None}

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        hits = self.train_hits[index]
        out = self.model(hits)
        recon = F.binary_cross_entropy_with_logits(out.logits, hits, reduction="none").sum(dim=(1, 2)).mean()
        kl_high = kl_standard_normal(out.q_high).mean(dim=0)  # (z_high,): per dimension, batch mean
        kl_low = kl_gaussians(out.q_low, out.p_low).mean(dim=0)  # (z_low,)
        free = self.config.free_bits
        charged = charged_kl(kl_high, free.high) + charged_kl(kl_low, free.low)
        beta = self.beta
        loss = recon + beta * charged
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.detach(), "recon": recon.detach(), "kl_high": kl_high.sum().detach(),
                "kl_low": kl_low.sum().detach(), "beta": torch.tensor(beta, device=self.device)}

    def fit(self) -> str:
        return super().fit(SHOWN)

    def after_epoch(self, record: dict) -> None:
        record.update(self.evaluate())

    def evaluate(self) -> dict:
        """Held-out and sample measurements, with their own seeded randomness (training's is left alone)."""
        self.model.eval()
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.config.seed + EVAL_SEED_OFFSET)
            result = {**measure.reconstruction(self.model, self.val_hits),
                      **measure.active_units(self.model, self.val_hits),
                      **measure.mutual_information(self.model, self.val_hits)}
            posteriors = measure.genre_posteriors(self.model, self.train_hits, self.train_genre)
            evaluation = self.config.evaluation
            result.update(measure.sample_metrics(self.model, posteriors, self.classifier, evaluation.samples_per_genre,
                                                  evaluation.temperature, self.device,
                                                  self.dataset.hits[self.dataset.split_mask("train")]))
        self.model.train()
        return {**{key: round(value, 5) if isinstance(value, float) else value for key, value in result.items()},
                "instrument": self.classifier.instrument.record()}

    def on_completed(self, summary: dict) -> None:
        """A bar of every genre, drawn as `vae sample` draws them, as the files a musician opens (MIDI, WAV, piano
        roll) in samples/genres/; a run logging to TensorBoard shows the WAVs as audio."""
        studio = Studio(model=self.model, dataset=self.dataset, classifier=self.classifier, device=self.device)
        rng = torch.Generator().manual_seed(self.config.seed + EVAL_SEED_OFFSET)
        files = []
        with torch.no_grad():
            for genre in studio.styles:
                track = creative.long_track(studio, genre, 1, self.config.evaluation.temperature, rng)
                files += write_track(self.run.samples / "genres", genre, DrumPattern.from_hits(as_steps(track["hits"])),
                                     DEFAULT_BPM, f"{genre}, read as {track['classified_as'][0]}")
        summary["samples"] = files

    def summary_extras(self, records: list[dict]) -> dict:
        extras = {
            "anneal": self.config.anneal.schedule,
            "free_bits": {"high": self.config.free_bits.high, "low": self.config.free_bits.low},
            "dataset": {"name": "drums", "fingerprint": self.dataset.fingerprint, "path": str(self.dataset.path),
                        "train_bars": len(self.train_hits), "val_bars": len(self.val_hits)},
            "instrument": self.classifier.instrument.record(),
        }
        if records:
            extras["collapsed_high"] = collapsed_dimensions(records[-1], "high")
            extras["collapsed_low"] = collapsed_dimensions(records[-1], "low")
        return extras


# ---------------------------------------------------------------------------------------------- whole runs

def collapsed_dimensions(record: dict, level: str) -> list[int]:
    """Dimensions that carry (almost) nothing: mean KL below 0.01 nats and posterior means that do not vary."""
    kl = record[f"kl_{level}_dims"]
    activity = record[f"activity_{level}_dims"]
    return [d for d in range(len(kl)) if kl[d] < measure.COLLAPSED_KL and activity[d] <= measure.ACTIVE_THRESHOLD]


def load_vae(path: str | Path, ctx: RunContext | None = None) -> tuple[HierarchicalVAE, DrumVaeConfig]:
    """A trained drum VAE (eval mode) and its config from a checkpoint, on the device `ctx` decides (--device, else
    the checkpoint's config)."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    config = read_saved_config(DrumVaeConfig, state["config"])
    model = build_model(config, (ctx or RunContext.on("cpu")).decide_device(config.device))
    model.load_state_dict(state["model"])
    return model.eval(), config


