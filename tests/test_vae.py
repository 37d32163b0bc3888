"""The hierarchical drum VAE: schedules, KL terms, free bits, training and resume, analysis and commands."""

import filecmp
import json
import math

import numpy as np
import pytest
import torch
import yaml
from torch.distributions import Normal, kl_divergence
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.drums import load_drum_dataset
from gentool.evaluate.genres import load_genre_classifier
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.vae import measure
from gentool.vae.config import AnnealConfig
from gentool.vae.family import VAE, VAE_TASKS
from gentool.vae.model import Gaussian, HierarchicalVAE, kl_gaussians, kl_standard_normal
from gentool.vae.schedules import beta_at
from gentool.vae.train import charged_kl

from helpers import TINY_VAE, StopAfter, resume, start_vae

CPU = torch.device("cpu")
runner = CliRunner()

# ----------------------------------------------------------------------------------------------- schedules, KL

def test_each_schedule_gives_its_own_beta_at_known_steps():
    def beta(schedule, step, **options):
        return beta_at(step, total_steps=1000, steps_per_epoch=10, config=AnnealConfig(schedule=schedule, **options))

    assert beta("none", 0) == 1.0 and beta("none", 999, beta_max=0.5) == 0.5
    assert beta("linear", 0, warmup_epochs=20) == 0.0 and beta("linear", 100, warmup_epochs=20) == 0.5
    assert beta("linear", 200, warmup_epochs=20) == 1.0 and beta("linear", 900, warmup_epochs=20) == 1.0
    assert beta("sigmoid", 100, warmup_epochs=20) == pytest.approx(0.5)
    assert beta("sigmoid", 0, warmup_epochs=20) < 0.01 and beta("sigmoid", 200, warmup_epochs=20) > 0.99
    # cyclical, M = 4 cycles of 250 steps, R = 0.5: rises over 125 steps, then holds, then starts again
    assert beta("cyclical", 0, cycles=4, ratio=0.5) == 0.0
    assert beta("cyclical", 62.5, cycles=4, ratio=0.5) == pytest.approx(0.5)
    assert beta("cyclical", 125, cycles=4, ratio=0.5) == 1.0 and beta("cyclical", 200, cycles=4, ratio=0.5) == 1.0
    assert beta("cyclical", 250, cycles=4, ratio=0.5) == 0.0 and beta("cyclical", 875, cycles=4, ratio=0.5) == 1.0


def test_kl_terms_match_torch_distributions():
    torch.manual_seed(0)
    q = Gaussian(torch.randn(5, 3), torch.randn(5, 3))
    p = Gaussian(torch.randn(5, 3), torch.randn(5, 3))
    as_normal = lambda g: Normal(g.mean, (0.5 * g.logvar).exp())  # noqa: E731
    assert torch.allclose(kl_gaussians(q, p), kl_divergence(as_normal(q), as_normal(p)), atol=1e-5)
    standard = Normal(torch.zeros(5, 3), torch.ones(5, 3))
    assert torch.allclose(kl_standard_normal(q), kl_divergence(as_normal(q), standard), atol=1e-5)


def test_free_bits_apply_per_dimension_not_to_the_sum():
    kl = torch.tensor([0.0, 2.0, 0.1])
    assert charged_kl(kl, 0.5).item() == pytest.approx(0.5 + 2.0 + 0.5)  # on the sum it would be 2.1
    assert charged_kl(kl, 0.0).item() == pytest.approx(2.1)


def test_model_shapes_and_sampling():
    model = HierarchicalVAE(3, 5, 16)
    hits = torch.rand(7, 16, 9) < 0.2
    out = model(hits)
    assert out.logits.shape == (7, 16, 9) and out.q_high.mean.shape == (7, 3) and out.p_low.mean.shape == (7, 5)
    high, low = model.posterior_means(hits)
    assert high.shape == (7, 3) and low.shape == (7, 5)
    assert model.sample(torch.zeros(4, 3)).dtype == torch.bool


def test_linear_probe_finds_separable_codes_and_not_random_labels():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 600)
    codes = rng.normal(size=(600, 4)) * 0.3 + np.eye(5)[labels][:, :4] * 3
    assert measure.linear_probe(codes[:400], labels[:400], codes[400:], labels[400:]) > 0.95
    shuffled = rng.permutation(labels)
    assert measure.linear_probe(codes[:400], shuffled[:400], codes[400:], shuffled[400:]) < 0.4


def test_mutual_information_is_between_zero_and_log_n():
    torch.manual_seed(0)
    model = HierarchicalVAE(2, 4, 32)
    hits = torch.rand(200, 16, 9) < 0.15
    mi = measure.mutual_information(model, hits)
    for value in mi.values():
        assert -0.1 < value <= math.log(200) + 1e-6


# ----------------------------------------------------------------------------------------------------- training

def tiny(config_overrides=None):
    return VAE_TASKS.read_config({**TINY_VAE, **(config_overrides or {})})


@pytest.fixture(scope="module")
def tiny_data(data_dir):
    config = tiny()
    dataset = load_drum_dataset(config.drums, data_dir)
    return dataset, load_genre_classifier(dataset, data_dir, settings=config.evaluation.classifier)


def test_training_records_every_measurement_per_epoch(tiny_data, data_dir, tmp_path):
    run = RunDir(tmp_path / "run")
    outcome = start_vae(tiny(), run, data_dir)
    records = run.read_metrics()
    assert outcome.status == "completed" and [r["epoch"] for r in records] == [1, 2]
    for key in ("recon", "kl_high", "kl_low", "beta", "val_recon", "hit_accuracy", "hit_f1", "kl_high_dims",
                "kl_low_dims", "active_high", "active_low", "mi_high", "mi_low", "sample_validity",
                "sample_diversity", "sample_genre_accuracy", "sample_genre_accuracy_by_genre", "patterns_per_s"):
        assert key in records[-1], key
    assert len(records[-1]["kl_high_dims"]) == 2 and len(records[-1]["kl_low_dims"]) == 4
    assert 0 < records[0]["beta"] < records[1]["beta"] <= 1.0  # the linear warm-up was really used
    summary = outcome.summary
    assert summary["best"]["epoch"] in (1, 2) and (run.checkpoints / "best.pt").is_file()
    assert "collapsed_high" in summary and summary["anneal"] == "linear"


def test_interrupted_and_resumed_vae_ends_with_the_same_weights(tiny_data, data_dir, tmp_path):
    dataset, classifier = tiny_data
    config = tiny({"train": {**TINY_VAE["train"], "epochs": 3}})
    straight = RunDir(tmp_path / "straight")
    start_vae(config, straight, data_dir)
    broken = RunDir(tmp_path / "broken")
    steps_per_epoch = int((~dataset.is_val).sum()) // 16
    outcome = start_vae(config, broken, data_dir, stop=StopAfter(steps_per_epoch + 5))
    assert outcome.status == "interrupted"
    torch.manual_seed(99)
    resume(VAE, broken, data_dir)
    a = load_checkpoint(straight.last_checkpoint, "vae")["model"]
    b = load_checkpoint(broken.last_checkpoint, "vae")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["val_elbo"] for r in straight.read_metrics()] == [r["val_elbo"] for r in broken.read_metrics()]


# ----------------------------------------------------------------------------------------------------- commands

def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


@pytest.fixture
def tiny_config_file(tmp_path):
    import yaml
    path = tmp_path / "tiny_vae.yaml"
    path.write_text(yaml.safe_dump(TINY_VAE))
    return path


def test_vae_commands_end_to_end(tiny_config_file, data_dir, tmp_path):
    trained = invoke(["vae", "train", "--config", str(tiny_config_file), "--anneal", "cyclical", "--free-bits", "0.1",
                      "--out", "runs/v1", "--json"], data_dir)
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["anneal"] == "cyclical" and summary["free_bits"] == {"high": 0.1, "low": 0.1}

    analyzed = invoke(["vae", "analyze", "--json"], data_dir)  # the newest run under ./runs
    assert analyzed.exit_code == 0, analyzed.output
    report = json.loads(analyzed.stdout)
    assert set(report["probe_accuracy"]) == {"z_high", "z_low"} and len(report["figures"]) == 4
    assert (tmp_path / "runs" / "v1" / "posterior_collapse.json").is_file()
    density = report["density"]
    assert len(density["correlation_high"]) == 2 and len(density["correlation_low"]) == 4
    assert len(density["sweep_density"]) == 9 and density["strongest_level"] in ("high", "low")

    first = invoke(["vae", "sample", "--style", "jazz", "--n", "2", "--bars", "2", "--seed", "3", "--out", "a",
                    "--json"], data_dir)
    again = invoke(["vae", "sample", "--style", "jazz", "--n", "2", "--bars", "2", "--seed", "3", "--out", "b",
                    "--json"], data_dir)
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    result = json.loads(first.stdout)
    assert len(result["tracks"]) == 2 and len(result["tracks"][0]["classified_as"]) == 2
    assert filecmp.cmp(tmp_path / "a" / "jazz_01.mid", tmp_path / "b" / "jazz_01.mid", shallow=False)
    assert (tmp_path / "a" / "jazz_02.wav").is_file() and (tmp_path / "a" / "jazz_02.png").is_file()

    resumed = invoke(["vae", "train", "--resume", "runs/v1", "--epochs", "3", "--json"], data_dir)
    assert resumed.exit_code == 0 and json.loads(resumed.stdout)["epochs_completed"] == 3


@pytest.mark.parametrize("args, words", [
    (["vae", "sample", "--style", "jazz"], "no trained VAE run found under runs/; train one with `gentool vae train`"),
    (["vae", "analyze"], "no trained VAE run found"),
    (["vae", "sample", "--style", "polka"], "unknown genre 'polka'; known genres: rock, jazz"),
    (["vae", "train", "--anneal", "cosine"], "allowed values: none, linear, sigmoid, cyclical"),
    (["vae", "train", "--free-bits", "-1"], "must be >= 0"),
    (["vae", "train", "--preset", "no-aneal"], "did you mean 'no-anneal'"),
    (["vae", "train", "--resume", "nowhere"], "is not a folder"),
])
def test_vae_commands_reject_bad_input(args, words, data_dir):
    result = invoke(args, data_dir)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output


def test_vae_train_takes_midi_folders(tiny_config_file, data_dir, tmp_path):
    from gentool.drums.pattern import DrumPattern
    from gentool.io.midi import write_midi

    hits = np.zeros((64, 9), dtype=bool)
    hits[::8, 0] = hits[4::8, 1] = hits[::2, 2] = True
    (tmp_path / "mine" / "rock").mkdir(parents=True)
    write_midi(tmp_path / "mine" / "rock" / "groove.mid", DrumPattern.from_hits(hits))
    trained = invoke(["vae", "train", "--config", str(tiny_config_file), "--midi-dir", str(tmp_path / "mine"),
                      "--epochs", "1", "--out", str(tmp_path / "run"), "--json", "-q"], data_dir)
    assert trained.exit_code == 0, trained.output
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert config["drums"]["midi_dirs"] == [str((tmp_path / "mine").resolve())]
    refused = invoke(["vae", "train", "--resume", str(tmp_path / "run"), "--midi-dir", str(tmp_path)], data_dir)
    assert refused.exit_code == 2 and "--midi-dir" in refused.stderr
