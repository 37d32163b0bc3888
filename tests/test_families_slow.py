"""The README's headline claims for EM, MCMC and VI at full size (`pytest -m slow`, about a minute)."""

from __future__ import annotations

import pytest

from gentool.em.config import resolve_em_config
from gentool.em.train import run_em
from gentool.mcmc.family import resolve_mcmc_config
from gentool.mcmc.train import run_mixture
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.vi.config import resolve_vi_config
from gentool.vi.train import run_vi

pytestmark = pytest.mark.slow


def _run(tmp_path, name, resolve, run_core, preset, flags):
    config = resolve(preset, None, flags, [])
    return run_core(config, RunDir.create(tmp_path / name, name), RunContext(), preset, None).summary["final"]


def test_tempering_visits_all_25_grid_modes_at_the_readme_budget(tmp_path):
    walk = _run(tmp_path, "walk", resolve_mcmc_config, run_mixture, "rwmh", {"seed": 0})
    tempered = _run(tmp_path, "pt", resolve_mcmc_config, run_mixture, "tempering", {"seed": 0})
    assert walk["modes_visited"] <= 4 and walk["rhat_max"] > 2
    assert tempered["modes_visited"] == 25 and tempered["rhat_max"] < 1.05


def test_em_from_kmeans_plus_plus_recovers_the_grid_and_random_points_does_not(tmp_path):
    good = [_run(tmp_path, f"pp{s}", resolve_em_config, run_em, "default", {"seed": s})["modes_recovered"]
            for s in range(3)]
    poor = [_run(tmp_path, f"rp{s}", resolve_em_config, run_em, "default",
                 {"seed": s, "init": "random-points"})["modes_recovered"] for s in range(3)]
    assert good == [25, 25, 25] and max(poor) < 25


def test_cavi_elbo_monotone_and_reverse_kl_on_one_mode_at_preset_size(tmp_path):
    cavi = _run(tmp_path, "cavi", resolve_vi_config, run_vi, "cavi", {"seed": 0})
    assert cavi["monotone"] and cavi["modes_recovered"] >= 12
    reverse = _run(tmp_path, "rev", resolve_vi_config, run_vi, "default", {"seed": 0})
    assert reverse["mode_metrics"]["q"]["modes_captured"] == 1 and reverse["kl_q_p"] < 2.3
