"""The letter VAE (vae train --dataset fonts): training, measurements shared with the GAN, exact resume, sampling,
letter-to-letter paths, sharpness, and the refusals between drum and letter VAE runs."""

from __future__ import annotations

import json
import re

import pytest
import torch
import yaml
from torch import nn
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.config import config_to_dict
from gentool.datasets.font_faces import LETTERS
from gentool.errors import UsageError
from gentool.evaluate.letter_figures import letter_to_letter
from gentool.evaluate.sharpness import gaussian_blur, sharpness
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.vae.family import VAE, VAE_TASKS, resolve_vae_config
from gentool.vae.letter_model import LetterSampler, LetterVAE
from tests.helpers import TINY_LETTER_EVALUATOR, StopAfter, resume, start_vae

runner = CliRunner()


@pytest.fixture(scope="session")
def tiny_letters(tiny_fonts_dir) -> dict:
    return {
        "dataset": "fonts", "device": "cpu",
        "fonts": {"matplotlib_fonts": False, "fonts_dirs": [str(tiny_fonts_dir)], "samples_per_glyph": 3,
                    "val_fraction": 0.25},
        "model": {"z_dim": 8, "width": 8},
        "train": {"epochs": 2, "batch_size": 16, "checkpoint_every": 1},
        "anneal": {"schedule": "linear", "warmup_epochs": 1},
        "evaluation": {"every": 1, "samples": 520, "evaluator": TINY_LETTER_EVALUATOR},
    }


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


# ------------------------------------------------------------------------------------------------------ config

def test_the_letter_regime_goes_over_the_preset_and_under_what_the_user_gives():
    drums = resolve_vae_config("default")
    assert drums.dataset == "drums" and drums.train.epochs == 100 and drums.train.batch_size == 32
    letters = resolve_vae_config("default", flags={"dataset": "fonts"})
    assert letters.train.epochs == 20 and letters.train.batch_size == 64 and letters.anneal.warmup_epochs == 5
    assert letters.anneal.schedule == "linear"  # the preset's schedule is kept
    assert resolve_vae_config("no-anneal", flags={"dataset": "fonts"}).anneal.schedule == "none"
    mine = resolve_vae_config("default", flags={"dataset": "fonts", "train.epochs": 3, "free_bits": 0.25},
                              assignments=["model.z_dim=128"])
    assert mine.train.epochs == 3 and mine.model.z_dim == 128 and mine.free_bits.z == 0.25


def test_each_task_config_holds_only_its_own_keys():
    drums = config_to_dict(resolve_vae_config("default"))
    letters = config_to_dict(resolve_vae_config("default", flags={"dataset": "fonts"}))
    shared = ["seed", "device", "dataset", "model", "optim", "train", "anneal", "free_bits", "evaluation", "logging"]
    assert sorted(drums) == sorted([*shared, "drums"]) and sorted(letters) == sorted([*shared, "fonts"])
    assert set(drums["model"]) == {"z_high", "z_low", "hidden"} and set(drums["free_bits"]) == {"high", "low"}
    assert set(letters["model"]) == {"z_dim", "width", "conditional"} and set(letters["free_bits"]) == {"z"}
    assert "classifier" in drums["evaluation"] and "evaluator" in letters["evaluation"]
    assert "evaluator" not in drums["evaluation"] and "classifier" not in letters["evaluation"]


@pytest.mark.parametrize("layer, words", [
    ({"model": {"conditional": True}}, "'model.conditional': unknown key; allowed keys under 'model': z_high, z_low"),
    ({"dataset": "fonts", "drums": {"seed": 1}}, "'drums': is a setting of dataset drums runs, and this config's "
                                                 "dataset is fonts; drop it, or set dataset: drums"),
    ({"fonts": {"seed": 1}}, "'fonts': is a setting of dataset fonts runs"),
])
def test_a_key_of_the_other_task_is_refused_by_name(layer, words):
    with pytest.raises(UsageError, match=re.escape(words)):
        VAE_TASKS.read_config(layer)


def test_a_saved_config_that_held_both_models_reads_as_its_own_task():
    both = {"seed": 3, "device": "cpu", "data": {"phrases_per_genre": 7}, "letters": {"samples_per_glyph": 5},
            "model": {"z_high": 3, "z_low": 5, "hidden": 64, "z_dim": 9, "width": 8, "conditional": False},
            "free_bits": {"high": 0.5, "low": 0.1, "z": 0.2},
            "evaluation": {"every": 2, "samples_per_genre": 10, "evaluator": {"source": "local", "epochs": 1},
                           "classifier": {"source": "local", "epochs": 2}}}
    drums = VAE.read_config(both)
    assert drums.dataset == "drums" and drums.drums.phrases_per_genre == 7 and drums.model.z_high == 3
    assert drums.free_bits.low == 0.1 and drums.evaluation.classifier.epochs == 2
    letters = VAE.read_config({**both, "dataset": "fonts"})
    assert letters.fonts.samples_per_glyph == 5 and letters.model.z_dim == 9 and letters.free_bits.z == 0.2
    assert letters.evaluation.every == 2 and letters.evaluation.evaluator.epochs == 1


def test_model_shapes_and_the_sampler_interface():
    vae = LetterVAE(z_dim=5, width=4, conditional=True)
    out = vae(torch.rand(3, 1, 28, 28), torch.tensor([0, 1, 25]))
    assert out.logits.shape == (3, 1, 28, 28) and out.q.mean.shape == (3, 5)
    images = LetterSampler(vae)(torch.randn(4, 5), torch.tensor([0, 1, 2, 3]))
    assert images.shape == (4, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    a = LetterSampler(vae)(torch.zeros(1, 5), torch.tensor([0]))
    b = LetterSampler(vae)(torch.zeros(1, 5), torch.tensor([7]))
    assert not torch.equal(a, b)  # the decoder reads the letter
    with pytest.raises(ValueError, match="needs the letters"):
        vae.decode(torch.zeros(1, 5))


# -------------------------------------------------------------------------------------------------- sharpness

def test_sharpness_separates_sharp_real_letters_from_blurred_ones(tiny_evaluator):
    real = tiny_evaluator.real_images[:200]
    values = [sharpness(real)] + [sharpness(gaussian_blur(real, std)) for std in (0.5, 1.0, 2.0)]
    assert all(a > b for a, b in zip(values, values[1:])), values  # more blur, less sharp
    assert values[0] > 3 * values[2], values  # a 1-px blur is far below the real letters
    assert sharpness(torch.full((4, 1, 28, 28), 0.3)) == 0.0  # a flat image has no edges


# ------------------------------------------------------------------------------------------------------ runs

def test_a_letter_vae_run_trains_and_records_the_gan_measurements(tiny_letters, data_dir, tmp_path):
    run = RunDir(tmp_path / "run")
    outcome = start_vae(VAE_TASKS.read_config(tiny_letters), run, data_dir)
    records = run.read_metrics()
    assert outcome.status == "completed" and [r["epoch"] for r in records] == [1, 2]
    for key in ("loss", "recon", "kl", "beta", "val_recon", "val_kl", "val_elbo", "active_units", "images_per_s",
                "letters_covered", "coverage", "entropy", "confident_share", "letter_fid", "sharpness", "missing",
                "letter_counts"):
        assert key in records[-1], key
    assert records[-1]["val_elbo"] == pytest.approx(records[-1]["val_recon"] + records[-1]["val_kl"], abs=1e-3)
    assert 0 < records[0]["beta"] < records[1]["beta"] <= 1.0
    summary = outcome.summary
    assert summary["kind"] == "vae" and summary["dataset"]["name"] == "fonts"
    assert summary["evaluation"]["samples"] == 520
    assert {p.split("/")[-1] for p in summary["figures"]} == {"dynamics.png", "letter_heatmap.png", "alphabet.png"}
    assert (run.samples / "epoch_0002.png").is_file() and (run.checkpoints / "best.pt").is_file()


def test_an_interrupted_letter_vae_resumes_to_the_same_weights(tiny_letters, data_dir, tmp_path):
    config = VAE_TASKS.read_config(tiny_letters)
    straight = RunDir(tmp_path / "straight")
    start_vae(config, straight, data_dir)
    broken = RunDir(tmp_path / "broken")
    assert start_vae(config, broken, data_dir, stop=StopAfter(5)).status == "interrupted"
    torch.manual_seed(99)
    resume(VAE, broken, data_dir)
    a = load_checkpoint(straight.last_checkpoint, "vae")["model"]
    b = load_checkpoint(broken.last_checkpoint, "vae")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    keys = ("val_elbo", "letter_fid", "sharpness")
    assert [[r[k] for k in keys] for r in straight.read_metrics()] == [[r[k] for k in keys]
                                                                      for r in broken.read_metrics()]


def test_letter_vae_commands_end_to_end(tiny_letters, data_dir, tmp_path):
    config_file = tmp_path / "letters.yaml"
    config_file.write_text(yaml.safe_dump({**tiny_letters, "model": {**tiny_letters["model"], "conditional": True}}))
    trained = invoke(["vae", "train", "--config", str(config_file), "--epochs", "1", "--json"], data_dir)
    assert trained.exit_code == 0, trained.output
    run = json.loads(trained.stdout)["run"]
    assert "vae-fonts-default" in run and json.loads(trained.stdout)["conditional"] is True

    sampled = invoke(["vae", "sample", "--run", run, "--n", "12", "--seed", "4", "--json"], data_dir)
    assert sampled.exit_code == 0, sampled.output
    result = json.loads(sampled.stdout)
    assert len(result["predicted"]) == 12 and all(name in LETTERS + "?" for name in result["predicted"])
    assert 0 <= result["recognisable"] <= 1 and result["sharpness"] > 0
    again = invoke(["vae", "sample", "--run", run, "--n", "12", "--seed", "4", "--out", "b", "--json"], data_dir)
    assert json.loads(again.stdout)["predicted"] == result["predicted"]  # the same seed, the same letters

    covered = invoke(["vae", "coverage", "--run", run, "--samples", "260", "--json"], data_dir)
    assert covered.exit_code == 0, covered.output
    report = json.loads(covered.stdout)
    assert set(report["baselines"]) == {"real", "noise", "collapsed"}
    assert report["baselines"]["real"]["sharpness"] > 0 and "sharpness" in report["model"]
    shown = invoke(["vae", "coverage", "--run", run, "--samples", "260"], data_dir)
    assert "sharpness" in shown.stdout and "letter FID" in shown.stdout
    assert invoke(["vae", "figures", "--run", run], data_dir).exit_code == 0


class TemplateSampler(nn.Module):
    """Draws the real letter whose index is the argmax of z[:26]: a sampler whose letters are known."""

    def __init__(self, templates: torch.Tensor):
        super().__init__()
        self.templates = templates  # (26, 1, 28, 28)

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        return self.templates[z[:, :26].argmax(dim=1)]


def test_a_letter_path_runs_from_the_most_confident_start_to_the_most_confident_end(tiny_evaluator, tmp_path):
    probabilities, _ = tiny_evaluator.classify(tiny_evaluator.real_images)
    templates = torch.stack([tiny_evaluator.real_images[probabilities[:, i].argmax()] for i in range(26)])
    config = VAE_TASKS.read_config({"dataset": "fonts", "model": {"z_dim": 26}, "evaluation": {"samples": 520}})
    result = letter_to_letter(tmp_path / "path.png", TemplateSampler(templates), config, tiny_evaluator, start="a",
                              end="W", steps=6, method="lerp", seed=0, device=torch.device("cpu"))
    assert result["predicted"][0] == "A" and result["predicted"][-1] == "W" and len(result["predicted"]) == 6
    assert (tmp_path / "path.png").is_file()
    with pytest.raises(UsageError, match="one letter A-Z"):
        letter_to_letter(tmp_path / "x.png", TemplateSampler(templates), config, tiny_evaluator, start="AB", end="W",
                         steps=3, method="lerp", seed=0, device=torch.device("cpu"))


# ------------------------------------------------------------------------------------------------ kind errors

def fake_run(tmp_path, name: str, dataset: str):
    folder = tmp_path / "runs" / name
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump({"dataset": dataset}))
    (folder / "summary.json").write_text(json.dumps({"kind": "vae"}))
    return str(folder)


@pytest.mark.parametrize("command", [["blend", "jazz", "rock"], ["humanize", "--style", "jazz"],
                                     ["transfer", "--content", "rock", "--style", "jazz"],
                                     ["complexity", "--style", "jazz"], ["analyze"], ["sample", "--style", "jazz"],
                                     ["interpolate", "--from", "jazz", "--to", "rock", "--level", "low"]])
def test_a_letter_vae_run_given_to_drum_commands_is_refused(command, data_dir, tmp_path):
    run = fake_run(tmp_path, "letters", "fonts")
    result = invoke(["vae", *command, "--run", run], data_dir)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in result.output
    assert "letter VAE run" in line or "drop --" in line or "is a VAE run on fonts (dataset: fonts)" in line, line
    if command[0] not in ("sample", "interpolate"):
        assert f"`gentool vae {command[0]}` takes VAE runs on drums only" in line
        assert "gentool vae train --dataset drums" in line


@pytest.mark.parametrize("command", [["coverage"], ["figures"]])
def test_a_drum_vae_run_given_to_letter_commands_is_refused(command, data_dir, tmp_path):
    run = fake_run(tmp_path, "drums", "drums")
    result = invoke(["vae", *command, "--run", run], data_dir)
    assert result.exit_code == 2, result.output
    assert "is a VAE run on drums (dataset: drums)" in result.stderr
    assert f"`gentool vae {command[0]}` takes VAE runs on fonts only" in result.stderr


def test_an_unknown_dataset_names_the_choices(data_dir):
    result = invoke(["vae", "train", "--dataset", "mnist"], data_dir)
    assert result.exit_code == 2 and "allowed values: drums, fonts" in result.stderr


# ------------------------------------------------------------------------------------------ the latent-size study

def fake_study_run(folder, family: str, z: int, seed: int, config: dict, sharp: float, elbo: float | None):
    run = folder / f"{family}-z{z}-s{seed}"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(yaml.safe_dump({**config, "seed": seed, "model": {**config["model"], "z_dim": z}}))
    (run / "summary.json").write_text(json.dumps({"kind": family, "status": "completed"}))
    record = {"epoch": 2, "epoch_s": 1.5, "letters_covered": 20, "letter_fid": 300.0 + z, "sharpness": sharp,
              "confident_share": 0.5}
    if elbo is not None:
        record.update(val_elbo=elbo, val_recon=elbo - 20)
    (run / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "epoch_s": 2.5}) + "\n" + json.dumps(record) + "\n")


def test_the_latent_size_summary_groups_runs_and_measures_the_trends(tiny_letters, tiny_evaluation, tiny_evaluator,
                                                                      data_dir, tmp_path):
    from benchmarks.latent_size import spearman, summarise
    from gentool.gan.config import build_gan_config, gan_config_dict
    vae = config_to_dict(VAE_TASKS.read_config(tiny_letters))
    gan = gan_config_dict(build_gan_config(tiny_evaluation))
    folder = tmp_path / "study"
    for seed in (0, 1):
        for z in (16, 64, 256):
            fake_study_run(folder, "vae", z, seed, vae, sharp=0.1 / z ** 0.5 + seed * 1e-4, elbo=200.0 - z / 16)
            fake_study_run(folder, "gan", z, seed, gan, sharp=0.2 + seed * 1e-3, elbo=None)
    fake_study_run(folder, "gan", 2, 0, {**gan, "dataset": "ring8"}, sharp=1.0, elbo=None)  # not a letter run
    result = summarise(folder, data_dir)
    assert len(result["runs"]) == 12 and set(result["groups"]) == {"vae", "gan"}
    assert result["groups"]["vae"][16]["runs"] == 2 and result["groups"]["gan"][64]["val_elbo"]["mean"] is None
    vae_trend, gan_trend = result["trends"]["vae"], result["trends"]["gan"]
    assert vae_trend["spearman_with_log_z"]["sharpness"] < -0.9 and vae_trend["spearman_with_log_z"]["val_elbo"] < -0.9
    assert gan_trend["sharpness_relative_range"] < 0.01 < vae_trend["sharpness_relative_range"]
    assert result["groups"]["vae"][16]["seconds_per_epoch"]["mean"] == 2.0
    assert result["groups"]["vae"][16]["recon_sharpness"]["n"] == 0  # fake runs keep no checkpoint: n/a
    assert "real letters" in result["table"] and (folder / "latent_size.png").is_file()
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0 and spearman([1, 2, 3], [5, 5, 5]) is None
