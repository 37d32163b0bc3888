"""Run folders: config.yaml, metrics.jsonl, summary.json, checkpoints/, samples/, figures/.

config.yaml is the resolved config: passing it back with --config reproduces the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from gentool import __version__
from gentool.config import dump_yaml
from gentool.errors import UsageError
from gentool.runtime.checkpoint import checkpoint_kind
from gentool.runtime.files import atomic_write_json, atomic_write_text


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / "config.yaml"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def summary_path(self) -> Path:
        return self.path / "summary.json"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.pt"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    @property
    def figures(self) -> Path:
        return self.path / "figures"

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_NAME

    def remove_stale_temporaries(self) -> list[Path]:
        """Atomic writes' temporary files (.NAME.XXXX.tmp) that a killed process left behind."""
        stale = [path for path in self.path.rglob(".*.tmp") if path.is_file()]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    # ------------------------------------------------------------------ one writer at a time

    @contextlib.contextmanager
    def locked(self) -> Iterator["RunDir"]:
        """Hold the run folder while this process writes into it. A second writer (a `--resume` while the run
        still trains, two benchmarks on one cell, a coverage writing figures into a training run) is refused;
        a lock whose process is gone (kill -9, a crash) is taken over."""
        self._acquire_lock()
        try:
            yield self
        finally:
            if _lock_owner(self.lock_path).get("pid") == os.getpid():
                self.lock_path.unlink(missing_ok=True)

    def _acquire_lock(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "command": " ".join(sys.argv[:6])}
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                owner = _lock_owner(self.lock_path)
                if _lock_is_stale(owner):
                    self.lock_path.unlink(missing_ok=True)  # its process is gone: take the run over
                    continue
                raise UsageError(f"run '{self.path}' is in use by process {owner.get('pid')} on "
                                 f"{owner.get('host')} since {owner.get('started')} ({owner.get('command')}); "
                                 f"wait for it to finish, or if that process is gone, delete "
                                 f"{self.lock_path}") from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(me, handle)
            return
        raise UsageError(f"run '{self.path}' could not be locked ({self.lock_path} keeps coming back); try again")

    def writer(self) -> dict | None:
        """Who is writing into this run now (the lock's pid, host, start, command), or None: no lock, or a stale
        one whose process is gone."""
        owner = _lock_owner(self.lock_path) if self.lock_path.is_file() else {}
        return owner if owner and not _lock_is_stale(owner) else None

    # ------------------------------------------------------------------ creation and opening

    @classmethod
    def create(cls, out: str | Path | None, default_name: str, runs_root: str | Path = "runs") -> "RunDir":
        """A new run folder. An --out folder that already holds a run is refused, so nothing is overwritten."""
        if out is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = Path(runs_root) / f"{default_name}-{stamp}"
            suffix = 1
            while path.exists():
                suffix += 1
                path = Path(runs_root) / f"{default_name}-{stamp}-{suffix}"
        else:
            path = Path(out)
            if path.exists() and not path.is_dir():
                raise UsageError(f"--out '{path}' is a file, not a folder; choose another --out")
            # a start killed before it wrote config.yaml leaves empty sub-folders and nothing else: reused
            if (path / "config.yaml").exists() or any((path / "checkpoints").glob("*")):
                raise UsageError(f"--out '{path}' already holds a run; continue it with --resume {path}, "
                                 f"or choose another --out")
        for sub in ("", "checkpoints", "samples", "figures"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        return cls(path)

    @classmethod
    def open_existing(cls, path: str | Path, what: str = "--resume") -> "RunDir":
        path = Path(path)
        if not path.is_dir():
            raise UsageError(f"{what} '{path}' is not a folder; pass a run folder (like runs/fm7) made by a train "
                             f"command")
        run = cls(path)
        if not run.config_path.is_file():
            raise UsageError(f"{what} '{path}' holds no config.yaml, so it is not a gentool run folder; "
                             f"pass the folder a train command wrote")
        return run

    # ------------------------------------------------------------------ records

    def write_config(self, config: dict) -> None:
        atomic_write_text(self.config_path, dump_yaml(config))

    def append_metrics(self, record: dict) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def read_metrics(self) -> list[dict]:
        if not self.metrics_path.is_file():
            return []
        text = self.metrics_path.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict):
                records.append(record)
            elif number == len(lines) and not text.endswith("\n"):
                break  # the last record, cut short by a crash: a resume writes it again
            else:  # never drop the good records around it, and never guess
                raise UsageError(f"{self.metrics_path} line {number} is not a metrics record ({line[:40]!r}); "
                                 f"fix or delete that line, then run the command again")
        return records

    def keep_metrics(self, keep: Callable[[dict], bool]) -> None:
        """Drop records a resumed run will write again (those past its checkpoint)."""
        kept = [r for r in self.read_metrics() if keep(r)]
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))

    def write_summary(self, summary: dict) -> None:
        atomic_write_json(self.summary_path, summary)

    def kind(self) -> str | None:
        """The family that made this run ("gan", "vae", ...): from summary.json, else from its last checkpoint."""
        try:
            return json.loads(self.summary_path.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError):
            pass
        return checkpoint_kind(self.last_checkpoint)

    def previous_preset(self) -> str | None:
        """The preset recorded by an earlier session of this run, if any."""
        try:
            return json.loads(self.summary_path.read_text(encoding="utf-8")).get("preset")
        except (OSError, ValueError):
            return None


def environment_info(device: torch.device) -> dict:
    info = {
        "gentool": __version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "host": socket.gethostname(),  # which machine of a cluster (a sweep's cells on Ray) ran it
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
        info["gpu"] = torch.cuda.get_device_name(device)
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:  # which GPUs of the machine "cuda" meant here
        info["cuda_visible_devices"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return info


RUNS_ROOT = Path("runs")
LOCK_NAME = "run.lock"


def _lock_owner(path: Path) -> dict:
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _lock_is_stale(owner: dict) -> bool:
    """A lock is stale when it names no process (cut short by a crash) or a process of this host that is gone.
    A lock from another host cannot be checked from here, so it holds."""
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return True
    if owner.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


def writing_into(run: RunDir, out: str | Path | None) -> contextlib.AbstractContextManager:
    """A measuring command writes into the run folder unless --out sends its files elsewhere: then it holds the
    run's lock while it writes (see RunDir.locked)."""
    return run.locked() if out is None else contextlib.nullcontext(run)


def open_run(path: str | Path, kind: str, what: str = "--run") -> RunDir:
    """An existing run folder made by the `kind` family; another family's run is refused with the command that
    takes it."""
    run = RunDir.open_existing(path, what=what)
    found = run.kind()
    if found is not None and found != kind:
        article = "an" if found[0].upper() in "AEFHILMNORSX" else "a"  # as the letters are spoken: an EM, a GAN
        raise UsageError(f"{what} '{run.path}' is {article} {found.upper()} run; `gentool {kind} ...` commands take "
                         f"{kind.upper()} runs (`gentool {found} ...` takes this one)")
    return run


def pick_run(path: str | Path | None, kind: str, root: str | Path = RUNS_ROOT) -> RunDir:
    """--run PATH, or the newest checkpointed run of this kind under runs/."""
    if path is not None:
        return open_run(path, kind)
    found = newest_run(kind, root)
    if found is None:
        raise UsageError(f"no trained {kind.upper()} run found under {root}/; train one with `gentool {kind} train` "
                         f"(or pass --run DIR)")
    return found


def newest_run(kind: str, root: str | Path = RUNS_ROOT) -> RunDir | None:
    """The most recently checkpointed run of this kind under `root` (summary.json names the kind)."""
    candidates = []
    for summary in Path(root).glob("*/summary.json"):
        run = RunDir(summary.parent)
        if not run.last_checkpoint.is_file():
            continue
        try:
            if json.loads(summary.read_text(encoding="utf-8")).get("kind") == kind:
                candidates.append((run.last_checkpoint.stat().st_mtime, run))
        except (OSError, ValueError):
            continue
    return max(candidates, key=lambda item: item[0])[1] if candidates else None
