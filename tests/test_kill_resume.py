"""kill -9 at chosen and at random moments of a GAN and a VAE run, each followed by `--resume`: every resume works,
metrics.jsonl holds each epoch once with none missing, and the final weights equal an uninterrupted run's (CPU, same
seed). Kills at exact moments (between an epoch's record and its checkpoints, between best.pt and last.pt, with a
checkpoint's temporary file written but not moved into place) come from GENTOOL_KILL_AT (gentool/runtime/faults.py);
the others from a timer. Each run is a real process (`python -m gentool`), so the kill is a real SIGKILL."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from helpers import TINY_VAE, tiny_2d

REPO = Path(__file__).resolve().parents[1]
# two epochs between periodic checkpoints and evaluations, so a kill can land between them
TINY_GAN = tiny_2d(seed=3, train={"epochs": 4, "max_steps_per_epoch": 4, "sample_epochs": [3], "checkpoint_every": 2},
                   evaluation={"every": 2})
KILL_VAE = {**TINY_VAE, "seed": 5, "train": {**TINY_VAE["train"], "epochs": 3, "checkpoint_every": 2}}
CONFIGS = {"gan": TINY_GAN, "vae": KILL_VAE}


def environment(data_dir: Path, kill_at: str | None = None) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(REPO),
           "GENTOOL_DATA_DIR": str(data_dir)}
    env.pop("GENTOOL_KILL_AT", None)
    if kill_at:
        env["GENTOOL_KILL_AT"] = kill_at
    return env


def command(family: str, config: Path, out: Path) -> list[str]:
    """Resume when the run has its config (its start got that far), else start it again into the same folder."""
    if (out / "config.yaml").exists():
        return [sys.executable, "-m", "gentool", family, "train", "--resume", str(out), "-q"]
    return [sys.executable, "-m", "gentool", family, "train", "--config", str(config), "--out", str(out), "-q"]


def run_once(family: str, config: Path, out: Path, data_dir: Path, kill_at: str | None = None,
             kill_after: float | None = None, kill_in_training: float | None = None) -> int:
    """One process; returns its exit status (-9 when killed). Anything but 0 or a kill fails the test. Killed at a
    GENTOOL_KILL_AT point, after `kill_after` seconds, or `kill_in_training` seconds after it first appends an
    epoch's record (so the kill lands in training, not while Python imports)."""
    process = subprocess.Popen(command(family, config, out), env=environment(data_dir, kill_at), cwd=out.parent,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    if kill_in_training is not None:
        records = len(read_epochs(out))
        while process.poll() is None and len(read_epochs(out)) <= records:
            time.sleep(0.02)
        time.sleep(kill_in_training)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode in (0, -signal.SIGKILL), stderr
    return process.returncode


PROGRESS: list[int] = []  # epochs on record after each kill, for the slow test's report


def read_epochs(out: Path) -> list[int]:
    path = out / "metrics.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line)["epoch"] for line in lines if line.strip()]


def tensors(value, prefix="") -> dict[str, torch.Tensor]:
    """Every tensor in a checkpoint, by its path of keys (weights, optimiser moments, random states)."""
    if isinstance(value, torch.Tensor):
        return {prefix: value}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in tensors(item, f"{prefix}/{key}").items()}
    if isinstance(value, (list, tuple)):
        return {k: v for i, item in enumerate(value) for k, v in tensors(item, f"{prefix}/{i}").items()}
    return {}


def assert_same_as_uninterrupted(killed: Path, reference: Path, epochs: int) -> None:
    records = [json.loads(line) for line in (killed / "metrics.jsonl").read_text().splitlines() if line.strip()]
    assert [r["epoch"] for r in records] == list(range(1, epochs + 1))
    assert json.loads((killed / "summary.json").read_text())["status"] == "completed"
    ours = torch.load(killed / "checkpoints" / "last.pt", weights_only=True)
    theirs = torch.load(reference / "checkpoints" / "last.pt", weights_only=True)
    assert ours["epoch"] == theirs["epoch"] == epochs
    mine, other = tensors(ours), tensors(theirs)
    assert mine.keys() == other.keys()
    different = [key for key in mine if not torch.equal(mine[key], other[key])]
    assert not different, different
    assert not list((killed / "checkpoints").glob(".*.tmp"))  # no half-written file left behind


def config_file(family: str, folder: Path, epochs: int) -> Path:
    config = folder / f"{family}-{epochs}.yaml"
    config.write_text(yaml.safe_dump({**CONFIGS[family], "train": {**CONFIGS[family]["train"], "epochs": epochs}}))
    return config


def reference_run(family: str, config: Path, data_dir: Path) -> Path:
    out = config.parent / f"{family}-reference"
    assert run_once(family, config, out, data_dir) == 0
    return out


def killed_run(family: str, config: Path, data_dir: Path, kills: list) -> tuple[Path, int]:
    """Runs through the kills (a GENTOOL_KILL_AT point; ("timer", s); ("training", s)), then resumes to the end;
    returns the folder and how many processes were killed before the run was complete."""
    out = config.parent / f"{family}-killed"
    epochs = yaml.safe_load(config.read_text())["train"]["epochs"]
    killed = 0
    for kill in kills:
        if isinstance(kill, str):
            status = run_once(family, config, out, data_dir, kill_at=kill)
        elif kill[0] == "timer":
            status = run_once(family, config, out, data_dir, kill_after=kill[1])
        else:
            status = run_once(family, config, out, data_dir, kill_in_training=kill[1])
        if status == 0:  # finished before the kill: the kills left have nothing to hit
            break
        killed += 1
        PROGRESS.append(len(read_epochs(out)))
    assert not PROGRESS or PROGRESS[-1] <= epochs
    for _ in range(3):
        if run_once(family, config, out, data_dir) == 0:
            break
    return out, killed


# The exact moments: between an epoch's record and its checkpoints, between best.pt and last.pt, with last.pt's
# temporary file complete but not moved, between last.pt and the numbered checkpoint, and with metrics.jsonl's
# rewrite on resume half done. The fast suite takes two per family (each kill is a process: about 2 s of CPU).
EXACT = {"gan": ["record:2", "tmp:last.pt:1", "record:1", "last:1", "tmp:metrics.jsonl:1"],
         "vae": ["best:1", "record:1", "tmp:last.pt:2", "last:1", "tmp:metrics.jsonl:1"]}
FAST_KILLS = 2


@pytest.mark.parametrize("family", ["gan", "vae"])
def test_kills_at_the_checkpoint_writes_lose_nothing_and_end_on_the_same_weights(family, tmp_path, data_dir):
    config = config_file(family, tmp_path, CONFIGS[family]["train"]["epochs"])
    reference = reference_run(family, config, data_dir)
    out, killed = killed_run(family, config, data_dir, EXACT[family][:FAST_KILLS])
    assert killed == FAST_KILLS  # every point was reached and killed the process there
    assert_same_as_uninterrupted(out, reference, CONFIGS[family]["train"]["epochs"])


@pytest.mark.slow
@pytest.mark.parametrize("family, epochs", [("gan", 400), ("vae", 150)])
def test_two_dozen_kills_at_random_moments_and_at_the_writes(family, epochs, tmp_path, data_dir):
    """24 kills a family: the five exact points above, 5 timers from 0.5 s to 6 s (most land while Python imports
    or loads data), and 14 at a random moment 0-0.5 s after the process's first new epoch record, in training."""
    rng = random.Random(12)
    kills = (EXACT[family] + [("timer", round(rng.uniform(0.5, 6.0), 2)) for _ in range(5)]
             + [("training", round(rng.uniform(0.0, 0.5), 3)) for _ in range(14)])
    PROGRESS.clear()
    config = config_file(family, tmp_path, epochs)
    started = time.perf_counter()
    reference = reference_run(family, config, data_dir)
    reference_seconds = time.perf_counter() - started
    out, killed = killed_run(family, config, data_dir, kills)
    epochs_seen = read_epochs(out)
    resumed_seconds = time.perf_counter() - started - reference_seconds
    print(f"\n{family}: {killed} of {len(kills)} planned kills hit a live, unfinished run; reference run "
          f"{reference_seconds:.0f} s, killed run and its resumes {resumed_seconds:.0f} s; epochs in metrics.jsonl: "
          f"{len(epochs_seen)} ({min(epochs_seen)}-{max(epochs_seen)}); epochs on record after each kill: "
          f"{PROGRESS}")
    assert killed >= 20
    assert_same_as_uninterrupted(out, reference, epochs)
