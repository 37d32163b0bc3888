"""The core entries run_em / run_mcmc / run_vi, called as a shared core would call them: a RunDir, a RunContext,
and a stop flag that ends a run cleanly with status "interrupted" and a complete run folder."""

from __future__ import annotations

import json

import pytest

from gentool.em.config import resolve_em_config
from gentool.em.run import run_em
from gentool.mcmc.config import resolve_mcmc_config
from gentool.mcmc.run import run_mcmc
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.vi.config import resolve_vi_config
from gentool.vi.run import run_vi

SMALL = {
    "em": (resolve_em_config, run_em, ["points.samples=500", "samples=200", "init=random-points"]),
    "mcmc": (resolve_mcmc_config, run_mcmc, ["budget=2000"]),
    "vi": (resolve_vi_config, run_vi, ["steps=40", "samples=200"]),
}


@pytest.mark.parametrize("family", sorted(SMALL))
@pytest.mark.parametrize("stop_early", [False, True])
def test_core_entry_writes_a_complete_run_folder(tmp_path, family, stop_early):
    resolve, run_core, assignments = SMALL[family]
    config = resolve("default", None, {"seed": 1}, assignments)
    run = RunDir.create(tmp_path / family, family)
    ctx = RunContext()
    ctx.stop.requested = stop_early  # as if Ctrl-C came during the first iteration
    outcome = run_core(config, run, ctx, "default", "test")
    assert outcome.status == ("interrupted" if stop_early else "completed")
    summary = json.loads(run.summary_path.read_text())
    assert summary["kind"] == family and summary["status"] == outcome.status and summary["seed"] == 1
    assert {"device", "environment", "wall_time_s", "final", "figures"} <= set(summary)
    assert run.config_path.is_file() and run.read_metrics()
    assert all((tmp_path / family / "figures" / name).is_file() for name in
               [p.rsplit("/", 1)[-1] for p in summary["figures"]])
    if stop_early:
        assert len(run.read_metrics()) <= 2
