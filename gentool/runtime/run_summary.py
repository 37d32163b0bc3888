"""The summary.json fields every one-shot run (EM, MCMC, VI) shares, so they read like the trainers' summaries."""

from __future__ import annotations

import time

import torch

from gentool.runtime.rundir import RunDir, environment_info


def base_summary(kind: str, status: str, *, run: RunDir, preset: str | None, command: str | None, seed: int,
                 device: torch.device, started: float) -> dict:
    """`started` is a time.perf_counter() reading taken when the run began."""
    return {"kind": kind, "status": status, "run": str(run.path), "preset": preset, "command": command,
            "seed": seed, "device": str(device), "wall_time_s": round(time.perf_counter() - started, 3),
            "environment": environment_info(device)}
