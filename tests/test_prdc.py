"""Precision, recall, density and coverage: the same numbers as the reference `prdc` package on the same features,
and figures that separate real data from collapse and from noise, on letters (the evaluator's features) and on the
2-D mixtures (the points)."""

import numpy as np
import pytest
import torch

from gentool.evaluate import prdc as prdc_module
from gentool.evaluate.coverage import CoverageSettings, baseline_images, measure
from gentool.evaluate.modes import baseline_points, point_metrics, reference_balls
from gentool.evaluate.prdc import PRDC_KEYS, RealBalls, prdc

reference = pytest.importorskip("prdc", reason="the reference implementation (the test extra)")


def reference_prdc(real: torch.Tensor, fake: torch.Tensor, k: int) -> dict:
    result = reference.compute_prdc(real.double().numpy(), fake.double().numpy(), nearest_k=k)
    return {f"prdc_{name}": float(value) for name, value in result.items()}


def assert_same(mine: dict, theirs: dict) -> None:
    assert set(mine) == set(PRDC_KEYS)
    for key in PRDC_KEYS:
        assert mine[key] == pytest.approx(theirs[key], abs=6e-5), key  # gentool rounds to 4 places


@pytest.mark.parametrize("k", [1, 5, 10])
def test_the_numbers_are_the_reference_packages_on_the_same_features(k, monkeypatch):
    rng = torch.Generator().manual_seed(k)
    real = torch.randn(400, 16, generator=rng)
    fake = 1.3 * torch.randn(300, 16, generator=rng) + 0.2
    monkeypatch.setattr(prdc_module, "ROWS_PER_CHUNK", 64)  # the chunked pass gives the one-pass numbers
    assert_same(prdc(RealBalls.of(real, k), fake), reference_prdc(real, fake, k))


def test_real_samples_score_high_collapse_loses_recall_and_coverage_noise_loses_precision_and_density():
    rng = torch.Generator().manual_seed(0)
    real = RealBalls.of(torch.randn(1000, 8, generator=rng))
    alike = prdc(real, torch.randn(1000, 8, generator=rng))
    collapsed = prdc(real, torch.randn(1, 8, generator=rng).expand(1000, -1) + 0.01 * torch.randn(1000, 8,
                                                                                                generator=rng))
    noise = prdc(real, 4 * torch.rand(1000, 8, generator=rng) - 2 + 3 * torch.randn(1000, 8, generator=rng))
    assert min(alike.values()) > 0.75 and alike["prdc_density"] == pytest.approx(1.0, abs=0.2)
    assert collapsed["prdc_recall"] < 0.05 and collapsed["prdc_coverage"] < 0.05
    assert noise["prdc_precision"] < 0.3 and noise["prdc_density"] < 0.1


def test_too_few_samples_for_a_kth_neighbour_are_not_measured():
    real = RealBalls.of(torch.randn(50, 2), k=5)
    assert prdc(real, torch.randn(5, 2)) == dict.fromkeys(PRDC_KEYS)
    with pytest.raises(ValueError, match="k-th neighbour"):
        RealBalls.of(torch.randn(5, 2), k=5)


@pytest.fixture(scope="module")
def shipped_evaluator(tiny_config, data_dir):
    """The shipped letter evaluator, measuring against the held-out letters of the tiny fonts."""
    from gentool.evaluate.letters import load_letter_evaluator
    from gentool.gan.config import build_gan_config

    return load_letter_evaluator(build_gan_config(tiny_config).fonts, data_dir)


@pytest.mark.parametrize("source", ["local", "shipped"])
def test_letters_are_measured_in_the_evaluators_features_against_held_out_letters(source, request):
    evaluator = request.getfixturevalue({"local": "tiny_evaluator", "shipped": "shipped_evaluator"}[source])
    # as many samples as reference letters: coverage asks whether a real letter has a sample near it
    settings = CoverageSettings(samples=len(evaluator.reference_images), threshold=0.9, min_share=0.1)
    reports = {}
    for name in ("real", "noise", "collapsed"):
        images = baseline_images(name, evaluator, settings.samples, 0)
        reports[name], _ = measure(images, evaluator, settings)
        features = evaluator.classify(images)[1]
        real_features = evaluator.classify(evaluator.reference_images)[1]
        assert_same({key: reports[name][key] for key in PRDC_KEYS}, reference_prdc(real_features, features, 5))
    real, noise, collapsed = reports["real"], reports["noise"], reports["collapsed"]
    assert real["prdc_k"] == 5 and real["instrument"]["source"] == source
    assert min(real[key] for key in PRDC_KEYS) > 0.6
    assert collapsed["prdc_recall"] < 0.05 and collapsed["prdc_coverage"] < 0.1
    assert noise["prdc_precision"] < 0.1 and noise["prdc_density"] < 0.1
    assert evaluator.real_balls(5) is evaluator.real_balls(5)  # the reference is built once


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_points_are_measured_on_the_points_against_a_draw_of_the_mixture(dataset):
    from gentool.datasets.points import PointDataConfig, load_point_dataset

    data = load_point_dataset(dataset, PointDataConfig(samples=1000))
    means, std = data.means, data.std
    real = reference_balls(means, std, 1000, 5)
    assert torch.equal(real.features, reference_balls(means, std, 1000, 5).features)  # the same every time
    reports = {}
    for name in ("real", "noise", "collapsed"):
        points = baseline_points(name, means, std, 1000, 0)
        reports[name] = point_metrics(points, means, std, real)
        assert_same({key: reports[name][key] for key in PRDC_KEYS}, reference_prdc(real.features, points, 5))
    assert not np.allclose(real.features.numpy(), baseline_points("real", means, std, 1000, 0).double().numpy())
    assert min(reports["real"][key] for key in PRDC_KEYS) > 0.8
    assert reports["collapsed"]["prdc_recall"] < 0.15 and reports["collapsed"]["prdc_coverage"] < 0.15
    assert reports["noise"]["prdc_precision"] < 0.1 and reports["noise"]["prdc_density"] < 0.1
