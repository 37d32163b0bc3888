"""What one command hands down to everything it runs: the device it chose once, where progress goes, the
Ctrl-C stop flag and the dataset cache folder. Core functions take a RunContext instead of threading a device,
a reporter and a stop flag through every signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from gentool.runtime.progress import Reporter


@dataclass
class StopRequest:
    """Set by the Ctrl-C handler; a trainer finishes its step, saves a checkpoint and returns."""

    requested: bool = False


@dataclass
class RunContext:
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    reporter: Reporter = field(default_factory=lambda: Reporter("quiet"))
    stop: StopRequest = field(default_factory=StopRequest)
    data_dir: Path | None = None  # dataset cache root (None: GENTOOL_DATA_DIR or ./data)
