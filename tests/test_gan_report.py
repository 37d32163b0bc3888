"""Coverage measured while training, and the commands that measure, draw and compare runs."""

import json

import pytest
import torch
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.gan.config import build_gan_config
from gentool.gan.family import GAN, outcome_lines
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.views.gan import compare_view

from helpers import StopAfter, assert_tables_fit_80_columns, at_80_columns, resume, start_gan

CPU = torch.device("cpu")
runner = CliRunner()


def train(config_dict, data_dir, evaluator, folder, stop=None):
    config = build_gan_config(config_dict)
    run = RunDir(folder)
    outcome = start_gan(config, run, data_dir, stop=stop)  # the evaluator fixture is the one loaded from data_dir
    return config, run, outcome


def test_training_records_coverage_keeps_best_and_draws_figures(tiny_evaluation, tiny_evaluator, data_dir, tmp_path):
    config, run, outcome = train(tiny_evaluation, data_dir, tiny_evaluator, tmp_path / "run")
    records = run.read_metrics()
    for record in records:
        assert 0 <= record["letters_covered"] <= 26 and record["letter_fid"] > 0
        assert sum(record["letter_counts"].values()) <= 520 and len(record["letter_counts"]) == 26
    summary = outcome.summary
    best_epoch = summary["best"]["epoch"]
    assert best_epoch in (1, 2) and (run.checkpoints / "best.pt").is_file()
    assert load_checkpoint(run.checkpoints / "best.pt", "gan")["epoch"] == best_epoch
    assert summary["best"]["letters_covered"] == max(r["letters_covered"] for r in records)
    assert "collapse_onset_epoch" in summary
    names = sorted(p.name for p in run.figures.iterdir())
    assert names == ["alphabet.png", "dynamics.png", "letter_heatmap.png"]


def test_resume_with_evaluation_matches_an_uninterrupted_run(tiny_evaluation, tiny_evaluator, data_dir, tmp_path):
    config_dict = {**tiny_evaluation, "train": {**tiny_evaluation["train"], "epochs": 3}}
    _, straight, _ = train(config_dict, data_dir, tiny_evaluator, tmp_path / "straight")
    config, broken, outcome = train(config_dict, data_dir, tiny_evaluator, tmp_path / "broken", stop=StopAfter(14))
    assert outcome.status == "interrupted"
    resume(GAN, broken, data_dir)
    a, b = straight.read_metrics(), broken.read_metrics()
    assert [r["letters_covered"] for r in a] == [r["letters_covered"] for r in b]
    assert [r["letter_fid"] for r in a] == [r["letter_fid"] for r in b]
    assert json.loads(straight.summary_path.read_text())["best"] == json.loads(broken.summary_path.read_text())["best"]


@pytest.fixture
def trained_runs(tiny_evaluation, tiny_evaluator, data_dir, tmp_path):
    """Two short runs under ./runs (the test's own folder), one vanilla and one with feature matching."""
    folders = []
    for name, fixes in (("vanilla", []), ("fm", ["feature-matching"])):
        _, run, _ = train({**tiny_evaluation, "fixes": fixes}, data_dir, tiny_evaluator, tmp_path / "runs" / name)
        folders.append(run.path)
    return folders


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


def test_coverage_command_reports_model_and_baselines(trained_runs, data_dir):
    result = invoke(["gan", "coverage", "--run", str(trained_runs[0]), "--samples", "520", "--json"], data_dir)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["baselines"]) == {"real", "noise", "collapsed"}
    assert report["baselines"]["real"]["letters_covered"] > report["baselines"]["noise"]["letters_covered"]
    assert report["model"]["samples"] == 520 and report["checkpoint"].endswith("last.pt")
    assert json.loads((trained_runs[0] / "coverage.json").read_text())["model"] == report["model"]
    for figure in report["figures"]:
        assert figure.endswith(".png") and (trained_runs[0] / "figures" / figure.split("/")[-1]).is_file()

    table = invoke(["gan", "coverage", "--best", "--baseline", "noise", "--samples", "520"], data_dir)
    assert table.exit_code == 0, table.output  # no --run: the newest run under ./runs
    assert "noise" in table.stdout and "letters covered" in table.stdout and "uniform noise" in table.stdout
    assert "fm/checkpoints/best.pt" in table.stdout.replace("\n", "")


def test_compare_interpolate_figures_and_evaluator_commands(trained_runs, data_dir, tiny_evaluation, tmp_path):
    compared = invoke(["gan", "compare", *map(str, trained_runs), "--json"], data_dir)
    assert compared.exit_code == 0, compared.output
    result = json.loads(compared.stdout)
    assert set(result["groups"]) == {"vanilla", "feature-matching"} and len(result["runs"]) == 2
    # one run per group: the sweep statistics say no test is possible rather than print one
    assert {row["note"] for row in result["comparisons"]} == {"n<3: no test possible"}
    assert result["comparisons"][0]["baseline"] == "vanilla" and len(result["comparisons"]) == 5
    assert (trained_runs[0].parent / "compare.png").is_file()
    shown = at_80_columns(compare_view(result))
    assert_tables_fit_80_columns(shown)
    assert all(run["name"] in shown.replace("\n", "") or run["name"][:8] in shown for run in result["runs"])

    interpolated = invoke(["gan", "interpolate", "--run", str(trained_runs[1]), "--rows", "2", "--steps", "5",
                           "--json"], data_dir)
    assert interpolated.exit_code == 0, interpolated.output
    paths = json.loads(interpolated.stdout)["predicted"]
    assert len(paths) == 2 and all(len(p) == 5 for p in paths)

    drawn = invoke(["gan", "figures", "--run", str(trained_runs[0])], data_dir)
    assert drawn.exit_code == 0 and "dynamics.png" in drawn.stdout

    config_file = tmp_path / "tiny.yaml"
    config_file.write_text(yaml.safe_dump(tiny_evaluation))
    shown = invoke(["gan", "evaluator", "--config", str(config_file), "--json"], data_dir)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["built"] is False and "accuracy" in json.loads(shown.stdout)["held_out"]
    assert json.loads(shown.stdout)["instrument"]["source"] == "local" and "shipped" in json.loads(shown.stdout)


def test_compare_names_different_instruments_and_tests_nothing_across_them(trained_runs, data_dir):
    """Every evaluated record names the evaluator that read it; two runs read by two evaluators are shown with a
    line naming both, and no significance test is made across them."""
    records = RunDir(trained_runs[1]).read_metrics()
    assert all(record["instrument"]["source"] == "local" for record in records if "letters_covered" in record)
    other = {**records[-1]["instrument"], "sha256": "f" * 64}
    lines = [json.dumps({**record, "instrument": other} if "instrument" in record else record) for record in records]
    (trained_runs[1] / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    compared = invoke(["gan", "compare", *map(str, trained_runs), "--json"], data_dir)
    assert compared.exit_code == 0, compared.output
    result = json.loads(compared.stdout)
    assert result["comparisons"] == [] and "2 different instruments" in result["instruments_note"]
    assert "sha256 ffffffffffff" in result["instruments_note"]


@pytest.mark.parametrize("args, words", [
    (["gan", "coverage"], "no trained GAN run found under runs/"),
    (["gan", "coverage", "--run", "nowhere"], "is not a folder"),
    (["gan", "coverage", "--baseline", "uniform"], "unknown baseline 'uniform'"),
    (["gan", "coverage", "--run", ".", "--checkpoint", "x.pt"], "not both"),
    (["gan", "coverage", "--checkpoint", "missing.pt"], "does not exist"),
    (["gan", "compare", "nowhere"], "is not a folder"),
])
def test_measurement_commands_reject_bad_input(args, words, data_dir):
    result = invoke(args, data_dir)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output


def test_interpolate_rejects_bad_method(trained_runs, data_dir):
    result = invoke(["gan", "interpolate", "--run", str(trained_runs[0]), "--method", "cubic"], data_dir)
    assert result.exit_code == 2 and "use slerp or lerp" in result.stderr


def test_a_letter_run_with_no_confident_letter_prints_entropy_as_not_available():
    final = {"loss_d": 1.0, "loss_g": 1.0, "d_real": 0.5, "d_fake": 0.5, "images_per_s": 100.0,
             "letters_covered": 0, "missing": list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "entropy": None, "letter_fid": 900.0}
    summary = {"final": final, "evaluation": {"samples": 260, "seed": 7}, "best": {"epoch": 1},
               "collapse_onset_epoch": None, "samples": [], "fixes": []}
    line = next(line for line in outcome_lines(summary) if line.startswith("coverage: "))
    assert "0/26 letters" in line and "entropy n/a," in line and "None" not in line
