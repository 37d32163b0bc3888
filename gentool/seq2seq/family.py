"""Seq2seq as a family of the shared run path (gentool.runtime.runs): its config, data (expressions, glyphs, the
digit evaluator) and trainer, and what `seq2seq train` prints about a finished run."""

from __future__ import annotations

from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family
from gentool.seq2seq.config import Seq2SeqConfig, read_saved_seq2seq_config, resolve_seq2seq_config, seq2seq_config_dict
from gentool.seq2seq.data import ArithmeticData, load_arithmetic
from gentool.seq2seq.train import CHECKPOINT_KIND, Seq2SeqTrainer


def make_trainer(config: Seq2SeqConfig, data: ArithmeticData, run: RunDir, ctx: RunContext) -> Seq2SeqTrainer:
    return Seq2SeqTrainer(config=config, data=data, run=run, ctx=ctx)


def run_name(config: Seq2SeqConfig, preset: str) -> str:
    return f"seq2seq-{config.task}-f{config.expressions.train_fraction:g}-{config.model.cell}"


def describe(config: Seq2SeqConfig, preset: str) -> str:
    expressions = config.expressions
    return (f"preset {preset}, {config.task}, {config.model.cell.upper()} {config.model.hidden}, operands of up to "
            f"{expressions.operand_digits} digits, train fraction {expressions.train_fraction:g}, seed {config.seed}")


def outcome_lines(summary: dict) -> list[str]:
    final = summary.get("final") or {}
    if not final or final.get("heldout_exact") is None:
        return []
    dataset = summary["dataset"]
    read = " (drawn answers read by the digit evaluator)" if summary["task"] == "text2image" else ""
    baseline = summary.get("baseline")
    against = f" (always '{baseline['answer']}': {baseline['heldout_exact']:.1%})" if baseline else ""
    lines = [f"{summary['task']}, trained on {dataset['train_expressions']} of {dataset['expressions']} "
             f"expressions: held-out exact {final['heldout_exact']:.1%}{against}, per character "
             f"{final['heldout_per_char']:.1%}; training exact {final['train_exact']:.1%}{read}",
             f"tables: gentool seq2seq eval --run {summary['run']}"]
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


SEQ2SEQ = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="text2text", resolve_config=resolve_seq2seq_config,
    read_config=read_saved_seq2seq_config, config_dict=seq2seq_config_dict, load_data=load_arithmetic,
    make_trainer=make_trainer, run_name=run_name, describe=describe, outcome_lines=outcome_lines))
