"""`gentool sweep`: statistics against known cases, grid parsing, resume, refusal, failed cells, Ray = local."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.errors import UsageError
from gentool.runtime.context import RunContext
from gentool.sweep import stats
from gentool.sweep.engine import plan_sweep, run_sweep
from gentool.sweep.executors import LocalExecutor
from gentool.sweep.grid import cells_of, group_label, parse_grid
from gentool.views.sweep import sweep_view

from helpers import TINY_2D, TINY_VAE, StopAfter, assert_tables_fit_80_columns, at_80_columns, dotted

runner = CliRunner()
# a ring8 GAN small enough for a cell in a fraction of a second
TINY = [*TINY_2D, "train.epochs=2", "device=cpu"]
TINY_ARGS = [part for text in TINY for part in ("--set", text)]


def invoke(args, tmp_path):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(tmp_path / "data")})


# ------------------------------------------------------------------------------------------------ statistics

def test_the_t_interval_matches_a_hand_computed_one():
    described = stats.describe([1, 2, 3, 4, 5])
    # mean 3, std sqrt(2.5), t(0.975, 4) = 2.776445: half-width 2.776445 * 1.581139 / sqrt(5) = 1.963243
    assert described["mean"] == 3 and described["std"] == pytest.approx(math.sqrt(2.5), abs=1e-6)
    assert described["ci_low"] == pytest.approx(1.036757, abs=1e-5)
    assert described["ci_high"] == pytest.approx(4.963243, abs=1e-5)
    assert stats.describe([None, 7])["ci_low"] is None and stats.describe([])["mean"] is None


def test_welch_agrees_with_its_definition_and_with_scipy():
    a, b = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    result = stats.welch(a, b)
    # se = sqrt(1/3 + 1/3), t = 3 / se = 3.674, Welch df = 4
    assert result["diff"] == 3 and result["p"] == pytest.approx(2 * scipy_stats.t.sf(3 / math.sqrt(2 / 3), 4),
                                                                 abs=1e-6)
    assert result["p"] == pytest.approx(scipy_stats.ttest_ind(b, a, equal_var=False).pvalue, abs=1e-6)
    half = scipy_stats.t.ppf(0.975, 4) * math.sqrt(2 / 3)
    assert result["ci_low"] == pytest.approx(3 - half, abs=1e-5) and result["ci_high"] == pytest.approx(3 + half,
                                                                                                        abs=1e-5)


def test_holm_on_a_known_list():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone: 0.06 for the last
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([None, 0.5, 0.9]) == [None, 1.0, 1.0]


def test_identical_groups_are_not_significant_and_separated_ones_are():
    same = [0.8, 0.9, 1.0, 1.1, 1.2]
    groups = {"a": {"m": same}, "b": {"m": list(same)}, "c": {"m": [5.0, 5.1, 5.2, 5.3, 5.4]}}
    rows = {row["label"]: row for row in stats.compare(groups, "a", ["m"])}
    assert rows["b"]["diff"] == 0 and rows["b"]["p"] == pytest.approx(1.0) and rows["b"]["significant"] is False
    assert rows["c"]["significant"] is True and rows["c"]["p_holm"] < 1e-4
    assert rows["c"]["p_holm"] == pytest.approx(min(1.0, 2 * rows["c"]["p"]))  # two comparisons: Holm doubles


def test_fewer_than_three_runs_say_no_test_is_possible():
    rows = stats.compare({"a": {"m": [1.0, 2.0]}, "b": {"m": [5.0, 6.0]}}, "a", ["m"])
    assert rows[0]["p"] is None and rows[0]["significant"] is None and rows[0]["note"] == "n<3: no test possible"
    assert rows[0]["diff"] == 4


# ------------------------------------------------------------------------------------------------ the grid

def test_a_grid_is_the_product_of_its_keys_times_seeds():
    grid = parse_grid(["model.z_dim=2,8", "fixes=vanilla,r1+label-smoothing"])
    assert grid == {"model.z_dim": [2, 8], "fixes": ["vanilla", "r1+label-smoothing"]}
    cells = cells_of(grid, 2)
    assert len(cells) == 8 and cells[0].name == "z_dim=2_fixes=vanilla-s0" and cells[-1].seed == 1
    assert group_label(cells[-1].params) == "z_dim=8, fixes=r1+label-smoothing"


@pytest.mark.parametrize("texts, message", [
    (["model.z_dim"], "not of the form KEY=V1,V2"),
    (["model.z_dim=2,,8"], "has an empty value"),
    (["model.z_dim=2,2"], "lists a value twice"),
    (["seed=1,2"], "--seeds N"),
    (["model.z_dim=2", "model.z_dim=4"], "names 'model.z_dim' twice"),
])
def test_malformed_grids_are_refused(texts, message):
    with pytest.raises(UsageError, match=message):
        parse_grid(texts)


@pytest.mark.parametrize("grid, message", [
    ("model.z_dimm=2,8", "did you mean 'z_dim'"),
    ("model.z_dim=2,0", "model.z_dim"),
    ("fixes=vanilla,pacgan+unroled", "unknown fix 'unroled'"),
])
def test_grid_values_are_validated_like_set_before_anything_runs(grid, message, tmp_path):
    result = invoke(["sweep", "gan", "--dataset", "ring8", "--grid", grid, "--out", str(tmp_path / "s")], tmp_path)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "s").exists()


def test_a_key_both_swept_and_set_is_refused(tmp_path):
    result = invoke(["sweep", "em", "--grid", "components=2,4", "--set", "components=3"], tmp_path)
    assert result.exit_code == 2 and "both swept (--grid) and set (--set)" in result.output


# ------------------------------------------------------------------------------------------------ running

def tiny_sweep(out, seeds=1, **options):
    return plan_sweep(family="gan", grid_texts=["fixes=vanilla,feature-matching"], seeds=seeds, preset=None,
                      assignments=[*TINY, "dataset=ring8"], out=out, baseline=None, **options)


def final_metrics(results):
    return {cell["name"]: {k: v for k, v in cell["metrics"].items() if k != "seconds_per_epoch"}
            for cell in results["cells"]}


def test_an_interrupted_sweep_resumes_to_the_same_results_and_reads_finished_cells(tmp_path):
    straight = run_sweep(tiny_sweep(tmp_path / "straight"), LocalExecutor(1), RunContext.on("cpu"))
    assert [cell["status"] for cell in straight["cells"]] == ["done", "done"]

    # the stop flag is read once by the executor, then at every step: the first cell stops after 3 steps
    stopped = run_sweep(tiny_sweep(tmp_path / "s"), LocalExecutor(1), RunContext.on("cpu", stop=StopAfter(4)))
    assert [cell["status"] for cell in stopped["cells"]] == ["pending", "pending"]
    assert (tmp_path / "s" / "cells" / "vanilla-s0" / "checkpoints" / "last.pt").is_file()
    assert json.loads((tmp_path / "s" / "sweep.json").read_text())["cells"][0]["status"] == "pending"

    resumed = run_sweep(tiny_sweep(tmp_path / "s"), LocalExecutor(1), RunContext.on("cpu"))
    assert final_metrics(resumed) == final_metrics(straight)  # resume-exact checkpoints: the same runs
    summary = tmp_path / "s" / "cells" / "vanilla-s0" / "summary.json"
    written = summary.stat().st_mtime_ns
    again = run_sweep(tiny_sweep(tmp_path / "s"), LocalExecutor(1), RunContext.on("cpu"))
    assert summary.stat().st_mtime_ns == written and final_metrics(again) == final_metrics(straight)
    for name in ("sweep.yaml", "sweep.json", "sweep.md", "sweep.csv", "figures/fixes.png"):
        assert (tmp_path / "s" / name).is_file(), name


def test_sigint_to_the_sweep_process_alone_stops_its_pool_workers(tmp_path):
    # what `kill -INT <pid>` from a script does: unlike a terminal's Ctrl-C, the workers get no signal of their own
    out = tmp_path / "s"
    tiny = [part for text in TINY if not text.startswith("train.epochs") for part in ("--set", text)]
    command = [sys.executable, "-m", "gentool", "sweep", "gan", "--dataset", "ring8", "--grid",
               "fixes=vanilla,feature-matching", "--seeds", "1", "--jobs", "2", *tiny, "--set", "train.epochs=100000",
               "--set", "train.checkpoint_every=1", "--out", str(out), "--quiet"]
    env = {**os.environ, "GENTOOL_DATA_DIR": str(tmp_path), "OMP_NUM_THREADS": "1"}
    # its own process group, so a failing test can still end the workers it would otherwise leave training
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    checkpoints = [out / "cells" / name / "checkpoints" / "last.pt" for name in ("vanilla-s0", "feature-matching-s0")]
    deadline = time.time() + 120
    while time.time() < deadline and not all(path.exists() for path in checkpoints):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the sweep did not stop: its workers trained on")
    assert process.returncode == 130, stderr
    assert "give the same command again to continue" in stderr and "Traceback" not in stderr
    for name in ("vanilla-s0", "feature-matching-s0"):
        summary = json.loads((out / "cells" / name / "summary.json").read_text())
        assert summary["status"] == "interrupted" and summary["epochs_completed"] < 100000


def test_a_folder_made_with_another_grid_or_base_is_refused(tmp_path):
    args = ["sweep", "gan", "--dataset", "ring8", "--grid", "fixes=vanilla,r1", "--seeds", "1", *TINY_ARGS,
            "--out", str(tmp_path / "s")]
    assert invoke(args, tmp_path).exit_code == 0
    changed = invoke([*args, "--set", "optim.lr=0.01"], tmp_path)
    assert changed.exit_code == 2 and "made with other settings (base config optim.lr:" in changed.output
    assert "0.01 now" in " ".join(changed.output.split())  # the key, and both values, so the cause is plain
    regridded = invoke([a.replace("fixes=vanilla,r1", "fixes=vanilla,pacgan") for a in args], tmp_path)
    assert regridded.exit_code == 2 and "made with other settings (grid differs" in regridded.output
    shown = invoke(["sweep", "show", str(tmp_path / "s"), "--csv"], tmp_path)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("name,path,fixes,seed,status,reason,modes_captured") and len(lines) == 3


def test_a_failed_cell_is_recorded_the_sweep_goes_on_and_exits_1(tmp_path):
    out = tmp_path / "s"
    # a batch larger than the training points fails that cell when it loads its data
    result = invoke(["sweep", "gan", "--dataset", "ring8", "--grid", "train.batch_size=100,5000", "--seeds", "1",
                     *TINY_ARGS, "--out", str(out), "--json"], tmp_path)
    assert result.exit_code == 1, result.output
    results = json.loads(result.stdout)
    cells = {cell["name"]: cell for cell in results["cells"]}
    assert cells["100-s0"]["status"] == "done" and cells["5000-s0"]["status"] == "failed"
    assert "fewer than train.batch_size=5000" in cells["5000-s0"]["reason"]
    assert "1 cell(s) failed: 5000-s0" in result.output
    assert json.loads((out / "sweep.json").read_text())["cells"][1]["status"] == "failed"
    shown = at_80_columns(sweep_view(results, "100", str(out)))
    assert_tables_fit_80_columns(shown)
    assert "failed: 5000-s0 (the training split holds" in shown.replace("\n", "")


def test_ray_without_ray_installed_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    result = invoke(["sweep", "em", "--grid", "components=2,4", "--executor", "ray"], tmp_path)
    assert result.exit_code == 2 and 'pip install -e ".[ray]"' in result.output


@pytest.mark.ray
def test_a_local_ray_cluster_gives_the_local_executors_table(tmp_path, monkeypatch):
    pytest.importorskip("ray", reason='the ray extra (pip install -e ".[ray]"); CI installs it')
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # one thread per run under both executors: identical arithmetic
    args = ["sweep", "gan", "--dataset", "ring8", "--grid", "fixes=vanilla,feature-matching", "--seeds", "2",
            *TINY_ARGS, "--json", "--quiet"]
    local = invoke([*args, "--out", str(tmp_path / "local")], tmp_path)
    ray = invoke([*args, "--out", str(tmp_path / "ray"), "--executor", "ray", "--jobs", "2", "--cpus-per-run", "1"],
                 tmp_path)
    assert local.exit_code == 0 and ray.exit_code == 0, ray.output
    local_results, ray_results = json.loads(local.stdout), json.loads(ray.stdout)
    assert [c["status"] for c in ray_results["cells"]] == ["done"] * 4
    assert final_metrics(ray_results) == final_metrics(local_results)
    timeless = [m for m in local_results["metrics"] if m != "seconds_per_epoch"]
    for mine, theirs in zip(ray_results["groups"], local_results["groups"]):
        assert {m: mine["metrics"][m] for m in timeless} == {m: theirs["metrics"][m] for m in timeless}




@pytest.mark.parametrize("family, grid, assignments, metrics", [
    ("vae", "anneal.schedule=none,linear", dotted({**TINY_VAE, "train": {**TINY_VAE["train"], "epochs": 1},
                                                   "anneal": {"warmup_epochs": 1}}),
     {"val_elbo", "active_high", "sample_validity", "seconds_per_epoch"}),
    ("em", "components=4,8", ["dataset=ring8"], {"log_likelihood", "bic", "modes_recovered", "run_seconds"}),
])
def test_every_family_reports_its_own_figures(family, grid, assignments, metrics, data_dir, tmp_path):
    sweep = plan_sweep(family=family, grid_texts=[grid], seeds=1, preset=None, assignments=assignments,
                       out=tmp_path / "s", baseline=None)
    results = run_sweep(sweep, LocalExecutor(1), RunContext.on("cpu", data_dir=data_dir))
    assert [cell["status"] for cell in results["cells"]] == ["done", "done"], results["cells"]
    assert metrics <= set(results["metrics"])
    assert all(isinstance(cell["metrics"][m], (int, float)) for cell in results["cells"] for m in metrics)


def test_a_process_pool_gives_the_same_cells_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # one thread per run either way: identical arithmetic
    assert LocalExecutor(2).threads_per_run() == 1
    alone = run_sweep(tiny_sweep(tmp_path / "alone", seeds=2), LocalExecutor(1), RunContext.on("cpu"))
    pooled = run_sweep(tiny_sweep(tmp_path / "pool", seeds=2), LocalExecutor(2), RunContext.on("cpu"))
    assert [cell["status"] for cell in pooled["cells"]] == ["done"] * 4
    assert final_metrics(pooled) == final_metrics(alone)
