"""The 2-D benchmarks: ring8 / grid25 data, their mode metrics against baselines, and `gan benchmark`."""

from __future__ import annotations

import json
import math

import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.points import PointDataConfig, load_point_dataset
from gentool.evaluate.modes import baseline_points, expected_real_high_quality, mode_metrics

from helpers import TINY_2D_ARGS

runner = CliRunner()


def invoke(args, tmp_path):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(tmp_path / "data")})


@pytest.mark.parametrize("name, modes, std", [("ring8", 8, 0.01), ("grid25", 25, 0.05)])
def test_mixtures_have_their_published_layout(name, modes, std):
    dataset = load_point_dataset(name, PointDataConfig(samples=5000))
    assert dataset.means.shape == (modes, 2) and dataset.std == std
    if name == "ring8":
        assert torch.allclose(dataset.means.norm(dim=1), torch.ones(8))
    else:
        assert sorted(set(dataset.means[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    report = mode_metrics(dataset.points, dataset.means, dataset.std)
    assert report["modes_captured"] == modes
    assert max(report["mode_counts"]) - min(report["mode_counts"]) <= 0.1 * 5000 / modes
    same = load_point_dataset(name, PointDataConfig(samples=5000))
    other = load_point_dataset(name, PointDataConfig(samples=5000, seed=1))
    assert torch.equal(same.points, dataset.points) and same.fingerprint == dataset.fingerprint
    assert other.fingerprint != dataset.fingerprint


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_mode_metrics_separate_real_points_from_noise_and_collapse(name):
    dataset = load_point_dataset(name, PointDataConfig(samples=1000))
    means, std = dataset.means, dataset.std
    real, noise, collapsed = (mode_metrics(baseline_points(b, means, std, 2500, 0), means, std)
                              for b in ("real", "noise", "collapsed"))
    assert real["modes_captured"] == len(means)
    assert real["high_quality"] == pytest.approx(expected_real_high_quality(), abs=0.01)  # 0.989
    assert real["reverse_kl"] < 0.05
    assert noise["high_quality"] < 0.1
    assert collapsed["modes_captured"] == 1
    assert collapsed["reverse_kl"] == pytest.approx(math.log(len(means)), abs=1e-4)


def test_reverse_kl_and_quality_on_hand_made_points():
    means = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    points = torch.tensor([[0.0, 0.0], [0.01, 0.0], [1.0, 0.0], [1.0, 0.02], [0.5, 0.5]])
    report = mode_metrics(points, means, std=0.01)  # 3 std = 0.03: the middle point is low quality
    assert report["modes_captured"] == 2 and report["high_quality"] == 0.8
    assert report["reverse_kl"] == pytest.approx(math.log(2), abs=1e-4)  # 2 of 4 modes, evenly
    assert mode_metrics(torch.tensor([[0.5, 0.5]]), means, 0.01)["reverse_kl"] is None


def test_gan_train_on_grid25_then_coverage_and_figures(tmp_path):
    run = tmp_path / "run"
    result = invoke(["gan", "train", "--dataset", "grid25", "--preset", "pacgan", "--epochs", "2", "--out", str(run),
                     *TINY_2D_ARGS, "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["dataset"]["name"] == "grid25" and summary["final"]["modes_captured"] >= 0
    assert summary["points_per_s"] > 0 and summary["seconds_per_epoch"] > 0
    assert (run / "figures" / "modes.png").is_file() and (run / "samples" / "epoch_0002.png").is_file()
    shown = invoke(["gan", "coverage", "--run", str(run), "--json"], tmp_path)
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    baselines = report["baselines"]
    assert baselines["real"]["modes_captured"] == 25 and baselines["collapsed"]["modes_captured"] == 1
    table = invoke(["gan", "coverage", "--run", str(run)], tmp_path)
    assert "modes captured" in table.stdout and "high quality" in table.stdout
    refused = invoke(["gan", "interpolate", "--run", str(run)], tmp_path)
    assert refused.exit_code == 2 and "is for letter runs" in refused.output


@pytest.mark.parametrize("args, message", [
    (["--fix", "label-smoothing", "--fix", "wgan-gp"], "cannot be combined"),
    (["--fix", "pacgan", "--batch-size", "51"], "multiple of 2"),
    (["--dataset", "grid26"], "did you mean 'grid25'"),
    (["--conditional"], "no labels to condition on"),
])
def test_bad_gan_configs_exit_2_with_the_problem(args, message, tmp_path):
    base = [] if "--dataset" in args else ["--dataset", "ring8"]
    result = invoke(["gan", "train", *base, *args, "--out", str(tmp_path / "run")], tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_benchmark_table_reuses_finished_runs_and_shows_published_figures(tmp_path):
    out = tmp_path / "bench"
    args = ["gan", "benchmark", "--dataset", "grid25", "--fixes", "vanilla", "--fixes", "pacgan+r1", "--seeds", "2",
            "--set", "train.epochs=1", *[a.replace("points.samples", "grid25:points.samples") for a in TINY_2D_ARGS],
            "--out", str(out)]
    result = invoke([*args, "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    cell = report["table"]["pacgan+r1"]["grid25"]
    assert cell["modes_captured"]["n"] == 2 and cell["modes_captured"]["mean"] is not None
    assert report["table"]["vanilla"]["grid25"]["cost_vs_vanilla"] == 1.0
    summary = out / "grid25" / "cells" / "vanilla-s0" / "summary.json"  # a sweep folder per dataset
    written = summary.stat().st_mtime_ns
    again = invoke(args, tmp_path)  # every run is done: read, not trained again
    assert again.exit_code == 0, again.output
    assert summary.stat().st_mtime_ns == written
    # one epoch is not PacGAN's protocol: its published figures are not set beside these runs, and it says why
    assert "PacGAN4 (PacGAN paper)" not in again.stdout and "not PacGAN's protocol" in again.stdout
    assert "train.epochs 1, not 400" in (out / "benchmark.md").read_text()
    assert "| pacgan+r1 |" in (out / "benchmark.md").read_text()
    changed = invoke([*args, "--set", "optim.lr=0.01"], tmp_path)
    assert changed.exit_code == 2 and "made with other settings (base config optim.lr:" in changed.output


def test_benchmark_refuses_unknown_fixes_and_datasets(tmp_path):
    result = invoke(["gan", "benchmark", "--fixes", "pacgan+unroled", "--out", str(tmp_path / "b")], tmp_path)
    assert result.exit_code == 2 and "unknown fix 'unroled'" in result.output
    result = invoke(["gan", "benchmark", "--dataset", "ring9", "--out", str(tmp_path / "b")], tmp_path)
    assert result.exit_code == 2 and "unknown dataset 'ring9'" in result.output


def test_gan_fixes_lists_every_fix_with_its_preset_and_conflicts(tmp_path):
    from gentool.gan.fixes.registry import FIXES
    from gentool.presets import available_presets
    shown = invoke(["gan", "fixes"], tmp_path)
    assert shown.exit_code == 0
    for name in FIXES:
        assert f"--preset {name}" in shown.stdout and name in available_presets("gan")
    assert "cannot be combined with: label-smoothing, r1" in shown.stdout


def test_benchmark_refuses_vanilla_inside_a_combination(tmp_path):
    result = invoke(["gan", "benchmark", "--fixes", "vanilla+pacgan", "--out", str(tmp_path / "b")], tmp_path)
    assert result.exit_code == 2 and "'vanilla' means no fix" in result.output
