"""RBM training on binarised letters: CD-k, persistent CD, or persistent parallel tempering, on the shared epoch
loop (gentool.runtime.trainer), so checkpoints resume to the same weights, Ctrl-C saves, and a NaN stops the run.

Each update follows Hinton's practical guide (2010): positive statistics from the data with hidden probabilities,
negative statistics from binary visible states at the end of the chain with their hidden probabilities, a
momentum that rises from 0.5 to 0.9 after a few epochs, and an L2 weight cost on the weights only.

- CD-k: the chain starts at the batch and runs k Gibbs steps.
- PCD (Tieleman 2008): `batch_size` chains persist across updates and run k steps per update.
- PT (Desjardins et al. 2010): each persistent chain is a ladder of `pt_temperatures` chains at inverse
  temperatures from 1 down to `pt_min_beta`; after each Gibbs step neighbours propose to swap states
  (Metropolis), alternating even and odd pairs; the beta = 1 chains give the negative statistics.

Per epoch: the reconstruction error (recorded, though a poor guide: it falls as the chain mixes less), the
pseudo-likelihood of held-out letters, and every `evaluation.every` epochs the letter coverage of Gibbs samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gentool.datasets.fonts import FontDataset, load_font_dataset
from gentool.evaluate.coverage import measure
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.letters import LetterEvaluator, load_letter_evaluator
from gentool.evaluate.prdc import PRDC_KEYS
from gentool.io.images import save_grid
from gentool.rbm.config import RbmConfig, rbm_config_dict
from gentool.rbm.model import RBM, as_images, gibbs_chains
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer, full_batches

CHECKPOINT_KIND = "rbm"
VISIBLE = 28 * 28
SHOWN = ("recon_error", "pseudo_likelihood", "swap_rate", "letters_covered", "letter_fid")
EVAL_SEED_OFFSET = 3_000_017  # evaluation randomness: its own stream, the training stream untouched
COVERAGE_KEYS = ("letters_covered", "coverage", "entropy", "kl_uniform", "confident_share", "not_letter_share",
                 "letter_fid", *PRDC_KEYS, "missing", "letter_counts", "instrument")


def binarize(dataset: FontDataset, mode: str) -> torch.Tensor:
    """The whole dataset as binary vectors (N, 784) on the CPU: ink >= 50%, or on with probability = ink (drawn
    once from the dataset's own seed, so every run on this dataset sees the same bits)."""
    ink = torch.from_numpy(dataset.images).float().div_(255.0).reshape(len(dataset.images), VISIBLE)
    if mode == "threshold":
        return (ink >= 0.5).float()
    seed = int(dataset.fingerprint[:8], 16)
    return torch.bernoulli(ink, generator=torch.Generator().manual_seed(seed))


@dataclass
class BinaryLetters:
    """What an RBM trains and is measured on: the binarised splits, and the letter evaluator (None when the run
    measures no coverage)."""

    dataset: FontDataset
    mode: str
    train: torch.Tensor  # (N, 784) in {0, 1}, on the device
    val: torch.Tensor  # (M, 784)
    evaluator: LetterEvaluator | None

    @property
    def fingerprint(self) -> str:
        return f"{self.dataset.fingerprint}-{self.mode}"


def batches_per_epoch(config: RbmConfig, examples: int) -> int:
    return full_batches(examples, config.train.batch_size, config.train.max_steps_per_epoch, "images",
                        "raise fonts.samples_per_glyph")


def load_binary_letters(config: RbmConfig, ctx: RunContext, evaluate: bool | None = None) -> BinaryLetters:
    device = ctx.decide_device(config.device)
    dataset = load_font_dataset(config.fonts, ctx.data_dir, reporter=ctx.reporter)
    bits = binarize(dataset, config.binarize)
    is_val = torch.from_numpy(dataset.is_val)
    train, val = bits[~is_val].to(device), bits[is_val].to(device)
    batches_per_epoch(config, len(train))  # a batch larger than the data fails before a run folder is made
    if not len(val):
        raise ValueError("the RBM is measured on held-out letters: fonts.val_fraction must be above 0")
    wanted = bool(config.evaluation.every) if evaluate is None else evaluate
    evaluator = (load_letter_evaluator(config.fonts, ctx.data_dir, device, settings=config.evaluation.evaluator,
                                       reporter=ctx.reporter) if wanted else None)
    return BinaryLetters(dataset, config.binarize, train, val, evaluator)


def evaluation_rng(config: RbmConfig, device: torch.device, offset: int = 0) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(config.seed + EVAL_SEED_OFFSET + offset)


def held_out_pseudo_likelihood(rbm: RBM, data: torch.Tensor, images: int | None, rng: torch.Generator) -> float:
    """Mean pseudo-log-likelihood (nats per image, one random pixel flipped per image as scikit-learn does) of
    `images` letters drawn at random (the split is stored face by face), or of all of them (None)."""
    v = data if images is None or images >= len(data) else data[torch.randperm(len(data), generator=rng,
                                                                                device=data.device)[:images]]
    flip = torch.randint(0, rbm.visible, (len(v),), device=v.device, generator=rng)
    return float(rbm.pseudo_likelihood(v, flip).mean())


class RbmTrainer(EpochTrainer):
    kind = CHECKPOINT_KIND
    rate_name = "images_per_s"
    nan_hint = "Lower optim.lr (or raise optim.weight_decay) and train again"

    def __init__(self, *, config: RbmConfig, data: BinaryLetters, run: RunDir, ctx: RunContext):
        super().__init__(run=run, ctx=ctx, examples=len(data.train), batch_size=config.train.batch_size,
                         epochs=config.train.epochs, batches_per_epoch=batches_per_epoch(config, len(data.train)),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=data.fingerprint)
        if config.evaluation.every and data.evaluator is None:
            raise ValueError("evaluation.every > 0 needs a letter evaluator (load_binary_letters)")
        self.config = config
        self.data = data
        set_seed(config.seed)
        self.rbm = RBM(VISIBLE, config.model.hidden).to(self.device)
        self.rbm.init_visible_bias(data.train)
        self.velocity = {name: torch.zeros_like(p) for name, p in self.rbm.named_parameters()}
        train = config.train
        # persistent chains start from the visible biases' factorial distribution (the data's pixel frequencies)
        start = torch.sigmoid(self.rbm.visible_bias)
        self.chains: torch.Tensor | None = None
        if train.method == "pcd":
            self.chains = torch.bernoulli(start.expand(train.batch_size, -1).contiguous())  # (B, V)
        elif train.method == "pt":
            self.chains = torch.bernoulli(start.expand(train.pt_temperatures, train.batch_size, -1).contiguous())
        # (M, 1, 1): inverse temperatures of the ladder, the first is the model itself
        self.betas = torch.linspace(1.0, train.pt_min_beta, train.pt_temperatures, device=self.device).view(-1, 1, 1)
        self.best = {"epoch": None, "letters_covered": None, "letter_fid": None}

    # ------------------------------------------------------------------------------------------------ one step

    @property
    def momentum(self) -> float:
        optim = self.config.optim
        return optim.momentum if self.epoch < optim.momentum_epochs else optim.final_momentum

    def negative_phase(self, v0: torch.Tensor, first_probs: torch.Tensor, metrics: dict) -> torch.Tensor:
        """Binary visible states (B, V) at the end of the chains the negative statistics come from."""
        train, rbm = self.config.train, self.rbm
        if train.method == "cd":
            v = torch.bernoulli(first_probs)  # the data's first Gibbs step, shared with the reconstruction error
            for _ in range(train.cd_k - 1):
                v, _, _ = rbm.gibbs_step(v)
            return v
        if train.method == "pcd":
            for _ in range(train.cd_k):
                self.chains, _, _ = rbm.gibbs_step(self.chains)
            return self.chains
        swaps = []
        for sweep in range(train.cd_k):
            self.chains, _, _ = rbm.gibbs_step(self.chains, beta=self.betas)
            swaps.append(self.swap_neighbours(parity=(self.global_step * train.cd_k + sweep) % 2))
        metrics["swap_rate"] = torch.stack(swaps).mean()
        return self.chains[0]

    def swap_neighbours(self, parity: int = 0) -> torch.Tensor:
        """Metropolis swaps between chains at neighbouring temperatures (even pairs after even sweeps, odd pairs
        after odd ones); returns the share of proposals accepted."""
        chains, betas = self.chains, self.betas
        low = torch.arange(parity, len(betas) - 1, 2, device=self.device)  # (P,) pairs k, k+1
        if not len(low):
            return torch.zeros((), device=self.device)
        cold, hot = chains[low], chains[low + 1]  # (P, B, V)
        beta_cold, beta_hot = betas[low], betas[low + 1]  # (P, 1, 1)
        fe = self.rbm.free_energy
        log_ratio = fe(cold, beta_cold) + fe(hot, beta_hot) - fe(hot, beta_cold) - fe(cold, beta_hot)  # (P, B)
        accept = torch.rand(log_ratio.shape, device=self.device).log() < log_ratio
        swap = accept.unsqueeze(-1)
        chains[low], chains[low + 1] = torch.where(swap, hot, cold), torch.where(swap, cold, hot)
        return accept.float().mean()

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        rbm, optim, metrics = self.rbm, self.config.optim, {}
        v0 = self.data.train[index]  # (B, V)
        # (1) positive phase: hidden probabilities given the data, and a binary sample of them
        h0_probs = rbm.hidden_probs(v0)  # (B, H)
        first_probs = rbm.visible_probs(torch.bernoulli(h0_probs))  # (B, V): the reconstruction
        recon_error = ((v0 - first_probs) ** 2).sum(dim=1).mean()
        # (2) negative phase: binary states at the end of the chains, with their hidden probabilities
        v_neg = self.negative_phase(v0, first_probs, metrics)
        h_neg = rbm.hidden_probs(v_neg)
        # (3) update: mean gradient, weight cost on the weights, momentum
        batch, negatives = len(v0), len(v_neg)
        gradients = {"weight": v0.T @ h0_probs / batch - v_neg.T @ h_neg / negatives
                     - optim.weight_decay * rbm.weight,
                     "visible_bias": v0.mean(0) - v_neg.mean(0), "hidden_bias": h0_probs.mean(0) - h_neg.mean(0)}
        momentum = self.momentum
        for name, parameter in rbm.named_parameters():
            self.velocity[name].mul_(momentum).add_(gradients[name], alpha=optim.lr)
            parameter.add_(self.velocity[name])
        return {"recon_error": recon_error, "weight_norm": rbm.weight.norm(), **metrics}

    def fit(self) -> str:
        return super().fit(SHOWN)

    # ------------------------------------------------------------------------------------------ end of epoch

    def after_epoch(self, record: dict) -> None:
        evaluation = self.config.evaluation
        record["pseudo_likelihood"] = round(held_out_pseudo_likelihood(
            self.rbm, self.data.val, evaluation.pseudo_likelihood_images, evaluation_rng(self.config, self.device)), 4)
        every = evaluation.every
        if every and (self.epoch % every == 0 or self.epoch == self.epochs):
            record.update(self.evaluate())

    def evaluate(self) -> dict:
        """Letter coverage of fresh Gibbs samples (the same starting noise at every evaluation); writes a grid."""
        evaluation = self.config.evaluation
        probs, _ = gibbs_chains(self.rbm, chains=evaluation.samples, steps=evaluation.gibbs,
                                rng=evaluation_rng(self.config, self.device, offset=1))
        images = as_images(probs)
        save_grid(self.run.samples / f"epoch_{self.epoch:04d}.png", probs[:64].reshape(-1, 1, 28, 28).cpu(), nrow=8)
        report, _ = measure(images, self.data.evaluator, evaluation)
        return {key: report[key] for key in COVERAGE_KEYS}

    def is_better(self, record: dict) -> bool:
        """Most letters covered, then the lower letter FID, among evaluated epochs."""
        if record.get("letters_covered") is None:
            return False
        return self.best["epoch"] is None or ((record["letters_covered"], -record["letter_fid"])
                                              > (self.best["letters_covered"], -self.best["letter_fid"]))

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, "letters_covered": record["letters_covered"], "letter_fid": record["letter_fid"]}

    # ------------------------------------------------------------------------------------------- checkpoints

    def model_state(self) -> dict:
        state = {"rbm": self.rbm.state_dict(), "velocity": dict(self.velocity)}
        if self.chains is not None:
            state["chains"] = self.chains
        return state

    def load_model_state(self, state: dict) -> None:
        self.rbm.load_state_dict(state["rbm"])
        self.velocity = {name: value.to(self.device) for name, value in state["velocity"].items()}
        if self.chains is not None:
            self.chains = state["chains"].to(self.device)

    def config_dict(self) -> dict:
        return rbm_config_dict(self.config)

    def summary_extras(self, records: list[dict]) -> dict:
        data = self.data
        extras = {
            "method": self.config.method_name, "hidden": self.config.model.hidden, "binarize": data.mode,
            "seconds_per_epoch": round(sum(r["epoch_s"] for r in records) / len(records), 3) if records else None,
            "dataset": {"name": "fonts", "fingerprint": data.fingerprint, "path": str(data.dataset.path),
                        "train_images": len(data.train), "val_images": len(data.val),
                        "batches_per_epoch": self.batches_per_epoch},
            "samples": sorted(p.name for p in self.run.samples.glob("*.png")),
        }
        if data.evaluator is not None:
            extras["collapse_onset_epoch"] = collapse_onset(records, self.config.evaluation.collapse_drop)
            extras["instrument"] = data.evaluator.instrument.record()
        return extras

    def on_completed(self, summary: dict) -> None:
        from gentool.rbm.figures import write_run_figures  # matplotlib only for a finished run

        summary["figures"] = [str(p) for p in write_run_figures(self.run, self.config, self.rbm, self.device)]
