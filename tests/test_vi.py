"""VI: CAVI's ELBO rises at every update and bounds the exact evidence, the reparameterised KL estimate matches a
closed form, reverse KL locks onto few ring8 modes while forward KL spreads over them, and the `vi fit` command."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.point_files import load_point_source
from gentool.datasets.points import PointDataConfig
from gentool.datasets.targets import MixtureTarget, mixture_target
from gentool.em.model import initial_mixture
from gentool.evaluate.modes import mode_metrics
from gentool.vi.cavi import elbo, fit_cavi, update_assignments, update_means
from gentool.vi.model import MixtureQ, forward_cross_entropy, reverse_kl

runner = CliRunner()


@pytest.mark.parametrize("dataset, components", [("ring8", 8), ("grid25", 25), ("grid25", 10)])
def test_cavi_elbo_never_decreases_at_any_update(dataset, components):
    source = load_point_source(dataset, PointDataConfig(samples=600, seed=2))
    x, like_var, prior_var = source.points, source.std ** 2 * 4, 25.0  # a wider likelihood: softer assignments
    for seed in range(3):
        start, _ = initial_mixture(x, components, "random-points", covariance="full", reg_covar=1e-6,
                                   kmeans_iter=1, generator=torch.Generator().manual_seed(seed))
        m, s2 = start.means.clone(), torch.full((components,), prior_var, dtype=x.dtype)
        phi = update_assignments(x, m, s2, like_var)
        values = [elbo(x, phi, m, s2, prior_var, like_var)]
        for _ in range(15):  # each half-step (assignments, then means) must raise the ELBO on its own
            m, s2 = update_means(x, phi, prior_var, like_var)
            values.append(elbo(x, phi, m, s2, prior_var, like_var))
            phi = update_assignments(x, m, s2, like_var)
            values.append(elbo(x, phi, m, s2, prior_var, like_var))
        steps = np.diff(values)
        assert steps.min() >= -1e-9 * abs(values[0]), steps.min()
        fit = fit_cavi(x, start.means, prior_var=prior_var, like_var=like_var, max_iter=50, tol=0.0)
        assert np.diff(fit.history).min() >= -1e-12 * abs(fit.history[0])


def _log_evidence(x: torch.Tensor, components: int, prior_var: float, like_var: float) -> float:
    """log p(x) by summing every assignment: given c, x is Gaussian (same-cluster points share a mean)."""
    n = len(x)
    total = []
    for assignment in itertools.product(range(components), repeat=n):
        c = torch.tensor(assignment)
        cov = prior_var * (c[:, None] == c[None, :]).double() + like_var * torch.eye(n, dtype=torch.float64)
        dist = torch.distributions.MultivariateNormal(torch.zeros(n, dtype=torch.float64), cov)
        # D = 2 independent coordinates share the covariance
        total.append(sum(float(dist.log_prob(x[:, d])) for d in range(x.shape[1])) - n * math.log(components))
    return float(torch.logsumexp(torch.tensor(total), dim=0))


def test_cavi_elbo_is_a_lower_bound_that_is_tight_for_separated_clusters():
    x = torch.tensor([[0.0, 0.1], [0.1, 0.0], [3.0, 3.1], [3.1, 2.9], [-0.1, 0.05]], dtype=torch.float64)
    prior_var, like_var = 4.0, 0.01
    fit = fit_cavi(x, x[[0, 2]].clone(), prior_var=prior_var, like_var=like_var, max_iter=100, tol=0.0)
    evidence = _log_evidence(x, 2, prior_var, like_var)
    bound = fit.history[-1] * len(x)
    assert bound <= evidence + 1e-9
    # mean-field loses only the label symmetry (log 2) and the posterior mean correlations, which are tiny here
    assert evidence - bound < math.log(2) + 0.05


def test_reverse_kl_estimate_matches_the_gaussian_closed_form():
    target = MixtureTarget("one", np.array([[0.5, -0.2]]), 0.7)
    q = MixtureQ(torch.tensor([[0.1, 0.3]], dtype=torch.float64), init_scale=0.4)
    torch.manual_seed(0)
    estimate = float(reverse_kl(q, target, 200_000).detach())
    # KL(N(m1, s1^2 I) || N(m2, s2^2 I)) in D = 2
    m1, m2, s1, s2 = np.array([0.1, 0.3]), np.array([0.5, -0.2]), 0.4, 0.7
    exact = np.log(s2 ** 2 / s1 ** 2) + (2 * s1 ** 2 + ((m1 - m2) ** 2).sum()) / (2 * s2 ** 2) - 1
    assert estimate == pytest.approx(exact, abs=0.01)
    draws = torch.from_numpy(target.sample(200_000, np.random.default_rng(0)))
    entropy_p = 0.5 * 2 * (1 + math.log(2 * math.pi * 0.7 ** 2))
    exact_forward = (np.log(s1 ** 2 / s2 ** 2) + (2 * s2 ** 2 + ((m1 - m2) ** 2).sum()) / (2 * s1 ** 2) - 1)
    assert float(forward_cross_entropy(q, draws).detach()) - entropy_p == pytest.approx(exact_forward, abs=0.02)


def _fit_gaussian(divergence: str, seed: int) -> dict:
    target = mixture_target("ring8")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    q = MixtureQ(torch.rand(1, 2, dtype=torch.float64) * 2 - 1, init_scale=1.0)
    optimiser = torch.optim.Adam(q.parameters(), lr=0.05)
    for _ in range(600):
        if divergence == "reverse":
            loss = reverse_kl(q, target, 64)
        else:
            loss = forward_cross_entropy(q, torch.from_numpy(target.sample(256, rng)))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    drawn = q.sample(5000, torch.Generator().manual_seed(seed))
    return mode_metrics(drawn, torch.from_numpy(target.means).float(), target.std)


@pytest.mark.parametrize("seed", [0, 1])
def test_reverse_kl_seeks_one_mode_forward_kl_covers_them(seed):
    reverse, forward = _fit_gaussian("reverse", seed), _fit_gaussian("forward", seed)
    assert reverse["modes_captured"] <= 2
    assert forward["modes_captured"] >= 6
    assert forward["high_quality"] < reverse["high_quality"]  # covering costs quality: mass between the modes


# ------------------------------------------------------------------------------------------------ the command

def fit(tmp_path, name, *args):
    result = runner.invoke(app, ["vi", "fit", *args, "--out", str(tmp_path / name), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_vi_fit_runs_repeat_with_a_seed_and_write_figures(tmp_path):
    args = ["--preset", "mixture", "-k", "3", "--steps", "60", "--set", "samples=500", "--seed", "5"]
    first, second = fit(tmp_path, "a", *args), fit(tmp_path, "b", *args)
    assert first["kind"] == "vi" and first["final"] == second["final"] and first["q"] == second["q"]
    assert set(first["final"]["mode_metrics"]) == {"q", "real", "noise", "collapsed"}
    records = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 60 and "elbo" in records[-1]
    assert (tmp_path / "a" / "figures" / "density.png").is_file()


def test_vi_cavi_on_data_and_on_a_file(tmp_path):
    summary = fit(tmp_path, "cavi", "--preset", "cavi", "--set", "points.samples=500", "--set", "cavi.max_iter=40")
    final = summary["final"]
    assert final["monotone"] and 0 < final["modes_recovered"] <= 25 and "modes_recovered" in final["em"]
    assert len(final["posterior"]["means"]) == 25
    points = np.concatenate([np.random.default_rng(0).normal(c, 0.1, (40, 2)) for c in (-2.0, 2.0)])
    np.save(tmp_path / "two.npy", points)
    on_file = fit(tmp_path, "file", "--method", "cavi", "--dataset", str(tmp_path / "two.npy"), "-k", "2",
                  "--set", "cavi.likelihood_std=0.1", "--set", "cavi.init=kmeans++")
    means = sorted(np.round(on_file["final"]["posterior"]["means"], 0).tolist())
    assert means == [[-2.0, -2.0], [2.0, 2.0]]


@pytest.mark.parametrize("args, words", [
    (["--family", "flow"], "allowed values"),
    (["--divergence", "revers"], "did you mean 'reverse'"),
    (["-k", "0"], "components"),
    (["--steps", "-1"], "steps"),
    (["--dataset", "{tmp}/two.npy"], "known density"),
    (["--method", "cavi", "--dataset", "{tmp}/two.npy"], "likelihood_std"),
    (["--method", "cavi", "--dataset", "{tmp}/flat.npy", "--set", "cavi.likelihood_std=1"], "shape (6,)"),
    (["--resume", "x"], "nothing to resume"),
])
def test_vi_bad_input_is_one_line_and_exit_2(tmp_path, args, words):
    np.save(tmp_path / "two.npy", np.zeros((5, 2)))
    np.save(tmp_path / "flat.npy", np.zeros(6))
    result = runner.invoke(app, ["vi", "fit", *[a.replace("{tmp}", str(tmp_path)) for a in args],
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert not (tmp_path / "r").exists()
