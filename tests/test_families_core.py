"""The core entries run_em / run_mixture / run_vi on the shared run path (start_run): a RunDir, a RunContext, and a
stop flag that ends a run cleanly with status "interrupted" and a complete run folder."""

from __future__ import annotations

import json

import pytest

from gentool.em.config import resolve_em_config
from gentool.em.family import EM
from gentool.mcmc.family import MCMC, resolve_mcmc_config
from gentool.runtime.context import StopRequest
from gentool.runtime.rundir import RunDir
from gentool.vi.config import resolve_vi_config
from gentool.vi.family import VI

from helpers import start

SMALL = {
    "em": (resolve_em_config, EM, ["points.samples=500", "samples=200", "init=random-points"]),
    "mcmc": (resolve_mcmc_config, MCMC, ["budget=2000"]),
    "vi": (resolve_vi_config, VI, ["steps=40", "samples=200"]),
}


@pytest.mark.parametrize("family", sorted(SMALL))
@pytest.mark.parametrize("stop_early", [False, True])
def test_core_entry_writes_a_complete_run_folder(tmp_path, family, stop_early):
    resolve, registered, assignments = SMALL[family]
    config = resolve("default", None, {"seed": 1}, assignments)
    run = RunDir(tmp_path / family)
    stop = StopRequest(requested=stop_early)  # as if Ctrl-C came during the first iteration
    outcome = start(registered, config, run, stop=stop, preset="default", command="test")
    assert outcome.status == ("interrupted" if stop_early else "completed")
    summary = json.loads(run.summary_path.read_text())
    assert summary["kind"] == family and summary["status"] == outcome.status and summary["seed"] == 1
    assert {"device", "environment", "wall_time_s", "final", "figures"} <= set(summary)
    assert run.config_path.is_file() and run.read_metrics()
    assert all((tmp_path / family / "figures" / name).is_file() for name in
               [p.rsplit("/", 1)[-1] for p in summary["figures"]])
    if stop_early:
        assert len(run.read_metrics()) <= 2


def test_ctrl_c_ends_a_run_with_a_complete_folder_and_exit_130(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    out = tmp_path / "stopped"
    root = str(Path(__file__).resolve().parents[1])  # this checkout's gentool, installed or not
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "gentool", "vi", "fit", "--steps", "10000000", "--set", "samples=200",
               "--out", str(out)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / "metrics.jsonl").exists():
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "status: interrupted" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and (out / "figures" / "density.png").is_file()
    assert RunDir(out).read_metrics()[-1]["step"] < 10_000_000
