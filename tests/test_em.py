"""EM and k-means: the invariants (log-likelihood never falls, inertia never rises), agreement with
scikit-learn's GaussianMixture from the same start, modes recovered, and the `em fit` command."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.point_files import load_point_source
from gentool.datasets.points import PointDataConfig
from gentool.em.measure import free_parameters, information_criteria, is_monotone
from gentool.em.model import Mixture, fit_em, fit_kmeans, initial_mixture, kmeans_plus_plus
from gentool.evaluate.recovery import modes_recovered

runner = CliRunner()


def grid_points(samples: int = 1000, seed: int = 0) -> torch.Tensor:
    return load_point_source("grid25", PointDataConfig(samples=samples, seed=seed)).points


@pytest.mark.parametrize("covariance", ["full", "diag"])
@pytest.mark.parametrize("init", ["kmeans++", "random-points", "random-resp"])
def test_em_log_likelihood_never_decreases(covariance, init):
    points = grid_points()
    for seed in range(2):
        start, _ = initial_mixture(points, 25, init, covariance=covariance, reg_covar=1e-6, kmeans_iter=3,
                                   generator=torch.Generator().manual_seed(seed))
        fit = fit_em(points, start, covariance=covariance, reg_covar=1e-6, max_iter=40, tol=0.0)
        steps = np.diff(fit.history)
        assert steps.min() >= -1e-9, f"EM step lowered the log-likelihood by {-steps.min():.2e}"
        # it moved (random-resp only slowly: its start is near a saddle; kmeans++ may start at the optimum)
        assert fit.history[-1] > fit.history[0] or init == "kmeans++"


def test_kmeans_inertia_never_increases():
    points = grid_points()
    seeds = points[torch.randperm(len(points), generator=torch.Generator().manual_seed(3))[:25]]
    _, labels, fit = fit_kmeans(points, seeds, max_iter=100)
    assert fit.iterations > 2 and fit.converged
    assert is_monotone([-v for v in fit.history])
    assert labels.unique().numel() <= 25


def _sklearn_precisions(mixture: Mixture, covariance: str) -> np.ndarray:
    precisions = torch.linalg.inv(mixture.covariances).numpy()
    return precisions if covariance == "full" else np.diagonal(precisions, axis1=1, axis2=2).copy()


@pytest.mark.parametrize("covariance", ["full", "diag"])
@pytest.mark.parametrize("dataset, components", [("ring8", 6), ("grid25", 25)])
def test_em_matches_scikit_learn_from_the_same_start(covariance, dataset, components):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    points = load_point_source(dataset, PointDataConfig(samples=800, seed=1)).points
    start, _ = initial_mixture(points, components, "random-points", covariance=covariance, reg_covar=1e-6,
                               kmeans_iter=1, generator=torch.Generator().manual_seed(0))
    for iterations in (1, 5, 30):
        ours = fit_em(points, start, covariance=covariance, reg_covar=1e-6, max_iter=iterations, tol=-np.inf)
        reference = GaussianMixture(components, covariance_type=covariance, max_iter=iterations, tol=0.0,
                                    reg_covar=1e-6, weights_init=start.weights.numpy(),
                                    means_init=start.means.numpy(),
                                    precisions_init=_sklearn_precisions(start, covariance))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reference.fit(points.numpy())
        assert ours.iterations == iterations
        assert ours.history[-1] == pytest.approx(reference.score(points.numpy()), abs=1e-4)
        assert ours.mixture.log_likelihood(points) == pytest.approx(ours.history[-1], abs=1e-12)
        parameters = free_parameters(components, 2, covariance)
        assert parameters == reference._n_parameters()
        ours_bic = information_criteria(ours.history[-1], len(points), parameters)["bic"]
        assert ours_bic == pytest.approx(reference.bic(points.numpy()), abs=1e-1)


def test_kmeans_plus_plus_spreads_its_seeds_over_the_grid():
    points = grid_points(2500)
    means = load_point_source("grid25", PointDataConfig(samples=100)).means
    hits = [modes_recovered(kmeans_plus_plus(points, 25, torch.Generator().manual_seed(s)), means, 0.05)
            ["modes_recovered"] for s in range(5)]
    # D^2 sampling picks far-apart points; uniform picks would cover about 25 (1 - (24/25)^25) = 16 modes
    assert np.mean(hits) > 18


def test_modes_recovered_counts_each_true_mode_once():
    true = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    fitted = torch.tensor([[0.01, 0.0], [0.0, -0.02], [0.5, 0.5], [1.0, 0.029]])
    report = modes_recovered(fitted, true, std=0.01)
    assert report == {"modes_recovered": 2, "modes": 3, "missed_modes": [2]}


# ------------------------------------------------------------------------------------------------ the command

def invoke(args):
    return runner.invoke(app, args)


def test_em_fit_writes_a_run_folder_and_repeats_with_a_seed(tmp_path):
    base = ["em", "fit", "--preset", "default", "--init", "random-points", "--restarts", "2", "--max-iter", "30",
            "--set", "points.samples=800", "--set", "samples=500", "--seed", "4", "--json", "-q"]
    first = invoke([*base, "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["kind"] == "em" and summary["status"] == "completed" and summary["seed"] == 4
    final = summary["final"]
    assert final["monotone"] and 0 <= final["modes_recovered"] <= 25
    assert set(final["mode_metrics"]) == {"fitted", "real", "noise", "collapsed"}
    assert final["mode_metrics"]["real"]["modes_captured"] == 25
    assert final["mode_metrics"]["collapsed"]["modes_captured"] == 1
    records = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert {r["restart"] for r in records} == {0, 1} and all("log_likelihood" in r for r in records)
    assert (tmp_path / "a" / "figures" / "fit.png").is_file() and (tmp_path / "a" / "figures" / "curve.png").is_file()

    again = json.loads(invoke([*base, "--out", str(tmp_path / "b")]).stdout)
    assert again["mixture"] == summary["mixture"] and again["final"] == summary["final"]
    replay = invoke(["em", "fit", "--config", str(tmp_path / "a" / "config.yaml"), "--out", str(tmp_path / "c"),
                     "--json", "-q"])
    assert json.loads(replay.stdout)["final"] == summary["final"]


def test_em_fit_kmeans_on_a_csv_file(tmp_path):
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    points = np.concatenate([c + 0.1 * rng.standard_normal((50, 3)) for c in centres])
    np.savetxt(tmp_path / "points.csv", points, delimiter=",")
    result = invoke(["em", "fit", "--dataset", str(tmp_path / "points.csv"), "--method", "kmeans", "-k", "2",
                     "--out", str(tmp_path / "km"), "--json", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    found = sorted(np.round(summary["mixture"]["means"], 0).tolist())
    assert found == centres.tolist() and summary["final"]["monotone"]
    assert "modes_recovered" not in summary["final"]  # a file has no true modes


def _bad_files(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((4, 2, 2)))
    with_nan = np.ones((10, 2))
    with_nan[4, 0] = np.nan
    np.save(tmp_path / "nan.npy", with_nan)
    (tmp_path / "words.csv").write_text("x,y\n1,2\n")


@pytest.mark.parametrize("args, words", [
    (["-k", "0"], "components"),
    (["--init", "kmeans+"], "did you mean 'kmeans++'"),
    (["--dataset", "ring9"], "dataset"),
    (["--dataset", "{tmp}/cube.npy"], "shape (4, 2, 2)"),
    (["--dataset", "{tmp}/nan.npy"], "NaN"),
    (["--dataset", "{tmp}/words.csv"], "could not be read"),
    (["--dataset", "{tmp}/missing.npy"], "does not exist"),
    (["--max-iter", "-3"], "max_iter"),
    (["--resume", "{tmp}"], "nothing to resume"),
])
def test_em_fit_bad_input_is_one_line_and_exit_2(tmp_path, args, words):
    _bad_files(tmp_path)
    result = invoke(["em", "fit", *[a.replace("{tmp}", str(tmp_path)) for a in args], "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert not (tmp_path / "r").exists()
