"""The targets the issues set, checked at full size. Minutes on 2 CPU cores each: `python3 -m pytest -m slow`."""

import numpy as np
import pytest
import torch

from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.datasets.fonts import FontDataConfig
from gentool.demo import run_demo
from gentool.evaluate import drum_metrics
from gentool.evaluate.coverage import CoverageSettings, baseline_images, measure
from gentool.evaluate.drum_baselines import baseline_report
from gentool.evaluate.genres import load_genre_classifier
from gentool.evaluate.letters import load_letter_evaluator
from gentool.gan.config import resolve_gan_config
from gentool.gan.family import GAN
from gentool.runtime.rundir import RunDir
from gentool.vae.family import resolve_vae_config
from gentool.vae.figures import analyze_run
from gentool.vae.train import load_vae

from helpers import cpu_context, start, start_vae

pytestmark = pytest.mark.slow


def real_noise_collapsed(evaluator) -> list[dict]:
    settings = CoverageSettings()
    return [measure(baseline_images(name, evaluator, settings.samples, 0), evaluator, settings)[0]
            for name in ("real", "noise", "collapsed")]


def test_letter_evaluator_meets_issue_12_targets_and_baselines_separate(data_dir):
    """Issue 12's targets for the evaluator a user gets (the shipped one) on fonts it never saw: >= 97% of held-out
    letters named right, >= 95% of real held-out letters recognisable, >= 90% of held-out real non-letter glyphs
    rejected, and noise rejected. The shipped version 7 reads 97.50%, 0.981, 99.19% and 100%."""
    evaluator = load_letter_evaluator(FontDataConfig(), data_dir)
    assert evaluator.report["held_out"]["accuracy"] >= 0.97
    assert evaluator.report["not_letters_rejected"] >= 0.99
    assert evaluator.report["non_letter_glyphs_rejected"]["rejected"] >= 0.9  # real glyphs of unseen fonts
    real, noise, collapsed = real_noise_collapsed(evaluator)
    assert real["confident_share"] >= 0.95
    assert real["letters_covered"] == 26 and noise["letters_covered"] == 0 and collapsed["letters_covered"] == 1
    assert real["letter_fid"] * 100 < min(noise["letter_fid"], collapsed["letter_fid"])


def test_genre_classifier_reaches_90_percent_and_drum_baselines_separate(data_dir):
    dataset = load_drum_dataset(DrumDataConfig(), data_dir)
    classifier = load_genre_classifier(dataset, data_dir)
    assert classifier.report["held_out_accuracy"] >= 0.9
    report = baseline_report(dataset, classifier)
    assert report["real"]["validity"] - report["random"]["validity"] > 0.8
    assert report["collapsed"]["diversity"] == 0.0


def test_default_vae_keeps_z_high_alive_and_meets_its_targets(data_dir, tmp_path):
    config = resolve_vae_config("default", flags={"device": "cpu"})
    dataset = load_drum_dataset(config.drums, data_dir)
    run = RunDir(tmp_path / "vae")
    outcome = start_vae(config, run, data_dir)
    final = outcome.summary["final"]
    assert outcome.summary["collapsed_high"] == []
    assert min(final["sample_genre_accuracy_by_genre"].values()) >= 0.8
    real_validity = float(np.mean(drum_metrics.validity(dataset.hits[dataset.is_val])))
    assert final["sample_validity"] >= real_validity - 0.05
    model, _ = load_vae(run.last_checkpoint)
    report = analyze_run(run, model, config, dataset, torch.device("cpu"))
    assert report["probe_accuracy"]["z_high"] >= 0.9


@pytest.mark.parametrize("dataset, preset, modes, high_quality", [("grid25", "points-r1-ls-nobn", 25, 0.95),
                                                                  ("grid25", "points-r1-ls-ema", 25, 0.95),
                                                                  ("ring8", "points-r1-ls-ema", 8, 0.98)])
def test_points_recipe_keeps_every_mode_sharp(dataset, preset, modes, high_quality, tmp_path):
    """Issue 19's 2-D targets for one seed (40,000 steps, ~6 min each alone): every mode at >= 95% (grid25) /
    >= 98% (ring8) high quality, reverse KL <= 0.04. Seed 0 measured: grid25 97.24% (points-r1-ls-nobn) and 98.04%
    (points-r1-ls-ema), ring8 98.96% (points-r1-ls-ema). Over seeds 0-9 (README): grid25 96.4-98.3% with
    points-r1-ls-nobn and 96.9-98.3% with points-r1-ls-ema; ring8 98.56-99.24% with points-r1-ls-ema, where
    points-r1-ls-nobn had 2 of 10 under 98%."""
    config = resolve_gan_config(preset, flags={"dataset": dataset, "device": "cpu"})
    run = RunDir(tmp_path / dataset)
    assert start(GAN, config, run).status == "completed"
    last = run.read_metrics()[-1]
    assert last["modes_captured"] == modes
    assert last["high_quality"] >= high_quality and last["reverse_kl"] <= 0.04


def test_letters_infogan_recipe_covers_the_alphabet_at_two_thirds_of_vanillas_fid(data_dir, tmp_path):
    """Issue 19's letter recipe, seed 0 (50 epochs, about 31 min on one thread): measured 26/26 letters (S at 11
    confident samples, one over the threshold, so >= 25 is asserted), letter FID 168.4 with evaluator version 5
    (version 6 reads its last checkpoint as 26 letters, FID 171.9), where the vanilla preset's seed 0 ends at 16
    letters and FID 284.8. Over 5 seeds it reaches 26 in 2 (README, "Before it: InfoGAN's codes")."""
    config = resolve_gan_config("letters-infogan-r1-ls", flags={"device": "cpu", "seed": 0})
    run = RunDir(tmp_path / "letters")
    assert start(GAN, config, run, data_dir).status == "completed"
    last = run.read_metrics()[-1]
    assert last["letters_covered"] >= 25 and last["letter_fid"] < 250


def test_fixed_preset_covers_the_alphabet_where_infogan_did_not(data_dir, tmp_path):
    """Issue 19's letter goal, on seed 1, one of the three seeds where letters-infogan-r1-ls ends at 23 letters
    (50 epochs; about 35 core-seconds an epoch, measured with five runs sharing two cores): self-conditioning on
    104 clusters covers all 26 at every evaluation of seeds 0-4, seed 1 at letter FID 145.4 (README, "26 letters
    in every seed"); vanilla's seed 0 ends at FID 301 (evaluator version 6)."""
    config = resolve_gan_config("fixed", flags={"device": "cpu", "seed": 1})
    run = RunDir(tmp_path / "letters")
    assert start(GAN, config, run, data_dir).status == "completed"
    last = run.read_metrics()[-1]
    assert last["letters_covered"] == 26 and last["letter_fid"] < 250


def test_demo_fix_covers_20_letters_and_6_more_than_vanilla(data_dir, tmp_path):
    """The demo's promise on seed 0: `gentool demo` trains both presets, and its table shows the fix at >= 20
    letters and >= 6 more than vanilla (docs/demo.md: read by the shipped evaluator v7, seed 0 gives 25 and 15; read
    by a version-6 build, seeds 0-2 gave the fix 23-25 letters, 11 more than vanilla on average; about 4 minutes on
    one core)."""
    result = run_demo(cpu_context(data_dir), out=tmp_path / "demo", seed=0)
    fixed, vanilla = (result["runs"][name]["coverage"] for name in ("fixed", "vanilla"))
    assert fixed["letters_covered"] >= 20 and fixed["letters_covered"] - vanilla["letters_covered"] >= 6
    assert fixed["letter_fid"] < vanilla["letter_fid"]
