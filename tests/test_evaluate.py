import math

import pytest
import torch

from gentool.config import build_config
from gentool.datasets.fonts import FontDataConfig, load_font_dataset
from gentool.evaluate.coverage import CoverageSettings, baseline_images, coverage_of, generate, measure
from gentool.evaluate.coverage_figures import collapse_onset
from gentool.evaluate.frechet import FeatureStats, frechet_distance
from gentool.evaluate.instruments import Instrument
from gentool.evaluate.letters import (
    EVALUATOR_NAME,
    NOT_A_LETTER,
    LetterClassifier,
    LetterEvaluatorSettings,
    evaluator_data_config,
    evaluator_path,
    load_letter_evaluator,
    not_letters,
)
from gentool.evaluate.prdc import RealBalls
from gentool.gan.model import Generator
from gentool.runtime.checkpoint import load_checkpoint, save_checkpoint


def test_pooling_first_is_the_letter_evaluators_layout_and_the_digits_keep_theirs():
    """The letter evaluator pools before batch norm and ReLU (a quarter of the elements for both); the digit
    evaluator keeps the other order, and a file of one layout never loads into the other."""
    old = LetterClassifier(pool_first=False)
    assert [name for name in old.state_dict() if name.endswith("running_mean")] == [
        "body.1.running_mean", "body.5.running_mean", "body.9.running_mean"]
    new = LetterClassifier(pool_first=True)
    assert [name for name in new.state_dict() if name.endswith("running_mean")] == [
        "body.2.running_mean", "body.6.running_mean", "body.9.running_mean"]
    with pytest.raises(RuntimeError):  # a file of one layout never loads silently into the other
        new.load_state_dict(old.state_dict())
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    for model in (old.eval(), new.eval()):
        logits, features = model.logits_and_features(images)
        assert logits.shape == (4, 27) and features.shape == (4, LetterClassifier.FEATURES)
    # batch norm sees the pooled maps: 14 x 14 after the first block, not 28 x 28
    seen = []
    new.body[2].register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].shape))
    new(images)
    assert seen == [torch.Size([4, 32, 14, 14])]
    assert LetterEvaluatorSettings().pool_first is True


def test_frechet_distance_matches_closed_forms():
    torch.manual_seed(0)
    features = torch.randn(5000, 4)
    same = FeatureStats.of(features)
    assert frechet_distance(same, same) == pytest.approx(0.0, abs=1e-6)
    shifted = FeatureStats.of(features + torch.tensor([3.0, 0, 0, 0]))
    assert frechet_distance(same, shifted) == pytest.approx(9.0, rel=1e-4)
    a = FeatureStats(torch.zeros(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64), 2)
    b = FeatureStats(torch.zeros(1, dtype=torch.float64), 4 * torch.eye(1, dtype=torch.float64), 2)
    assert frechet_distance(a, b) == pytest.approx(1.0)  # (1 - 2)^2 for standard deviations 1 and 2


class FixedReference:
    real_stats = FeatureStats.of(torch.randn(100, 3, generator=torch.Generator().manual_seed(1)))
    instrument = Instrument("letter-evaluator", 0, "0" * 64, "local")

    @staticmethod
    def real_balls(k: int) -> RealBalls:
        return RealBalls.of(torch.randn(100, 3, generator=torch.Generator().manual_seed(1)), k)


def one_hot(letters: list[int], confidence: float = 0.99) -> torch.Tensor:
    probabilities = torch.full((len(letters), 27), (1 - confidence) / 26)
    probabilities[torch.arange(len(letters)), torch.tensor(letters)] = confidence
    return probabilities


def test_coverage_counts_entropy_and_kl_from_known_histograms():
    settings = CoverageSettings(samples=260, threshold=0.9, min_share=0.1)  # covered at >= 1 of 10 expected
    features = torch.randn(260, 3)
    uniform = coverage_of(one_hot([i % 26 for i in range(260)]), features, FixedReference, settings)
    assert uniform["letters_covered"] == 26 and uniform["missing"] == []
    assert uniform["entropy"] == pytest.approx(1.0) and uniform["kl_uniform"] == pytest.approx(0.0, abs=1e-9)

    collapsed = coverage_of(one_hot([4] * 260), features, FixedReference, settings)
    assert collapsed["letters_covered"] == 1 and collapsed["coverage"] == pytest.approx(1 / 26, abs=1e-4)
    assert collapsed["entropy"] == 0.0 and collapsed["kl_uniform"] == pytest.approx(math.log(26), abs=1e-4)

    unsure = coverage_of(one_hot([i % 26 for i in range(260)], confidence=0.5), features, FixedReference, settings)
    assert unsure["letters_covered"] == 0 and unsure["confident_share"] == 0 and unsure["entropy"] is None

    not_letters_only = coverage_of(one_hot([NOT_A_LETTER] * 260), features, FixedReference, settings)
    assert not_letters_only["letters_covered"] == 0 and not_letters_only["not_letter_share"] == 1.0


def test_a_letter_below_the_minimum_count_is_missing():
    settings = CoverageSettings(samples=2600, threshold=0.9, min_share=0.1)  # min count 10
    letters = [i % 25 for i in range(2591)] + [25] * 9  # Z appears 9 times
    report = coverage_of(one_hot(letters), torch.randn(2600, 3), FixedReference, settings)
    assert report["min_count"] == 10 and report["missing"] == ["Z"] and report["letters_covered"] == 25


def test_collapse_onset_is_the_first_drop_below_the_best_so_far():
    covered = [20, 24, 25, 24, 23, 22, 26]
    records = [{"epoch": 5 * (i + 1), "letters_covered": c} for i, c in enumerate(covered)]
    assert collapse_onset(records, drop=2) == 25  # 23 is two below the best (25)
    assert collapse_onset(records, drop=4) is None
    assert collapse_onset([{"epoch": 1, "loss_d": 1.0}], drop=2) is None


def test_metrics_separate_real_letters_from_noise_and_collapse(tiny_evaluator):
    settings = CoverageSettings(samples=520, threshold=0.9, min_share=0.1)
    reports = {name: measure(baseline_images(name, tiny_evaluator, settings.samples, 0), tiny_evaluator, settings)[0]
               for name in ("real", "noise", "collapsed")}
    real, noise, collapsed = reports["real"], reports["noise"], reports["collapsed"]
    assert real["letters_covered"] >= 24 and real["entropy"] > 0.95
    assert noise["letters_covered"] <= 1 and noise["confident_share"] < 0.05 and noise["not_letter_share"] > 0.95
    assert collapsed["letters_covered"] == 1 and collapsed["entropy"] == pytest.approx(0.0)
    assert real["letter_fid"] * 5 < min(noise["letter_fid"], collapsed["letter_fid"])
    assert real["confident_share"] > 0.6


def test_evaluator_is_cached_and_rejects_not_letters(tiny_evaluation, tiny_evaluator, data_dir):
    settings = build_config(LetterEvaluatorSettings, tiny_evaluation["evaluation"]["evaluator"])
    data = build_config(FontDataConfig, tiny_evaluation["fonts"])
    again = load_letter_evaluator(data, data_dir, settings=settings)
    assert again.report["built"] is False and again.path == tiny_evaluator.path
    assert torch.equal(again.real_stats.mean, tiny_evaluator.real_stats.mean)
    report = tiny_evaluator.report
    assert report["not_letters_rejected"] > 0.95 and report["held_out"]["accuracy"] > 0.5
    assert report["held_out_faces"] and not set(report["held_out_faces"]) & set(report["train_faces"])
    other = load_letter_evaluator(data, data_dir, settings=build_config(LetterEvaluatorSettings, {
        **tiny_evaluation["evaluation"]["evaluator"], "seed": 1}))
    assert other.path != tiny_evaluator.path


def test_a_cached_evaluator_reads_images_with_its_reject_bias(tiny_evaluation, tiny_evaluator, data_dir):
    """The bias is saved beside the weights: a later run's evaluator rejects exactly as the built one did."""
    settings = build_config(LetterEvaluatorSettings, {**tiny_evaluation["evaluation"]["evaluator"],
                                                      "reject_bias": 10.0})
    data = build_config(FontDataConfig, tiny_evaluation["fonts"])
    dataset = load_font_dataset(evaluator_data_config(data, settings), data_dir)
    state = load_checkpoint(tiny_evaluator.path, "letter-evaluator", map_location="cpu")
    path = evaluator_path(dataset, settings, data_dir, torch.device("cpu"))
    assert path != tiny_evaluator.path
    save_checkpoint(path, EVALUATOR_NAME, {**state, "reject_bias": 10.0})  # as a build with this setting saves it
    biased = load_letter_evaluator(data, data_dir, settings=settings)
    assert biased.report["built"] is False and float(biased.model.reject_bias) == 10.0
    images = torch.cat([tiny_evaluator.real_images[:32], not_letters(32, tiny_evaluator.real_images,
                                                                       torch.Generator().manual_seed(0))])
    with torch.no_grad():
        plain, shifted = tiny_evaluator.model(images), biased.model(images)
    assert torch.allclose(shifted[:, :NOT_A_LETTER], plain[:, :NOT_A_LETTER])
    built_with = float(tiny_evaluator.model.reject_bias)  # the default bias the tiny one was built with
    assert torch.allclose(shifted[:, NOT_A_LETTER], plain[:, NOT_A_LETTER] + built_with - 10.0)
    rejected = [(evaluator.classify(images)[0].argmax(1) == NOT_A_LETTER).sum() for evaluator in (tiny_evaluator,
                                                                                                  biased)]
    assert rejected[1] < rejected[0]


def test_not_letters_are_in_range_and_varied():
    letters = torch.rand(10, 1, 28, 28) * 2 - 1
    images = not_letters(200, letters, torch.Generator().manual_seed(0))
    assert images.shape == (200, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    assert images.flatten(1).std(dim=1).max() > 0.3 and images.flatten(1).std(dim=1).min() < 0.2


def test_generate_leaves_the_global_random_state_alone_and_repeats():
    generator = Generator(8, 8)
    torch.manual_seed(5)
    before = torch.get_rng_state()
    first = generate(generator, 30, 8, False, seed=3, device=torch.device("cpu"), batch_size=7)
    assert torch.equal(torch.get_rng_state(), before) and generator.training
    assert torch.equal(first, generate(generator, 30, 8, False, seed=3, device=torch.device("cpu"), batch_size=7))
    other_batching = generate(generator, 30, 8, False, seed=3, device=torch.device("cpu"))
    assert torch.allclose(first, other_batching, atol=1e-5)  # the same noise; only float rounding differs
