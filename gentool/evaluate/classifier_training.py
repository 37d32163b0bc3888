"""The training loop every instrument shares (the letter and digit evaluators, the genre classifier): epochs of
batches, cross-entropy, one optimiser step per batch, a progress bar. What differs between instruments, how a
batch is drawn and which optimiser and schedule step the weights, is passed in.

Runs have EpochTrainer (gentool.runtime.trainer) for checkpoints and resume; an instrument trains in one go, in a
minute or less, and is saved once at the end, so it needs none of that.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from gentool.runtime.progress import Reporter

Batches = Callable[[], Iterable[tuple[torch.Tensor, torch.Tensor]]]  # one epoch's (inputs, class targets)


def fit_classifier(model: nn.Module, batches: Batches, *, epochs: int, steps_per_epoch: int,
                   optimizer: torch.optim.Optimizer, reporter: Reporter, what: str,
                   schedule: torch.optim.lr_scheduler.LRScheduler | None = None,
                   dtype: torch.dtype = torch.float32) -> nn.Module:
    """Train `model` for `epochs` passes of `batches()` and return it in eval mode. Arithmetic in `dtype` under
    autocast where it is not fp32; the loss, the weights and the optimiser state stay fp32."""
    device_type = next(model.parameters()).device.type
    with reporter.task(f"training {what}", total=epochs * steps_per_epoch) as task:
        for _ in range(epochs):
            model.train()
            for inputs, targets in batches():
                with torch.autocast(device_type, dtype=dtype, enabled=dtype != torch.float32):
                    logits = model(inputs)
                loss = F.cross_entropy(logits.float(), targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                task.advance()
    return model.eval()
