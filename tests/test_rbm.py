"""RBMs on binarised letters: the model's maths against brute force and scikit-learn, the trainer's conventions
(run folder, repeatable, resume-exact for CD, PCD and PT, NaN guard), and the commands with their bad inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.errors import UsageError
from gentool.rbm.config import build_rbm_config
from gentool.rbm.family import RBM_FAMILY
from gentool.rbm.model import RBM, ais_log_partition, brute_force_log_partition, exact_log_partition, gibbs_chains
from gentool.rbm.train import RbmTrainer, binarize
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.runtime.trainer import NonFiniteLoss

from helpers import (
    TINY_LETTER_EVALUATOR,
    StopAfter,
    assert_tables_fit_80_columns,
    at_80_columns,
    cpu_context,
    resume,
    start,
)

runner = CliRunner()


def random_rbm(visible: int, hidden: int, seed: int = 0, scale: float = 1.0) -> RBM:
    torch.manual_seed(seed)
    rbm = RBM(visible, hidden)
    rbm.weight.copy_(torch.randn(visible, hidden) * scale)
    rbm.visible_bias.copy_(torch.randn(visible) * scale)
    rbm.hidden_bias.copy_(torch.randn(hidden) * scale)
    return rbm


def all_states(n: int) -> torch.Tensor:
    return ((torch.arange(2**n).unsqueeze(1) & (2 ** torch.arange(n))) > 0).float()


@pytest.fixture
def tiny_rbm(tiny_config) -> dict:
    return {"device": "cpu", "fonts": tiny_config["fonts"], "model": {"hidden": 8},
            "train": {"epochs": 2, "batch_size": 16, "checkpoint_every": 1, "pt_temperatures": 3},
            "evaluation": {"every": 0, "pseudo_likelihood_images": 64}}


# ------------------------------------------------------------------------------------------------ the maths

def test_exact_log_partition_matches_brute_force_and_normalises_the_likelihood():
    rbm = random_rbm(visible=7, hidden=5)
    log_z = exact_log_partition(rbm)
    assert log_z == pytest.approx(brute_force_log_partition(rbm), abs=1e-9)
    # every visible state's probability, from the free energy and log Z, sums to one
    total = torch.logsumexp(rbm.log_likelihood(all_states(7), log_z), dim=0)
    assert float(total) == pytest.approx(0.0, abs=1e-6)
    # a wrong log Z would not: the check can fail
    assert float(torch.logsumexp(rbm.log_likelihood(all_states(7), log_z + 0.1), dim=0)) < -0.09


def test_ais_estimate_brackets_the_exact_log_partition():
    rbm = random_rbm(visible=20, hidden=10, scale=0.5)
    exact = exact_log_partition(rbm)
    base = torch.zeros(20)
    estimate = ais_log_partition(rbm, runs=200, steps=500, base_visible_bias=base,
                                 rng=torch.Generator().manual_seed(0))
    assert estimate["log_z_low"] <= exact <= estimate["log_z_high"]
    assert abs(estimate["log_z"] - exact) < 0.1
    # with a single annealing step AIS is plain importance sampling from the base: far worse, wider spread
    crude = ais_log_partition(rbm, runs=200, steps=1, base_visible_bias=base, rng=torch.Generator().manual_seed(0))
    assert crude["log_weight_std"] > estimate["log_weight_std"]


def test_gibbs_samples_follow_the_exact_distribution_of_a_tiny_rbm():
    rbm = random_rbm(visible=4, hidden=3, scale=0.8)
    log_z = exact_log_partition(rbm)
    exact = rbm.log_likelihood(all_states(4), log_z).exp()  # (16,)
    rng = torch.Generator().manual_seed(0)
    v = torch.bernoulli(torch.full((20000, 4), 0.5), generator=rng)
    for _ in range(30):
        v, _, _ = rbm.gibbs_step(v, rng)
    codes = (v * 2 ** torch.arange(4)).sum(1).long()
    empirical = torch.bincount(codes, minlength=16).double() / len(v)
    assert float((empirical - exact).abs().max()) < 0.02


def test_pseudo_likelihood_equals_scikit_learns_score_samples():
    from sklearn.neural_network import BernoulliRBM

    data = (np.random.default_rng(0).random((50, 12)) > 0.5).astype(np.float64)
    reference = BernoulliRBM(n_components=6, n_iter=3, random_state=0).fit(data)
    rbm = RBM(12, 6)
    rbm.weight.copy_(torch.from_numpy(reference.components_.T))
    rbm.visible_bias.copy_(torch.from_numpy(reference.intercept_visible_))
    rbm.hidden_bias.copy_(torch.from_numpy(reference.intercept_hidden_))
    # score_samples flips one pixel per image, drawn as here from its random_state
    flip = np.random.RandomState(7).randint(0, 12, 50)
    reference.random_state = 7
    theirs = reference.score_samples(data)
    ours = rbm.pseudo_likelihood(torch.from_numpy(data).float(), torch.from_numpy(flip)).numpy()
    assert np.allclose(ours, theirs, atol=1e-4)


def test_binarizing_by_threshold_and_stochastically(tiny_config, data_dir):
    from gentool.datasets.fonts import load_font_dataset

    dataset = load_font_dataset(build_rbm_config({"fonts": tiny_config["fonts"]}).fonts, data_dir)
    threshold = binarize(dataset, "threshold")
    ink = torch.from_numpy(dataset.images).float().reshape(len(threshold), -1) / 255
    assert set(threshold.unique().tolist()) <= {0.0, 1.0} and torch.equal(threshold, (ink >= 0.5).float())
    stochastic = binarize(dataset, "stochastic")
    assert torch.equal(stochastic, binarize(dataset, "stochastic"))  # the same bits for every run
    assert abs(float(stochastic.mean() - ink.mean())) < 0.01 and not torch.equal(stochastic, threshold)


# ---------------------------------------------------------------------------------------------- training

def test_run_folder_metrics_figures_and_the_config_round_trip(tiny_rbm, data_dir, tmp_path):
    config = build_rbm_config(tiny_rbm)
    run = RunDir(tmp_path / "run")
    outcome = start(RBM_FAMILY, config, run, data_dir, preset="test", command="gentool rbm train")
    assert outcome.status == "completed"
    records = run.read_metrics()
    assert [r["epoch"] for r in records] == [1, 2]
    for key in ("recon_error", "pseudo_likelihood", "weight_norm", "images_per_s", "epoch_s"):
        assert key in records[0]
    assert records[-1]["pseudo_likelihood"] < 0
    summary = json.loads(run.summary_path.read_text())
    assert summary["kind"] == "rbm" and summary["method"] == "CD-1" and summary["binarize"] == "threshold"
    assert sorted(p.name for p in run.figures.iterdir()) == ["chains.png", "filters.png"]
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["epoch_0001.pt", "epoch_0002.pt", "last.pt"]
    assert build_rbm_config(yaml.safe_load(run.config_path.read_text())) == config


def test_training_raises_the_held_out_pseudo_likelihood(tiny_rbm, data_dir, tmp_path):
    config = build_rbm_config({**tiny_rbm, "model": {"hidden": 32}, "train": {**tiny_rbm["train"], "epochs": 6}})
    run = RunDir(tmp_path / "run")
    start(RBM_FAMILY, config, run, data_dir)
    records = run.read_metrics()
    assert records[-1]["pseudo_likelihood"] > records[0]["pseudo_likelihood"] + 10


def test_same_seed_same_weights_and_other_seed_differs(tiny_rbm, data_dir, tmp_path):
    weights = []
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        run = RunDir(tmp_path / name)
        start(RBM_FAMILY, build_rbm_config({**tiny_rbm, "seed": seed}), run, data_dir)
        weights.append(load_checkpoint(run.last_checkpoint, "rbm")["rbm"]["weight"])
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])


@pytest.mark.parametrize("method", ["cd", "pcd", "pt"])
def test_interrupted_and_resumed_run_ends_with_the_same_weights(method, tiny_rbm, data_dir, tmp_path):
    config = build_rbm_config({**tiny_rbm, "train": {**tiny_rbm["train"], "method": method, "cd_k": 2,
                                                     "epochs": 3}})
    straight = RunDir(tmp_path / "straight")
    start(RBM_FAMILY, config, straight, data_dir)
    steps_per_epoch = load_checkpoint(straight.checkpoints / "epoch_0001.pt", "rbm")["global_step"]
    broken = RunDir(tmp_path / "broken")
    outcome = start(RBM_FAMILY, config, broken, data_dir, stop=StopAfter(steps_per_epoch + 3))
    assert outcome.status == "interrupted"
    torch.manual_seed(1234)  # whatever happens between the two processes must not matter
    assert resume(RBM_FAMILY, broken, data_dir).status == "completed"
    a, b = load_checkpoint(straight.last_checkpoint, "rbm"), load_checkpoint(broken.last_checkpoint, "rbm")
    assert all(torch.equal(a["rbm"][k], b["rbm"][k]) for k in a["rbm"])
    if method != "cd":
        assert torch.equal(a["chains"], b["chains"])
    metrics = ("recon_error", "pseudo_likelihood", "swap_rate")
    assert ([[r.get(k) for k in metrics] for r in straight.read_metrics()]
            == [[r.get(k) for k in metrics] for r in broken.read_metrics()])


def test_parallel_tempering_swaps_only_permute_the_ladder(tiny_rbm, data_dir, tmp_path):
    config = build_rbm_config({**tiny_rbm, "train": {**tiny_rbm["train"], "method": "pt", "pt_temperatures": 4,
                                                     "pt_min_beta": 0.0}})
    data = RBM_FAMILY.load_data(config, cpu_context(data_dir))
    trainer = RbmTrainer(config=config, data=data, run=RunDir.create(tmp_path / "run", "x"),
                         ctx=cpu_context(data_dir))
    trainer.rbm.weight.mul_(0)  # the free energy alone then decides; with beta 0 every swap is accepted
    before = trainer.chains.clone()
    rate = trainer.swap_neighbours()
    assert 0.0 <= float(rate) <= 1.0
    for column in range(before.shape[1]):
        rows_before = sorted(map(tuple, before[:, column].tolist()))
        assert rows_before == sorted(map(tuple, trainer.chains[:, column].tolist()))


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_rbm, data_dir, tmp_path, monkeypatch):
    config = build_rbm_config({**tiny_rbm, "train": {**tiny_rbm["train"], "epochs": 3}})
    honest_step = RbmTrainer.train_step

    def step_that_breaks_in_epoch_two(self, index):
        stats = honest_step(self, index)
        if self.epoch == 1:
            stats["recon_error"] = torch.tensor(float("nan"))
        return stats

    monkeypatch.setattr(RbmTrainer, "train_step", step_that_breaks_in_epoch_two)
    run = RunDir(tmp_path / "run")
    with pytest.raises(NonFiniteLoss, match=r"recon_error became nan in epoch 2"):
        start(RBM_FAMILY, config, run, data_dir)
    assert load_checkpoint(run.last_checkpoint, "rbm")["epoch"] == 1


def test_coverage_while_training_and_the_measuring_commands(tiny_rbm, tiny_evaluator, data_dir, tmp_path):
    config = build_rbm_config({**tiny_rbm, "evaluation": {"every": 1, "samples": 104, "gibbs": 5,
                                                          "pseudo_likelihood_images": 64,
                                                          "evaluator": TINY_LETTER_EVALUATOR}})
    run = RunDir(tmp_path / "run")
    outcome = start(RBM_FAMILY, config, run, data_dir)
    records = run.read_metrics()
    assert all(0 <= r["letters_covered"] <= 26 and r["letter_fid"] > 0 for r in records)
    assert outcome.summary["best"]["epoch"] in (1, 2) and (run.checkpoints / "best.pt").is_file()
    assert {"dynamics.png", "letter_heatmap.png"} <= {p.name for p in run.figures.iterdir()}

    env = {"GENTOOL_DATA_DIR": str(data_dir)}
    result = runner.invoke(app, ["rbm", "sample", "--run", str(run.path), "--chains", "52", "--steps", "3",
                                 "--device", "cpu", "--json", "-q"], env=env)
    assert result.exit_code == 0, result.output
    sampled = json.loads(result.stdout)
    assert sampled["chains"] == 52 and set(sampled["baselines"]) == {"real", "noise", "collapsed"}
    assert sampled["baselines"]["real"]["letters_covered"] > sampled["baselines"]["collapsed"]["letters_covered"]
    assert (run.figures / "sample_chains.png").is_file() and (run.path / "coverage.json").is_file()
    result = runner.invoke(app, ["rbm", "sample", "--run", str(run.path), "--chains", "52", "--steps", "3",
                                 "--device", "cpu", "-q"], env=env)
    assert result.exit_code == 0 and "letters covered" in result.stdout


def test_likelihood_command_exact_and_ais_agree(tiny_rbm, data_dir, tmp_path):
    run = RunDir(tmp_path / "run")
    start(RBM_FAMILY, build_rbm_config(tiny_rbm), run, data_dir)
    env = {"GENTOOL_DATA_DIR": str(data_dir)}
    exact = runner.invoke(app, ["rbm", "likelihood", "--run", str(run.path), "--json", "-q"], env=env)
    assert exact.exit_code == 0, exact.output
    exact = json.loads(exact.stdout)
    assert exact["partition"]["method"] == "exact" and exact["partition"]["hidden_states"] == 2**8
    ais = runner.invoke(app, ["rbm", "likelihood", "--run", str(run.path), "--ais", "--ais-runs", "50",
                              "--ais-steps", "300", "--json", "-q"], env=env)
    ais = json.loads(ais.stdout)
    assert ais["partition"]["method"] == "ais" and ais["partition"]["runs"] == 50
    assert abs(ais["held_out"]["log_likelihood"] - exact["held_out"]["log_likelihood"]) < 0.5
    # a trained RBM beats independent pixels on held-out letters, in nats per image
    assert exact["held_out"]["log_likelihood"] > exact["independent_pixels"]
    text = runner.invoke(app, ["rbm", "likelihood", "--run", str(run.path), "-q"], env=env)
    assert "held-out log-likelihood" in text.stdout and "exact" in text.stdout


# ------------------------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("flag, key", [("--hidden", "model.hidden"), ("--cd", "train.cd_k")])
def test_zero_hidden_units_or_gibbs_steps_exit_2_in_one_line(flag, key, tmp_path):
    result = runner.invoke(app, ["rbm", "train", flag, "0", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and ">= 1" in lines[0]
    assert not (tmp_path / "r").exists()


def test_another_familys_run_or_a_corrupt_checkpoint_exits_2(tmp_path):
    for kind in ("gan", "vae"):
        other = tmp_path / kind
        (other / "checkpoints").mkdir(parents=True)
        (other / "config.yaml").write_text("{}")
        (other / "summary.json").write_text(json.dumps({"kind": kind}))
        result = runner.invoke(app, ["rbm", "sample", "--run", str(other)])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert f"is a {kind.upper()} run" in result.stderr and f"gentool {kind}" in result.stderr
    broken = tmp_path / "broken"
    (broken / "checkpoints").mkdir(parents=True)
    (broken / "config.yaml").write_text("{}")
    (broken / "checkpoints" / "last.pt").write_bytes(b"PK\x03\x04 not a checkpoint")
    for command in ("sample", "likelihood"):
        result = runner.invoke(app, ["rbm", command, "--run", str(broken)])
        assert result.exit_code == 2 and "corrupt" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_checkpoint_whose_weights_do_not_fit_its_config_is_a_usage_error(tiny_rbm, data_dir, tmp_path):
    from gentool.rbm.trained import load_rbm
    from gentool.runtime.checkpoint import save_checkpoint

    run = RunDir(tmp_path / "run")
    start(RBM_FAMILY, build_rbm_config(tiny_rbm), run, data_dir)
    state = load_checkpoint(run.last_checkpoint, "rbm")
    state["rbm"]["weight"] = torch.zeros(784, 3)
    save_checkpoint(run.last_checkpoint, "rbm", {k: v for k, v in state.items() if k not in ("format", "kind")})
    with pytest.raises(UsageError, match="damaged"):
        load_rbm(run.last_checkpoint)


def test_gibbs_chains_keep_snapshots_and_their_own_random_stream():
    rbm = random_rbm(visible=784, hidden=4, scale=0.1)
    torch.manual_seed(0)
    before = torch.get_rng_state()
    last, kept = gibbs_chains(rbm, chains=10, steps=3, rng=torch.Generator().manual_seed(1), snapshots=(0, 2))
    assert torch.equal(before, torch.get_rng_state())  # the global (training) stream is untouched
    assert last.shape == (10, 784) and sorted(kept) == [0, 2] and kept[0].shape == (8, 784)
    assert math.isfinite(float(last.sum()))


def test_the_scikit_learn_reference_benchmark_scores_both_models_alike(tiny_config, data_dir):
    from benchmarks.rbm_reference import compare

    data = {f"fonts.{key}": value for key, value in tiny_config["fonts"].items()}
    result = compare(hidden=16, epochs=3, batch_size=16, lr=0.05, seed=0, ais_steps=200, device="cpu",
                     data_dir=data_dir, settings=data)
    ours, theirs = result["models"]["gentool PCD-1"], result["models"]["scikit-learn BernoulliRBM"]
    # gentool's pseudo-likelihood of scikit-learn's model is scikit-learn's own score
    assert theirs["pseudo_likelihood"] == pytest.approx(theirs["sklearn_score_samples"], abs=0.01)
    # the same algorithm on the same bits lands in the same place
    assert abs(ours["pseudo_likelihood"] - theirs["pseudo_likelihood"]) < 0.25 * abs(theirs["pseudo_likelihood"])
    assert result["gentool_run_status"] == "completed"


def test_rbm_train_end_to_end_then_resume_with_more_epochs(tiny_rbm, data_dir, tmp_path):
    config_file = tmp_path / "tiny.yaml"
    config_file.write_text(yaml.safe_dump(tiny_rbm))
    run = tmp_path / "run"
    env = {"GENTOOL_DATA_DIR": str(data_dir)}
    result = runner.invoke(app, ["rbm", "train", "--config", str(config_file), "--preset", "pcd", "--cd", "2",
                                 "--out", str(run), "--json", "-q"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["method"] == "PCD-2" and summary["epochs_completed"] == 2 and summary["preset"] == "pcd"
    refused = runner.invoke(app, ["rbm", "train", "--resume", str(run), "--hidden", "4"], env=env)
    assert refused.exit_code == 2 and "--hidden" in refused.stderr
    resumed = runner.invoke(app, ["rbm", "train", "--resume", str(run), "--epochs", "3", "-q"], env=env)
    assert resumed.exit_code == 0, resumed.output
    assert "3/3 epochs" in resumed.stdout and "pseudo-likelihood" in resumed.stdout
    assert [r["epoch"] for r in RunDir(run).read_metrics()] == [1, 2, 3]


def test_likelihood_lines_show_an_open_ais_bracket():
    from gentool.views.rbm import likelihood_lines

    split = {"images": 10, "log_likelihood": -100.0, "log_likelihood_low": -101.0, "log_likelihood_high": None,
             "pseudo_likelihood": -50.0}
    result = {"checkpoint": "x", "method": "PCD", "hidden": 500, "binarize": "threshold", "seconds": 1.0,
              "partition": {"method": "ais", "log_z": 10.0, "log_z_low": None, "log_z_high": 11.0, "runs": 100,
                            "steps": 10, "log_weight_std": 9.0},
              "train": split, "held_out": split, "independent_pixels": -287.0, "path": "p"}
    lines = likelihood_lines(result)
    assert "n/a to 11.000" in lines[0] and "(-101.00 to n/a)" in lines[2]


def test_compare_groups_runs_by_method_and_reads_their_likelihood(tiny_rbm, data_dir, tmp_path):
    from gentool.rbm import measure
    from gentool.views.rbm import compare_tables

    runs = []
    for method, seed in (("cd", 0), ("cd", 1), ("pcd", 0)):
        run = RunDir(tmp_path / f"{method}{seed}")
        start(RBM_FAMILY, build_rbm_config({**tiny_rbm, "seed": seed, "train": {**tiny_rbm["train"],
                                                                                "method": method}}), run, data_dir)
        runs.append(run.path)
    env = {"GENTOOL_DATA_DIR": str(data_dir)}
    assert runner.invoke(app, ["rbm", "likelihood", "--run", str(runs[0]), "-q"], env=env).exit_code == 0
    result = measure.compare(runs)
    groups = result["groups"]
    assert set(groups) == {"CD-1 H=8", "PCD H=8"} and groups["CD-1 H=8"]["runs"] == 2
    assert groups["CD-1 H=8"]["held_out_log_likelihood"]["n"] == 1  # one of the two was measured
    assert groups["CD-1 H=8"]["held_out_log_likelihood"]["missing"] == 1
    tables, text = compare_tables(result)
    assert text.startswith("| method |") and "PCD H=8" in text
    assert_tables_fit_80_columns(at_80_columns(tables))
    shown = runner.invoke(app, ["rbm", "compare", *map(str, runs), "--markdown"])
    assert shown.exit_code == 0 and "CD-1 H=8" in shown.stdout
