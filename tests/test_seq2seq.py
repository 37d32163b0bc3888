"""Sequence to sequence on arithmetic: the expressions and their split, the vocabulary's refusals, the digit and
operator glyphs and their evaluator, a tiny run that learns, resume exactness, beam search against greedy, and the
commands (train, eval, predict) with their bad inputs."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.fonts import FontDataConfig
from gentool.datasets.symbols import SYMBOLS, load_symbol_dataset
from gentool.errors import UsageError
from gentool.evaluate.digits import NOT_A_SYMBOL, load_digit_evaluator
from gentool.evaluate.letters import EvaluatorSettings
from gentool.runtime.rundir import RunDir
from gentool.seq2seq.config import build_seq2seq_config, resolve_seq2seq_config, seq2seq_config_dict
from gentool.seq2seq.data import all_expressions, check_expression, draw_glyphs, encode, load_arithmetic, split_indices
from gentool.seq2seq.family import SEQ2SEQ
from gentool.seq2seq.model import Seq2Seq
from gentool.seq2seq.scoring import accuracy

from helpers import TINY_EVALUATOR, StopAfter, cpu_context, resume, start, tiny_font_data

runner = CliRunner()
TINY_TEXT = {"device": "cpu", "expressions": {"operand_digits": 1, "train_fraction": 0.8},
             "model": {"hidden": 64, "embed": 16}, "train": {"epochs": 40, "batch_size": 16},
             "evaluation": {"every": 5}}


def tiny_image_config(task: str, tiny_fonts_dir, **train) -> dict:
    return {"task": task, "device": "cpu",
            "expressions": {"operand_digits": 1, "train_fraction": 0.5}, "fonts": tiny_font_data(tiny_fonts_dir),
            "model": {"hidden": 16, "embed": 8}, "train": {"epochs": 2, "batch_size": 16, **train},
            "evaluation": {"expressions": 20, "evaluator": TINY_EVALUATOR}}


# ------------------------------------------------------------------------------------------------------ the data

def test_every_expression_once_with_its_answer():
    pairs = all_expressions(1)
    assert len(pairs) == 200 and len({e for e, _ in pairs}) == 200
    assert dict(pairs)["7-9"] == "-2" and dict(pairs)["9+9"] == "18" and dict(pairs)["0-0"] == "0"
    assert len(all_expressions(2)) == 20_000 and dict(all_expressions(2))["57+8"] == "65"


def test_the_split_is_deterministic_disjoint_and_complete():
    train, held = split_indices(200, 0.25, seed=3)
    again_train, again_held = split_indices(200, 0.25, seed=3)
    assert torch.equal(train, again_train) and torch.equal(held, again_held)
    assert len(train) == 50 and len(held) == 150
    assert not set(train.tolist()) & set(held.tolist())
    assert set(train.tolist()) | set(held.tolist()) == set(range(200))
    assert not torch.equal(split_indices(200, 0.25, seed=4)[0], train)
    assert len(split_indices(200, 0.001, seed=0)[0]) == 1  # never an empty side


@pytest.mark.parametrize("text", ["5*3", "ab+1", "123+4", "05+3", "-5+3", "5+", "", "4+4+4", "1.5+2"])
def test_an_expression_the_vocabulary_cannot_encode_is_refused_naming_the_form(text):
    with pytest.raises(UsageError) as error:
        check_expression(text, operand_digits=2)
    assert "joined by + or -" in str(error.value) and "0 to 99" in str(error.value)


def test_spaces_and_a_typed_minus_sign_are_read():
    assert check_expression(" 81 \u2212 17 ", operand_digits=2) == "81-17"


def test_symbol_glyphs_come_from_the_letter_faces_split_by_font(tiny_fonts_dir, data_dir):
    config = FontDataConfig(**tiny_font_data(tiny_fonts_dir))
    symbols = load_symbol_dataset(config, data_dir)
    assert symbols.images.shape[1:] == (28, 28) and set(symbols.labels.tolist()) == set(range(len(SYMBOLS)))
    held = {face["name"] for face in symbols.faces if face["split"] == "val"}
    from gentool.datasets.fonts import load_font_dataset

    letters = load_font_dataset(config, data_dir)
    assert held == {face["name"] for face in letters.faces if face["split"] == "val"}  # the letters' split
    pools = symbols.pools("val")
    assert pools.shape[:2] == (len(SYMBOLS), len(held) * 3)
    tokens = encode(["7-2"], 4)
    glyphs = draw_glyphs(tokens, pools, torch.Generator().manual_seed(0))
    assert glyphs.shape == (1, 4, 1, 28, 28) and (glyphs[0, 3] == -1).all() and glyphs[0, 0].max() > 0
    assert not load_symbol_dataset(config, data_dir).built  # cached


def test_the_digit_evaluator_reads_real_glyphs_and_rejects_noise(tiny_fonts_dir, data_dir):
    config = FontDataConfig(**tiny_font_data(tiny_fonts_dir))
    evaluator = load_digit_evaluator(config, data_dir, settings=EvaluatorSettings(**TINY_EVALUATOR))
    assert evaluator.report["held_out"]["accuracy"] > 0.8
    symbols = load_symbol_dataset(FontDataConfig(**{**tiny_font_data(tiny_fonts_dir), "samples_per_glyph": 12}),
                                  data_dir)
    images, labels = symbols.tensors("val")
    assert float((evaluator.classify(images) == labels).float().mean()) > 0.8
    noise = torch.rand(200, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    assert float((evaluator.classify(noise) == NOT_A_SYMBOL).float().mean()) > 0.8
    answers = ["-12", "7", "105"]
    drawn = draw_glyphs(encode(answers, 4, end=True), symbols.pools("val"), torch.Generator().manual_seed(2))
    read = evaluator.read(drawn)
    assert accuracy(answers, read)["per_char"] > 0.6
    assert evaluator.read(torch.full((1, 4, 1, 28, 28), -1.0)) == [""]  # blank glyphs end the answer at once


# ---------------------------------------------------------------------------------------------------- the models

def test_beam_search_never_scores_below_greedy_and_reports_the_true_log_prob():
    torch.manual_seed(0)
    config = build_seq2seq_config({"model": {"hidden": 32, "embed": 8}})
    model = Seq2Seq(config.model, image_input=False, image_output=False).eval()
    expressions = [e for e, _ in all_expressions(1)][::7]
    inputs, lengths = encode(expressions, 3), torch.tensor([len(e) for e in expressions])
    greedy_tokens, greedy_score = model.greedy(inputs, lengths, steps=3)
    beam_tokens, beam_score = model.beam(inputs, lengths, steps=3, width=4)
    assert (beam_score >= greedy_score - 1e-5).all()
    assert (beam_score > greedy_score + 1e-4).any()  # the search finds better answers than greedy somewhere
    for tokens, score in ((greedy_tokens, greedy_score), (beam_tokens, beam_score)):
        assert torch.allclose(model.sequence_log_prob(inputs, lengths, tokens), score, atol=1e-4)


# ------------------------------------------------------------------------------------------------- training runs

def test_a_tiny_text_run_learns_beyond_the_most_common_answer(tmp_path, data_dir):
    outcome = start(SEQ2SEQ, build_seq2seq_config(TINY_TEXT), RunDir(tmp_path / "run"), data_dir)
    final = outcome.summary["final"]
    data = load_arithmetic(build_seq2seq_config(TINY_TEXT), cpu_context(data_dir))
    trained = [data.answers[i] for i in data.train_index.tolist()]
    held = [data.answers[i] for i in data.test_index.tolist()]
    common = max(set(trained), key=trained.count)  # what a model that learned nothing but the answers says
    assert final["train_exact"] > 0.4
    own = max(held.count(answer) for answer in set(held)) / len(held)  # even the held-out split's own
    assert final["heldout_exact"] > max(held.count(common) / len(held), own) + 0.1
    assert final["heldout_per_char"] > accuracy(held, [common] * len(held))["per_char"] + 0.15
    assert (tmp_path / "run" / "figures" / "learning_curves.png").is_file()


def test_canonical_targets_are_one_clean_glyph_per_symbol_and_random_ones_vary(tiny_fonts_dir, data_dir):
    tokens = encode(["18", "-7", "0"] * 20, 4, end=True)
    canonical = load_arithmetic(build_seq2seq_config(tiny_image_config("text2image", tiny_fonts_dir)),
                                cpu_context(data_dir))
    first, second = (draw_glyphs(tokens, canonical.pools["target"]) for _ in range(2))
    assert torch.equal(first, second)  # one deterministic drawing per symbol: nothing to average over
    assert torch.equal(first[0, 0], first[3, 0])  # the same '1' in every answer
    assert canonical.evaluator.read(first[:3]) == ["18", "-7", "0"]
    config = tiny_image_config("text2image", tiny_fonts_dir)
    config["expressions"]["target_style"] = "random"
    varied = load_arithmetic(build_seq2seq_config(config), cpu_context(data_dir))
    assert not torch.equal(draw_glyphs(tokens, varied.pools["target"]), draw_glyphs(tokens, varied.pools["target"]))


def test_text2image_defaults_to_canonical_targets_and_old_runs_keep_theirs():
    from gentool.seq2seq.config import read_saved_seq2seq_config, resolve_seq2seq_config

    new = resolve_seq2seq_config("text2image")
    assert (new.expressions.target_style, new.model.decoder_reads) == ("canonical", "token")
    saved = seq2seq_config_dict(new)
    saved["data"] = saved.pop("expressions")  # as runs saved before the two options, with the old section names
    saved["data"]["glyphs"] = saved.pop("fonts")
    del saved["data"]["target_style"], saved["model"]["decoder_reads"]
    old = read_saved_seq2seq_config(saved)
    assert (old.expressions.target_style, old.model.decoder_reads) == ("random", "glyph") and old.fonts == new.fonts
    assert set(Seq2Seq(old.model, False, True).state_dict()) != set(Seq2Seq(new.model, False, True).state_dict())


def test_a_tiny_text2image_run_draws_answers_the_evaluator_reads(tmp_path, tiny_fonts_dir, data_dir):
    config = {**TINY_TEXT, "task": "text2image",
              "fonts": tiny_font_data(tiny_fonts_dir),
              "evaluation": {"every": 0, "evaluator": TINY_EVALUATOR}}
    outcome = start(SEQ2SEQ, build_seq2seq_config(config), RunDir(tmp_path / "run"), data_dir)
    final = outcome.summary["final"]
    data = load_arithmetic(build_seq2seq_config(config), cpu_context(data_dir))
    trained = [data.answers[i] for i in data.train_index.tolist()]
    common = max(set(trained), key=trained.count)
    # drawn with canonical targets, the answers read right far more often than the most common answer is right
    assert final["train_exact"] > trained.count(common) / len(trained) + 0.3


@pytest.mark.parametrize("task,train", [("image2text", {}), ("text2image", {"adversarial_weight": 0.1})])
def test_a_run_stopped_midway_resumes_to_the_same_weights(task, train, tmp_path, tiny_fonts_dir, data_dir):
    config = build_seq2seq_config(tiny_image_config(task, tiny_fonts_dir, **train))
    straight = RunDir(tmp_path / "straight")
    start(SEQ2SEQ, config, straight, data_dir)
    stopped = RunDir(tmp_path / "stopped")
    outcome = start(SEQ2SEQ, config, stopped, data_dir, stop=StopAfter(4))
    assert outcome.status == "interrupted"
    resumed = resume(SEQ2SEQ, stopped, data_dir)
    assert resumed.status == "completed"
    a = torch.load(straight.last_checkpoint, weights_only=False)
    b = torch.load(stopped.last_checkpoint, weights_only=False)
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name
    assert a["best"] == b["best"]
    assert (tmp_path / "straight" / "figures" / "strip.png").is_file()


# ------------------------------------------------------------------------------------------------------ commands

@pytest.fixture(scope="module")
def text_run(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("seq2seq") / "run"
    tiny = ["--set", "expressions.operand_digits=1", "--hidden", "64", "--set", "model.embed=16", "--batch-size", "16"]
    result = runner.invoke(app, ["seq2seq", "train", "--task", "text2text", "--preset", "quick", *tiny,
                                 "--train-fraction", "0.8", "--epochs", "3", "--device", "cpu", "--out", str(folder),
                                 "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    # held-out exact is printed beside the baseline it must beat, measured on the same expressions
    assert "held-out exact" in result.stdout and "(always '" in result.stdout
    return folder


def test_quick_preset_is_the_task_model_on_half_the_two_digit_sums_for_1560_updates():
    quick, full = (resolve_seq2seq_config(name, None, {"task": "text2text"}) for name in ("quick", "text2text"))
    assert quick.expressions.operand_digits == 2 and quick.expressions.train_fraction == 0.5
    assert (quick.train.epochs, quick.train.batch_size) == (10, 64)  # 10 x 156 batches of the 10,000 sums
    assert quick.model == full.model and quick.optim == full.optim and quick.evaluation == full.evaluation


def test_train_names_its_run_and_eval_prints_the_tables(text_run, data_dir):
    summary = json.loads((text_run / "summary.json").read_text())
    assert summary["kind"] == "seq2seq" and summary["task"] == "text2text" and summary["train_fraction"] == 0.8
    result = runner.invoke(app, ["seq2seq", "eval", "--run", str(text_run), "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["heldout"]["count"] == 40 and report["train"]["count"] == 160
    assert sum(row["count"] for row in report["by_group"]) == 40
    assert {row["operator"] for row in report["by_group"]} == {"+", "-"}
    table = runner.invoke(app, ["seq2seq", "eval", "--run", str(text_run), "--beam", "3", "--data-dir",
                                str(data_dir)])
    assert table.exit_code == 0 and "by operator and answer length" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()[:-1]) <= 80  # the last names the file written


def test_predict_prints_one_answer_first(text_run, data_dir):
    result = runner.invoke(app, ["seq2seq", "predict", "--run", str(text_run), "8-9", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].lstrip("-").isdigit() or lines[0] == "(no answer)"
    assert "8-9 ->" in lines[1] and ("right" in lines[1] or "= -1" in lines[1])
    as_json = json.loads(runner.invoke(app, ["seq2seq", "predict", "--run", str(text_run), "8-9", "--json",
                                             "--data-dir", str(data_dir)]).stdout)
    assert as_json["truth"] == "-1" and as_json["answer"] == lines[0].replace("(no answer)", "")
    assert as_json["correct"] == (as_json["answer"] == "-1")


@pytest.mark.parametrize("expression", ["5*3", "ab", "12+3"])
def test_predict_refuses_what_the_vocabulary_cannot_encode(text_run, data_dir, expression):
    result = runner.invoke(app, ["seq2seq", "predict", "--run", str(text_run), expression, "--data-dir",
                                 str(data_dir)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "joined by + or -" in lines[0] and "0 to 9" in lines[0]


def test_an_image_task_predict_writes_a_strip(tmp_path, tiny_fonts_dir, data_dir):
    config = build_seq2seq_config(tiny_image_config("image2text", tiny_fonts_dir))
    start(SEQ2SEQ, config, RunDir(tmp_path / "run"), data_dir)
    result = runner.invoke(app, ["seq2seq", "predict", "--run", str(tmp_path / "run"), "3+4", "--data-dir",
                                 str(data_dir)])
    assert result.exit_code == 0, result.output
    png = result.stdout.splitlines()[-1]
    assert png.endswith(".png") and (tmp_path / "run" / "predictions" / "predict-3plus4.png").is_file()


def test_another_familys_run_and_a_bad_task_exit_2(tmp_path):
    other = tmp_path / "gan"
    (other / "checkpoints").mkdir(parents=True)
    (other / "config.yaml").write_text("{}")
    (other / "summary.json").write_text(json.dumps({"kind": "gan"}))
    for command in (["eval", "--run", str(other)], ["predict", "--run", str(other), "1+1"],
                    ["train", "--resume", str(other)]):
        result = runner.invoke(app, ["seq2seq", *command])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, command
        assert "is a GAN run" in result.stderr
    result = runner.invoke(app, ["seq2seq", "train", "--task", "text2txt", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "did you mean 'text2text'" in result.stderr
    assert not (tmp_path / "r").exists()
