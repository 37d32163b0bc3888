"""Sweeps on GPUs without a GPU here: the local pool's assignment of GPUs to workers is plain logic, the workers
really get their CUDA_VISIBLE_DEVICES, a Ray cluster started with logical GPUs hands them out per task, every cell
records where it ran, and a cell sent to a GPU it cannot see fails saying so instead of training on the CPU."""

from __future__ import annotations

import csv
import io
import json
import socket

import pytest
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.errors import UsageError
from gentool.sweep import executors
from gentool.sweep.executors import cell_device, gpu_slots, local_slots, make_executor, visible_gpus

runner = CliRunner()
EM = ["sweep", "em", "--grid", "components=2,3", "--seeds", "1", "--set", "points.samples=400", "--json"]
GPU_REFUSAL = "the cell asks for a GPU, but the worker on"


def invoke(args, tmp_path):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(tmp_path / "data")})


FOUR = ["0", "1", "2", "3"]


@pytest.mark.parametrize("jobs, gpus_per_run, slots", [
    (4, 1, ["0", "1", "2", "3"]),
    (2, 1, ["0", "1"]),
    (2, 2, ["0,1", "2,3"]),
    (1, 4, ["0,1,2,3"]),
    (2, 0.5, ["0", "1"]),  # spread: two cells on two GPUs, not both on the first
    (8, 0.5, ["0", "1", "2", "3", "0", "1", "2", "3"]),
    (12, 0.3, FOUR * 3),  # 0.3: three cells a GPU at most
])
def test_the_local_pool_gives_each_worker_its_own_gpus(jobs, gpus_per_run, slots):
    assert gpu_slots(FOUR, jobs, gpus_per_run) == slots
    shares = {gpu: sum(slot.split(",").count(gpu) for slot in slots) for gpu in FOUR}
    assert max(shares.values()) <= max(1, int(1 / gpus_per_run + 1e-9))


@pytest.mark.parametrize("visible, jobs, gpus_per_run, words", [
    (FOUR, 5, 1, "lower --jobs to 4"),
    (FOUR, 9, 0.5, "lower --jobs to 8"),
    (["0", "1"], 1, 3, "lower --gpus-per-run to 2"),
    (FOUR, 1, 1.5, "whole number of GPUs"),
    (FOUR, 1, 0, "must be above 0"),
    ([], 1, 1, "no GPU is visible here"),
])
def test_more_than_the_gpus_can_hold_is_refused_with_the_fix(visible, jobs, gpus_per_run, words):
    with pytest.raises(UsageError, match=words):
        gpu_slots(visible, jobs, gpus_per_run)


@pytest.mark.parametrize("value, visible", [("2,3", ["2", "3"]), ("", []), ("1,-1,2", ["1"]),
                                            ("GPU-6a1b, GPU-77f0", ["GPU-6a1b", "GPU-77f0"]), ("-1", [])])
def test_visible_gpus_follow_cuda_visible_devices(value, visible, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    assert visible_gpus() == visible


def test_a_cell_with_gpus_of_its_own_asks_for_cuda_and_nothing_else():
    for requested in (None, "auto", "cuda"):
        assert cell_device(requested, 1) == "cuda" and cell_device(requested, 0.5) == "cuda"
        assert cell_device(requested, None) == requested  # no GPUs of its own: --device as given
    for requested, words in (("cpu", "drop one of them"), ("mps", "drop one of them"), ("cuda:1", "numbered from 0")):
        with pytest.raises(UsageError, match=words):
            cell_device(requested, 1)


def test_without_gpus_per_run_cells_on_cuda_still_take_one_gpu_each(monkeypatch):
    monkeypatch.setattr(executors, "visible_gpus", lambda: ["0", "1"])
    assert local_slots(4, None, "auto") == ["0", "1", "0", "1"]
    assert local_slots(2, None, "cuda") == ["0", "1"]
    assert local_slots(1, None, "cuda") is None  # one cell at a time: the first GPU, as a run alone would take
    assert local_slots(4, None, "cuda:1") is None  # the GPU the user picked, for every cell
    assert local_slots(4, None, "cpu") is None
    monkeypatch.setattr(executors, "visible_gpus", lambda: [])
    assert local_slots(4, None, "auto") is None
    with pytest.raises(UsageError, match="no GPU is visible here"):
        local_slots(2, None, "cuda")


def test_ray_with_device_cuda_and_no_gpus_per_run_is_refused_before_it_starts(tmp_path):
    with pytest.raises(UsageError, match="add --gpus-per-run 1"):
        make_executor("ray", 2, 1, None, None, "cuda")
    with pytest.raises(UsageError, match="add --gpus-per-run 1"):  # a config that asks for cuda, likewise
        make_executor("ray", 2, 1, None, None, None, "cuda")
    result = invoke([*EM, "--executor", "ray", "--device", "cuda", "--out", str(tmp_path / "s")], tmp_path)
    assert result.exit_code == 2 and "Ray gives a task no GPU unless it asks for one" in result.output
    assert not (tmp_path / "s").exists()


def test_every_cell_records_the_device_it_ran_on(tmp_path):
    result = invoke([*EM, "--device", "cpu", "--out", str(tmp_path / "s")], tmp_path)
    assert result.exit_code == 0, result.output
    cells = json.loads(result.stdout)["cells"]
    assert [cell["device"]["device"] for cell in cells] == ["cpu", "cpu"]
    assert all(cell["device"]["host"] == socket.gethostname() for cell in cells)
    assert f"cpu on {socket.gethostname()})" in result.stderr  # each finished cell's line says where it ran
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s" / "sweep.csv").read_text())))
    assert [row["device"] for row in rows] == [f"cpu on {socket.gethostname()}"] * 2


def test_pool_workers_get_their_gpus_and_a_cell_that_cannot_see_its_gpu_fails(tmp_path, monkeypatch):
    """Here torch has no CUDA: each worker is given GPU 0 or 1, and its cell fails naming them, never a CPU run."""
    monkeypatch.setattr(executors, "visible_gpus", lambda: ["0", "1"])
    result = invoke([*EM, "--jobs", "2", "--gpus-per-run", "1", "--out", str(tmp_path / "s")], tmp_path)
    assert result.exit_code == 1, result.output
    assert "CUDA_VISIBLE_DEVICES) by worker: 1 -> 0, 2 -> 1" in result.stderr
    cells = json.loads(result.stdout)["cells"]
    assert [cell["status"] for cell in cells] == ["failed", "failed"]
    for cell in cells:
        given = cell["device"]["cuda_visible_devices"]
        assert given in ("0", "1") and cell["device"]["device"] is None  # no run was started, on any device
        assert GPU_REFUSAL in cell["reason"] and f"CUDA_VISIBLE_DEVICES={given}" in cell["reason"]
    assert not list((tmp_path / "s" / "cells").glob("*/summary.json"))


@pytest.mark.ray
def test_a_ray_cluster_with_logical_gpus_hands_each_cell_its_own(tmp_path):
    ray = pytest.importorskip("ray", reason='the ray extra (pip install -e ".[ray]"); CI installs it')
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        whole = invoke([*EM, "--executor", "ray", "--jobs", "2", "--gpus-per-run", "1", "--out",
                        str(tmp_path / "whole")], tmp_path)
        shared = invoke(["sweep", "em", "--grid", "components=2,3,4,5", "--seeds", "1", "--set",
                         "points.samples=400", "--json", "--executor", "ray", "--jobs", "2", "--gpus-per-run", "0.5",
                         "--out", str(tmp_path / "shared")], tmp_path)
        cpu = invoke([*EM, "--executor", "ray", "--jobs", "2", "--out", str(tmp_path / "cpu")], tmp_path)
        too_many = invoke([*EM, "--executor", "ray", "--gpus-per-run", "4", "--out", str(tmp_path / "more")],
                          tmp_path)
    finally:
        ray.shutdown()
    for result in (whole, shared):
        assert result.exit_code == 1, result.output
        for cell in json.loads(result.stdout)["cells"]:  # Ray chose the GPU; the cell refused to run without it
            given = cell["device"]["cuda_visible_devices"]
            assert given in ("0", "1") and GPU_REFUSAL in cell["reason"], cell
    # a task that asks for no GPU is given none (older Ray: an empty CUDA_VISIBLE_DEVICES; newer Ray leaves it
    # unset), the start line says so, and each cell records that it ran on the CPU
    assert cpu.exit_code == 0, cpu.output
    assert "and no GPU (--gpus-per-run gives each cell some)" in cpu.stderr
    assert [c["device"]["device"] for c in json.loads(cpu.stdout)["cells"]] == ["cpu", "cpu"]
    assert all(c["device"]["cuda_visible_devices"] in (None, "") for c in json.loads(cpu.stdout)["cells"])
    assert too_many.exit_code == 2 and "has 2 GPU(s)" in too_many.output
