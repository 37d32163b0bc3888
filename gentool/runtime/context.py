"""What one command hands down to everything it runs: the device it decides once, where progress goes, the Ctrl-C
stop flag and the dataset cache folder. Core functions take a RunContext instead of threading a device, a reporter
and a stop flag through every signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from gentool.runtime.device import resolve_device
from gentool.runtime.progress import Reporter


@dataclass
class StopRequest:
    """Set by the Ctrl-C handler; a trainer finishes its step, saves a checkpoint and returns."""

    requested: bool = False


@dataclass
class RunContext:
    reporter: Reporter = field(default_factory=lambda: Reporter("quiet"))
    stop: StopRequest = field(default_factory=StopRequest)
    data_dir: Path | None = None  # dataset cache root (None: GENTOOL_DATA_DIR or ./data)
    requested_device: str | None = None  # --device / GENTOOL_DEVICE; None = the config's own choice
    device: torch.device | None = None  # decided once per command, by decide_device

    @classmethod
    def on(cls, device: str | torch.device, **kwargs) -> "RunContext":
        """A context whose device is already decided (library use and tests)."""
        context = cls(**kwargs)
        context.device = torch.device(device)
        return context

    def decide_device(self, config_device: str = "auto") -> torch.device:
        """The command's device: --device if given, else the config's (a run's own, or auto). Decided once; every
        later call returns the same device, so models, data and evaluators never disagree."""
        if self.device is None:
            self.device = resolve_device(self.requested_device or config_device)
        return self.device
