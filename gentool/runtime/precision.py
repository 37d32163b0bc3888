"""Numeric precision of the forward and backward passes: fp32, or bf16 autocast where it trains faster.

Under bf16 only the models' matmuls and convolutions run in bfloat16 (torch.autocast); parameters, optimiser
state, losses and every recorded metric stay fp32, so a checkpoint is the same kind of file at either precision
and a run resumes exactly at the precision it was trained with.

`auto` decides per device from measurement (docs/gpus.md has the figures and the commands behind them): on a CPU with
AVX-512 BF16 or AMX instructions (where oneDNN has bf16 kernels) bf16, which is faster there for gentool's models;
on a CUDA GPU fp32, because at these models' sizes and batches a GPU step is bound by kernel launches, and autocast's
casts add kernels, so bf16 is slower there; fp32 elsewhere.

Config modules read PRECISIONS, so torch is imported only by the functions that use it.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, ContextManager

if TYPE_CHECKING:
    import torch

PRECISIONS = ("fp32", "bf16", "auto")
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=1)
def cpu_bf16_flags() -> tuple[str, ...]:
    """The CPU's bf16 instruction sets, from /proc/cpuinfo (empty where it cannot be read: not Linux)."""
    try:
        words = set(Path("/proc/cpuinfo").read_text(errors="replace").split())
    except OSError:
        return ()
    return tuple(flag for flag in CPU_BF16_FLAGS if flag in words)


def faster_in_bf16(device: torch.device) -> bool:
    """Whether gentool's models train faster in bf16 than in fp32 on this device (see the module's docstring)."""
    return device.type == "cpu" and bool(cpu_bf16_flags())


def resolve_precision(name: str, device: torch.device) -> str:
    """"fp32" or "bf16" for a config's `train.precision` on this device."""
    if name == "auto":
        return "bf16" if faster_in_bf16(device) else "fp32"
    return name


def autocast(precision: str, device: torch.device) -> ContextManager:
    """The context a forward pass runs in: bf16 autocast, or nothing for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
