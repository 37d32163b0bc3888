"""What a running sweep reports: one bar over every cell (of one sweep, or of several run one after another, as
`gan benchmark` runs one per dataset) and a line per finished cell."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from gentool.runtime.progress import Reporter, counting
from gentool.sweep.engine import SweepEvents
from gentool.sweep.tables import device_text, number


def cell_line(record: dict, finished: int, total: int) -> str:
    """The progress line of a finished cell."""
    head = f"[{finished}/{total}] {record['name']}: {record['status']}"
    if record["status"] != "done":
        return head + (f" ({record['reason']})" if record["reason"] else "")
    figures = ", ".join(f"{name} {number(value)}" for name, value in record["metrics"].items())
    seconds = f"{record['seconds']:.1f} s, " if record["seconds"] is not None else ""
    return f"{head}, {figures} ({seconds}{device_text(record.get('device'))})"


@contextlib.contextmanager
def reported_events(reporter: Reporter, total: int) -> Iterator[SweepEvents]:
    """The events of `total` cells, told to `reporter` as they happen."""
    state = {"finished": 0, "offset": 0, "failed": 0, "failed_before": 0}
    with counting(reporter, "cells", total, 0) as bar:
        def started(sweep: Any, done: int, executor: Any) -> None:
            state["offset"], state["failed_before"] = state["finished"], state["failed"]
            state["finished"] += done
            reporter.info(f"sweep {sweep.folder}: {len(sweep.cells)} cells ({done} already done), "
                          f"{executor.describe()}")

        def cell_done(record: dict) -> None:
            if record["status"] == "pending":  # stopped by Ctrl-C
                reporter.info(f"{record['name']}: stopped; its checkpoint is kept")
                return
            state["finished"] += 1
            reporter.info(cell_line(record, state["finished"], total))

        def counts(done: int, running: int, failed: int) -> None:
            state["failed"] = state["failed_before"] + failed
            bar.update(state["offset"] + done, f"running {running}  failed {state['failed']}")

        yield SweepEvents(started=started, cell_done=cell_done, counts=counts)
