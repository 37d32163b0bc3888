"""The real `gentool` app end to end: typer's CliRunner in-process, and one subprocess for Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from typer.testing import CliRunner

from gentool import __version__
from gentool.cli.app import app

runner = CliRunner()


def invoke(args, data_dir, **env):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir), **env})


def test_version_and_help():
    assert runner.invoke(app, ["--version"]).stdout.strip() == f"gentool {__version__}"
    help_text = runner.invoke(app, ["--help"]).stdout
    assert "gan" in help_text and "data" in help_text
    assert "--fix" in runner.invoke(app, ["gan", "train", "--help"]).stdout


def test_data_fonts_json_and_table(tiny_fonts_dir, data_dir):
    args = ["data", "fonts", "--no-matplotlib-fonts", "--fonts-dir", str(tiny_fonts_dir), "--samples-per-glyph", "3",
            "--set", "fonts.val_fraction=0.25"]
    result = invoke([*args, "--json"], data_dir)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert len(stats["faces"]) == 4 and stats["samples"]["train"] + stats["samples"]["val"] == 4 * 26 * 3
    table = invoke(args, data_dir)
    assert table.exit_code == 0 and "DejaVu Sans Mono" in table.stdout and "cache hit" in table.stdout


def test_gan_train_end_to_end_then_resume_with_more_epochs(tiny_config_file, data_dir, tmp_path):
    out = tmp_path / "fm"
    result = invoke(["gan", "train", "--preset", "feature-matching", "--config", str(tiny_config_file), "--epochs", "1",
                     "--seed", "7", "--device", "cpu", "--out", str(out), "--json"], data_dir)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed" and summary["seed"] == 7 and summary["fixes"] == ["feature-matching"]
    assert isinstance(summary["command"], str)  # under CliRunner argv is pytest's; the subprocess test checks it
    # the start line names the arithmetic: `auto` (the letters' default) differs from machine to machine
    assert f"on cpu, {summary['precision']} (dataset fonts, preset feature-matching" in result.output
    assert (out / "config.yaml").is_file() and (out / "checkpoints" / "last.pt").is_file()

    again = invoke(["gan", "train", "--resume", str(out), "--epochs", "2", "--json"], data_dir)
    assert again.exit_code == 0, again.output
    resumed = json.loads(again.stdout)
    assert f"at epoch 1/2 on cpu, {summary['precision']}" in again.output
    assert resumed["epochs_completed"] == 2 and resumed["steps"] == 2 * summary["steps"]
    assert [r["epoch"] for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())] == [1, 2]


def test_config_yaml_of_a_run_reproduces_it(tiny_config_file, data_dir, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert invoke(["gan", "train", "--config", str(tiny_config_file), "--epochs", "1", "--out", str(first),
                   "--quiet"], data_dir).exit_code == 0
    assert invoke(["gan", "train", "--config", str(first / "config.yaml"), "--out", str(second), "--quiet"],
                  data_dir).exit_code == 0
    a = torch.load(first / "checkpoints" / "last.pt", weights_only=True)["generator"]
    b = torch.load(second / "checkpoints" / "last.pt", weights_only=True)["generator"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def bad_inputs(tmp_path, tiny_config_file):
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("train: {epochs: [1, 2\n")
    corrupt_run = tmp_path / "corrupt"
    (corrupt_run / "checkpoints").mkdir(parents=True)
    (corrupt_run / "config.yaml").write_text(tiny_config_file.read_text())
    (corrupt_run / "checkpoints" / "last.pt").write_bytes(b"\x80\x02 truncated")
    empty_fonts = tmp_path / "no-fonts"
    empty_fonts.mkdir()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "config.yaml").write_text("seed: 0\n")
    base = ["gan", "train", "--config", str(tiny_config_file)]
    return {
        "malformed yaml": (["gan", "train", "--config", str(malformed)], "not valid YAML at line"),
        "missing config": (["gan", "train", "--config", str(tmp_path / "nope.yaml")], "does not exist"),
        "unknown key": ([*base, "--set", "optim.lrr=0.1"], "unknown key (did you mean 'lr'?)"),
        "negative epochs": ([*base, "--epochs", "-3"], "train.epochs': got -3, must be >= 1"),
        "unknown fix": ([*base, "--fix", "feature-matchin"], "did you mean 'feature-matching'"),
        "unknown preset": (["gan", "train", "--preset", "vanila"], "did you mean 'vanilla'"),
        "missing resume folder": (["gan", "train", "--resume", str(tmp_path / "gone")], "is not a folder"),
        "resume of a non-run": (["gan", "train", "--resume", str(empty_fonts)], "holds no config.yaml"),
        "corrupt checkpoint": (["gan", "train", "--resume", str(corrupt_run)], "corrupt or not a gentool checkpoint"),
        "empty fonts dir": ([*base, "--fonts-dir", str(empty_fonts)], "holds no .ttf or .otf files"),
        "out holds a run": ([*base, "--out", str(existing)], "already holds a run"),
        "resume with config": (["gan", "train", "--resume", str(corrupt_run), "--lr", "0.1"],
                               "--lr cannot be given with it"),
        "unknown device": ([*base, "--device", "tpu"], "allowed values"),
        "batch bigger than data": ([*base, "--batch-size", "4096"], "fewer than train.batch_size=4096"),
    }


@pytest.mark.parametrize("case", [
    "malformed yaml", "missing config", "unknown key", "negative epochs", "unknown fix", "unknown preset",
    "missing resume folder", "resume of a non-run", "corrupt checkpoint", "empty fonts dir", "out holds a run",
    "resume with config", "unknown device", "batch bigger than data"])
def test_bad_input_is_exit_2_with_one_line_and_no_traceback(case, tmp_path, tiny_config_file, data_dir):
    args, words = bad_inputs(tmp_path, tiny_config_file)[case]
    result = invoke(args, data_dir)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_cuda_asked_for_without_a_gpu_is_a_clear_error(tiny_config_file, data_dir):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = invoke(["gan", "train", "--config", str(tiny_config_file), "--device", "cuda"], data_dir)
    assert result.exit_code == 2 and "sees no CUDA GPU" in result.stderr


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resume_finishes(tiny_config_file, data_dir, tmp_path):
    out = tmp_path / "interrupted"
    env = {**os.environ, "GENTOOL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "gentool", "gan", "train", "--config", str(tiny_config_file), "--epochs", "400",
               "--out", str(out)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "checkpoints" / "last.pt").exists():
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "gentool gan train --resume" in stderr and "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["epochs_completed"] < 400
    assert summary["command"].startswith("gentool gan train --config ")

    finished = invoke(["gan", "train", "--resume", str(out), "--epochs", str(summary["epochs_completed"] + 1),
                       "--json"], data_dir)
    assert finished.exit_code == 0, finished.output
    assert json.loads(finished.stdout)["status"] == "completed"
