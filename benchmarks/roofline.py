"""How close a training step comes to the machine: the step's FLOPs (counted) against a large matmul's rate
(measured in the same process, same threads, same dtype).

FLOPs are counted by torch.utils.flop_counter.FlopCounterMode over one real training step: every matmul,
convolution and their backward passes, at 2 FLOPs per multiply-add. Element-wise work (activations, batch norm,
the optimiser) is not counted, so the achieved rate is a slight underestimate of the work done.
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

from gentool.runtime.precision import autocast

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def counted_flops(step: Callable[[], object]) -> int:
    """FLOPs of one call of `step` (matmuls and convolutions, forward and backward)."""
    with FlopCounterMode(display=False) as counter:
        step()
    return int(counter.get_total_flops())


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(precision: str, device: torch.device, size: int = 2048, seconds: float = 1.0) -> float:
    """FLOP/s of a size x size matmul in this precision: the best of repeated timings over about `seconds`."""
    a = torch.randn(size, size, device=device, dtype=DTYPES[precision])
    b = torch.randn(size, size, device=device, dtype=DTYPES[precision])
    a @ b  # warm-up: kernel selection, page faults
    synchronize(device)
    best, spent = float("inf"), 0.0
    while spent < seconds:
        started = time.perf_counter()
        a @ b
        synchronize(device)
        took = time.perf_counter() - started
        best, spent = min(best, took), spent + took
    return 2 * size ** 3 / best


def step_rate(step: Callable[[], object], precision: str, device: torch.device, steps: int) -> float:
    """Training steps per second of `step` under `precision`'s autocast."""
    with autocast(precision, device):
        step()  # warm-up
        synchronize(device)
        started = time.perf_counter()
        for _ in range(steps):
            step()
        synchronize(device)
    return steps / (time.perf_counter() - started)
