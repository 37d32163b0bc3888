"""Where a sweep's cells run. An executor takes the cell tasks and hands back each result as it arrives; the
engine does everything else. `LocalExecutor` is a process pool on this machine; `RayExecutor` runs each cell as
a Ray task on a local or running cluster. Another engine (Dask, SLURM through submitit) is one more subclass.

GPUs (`--gpus-per-run G`, fractions to share one): a Ray task asks Ray for G GPUs, and Ray sets the task's
CUDA_VISIBLE_DEVICES (a task that asks for none is given none: older Ray hides every GPU from it, newer Ray leaves
the variable as the node has it). The local pool gives each worker process its own
CUDA_VISIBLE_DEVICES before CUDA starts in it (`gpu_slots`): G whole GPUs each, or a GPU shared by at most 1/G
workers; without G, cells on CUDA still get one GPU each in turn rather than all landing on the first. A cell sent to
a GPU that its worker cannot see fails saying so (gentool.sweep.cell), never trains on the CPU instead.
"""

from __future__ import annotations

import math
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, Callable

from gentool.errors import UsageError
from gentool.sweep import EXECUTORS
from gentool.sweep.cell import CellTask, run_cell, start_gpu_worker, stop_on_sigint

OnResult = Callable[[dict], None]


def thread_cap() -> int | None:
    """OMP_NUM_THREADS set by the caller caps every run's threads (several sweeps sharing a machine)."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return max(1, int(value)) if value.isdigit() else None


def visible_gpus() -> list[str]:
    """The GPUs this process may hand out, as CUDA numbers them: CUDA_VISIBLE_DEVICES's entries where it is set
    (up to an invalid one such as -1, where CUDA stops), else 0..N-1 of what torch sees."""
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        import torch

        return [str(index) for index in range(torch.cuda.device_count())]
    entries = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry or entry.startswith("-"):
            break
        entries.append(entry)
    return entries


def check_gpus_per_run(gpus_per_run: float) -> None:
    if gpus_per_run <= 0:
        raise UsageError(f"--gpus-per-run must be above 0, got {gpus_per_run:g} (leave it out for CPU cells)")
    if gpus_per_run > 1 and gpus_per_run != int(gpus_per_run):
        raise UsageError(f"--gpus-per-run above 1 must be a whole number of GPUs, got {gpus_per_run:g}: a cell "
                         f"uses whole GPUs, or shares one (a fraction below 1)")


def gpu_slots(visible: list[str], jobs: int, gpus_per_run: float) -> list[str]:
    """The CUDA_VISIBLE_DEVICES of each of `jobs` pool workers: `gpus_per_run` whole GPUs of its own each, or with a
    fraction one GPU shared by at most floor(1 / fraction) workers, spread so that as few as possible share one."""
    check_gpus_per_run(gpus_per_run)
    if not visible:
        raise UsageError("--gpus-per-run: no GPU is visible here (torch sees none, or CUDA_VISIBLE_DEVICES hides "
                         "them); run on a machine with GPUs, or leave --gpus-per-run out for CPU cells")
    shown = f"{len(visible)} GPU{'s' if len(visible) > 1 else ''} ({', '.join(visible)})"
    if gpus_per_run >= 1:
        per_run = int(gpus_per_run)
        capacity = len(visible) // per_run
        slots = [",".join(visible[i * per_run:(i + 1) * per_run]) for i in range(jobs)]
    else:
        capacity = len(visible) * math.floor(1 / gpus_per_run + 1e-9)
        slots = [visible[i % len(visible)] for i in range(jobs)]
    if jobs > capacity:
        fix = f"lower --jobs to {capacity}" if capacity else f"lower --gpus-per-run to {len(visible)} or less"
        raise UsageError(f"--jobs {jobs} with --gpus-per-run {gpus_per_run:g} needs more GPUs than the {shown} visible "
                         f"here; {fix}, or share GPUs with a fraction (--gpus-per-run 0.5: two cells a GPU)")
    return slots


def cell_device(requested: str | None, gpus_per_run: float | None) -> str | None:
    """The device a cell asks for: with GPUs of its own, "cuda" (its first visible GPU), so a worker without them
    fails instead of falling back to the CPU; otherwise --device as given (None: the config's own)."""
    if gpus_per_run is None:
        return requested
    kind = (requested or "auto").split(":")[0]
    if kind not in ("auto", "cuda"):
        raise UsageError(f"--gpus-per-run gives every cell a GPU, but --device is {requested}; drop one of them")
    if requested and ":" in requested:
        raise UsageError(f"--device {requested}: with --gpus-per-run each cell sees only its own GPUs, numbered from "
                         f"0; use --device cuda")
    return "cuda"


class Executor:
    name = "executor"

    def __init__(self, jobs: int, gpus_per_run: float | None = None):
        self.jobs = jobs  # cells running at once
        self.gpus_per_run = gpus_per_run  # GPUs each cell asks for (None: none of its own)

    def threads_per_run(self) -> int:
        raise NotImplementedError

    def cell_device(self, requested: str | None) -> str | None:
        return cell_device(requested, self.gpus_per_run)

    def describe(self) -> str:
        threads = self.threads_per_run()
        return f"{self.jobs} at a time, {threads} thread{'s' if threads > 1 else ''} each"

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        """Run every task (a cell, or a seed group of cells), calling on_result(result) for each cell as it
        finishes; once stop.requested is set, start no more cells and return when the running ones have saved
        their checkpoints."""
        raise NotImplementedError


class LocalExecutor(Executor):
    """A process pool of `jobs` workers with cores // jobs torch threads each (two 2-thread torch processes on
    2 cores slow each other several times over). One job runs in this process, unless it has GPUs of its own.
    `slots`: each worker's CUDA_VISIBLE_DEVICES (gpu_slots), or None to leave the workers' environment alone."""

    name = "local"

    def __init__(self, jobs: int, gpus_per_run: float | None = None, slots: list[str] | None = None):
        super().__init__(jobs, gpus_per_run)
        self.slots = slots

    def threads_per_run(self) -> int:
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        cap = thread_cap()
        return min(threads, cap) if cap else threads

    def describe(self) -> str:
        described = super().describe()
        if not self.slots:
            return described
        return described + "; GPUs (CUDA_VISIBLE_DEVICES) by worker: " + ", ".join(
            f"{number} -> {slot}" for number, slot in enumerate(self.slots, 1))

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        if self.jobs == 1 and not self.slots:
            for task in tasks:
                if stop.requested:
                    return
                on_result(run_cell(task, stop))
            return
        pool = self._pool()
        try:
            waiting = list(tasks)
            running: dict[Future, CellTask] = {}
            forwarded = False
            while waiting or running:
                if stop.requested and not forwarded:
                    forward_sigint(pool)
                    forwarded = True
                while waiting and len(running) < self.jobs and not stop.requested:
                    task = waiting.pop(0)
                    running[pool.submit(run_cell, task)] = task
                if not running:
                    return
                finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    running.pop(future)
                    on_result(future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        spawn = get_context("spawn")
        if not self.slots:
            return ProcessPoolExecutor(max_workers=self.jobs, mp_context=spawn, initializer=stop_on_sigint)
        # the pool starts at most `jobs` workers and keeps them: each takes one slot as it starts
        slots = spawn.SimpleQueue()
        for slot in self.slots:
            slots.put(slot)
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=spawn, initializer=start_gpu_worker,
                                   initargs=(slots,))


def forward_sigint(pool: ProcessPoolExecutor) -> None:
    """Ask every worker's run to save and stop. A terminal's Ctrl-C reaches the whole process group, but a script's
    `kill -INT <sweep pid>` reaches this process alone; the workers would train on to the end. A worker's handler
    only sets its stop flag, so a second SIGINT after a terminal's is harmless."""
    workers = getattr(pool, "_processes", None) or {}  # CPython's pid -> Process map: the pool has no public one
    for process in list(workers.values()):
        try:
            os.kill(process.pid, signal.SIGINT)
        except ProcessLookupError:  # a worker that already ended
            pass


RAY_INSTALL = 'pip install -e ".[ray]"'


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError(f"--executor ray needs Ray, which is not installed; install it with {RAY_INSTALL} (or pip "
                         f"install ray), or use --executor local") from None
    return ray


class RayExecutor(Executor):
    """One Ray task per cell, each asking for `cpus_per_run` CPUs and `gpus_per_run` GPUs. `address` None starts a
    local cluster of jobs x cpus_per_run CPUs and the GPUs Ray finds here for this sweep (and stops it after);
    "auto" or HOST:PORT joins a running one, whose nodes must see --out (shared storage) and have gentool
    installed."""

    name = "ray"

    def __init__(self, jobs: int, cpus_per_run: int, address: str | None, gpus_per_run: float | None = None):
        super().__init__(jobs, gpus_per_run)
        self.cpus_per_run = cpus_per_run
        self.address = address
        self.ray = import_ray()

    def threads_per_run(self) -> int:
        return self.cpus_per_run

    def describe(self) -> str:
        where = f"the cluster at {self.address}" if self.address else f"a local Ray cluster of " \
                                                                      f"{self.jobs * self.cpus_per_run} CPUs"
        gpus = (f" and {self.gpus_per_run:g} GPU(s)" if self.gpus_per_run else
                " and no GPU (--gpus-per-run gives each cell some)")
        return f"Ray tasks of {self.cpus_per_run} CPU(s){gpus} on {where}"

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.jobs * self.cpus_per_run, include_dashboard=False, log_to_driver=False)
        try:
            self._check_cluster_gpus()
            remote = ray.remote(num_cpus=self.cpus_per_run, num_gpus=self.gpus_per_run or 0,
                                max_retries=0)(run_cell)
            refs = {remote.remote(task): task for task in tasks}
            pending = list(refs)
            while pending:
                if stop.requested:  # the running cells lose at most their current epoch: last.pt is per epoch
                    for ref in pending:
                        ray.cancel(ref)
                    return
                done, pending = ray.wait(pending, num_returns=1, timeout=0.5)
                for ref in done:
                    on_result(self._result(ref, refs[ref]))
        finally:
            if started_here:
                ray.shutdown()

    def _check_cluster_gpus(self) -> None:
        """A task asking for more GPUs than the cluster has would wait forever: refuse it at once."""
        if not self.gpus_per_run:
            return
        gpus = self.ray.cluster_resources().get("GPU", 0)
        if gpus < self.gpus_per_run:
            where = f"the Ray cluster at {self.address}" if self.address else "the local Ray cluster (this machine)"
            raise UsageError(f"--gpus-per-run {self.gpus_per_run:g}, but {where} has {gpus:g} GPU(s); lower it, or "
                             f"join a cluster with GPU nodes (--address)")

    def _result(self, ref: Any, task: CellTask) -> dict:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayError as err:  # the worker died, or the task could not be run there
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return {"name": task.name, "status": "failed", "reason": f"Ray: {reason}", "summary": None,
                    "seconds": None}


def make_executor(name: str, jobs: int, cpus_per_run: int | None, address: str | None,
                  gpus_per_run: float | None = None, requested_device: str | None = None,
                  config_device: str = "auto") -> Executor:
    """`requested_device`: --device (None: not given); `config_device`: the base config's. What the cells will ask
    for decides whether the local pool spreads its workers over the GPUs and whether Ray must be asked for some."""
    if gpus_per_run is not None:
        check_gpus_per_run(gpus_per_run)
        cell_device(requested_device, gpus_per_run)  # refuses --device cpu, mps or cuda:N beside it
    device = requested_device or config_device
    if name == "local":
        if address:
            raise UsageError("--address is for --executor ray; the local executor runs on this machine")
        return LocalExecutor(jobs, gpus_per_run, local_slots(jobs, gpus_per_run, device))
    if name == "ray":
        if gpus_per_run is None and device.split(":")[0] == "cuda":
            raise UsageError(f"--executor ray --device {device}: Ray gives a task no GPU unless it asks for one; add "
                             f"--gpus-per-run 1 (or a fraction, such as 0.5, for cells that share a GPU)")
        return RayExecutor(jobs, cpus_per_run or 1, address, gpus_per_run)
    raise UsageError(f"unknown executor '{name}'; choose from {', '.join(EXECUTORS)}")


def local_slots(jobs: int, gpus_per_run: float | None, device: str) -> list[str] | None:
    """Each local worker's CUDA_VISIBLE_DEVICES: as --gpus-per-run asks; without it, when the cells run on CUDA
    (--device cuda, or auto with GPUs here) and several at once, one GPU each in turn; else None."""
    kind = device.split(":")[0]
    if gpus_per_run is None and kind not in ("auto", "cuda"):
        return None
    visible = visible_gpus()
    if gpus_per_run is not None:
        return gpu_slots(visible, jobs, gpus_per_run)
    if not visible:
        if kind == "cuda":
            raise UsageError(f"--device {device}, but no GPU is visible here (torch sees none, or "
                             f"CUDA_VISIBLE_DEVICES hides them); use --device auto or cpu")
        return None
    if jobs == 1 or device not in ("auto", "cuda"):  # cuda:N: the GPU the user picked, for every cell
        return None
    return [visible[i % len(visible)] for i in range(jobs)]
