"""Where a sweep's cells run. An executor takes the cell tasks and hands back each result as it arrives; the
engine does everything else. `LocalExecutor` is a process pool on this machine; `RayExecutor` runs each cell as
a Ray task on a local or running cluster. Another engine (Dask, SLURM through submitit) is one more subclass.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, Callable

from gentool.errors import UsageError
from gentool.sweep import EXECUTORS
from gentool.sweep.cell import CellTask, run_cell, stop_on_sigint

OnResult = Callable[[dict], None]


def thread_cap() -> int | None:
    """OMP_NUM_THREADS set by the caller caps every run's threads (several sweeps sharing a machine)."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return max(1, int(value)) if value.isdigit() else None


class Executor:
    name = "executor"

    def __init__(self, jobs: int):
        self.jobs = jobs  # cells running at once

    def threads_per_run(self) -> int:
        raise NotImplementedError

    def describe(self) -> str:
        threads = self.threads_per_run()
        return f"{self.jobs} at a time, {threads} thread{'s' if threads > 1 else ''} each"

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        """Run every task, calling on_result(result) as each finishes; once stop.requested is set, start no more
        cells and return when the running ones have saved their checkpoints."""
        raise NotImplementedError


class LocalExecutor(Executor):
    """A process pool of `jobs` workers with cores // jobs torch threads each (two 2-thread torch processes on
    2 cores slow each other several times over). One job runs in this process."""

    name = "local"

    def threads_per_run(self) -> int:
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        cap = thread_cap()
        return min(threads, cap) if cap else threads

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        if self.jobs == 1:
            for task in tasks:
                if stop.requested:
                    return
                on_result(run_cell(task, stop))
            return
        pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=get_context("spawn"), initializer=stop_on_sigint)
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
    """One Ray task per cell, each asking for `cpus_per_run` CPUs. `address` None starts a local cluster of
    jobs x cpus_per_run CPUs for this sweep (and stops it after); "auto" or HOST:PORT joins a running one, whose
    nodes must see --out (shared storage) and have gentool installed."""

    name = "ray"

    def __init__(self, jobs: int, cpus_per_run: int, address: str | None):
        super().__init__(jobs)
        self.cpus_per_run = cpus_per_run
        self.address = address
        self.ray = import_ray()

    def threads_per_run(self) -> int:
        return self.cpus_per_run

    def describe(self) -> str:
        where = f"the cluster at {self.address}" if self.address else f"a local Ray cluster of " \
                                                                      f"{self.jobs * self.cpus_per_run} CPUs"
        return f"Ray tasks of {self.cpus_per_run} CPU(s) on {where}"

    def run(self, tasks: list[CellTask], stop: Any, on_result: OnResult) -> None:
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.jobs * self.cpus_per_run, include_dashboard=False, log_to_driver=False)
        try:
            remote = ray.remote(num_cpus=self.cpus_per_run, max_retries=0)(run_cell)
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

    def _result(self, ref: Any, task: CellTask) -> dict:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayError as err:  # the worker died, or the task could not be run there
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return {"name": task.name, "status": "failed", "reason": f"Ray: {reason}", "summary": None,
                    "seconds": None}


def make_executor(name: str, jobs: int, cpus_per_run: int | None, address: str | None) -> Executor:
    if name == "local":
        if address:
            raise UsageError("--address is for --executor ray; the local executor runs on this machine")
        return LocalExecutor(jobs)
    if name == "ray":
        return RayExecutor(jobs, cpus_per_run or 1, address)
    raise UsageError(f"unknown executor '{name}'; choose from {', '.join(EXECUTORS)}")
