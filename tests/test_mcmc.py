"""MCMC: diagnostics agree with ArviZ and can fail, every sampler leaves its target invariant (and a sampler that
does not is caught), Gibbs on a small Ising lattice matches exact enumeration, and the `mcmc sample` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.targets import MixtureTarget
from gentool.evaluate import mcmc_diagnostics as diag
from gentool.mcmc.draws import load_draws
from gentool.mcmc.ising import energy_per_site, exact_moments, magnetisation, sweep
from gentool.mcmc.samplers import Langevin, build_sampler, temperature_ladder

runner = CliRunner()


def ar1(chains: int, draws: int, rho: float, seed: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((chains, draws))
    x = np.empty_like(noise)
    x[:, 0] = noise[:, 0] / np.sqrt(1 - rho ** 2)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + noise[:, t]
    x[0] += shift
    return x


CASES = {
    "iid": lambda: np.random.default_rng(0).standard_normal((4, 400)),
    "ar1-odd-length": lambda: ar1(4, 501, 0.9, 1),
    "ar1-shifted-chain": lambda: ar1(3, 300, 0.7, 2, shift=2.0),
    "heavy-tails": lambda: np.random.default_rng(3).standard_cauchy((4, 300)),
    "ties": lambda: np.random.default_rng(4).integers(0, 5, (4, 200)).astype(float),
    "antithetic": lambda: np.cumsum(np.ones((2, 100)), axis=1) * np.array([[1.0], [-1.0]]) % 7,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rhat_and_ess_agree_with_arviz(case):
    """ArviZ's maintained computational core (arviz-stats, the engine of ArviZ 1.x) on the same (chain, draw)
    array; its tail ESS takes the quantiles explicitly (ArviZ's default: 5% and 95%)."""
    from arviz_stats.base import array_stats

    draws = CASES[case]()
    assert diag.rhat(draws) == pytest.approx(float(array_stats.rhat(draws, method="rank")), rel=1e-6)
    assert diag.ess_bulk(draws) == pytest.approx(float(array_stats.ess(draws, method="bulk")), rel=1e-6)
    assert diag.ess_tail(draws) == pytest.approx(float(array_stats.ess(draws, method="tail", prob=(0.05, 0.95))),
                                                 rel=1e-6)


def test_diagnostics_flag_chains_stuck_in_different_modes():
    mixed = np.random.default_rng(0).standard_normal((4, 1000))
    stuck = mixed * 0.05 + np.array([[-4.0], [-2.0], [2.0], [4.0]])  # each chain in its own mode
    assert diag.rhat(mixed) < 1.01 and diag.rhat(stuck) > 2.0
    assert diag.ess_bulk(mixed) > 0.8 * 4000 and diag.ess_bulk(stuck) < 40
    slow = ar1(4, 4000, 0.95, 5)
    assert diag.ess_bulk(slow) < 0.1 * 16_000


@pytest.mark.parametrize("rho", [-0.5, 0.0, 0.5, 0.8])  # -0.5: antithetic, tau < 1 but > 0
def test_integrated_autocorrelation_time_of_ar1(rho):
    tau = diag.integrated_autocorrelation_time(ar1(8, 20_000, rho, 6))
    assert tau == pytest.approx((1 + rho) / (1 - rho), rel=0.12)


# ------------------------------------------------------------------------------------------- invariance

def _gaussian(dim: int) -> MixtureTarget:
    return MixtureTarget("gaussian", np.zeros((1, dim)), 1.0)


def _stationary_check(x: np.ndarray) -> None:
    """x: (n, D) draws that should be N(0, I): mean, variance and P(x < 1) within ~4.5 standard errors."""
    n = len(x)
    assert np.abs(x.mean(axis=0)).max() < 4.5 / np.sqrt(n)
    assert np.abs(x.var(axis=0) - 1).max() < 4.5 * np.sqrt(2 / n)
    assert np.abs((x < 1).mean(axis=0) - 0.841345).max() < 4.5 * np.sqrt(0.841 * 0.159 / n)


SETTINGS = {"rwmh": 1.7, "mala": 1.4, "hmc": 0.4, "gibbs": None, "tempering": 1.7}


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_samplers_leave_a_gaussian_invariant(name, dim):
    """Start 6,000 chains at exact draws; after 25 steps they must still be exact draws."""
    target = _gaussian(dim)
    rng = np.random.default_rng(11)
    ladder = temperature_ladder(4, 8.0)
    sampler = build_sampler(name, target, rng.standard_normal((6000, dim)), step=SETTINGS[name], leapfrog=10,
                            temperatures=ladder, rng=rng)
    if name == "tempering":  # every replica starts at an exact draw of its own N(0, T)
        sampler.replicas = rng.standard_normal(sampler.replicas.shape) * np.sqrt(ladder)[None, :, None]
        sampler.replica_log_p = target.log_prob(sampler.replicas)
    moved = 0.0
    for _ in range(25):
        moved += sampler.step(rng).mean() / 25
    assert moved > 0.3
    _stationary_check(sampler.x)


class UnadjustedLangevin(Langevin):
    """ULA: MALA without its Metropolis correction. Its stationary law is not the target."""

    def step(self, rng):
        self.x = self.x + 0.5 * self.eps ** 2 * self.grad + self.eps * rng.standard_normal(self.x.shape)
        self.log_p, self.grad = self.target.log_prob_and_grad(self.x)
        return np.ones(len(self.x), dtype=bool)


def test_the_invariance_check_catches_a_biased_sampler():
    target = _gaussian(2)
    rng = np.random.default_rng(11)
    sampler = UnadjustedLangevin(target, rng.standard_normal((6000, 2)), step=1.2)
    for _ in range(25):
        sampler.step(rng)
    with pytest.raises(AssertionError):
        _stationary_check(sampler.x)  # ULA at this step inflates the variance to 1 / (1 - eps^2 / 4) = 1.56


def test_mixture_log_density_gradient_matches_finite_differences():
    target = MixtureTarget("two", np.array([[0.0, 0.0], [1.0, 0.5]]), 0.3)
    x = np.array([[0.3, 0.1], [0.8, 0.6], [-0.2, 0.4]])
    _, grad = target.log_prob_and_grad(x)
    h = 1e-6
    for d in range(2):
        bump = np.zeros(2)
        bump[d] = h
        numeric = (target.log_prob(x + bump) - target.log_prob(x - bump)) / (2 * h)
        assert np.allclose(grad[:, d], numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", ["gibbs", "rwmh"])
def test_ising_samplers_match_exact_enumeration(method):
    beta, size = 0.35, 4
    exact = exact_moments(size, beta)
    rng = np.random.default_rng(0)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(400, size, size))
    energies, abs_m = [], []
    for t in range(300):
        sweep(spins, beta, rng, method)
        if t >= 50:
            energies.append(energy_per_site(spins))
            abs_m.append(np.abs(magnetisation(spins)))
    energies, abs_m = np.array(energies), np.array(abs_m)
    # standard errors from the effective sample size of the (sweeps, chains) draws
    for values, key in ((energies, "energy"), (abs_m, "abs_magnetisation")):
        draws = values.T
        se = draws.std() / np.sqrt(diag.ess_bulk(draws))
        assert abs(draws.mean() - exact[key]) < 5 * se, (key, draws.mean(), exact[key], se)
        assert abs(draws.mean() - exact[key]) < 0.02


def test_exact_enumeration_of_a_2x2_lattice_by_hand():
    # periodic 2x2: every site meets each neighbour twice; all-equal states have E = -8, checkerboards +8, others 0
    beta = 0.2
    z = 2 * np.exp(8 * beta) + 2 * np.exp(-8 * beta) + 12
    energy = (2 * -8 * np.exp(8 * beta) + 2 * 8 * np.exp(-8 * beta)) / z / 4
    assert exact_moments(2, beta)["energy"] == pytest.approx(energy, rel=1e-12)


# ------------------------------------------------------------------------------------------------ the command

def sample(tmp_path, name, *args):
    result = runner.invoke(app, ["mcmc", "sample", *args, "--out", str(tmp_path / name), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tempering_visits_every_grid_mode_where_random_walk_stays_put(tmp_path):
    walk = sample(tmp_path, "walk", "--dataset", "grid25", "--sampler", "rwmh", "--budget", "20000")
    tempered = sample(tmp_path, "pt", "--preset", "tempering", "--budget", "20000")
    assert walk["final"]["modes_visited"] <= walk["chains"] and walk["final"]["rhat_max"] > 1.5
    assert tempered["final"]["modes_visited"] == 25 and tempered["final"]["modes_captured"] == 25
    assert tempered["final"]["rhat_max"] < walk["final"]["rhat_max"]
    assert tempered["steps"] == 20000 // 10 and walk["steps"] == 20000
    records = [json.loads(line) for line in (tmp_path / "pt" / "metrics.jsonl").read_text().splitlines()]
    visited = [r["modes_visited"] for r in records]
    assert visited == sorted(visited) and visited[-1] == 25
    for figure in ("traces", "autocorrelation", "mode_visits", "samples"):
        assert (tmp_path / "pt" / "figures" / f"{figure}.png").is_file()


def test_mcmc_seed_repeats_and_ising_runs(tmp_path):
    args = ["--dataset", "ring8", "--sampler", "hmc", "--budget", "3000", "--leapfrog", "5", "--seed", "3"]
    first, second = sample(tmp_path, "a", *args), sample(tmp_path, "b", *args)
    assert first["final"] == second["final"] and first["steps"] == 600
    ising = sample(tmp_path, "ising", "--preset", "ising", "--size", "6", "--steps", "100", "--chains", "3")
    assert ising["kind"] == "mcmc" and -2.0 <= ising["final"]["energy_per_site"] <= 0.0
    assert set(ising["final"]["diagnostics"]) == {"magnetisation", "abs_magnetisation", "energy"}
    lattice, mixture = (yaml.safe_load((tmp_path / name / "config.yaml").read_text()) for name in ("ising", "a"))
    assert {"size", "beta"} <= set(lattice) and not {"points", "step", "leapfrog", "max_temperature"} & set(lattice)
    assert {"points", "step", "leapfrog"} <= set(mixture) and not {"size", "beta"} & set(mixture)


@pytest.mark.parametrize("target, sampler", [("ring8", "mala"), ("ising", "gibbs")])
def test_the_draws_file_holds_every_draw_with_burn_in_marked_and_arviz_reads_it(target, sampler, tmp_path):
    lattice = ["--size", "6"] if target == "ising" else []
    run = sample(tmp_path, "r", "--dataset", target, "--sampler", sampler, "--chains", "3", "--steps", "400",
                 "--burn-in", "100", *lattice)
    draws, burn_in, names = load_draws(tmp_path / "r" / "draws.npz")
    assert run["draws"] == str(tmp_path / "r" / "draws.npz")
    assert draws.shape == (3, 400, len(names)) and draws.dtype == np.float64 and burn_in == 100
    assert names == (["x", "y"] if target == "ring8" else ["magnetisation", "abs_magnetisation", "energy_per_site"])
    with np.load(tmp_path / "r" / "draws.npz", allow_pickle=False) as plain:  # numpy alone opens it
        assert plain["draws"].shape == draws.shape
    from arviz_stats.base import array_stats

    kept = draws[:, burn_in:]
    diagnosed = run["final"]["diagnostics"]
    for index, (name, figures) in enumerate(zip(names, diagnosed.values())):
        # the run's own diagnostics were computed on exactly these kept draws
        coordinate = kept[..., index]
        assert figures["rhat"] == pytest.approx(float(array_stats.rhat(coordinate, method="rank")), abs=1e-4), name
        assert figures["ess_bulk"] == pytest.approx(float(array_stats.ess(coordinate, method="bulk")), abs=0.1)


@pytest.mark.parametrize("args, words", [
    (["--dataset", "ring9"], "did you mean 'ring8'"),
    (["--sampler", "nuts"], "allowed values"),
    (["--steps", "-5"], "steps"),
    (["--chains", "0"], "chains"),
    (["--dataset", "ising", "--sampler", "hmc"], "continuous target"),
    (["--dataset", "ising", "--size", "5"], "even"),
    (["--steps", "100", "--burn-in", "100"], "burn_in"),
    (["--step", "-0.1"], "step"),
    (["--size", "8"], "'size': is a setting of target ising runs, and this config's target is ring8"),
    (["--target", "ising", "--leapfrog", "5"], "'leapfrog': is a setting of target ring8/grid25 runs"),
    (["--resume", "somewhere"], "nothing to resume"),
])
def test_mcmc_bad_input_is_one_line_and_exit_2(tmp_path, args, words):
    result = runner.invoke(app, ["mcmc", "sample", *args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert not (tmp_path / "r").exists()
