"""TensorBoard event files in the run folder (`--tensorboard`, config `logging.tensorboard`): every epoch's numbers
as scalars, the images a run writes (sample grids, figures) as images and its WAV files (the drum VAE's bars) as
audio, from the one epoch loop every trainer shares (runtime/trainer.py), so each family gets them without code of
its own. A sweep adds each cell's swept values and final figures for the HParams dashboard (`write_session`,
`write_experiment`; gentool.sweep.hparams).

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
MEDIA_FOLDERS = ("samples", "figures")
MEDIA_SUFFIXES = (".png", ".wav")
HPARAMS_SUFFIX = ".hparams"  # the event files of the HParams dashboard, apart from a run's own
FINAL_PREFIX = "final/"  # the scalar tags of a sweep cell's final figures (the HParams dashboard's metrics)


@dataclass
class LoggingConfig:
    tensorboard: bool = option(False, help="also write per-epoch scalars, sample grids, figures and sounds as "
                                           "TensorBoard event files in the run folder (needs the tensorboard "
                                           "package)")


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
    """Scalars of each epoch's record, and every new or rewritten image and WAV file under samples/ and figures/."""

    def __init__(self, run_path: Path, epochs_done: int = 0):
        from torch.utils.tensorboard import SummaryWriter

        self.run_path = run_path
        # a resumed run writes the epochs after its checkpoint again: purge_step hides what an earlier session
        # logged from there on, so TensorBoard shows each epoch once
        self.writer = SummaryWriter(log_dir=str(run_path), purge_step=epochs_done + 1 if epochs_done else None)
        # file -> the mtime it was logged at; files already there were logged by the session a resume continues
        self.seen: dict[Path, int] = {path: path.stat().st_mtime_ns for path in self.media_files()}

    def media_files(self) -> list[Path]:
        return sorted(path for folder in MEDIA_FOLDERS for path in (self.run_path / folder).rglob("*")
                      if path.suffix in MEDIA_SUFFIXES)

    def epoch(self, record: dict, step: int) -> None:
        for name, value in record.items():
            if name not in ("epoch", "step") and isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(name, value, global_step=step)
        self.media(step)
        self.writer.flush()

    def media(self, step: int) -> None:
        import numpy as np
        from PIL import Image

        from gentool.io.audio import read_wav

        for path in self.media_files():
            stamp = path.stat().st_mtime_ns
            if self.seen.get(path) == stamp:
                continue
            self.seen[path] = stamp
            tag = tag_of(path.relative_to(self.run_path))
            if path.suffix == ".wav":
                samples, rate = read_wav(path)
                self.writer.add_audio(tag, samples[None, :], global_step=step, sample_rate=rate)
                continue
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
            self.writer.add_image(tag, pixels, global_step=step, dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def open_log(run_path: Path, config: dict, epochs_done: int = 0) -> Any:
    """A TensorboardLog when the config asks for one, else None; `epochs_done`: where a resumed run continues."""
    return TensorboardLog(run_path, epochs_done) if wants_tensorboard(config) else None


def write_session(run_path: Path, hparams: dict[str, float | str], final: dict[str, float]) -> bool:
    """One run as a session of TensorBoard's HParams dashboard: its hyperparameters and its final figures (scalars
    tagged final/NAME), in an event file of their own in the run folder, so the dashboard links the session to the
    run's curves. Written once: False where the run already has one."""
    if any(run_path.glob(f"events.out.tfevents.*{HPARAMS_SUFFIX}")):
        return False
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams as hparams_summaries

    _, start, end = hparams_summaries(hparams, {})
    with SummaryWriter(log_dir=str(run_path), filename_suffix=HPARAMS_SUFFIX) as writer:
        writer.file_writer.add_summary(start)
        writer.file_writer.add_summary(end)
        for name, value in final.items():
            writer.add_scalar(f"{FINAL_PREFIX}{name}", value)
    return True


def write_experiment(folder: Path, domains: dict[str, list], metrics: list[str]) -> None:
    """The HParams dashboard's experiment for the sessions under `folder`: every hyperparameter with the values it
    takes, and the final figures as its metrics; rewritten whole each time (an earlier one is replaced)."""
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams as hparams_summaries

    for old in folder.glob(f"events.out.tfevents.*{HPARAMS_SUFFIX}"):
        old.unlink()
    experiment, _, _ = hparams_summaries({key: values[0] for key, values in domains.items()},
                                         {f"{FINAL_PREFIX}{name}": 0.0 for name in metrics},
                                         hparam_domain_discrete={key: list(values) for key, values in domains.items()})
    with SummaryWriter(log_dir=str(folder), filename_suffix=HPARAMS_SUFFIX) as writer:
        writer.file_writer.add_summary(experiment)
