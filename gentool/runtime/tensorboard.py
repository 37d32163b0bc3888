"""TensorBoard event files in the run folder (`--tensorboard`, config `logging.tensorboard`): every epoch's numbers
as scalars, and the images a run writes (sample grids, figures) as images, from the one epoch loop every trainer
shares (runtime/trainer.py), so each family gets them without code of its own.

`tensorboard --logdir runs/` then shows every run side by side. The `tensorboard` package is an optional extra.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gentool.config import option
from gentool.errors import UsageError

INSTALL_HINT = ("python3 -m pip install 'tensorboard>=2.10' (or, in a checkout, "
                "python3 -m pip install -e '.[tensorboard]')")
IMAGE_FOLDERS = ("samples", "figures")


@dataclass
class LoggingConfig:
    tensorboard: bool = option(False, help="also write per-epoch scalars, sample grids and figures as TensorBoard "
                                           "event files in the run folder (needs the tensorboard package)")


def wants_tensorboard(config: dict) -> bool:
    return bool((config.get("logging") or {}).get("tensorboard"))


def require_tensorboard(config: dict) -> None:
    """Refuse a run that asks for TensorBoard when the package is missing, before anything is created."""
    if not wants_tensorboard(config):
        return
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise UsageError(f"--tensorboard (logging.tensorboard) needs the tensorboard package, which is not "
                         f"installed; install it with {INSTALL_HINT}, or train without --tensorboard") from None


def tag_of(relative: Path) -> str:
    """samples/epoch_0003.png -> "samples/epoch": one tag per kind of image, its epochs on TensorBoard's slider."""
    stem = re.sub(r"_\d+$", "", relative.stem)
    return (relative.parent / stem).as_posix()


class TensorboardLog:
    """Scalars of each epoch's record, and every new or rewritten image under samples/ and figures/."""

    def __init__(self, run_path: Path, epochs_done: int = 0):
        from torch.utils.tensorboard import SummaryWriter

        self.run_path = run_path
        # a resumed run writes the epochs after its checkpoint again: purge_step hides what an earlier session
        # logged from there on, so TensorBoard shows each epoch once
        self.writer = SummaryWriter(log_dir=str(run_path), purge_step=epochs_done + 1 if epochs_done else None)
        # image -> the mtime it was logged at; images already there were logged by the session a resume continues
        self.seen: dict[Path, int] = {path: path.stat().st_mtime_ns for path in self.image_files()}

    def image_files(self) -> list[Path]:
        return sorted(path for folder in IMAGE_FOLDERS for path in (self.run_path / folder).rglob("*.png"))

    def epoch(self, record: dict, step: int) -> None:
        for name, value in record.items():
            if name not in ("epoch", "step") and isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(name, value, global_step=step)
        self.images(step)
        self.writer.flush()

    def images(self, step: int) -> None:
        import numpy as np
        from PIL import Image

        for path in self.image_files():
            stamp = path.stat().st_mtime_ns
            if self.seen.get(path) == stamp:
                continue
            self.seen[path] = stamp
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
            self.writer.add_image(tag_of(path.relative_to(self.run_path)), pixels, global_step=step,
                                  dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def open_log(run_path: Path, config: dict, epochs_done: int = 0) -> Any:
    """A TensorboardLog when the config asks for one, else None; `epochs_done`: where a resumed run continues."""
    return TensorboardLog(run_path, epochs_done) if wants_tensorboard(config) else None
