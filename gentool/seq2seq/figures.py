"""Figures of a seq2seq run: learning curves from its metrics, and for the image tasks a strip of held-out inputs
and outputs (glyphs read or drawn, with the answer beside them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.io.figures import plt, save_figure
from gentool.io.images import save_letter_sheet
from gentool.runtime.rundir import RunDir
from gentool.seq2seq.config import Seq2SeqConfig
from gentool.seq2seq.data import ArithmeticData
from gentool.seq2seq.model import Seq2Seq
from gentool.seq2seq.scoring import Answers, answer

STRIP_ROWS = 12


def learning_curves(path: Path, records: list[dict], title: str) -> Path:
    """Training loss per epoch (left) and exact-match accuracy on training and held-out expressions (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = [r["epoch"] for r in records]
    left.plot(epochs, [r["loss"] for r in records], color="black")
    left.set(xlabel="epoch", ylabel="training loss", yscale="log", title="loss (teacher forced)")
    scored = [r for r in records if r.get("heldout_exact") is not None]
    for key, label, style in (("train_exact", "training expressions", "--"),
                              ("heldout_exact", "held-out expressions", "-"),
                              ("heldout_per_char", "held-out, per character", ":")):
        right.plot([r["epoch"] for r in scored], [r[key] for r in scored], style, label=label)
    right.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="answers (greedy)")
    right.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def strip(path: Path, answers: Answers, rows: int = STRIP_ROWS) -> Path:
    """One row per expression: the glyphs read (image input) or drawn (image output); the row says the expression,
    the true answer and the model's (for drawn glyphs: as the digit evaluator reads them)."""
    glyphs = answers.inputs if answers.inputs is not None else answers.drawn
    glyphs = glyphs[:rows]
    pixels = ((glyphs[:, :, 0] + 1) / 2).clamp(0, 1).numpy()  # (R, L, 28, 28)
    labels = []
    for expression, truth, predicted in list(zip(answers.expressions, answers.truth, answers.predicted))[:rows]:
        verdict = "ok" if predicted == truth else f"want {truth}"
        labels.append(f"{expression} -> {predicted or '(none)'}  {verdict}")
    return save_letter_sheet(path, np.ascontiguousarray(pixels), labels, " " * pixels.shape[1])


def sample_answers(model: Seq2Seq, data: ArithmeticData, seed: int, rows: int = STRIP_ROWS) -> Answers:
    order = torch.randperm(len(data.test_index), generator=torch.Generator().manual_seed(seed))
    return answer(model, data, data.test_index[order[:rows].to(data.test_index.device)], seed=seed,
                  keep_glyphs=True)


def write_run_figures(run: RunDir, config: Seq2SeqConfig, model: Seq2Seq, data: ArithmeticData) -> list[Path]:
    """learning_curves.png; for image tasks strip.png of held-out expressions (glyphs from held-out fonts)."""
    title = (f"{run.path.name}: {config.task}, {config.model.cell.upper()} {config.model.hidden}, train fraction "
             f"{config.expressions.train_fraction}, seed {config.seed}")
    written = [learning_curves(run.figures / "learning_curves.png", run.read_metrics(), title)]
    if config.task != "text2text":
        written.append(strip(run.figures / "strip.png", sample_answers(model, data, config.evaluation.seed)))
    return written
