"""Deliberate hard crashes for the kill tests: with GENTOOL_KILL_AT=POINT:N in the environment, the process kills
itself with SIGKILL the N-th time it passes POINT. A timer cannot hit the moment between two writes; this can, so
the tests can prove that a kill there loses nothing. Unset (always, outside the tests), a pass costs one lookup.

Points: `record` (an epoch's metrics record appended, its checkpoints not yet written), `best` (best.pt written,
last.pt not yet), `last` (last.pt written, the numbered epoch checkpoint not yet), and `tmp:NAME` (an atomic
write's temporary file for NAME complete, not yet moved into place).
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "GENTOOL_KILL_AT"
_passes: dict[str, int] = {}


def kill_point(point: str) -> None:
    wanted = os.environ.get(KILL_AT_ENV)
    if not wanted:
        return
    name, _, count = wanted.rpartition(":")
    if name != point:
        return
    _passes[point] = _passes.get(point, 0) + 1
    if str(_passes[point]) == count:
        os.kill(os.getpid(), signal.SIGKILL)
