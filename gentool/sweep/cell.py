"""One cell of a sweep, as a worker runs it: an ordinary run folder made by `start_run` or continued by
`resume_run`, then its figures. This is what an executor ships to a process or a Ray task, so it holds only plain
data (the resolved config as a mapping, absolute paths) and imports the family where it runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gentool.errors import GentoolError, UsageError
from gentool.runtime.context import RunContext, StopRequest
from gentool.runtime.rundir import RunDir


@dataclass(frozen=True)
class CellTask:
    name: str
    family: str
    config: dict  # the cell's resolved config
    folder: str  # absolute: a Ray worker does not share the driver's working folder
    preset: str
    command: str
    data_dir: str | None
    device: str | None  # --device, else the config's own
    threads: int


def cell_state(folder: Path, resumable: bool) -> str:
    """"done" (a completed summary), "resume" (a checkpoint to continue from) or "new"."""
    run = RunDir(folder)
    try:
        if json.loads(run.summary_path.read_text(encoding="utf-8")).get("status") == "completed":
            return "done"
    except (OSError, ValueError):
        pass
    return "resume" if resumable and run.last_checkpoint.is_file() else "new"


def check_writable(folder: Path) -> None:
    """A worker that cannot write the cell's folder fails it with where and why (on a cluster: --out must be
    storage every node sees)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        probe = folder.parent / f".write-probe-{socket.gethostname()}-{os.getpid()}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as err:
        raise UsageError(f"the worker on {socket.gethostname()} cannot write to {folder.parent} ({err.strerror}); "
                         f"--out must be a folder every node can write (shared storage)") from None


def check_gpu(task: CellTask) -> None:
    """A cell sent to a GPU (--device cuda, or --gpus-per-run) that its worker cannot see fails with where and
    why; it never trains on the CPU instead."""
    if not (task.device or "").startswith("cuda"):
        return
    import torch

    if torch.cuda.is_available():
        return
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible == "":
        why = ("an empty CUDA_VISIBLE_DEVICES hides every GPU: Ray gives a task that asks for no GPU none, so give "
               "--gpus-per-run")
    else:
        shown = "unset" if visible is None else f"CUDA_VISIBLE_DEVICES={visible}"
        why = (f"{shown}, torch {torch.__version__}: install a CUDA build of torch there, or run the cells on a "
               f"machine with GPUs")
    raise UsageError(f"the cell asks for a GPU, but the worker on {socket.gethostname()} sees none ({why})")


def worker_place() -> dict:
    """Where a worker runs: its machine and the GPUs it was given (None: not set, every GPU of the machine)."""
    return {"host": socket.gethostname(), "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}


def run_cell(task: CellTask, stop: Any = None) -> dict:
    """Run, resume or read one cell; returns {"name", "status": done|failed|pending, "reason", "summary",
    "seconds", "place"}. A failure of the cell (NaN guard, a bad input, an exception) is returned, not raised, so
    the sweep goes on."""
    started = time.perf_counter()
    folder = Path(task.folder)
    try:
        if task.threads:
            import torch

            torch.set_num_threads(task.threads)
        check_gpu(task)
        check_writable(folder)
        summary = _run(task, folder, stop or WORKER_STOP)
    except GentoolError as err:
        return _result(task, "failed", str(err), _summary_of(folder), started)
    except Exception as err:  # any other failure of one cell is that cell's, recorded with its reason
        return _result(task, "failed", f"{type(err).__name__}: {err}", _summary_of(folder), started)
    status = {"completed": "done", "interrupted": "pending"}.get(summary.get("status"), "failed")
    return _result(task, status, summary.get("message") if status == "failed" else None, summary, started)


def _run(task: CellTask, folder: Path, stop: Any) -> dict:
    from gentool.sweep.grid import family_named

    family = family_named(task.family)
    ctx = RunContext(stop=stop, data_dir=Path(task.data_dir) if task.data_dir else None,
                     requested_device=task.device)
    state = cell_state(folder, family.resumable)
    if state == "resume":
        return resume_run_summary(family, folder, ctx, task.command)
    if state == "new":
        if folder.exists():  # a start that ended before its first checkpoint: nothing in it to continue
            shutil.rmtree(folder)
        from gentool.runtime.runs import start_run

        return start_run(family, family.read_config(task.config), ctx, out=folder, preset=task.preset,
                         command=task.command).summary
    return json.loads(RunDir(folder).summary_path.read_text(encoding="utf-8"))


def resume_run_summary(family: Any, folder: Path, ctx: RunContext, command: str) -> dict:
    from gentool.runtime.runs import resume_run

    return resume_run(family, folder, ctx, command=command).summary


def _summary_of(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _result(task: CellTask, status: str, reason: str | None, summary: dict | None, started: float) -> dict:
    return {"name": task.name, "status": status, "reason": reason, "summary": summary,
            "seconds": round(time.perf_counter() - started, 3), "place": worker_place()}


# the stop flag of a worker process: its SIGINT handler sets it, the trainer saves a checkpoint and returns
WORKER_STOP = StopRequest()


def start_gpu_worker(slots: Any) -> None:
    """A pool worker's initializer when cells get GPUs: take this worker's CUDA_VISIBLE_DEVICES from `slots` (a
    queue of them) before anything starts CUDA in the process, then stop_on_sigint."""
    os.environ["CUDA_VISIBLE_DEVICES"] = slots.get()
    stop_on_sigint()


def stop_on_sigint() -> None:
    """A pool worker's initializer: Ctrl-C (sent to the whole process group) asks its run to save and stop."""

    def handler(signum: int, frame: Any) -> None:
        WORKER_STOP.requested = True

    signal.signal(signal.SIGINT, handler)
