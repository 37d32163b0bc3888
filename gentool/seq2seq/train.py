"""Training the encoder-decoder on the shared epoch loop (gentool.runtime.trainer): teacher forcing, Adam with
gradient clipping; text output by cross-entropy per answer token, image output by a per-pixel loss (binary
cross-entropy against the target glyph's ink: `expressions.target_style`) plus, when the decoder reads tokens, the
symbol head's cross-entropy, plus, if asked, a glyph discriminator's non-saturating loss.

Image inputs and drawn targets are fresh glyphs every step, drawn from the training fonts' pool on the device
with the global generator (so a resumed run draws the same ones). After each evaluated epoch the model answers
`evaluation.expressions` held-out expressions (their glyphs from held-out fonts) and as many training ones:
exact match and per-character accuracy, the drawn answers read by the digit evaluator.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer, full_batches
from gentool.seq2seq.config import Seq2SeqConfig, seq2seq_config_dict
from gentool.seq2seq.data import PAD, ArithmeticData, draw_glyphs
from gentool.seq2seq.model import GlyphDiscriminator, Seq2Seq, as_images, text_loss
from gentool.seq2seq.scoring import accuracy, answer, most_common_answer

CHECKPOINT_KIND = "seq2seq"
SHOWN = ("loss", "heldout_exact", "train_exact")


def batches_per_epoch(config: Seq2SeqConfig, examples: int) -> int:
    return full_batches(examples, config.train.batch_size, config.train.max_steps_per_epoch, "expressions",
                        "raise --train-fraction")


def evaluation_subset(index: torch.Tensor, count: int, seed: int) -> torch.Tensor:
    """The same `count` expressions of a split at every evaluation (a seeded choice)."""
    order = torch.randperm(len(index), generator=torch.Generator().manual_seed(seed))
    return index[order[:count].to(index.device)].sort().values


def build_model(config: Seq2SeqConfig) -> Seq2Seq:
    return Seq2Seq(config.model, config.image_input, config.image_output)


class Seq2SeqTrainer(EpochTrainer):
    kind = CHECKPOINT_KIND
    rate_name = "expressions_per_s"
    nan_hint = "Lower optim.lr (or train.grad_clip) and train again"

    def __init__(self, *, config: Seq2SeqConfig, data: ArithmeticData, run: RunDir, ctx: RunContext):
        super().__init__(run=run, ctx=ctx, examples=len(data.train_index), batch_size=config.train.batch_size,
                         epochs=config.train.epochs,
                         batches_per_epoch=batches_per_epoch(config, len(data.train_index)),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=data.fingerprint)
        self.config = config
        self.data = data
        set_seed(config.seed)
        self.model = build_model(config).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.optim.lr)
        self.discriminator = self.d_optimizer = None
        if config.train.adversarial_weight:
            self.discriminator = GlyphDiscriminator().to(self.device)
            self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=config.optim.d_lr,
                                                betas=(0.5, 0.999))
        evaluation = config.evaluation
        self.heldout_subset = evaluation_subset(data.test_index, evaluation.expressions, evaluation.seed)
        self.train_subset = evaluation_subset(data.train_index, evaluation.expressions, evaluation.seed + 1)
        self.best = {"epoch": None, "heldout_exact": None}

    # ------------------------------------------------------------------------------------------------ one step

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        data, model = self.data, self.model
        model.train()
        inputs, lengths, targets = data.batch(self.data.train_index[index])
        if model.image_input:
            inputs = draw_glyphs(inputs, data.pools["train"])
        metrics = {}
        if model.image_output:
            glyphs = draw_glyphs(targets, data.pools["target"])
            if model.reads_tokens:
                logits, symbol_logits = model.forward_drawn(inputs, lengths, targets)
                symbol_loss = text_loss(symbol_logits, targets)  # the head that picks what to read next
                metrics["symbol_loss"] = symbol_loss.detach()
            else:
                logits, symbol_loss = model(inputs, lengths, glyphs), 0.0
            pixel_loss = F.binary_cross_entropy_with_logits(logits, (glyphs + 1) / 2)
            metrics["pixel_loss"] = pixel_loss.detach()
            loss = pixel_loss + symbol_loss
            if self.discriminator is not None:
                adversarial = self.adversarial_step(glyphs, as_images(logits), targets != PAD, metrics)
                loss = loss + self.config.train.adversarial_weight * adversarial
        else:
            logits = model(inputs, lengths, targets)
            loss = text_loss(logits, targets)
            kept = targets != PAD
            metrics["token_accuracy"] = ((logits.argmax(-1) == targets) & kept).sum() / kept.sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.train.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), self.config.train.grad_clip)
        self.optimizer.step()
        return {"loss": loss.detach(), **metrics}

    def adversarial_step(self, real: torch.Tensor, drawn: torch.Tensor, inked: torch.Tensor, metrics: dict
                         ) -> torch.Tensor:
        """One discriminator update on the glyphs that carry a symbol (not the blank padding), then the drawing's
        non-saturating loss against it."""
        real, drawn = real[inked], drawn[inked]  # (M, 1, 28, 28)
        d = self.discriminator
        d_loss = (F.softplus(-d(real)).mean() + F.softplus(d(drawn.detach())).mean())
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        metrics["d_loss"] = d_loss.detach()
        adversarial = F.softplus(-d(drawn)).mean()
        metrics["adversarial"] = adversarial.detach()
        return adversarial

    def fit(self) -> str:
        return super().fit(SHOWN)

    # ------------------------------------------------------------------------------------------ end of epoch

    def after_epoch(self, record: dict) -> None:
        every = self.config.evaluation.every
        if self.epoch == self.epochs or (every and self.epoch % every == 0):
            record.update(self.evaluate())

    def evaluate(self) -> dict:
        seed = self.config.evaluation.seed
        held = answer(self.model, self.data, self.heldout_subset, seed=seed)
        trained = answer(self.model, self.data, self.train_subset, seed=seed)
        held_score, train_score = accuracy(held.truth, held.predicted), accuracy(trained.truth, trained.predicted)
        record = {"heldout_exact": held_score["exact"], "heldout_per_char": held_score["per_char"],
                  "train_exact": train_score["exact"], "train_per_char": train_score["per_char"]}
        if self.data.evaluator is not None:  # drawn answers: read by the digit evaluator
            record["instrument"] = self.data.evaluator.instrument.record()
        return record

    def is_better(self, record: dict) -> bool:
        if record.get("heldout_exact") is None:
            return False
        return self.best["epoch"] is None or record["heldout_exact"] > self.best["heldout_exact"]

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, "heldout_exact": record["heldout_exact"]}

    # ------------------------------------------------------------------------------------------- checkpoints

    def model_state(self) -> dict:
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}
        if self.discriminator is not None:
            state["discriminator"] = self.discriminator.state_dict()
            state["d_optimizer"] = self.d_optimizer.state_dict()
        return state

    def load_model_state(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.discriminator is not None:
            self.discriminator.load_state_dict(state["discriminator"])
            self.d_optimizer.load_state_dict(state["d_optimizer"])

    def config_dict(self) -> dict:
        return seq2seq_config_dict(self.config)

    def summary_extras(self, records: list[dict]) -> dict:
        data = self.data
        extras = {
            "task": self.config.task, "cell": self.config.model.cell, "hidden": self.config.model.hidden,
            "train_fraction": self.config.expressions.train_fraction,
            "dataset": {"name": "arithmetic", "fingerprint": data.fingerprint,
                        "operand_digits": data.operand_digits, "expressions": len(data.expressions),
                        "train_expressions": len(data.train_index), "heldout_expressions": len(data.test_index),
                        "batches_per_epoch": self.batches_per_epoch},
        }
        if not self.model.image_output:  # what held-out exact is read against, on the same expressions
            common = most_common_answer(data)
            truth = [data.answers[i] for i in self.heldout_subset.tolist()]
            extras["baseline"] = {"answer": common, "heldout_exact": accuracy(truth, [common] * len(truth))["exact"]}
        if data.symbols is not None:
            extras["glyphs"] = {"path": str(data.symbols.path),
                                "heldout_fonts": [f["name"] for f in data.symbols.faces if f["split"] == "val"]}
        if data.evaluator is not None:
            extras["instrument"] = data.evaluator.instrument.record()
        return extras

    def on_completed(self, summary: dict) -> None:
        from gentool.seq2seq.figures import write_run_figures  # matplotlib only for a finished run

        summary["figures"] = [str(p) for p in write_run_figures(self.run, self.config, self.model, self.data)]
