"""CPU time of the CLI's fast paths beside `python -c "import typer, rich"`, median of N runs each.

    python -m benchmarks.cli_startup [--runs 5]

Run from a checkout's root: each command is a fresh `python -c` process, which imports gentool from the current
folder first. Its CPU time is user + system from os.wait4, its peak memory the maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

PY = sys.executable
# the installed `gentool` command, as a shell runs it (its name decides the completion variable)
GENTOOL = [PY, "-c", "import sys; from gentool.cli.app import main; sys.argv[0] = 'gentool'; main()"]
COMMANDS = {
    "import typer, rich": ([PY, "-c", "import typer, rich"], {}),
    "gentool --help": ([*GENTOOL, "--help"], {}),
    "gentool gan train --help": ([*GENTOOL, "gan", "train", "--help"], {}),
    "gentool groove train --help": ([*GENTOOL, "groove", "train", "--help"], {}),
    "completion of gan train --dev": (GENTOOL, {"_GENTOOL_COMPLETE": "complete_bash",
                                                "COMP_WORDS": "gentool gan train --dev", "COMP_CWORD": "3"}),
    "completion of --device values": (GENTOOL, {"_GENTOOL_COMPLETE": "complete_bash",
                                                "COMP_WORDS": "gentool gan train --device ''", "COMP_CWORD": "4"}),
}


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(user + system CPU seconds, peak resident MB) of one run of argv."""
    process = subprocess.Popen(argv, env={**os.environ, **env, "COLUMNS": "100"}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    # interleaved, so a busy moment on a shared machine falls on every command alike
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, (argv, env) in COMMANDS.items():
            samples[name].append(measure(argv, env))
    base = statistics.median(cpu for cpu, _ in samples["import typer, rich"])
    print(f"{'command':34} {'CPU s':>7} {'ratio':>6} {'peak MB':>8}   (median of {runs})")
    for name, values in samples.items():
        cpu = statistics.median(c for c, _ in values)
        memory = statistics.median(m for _, m in values)
        print(f"{name:34} {cpu:7.3f} {cpu / base:6.1f} {memory:8.0f}")


if __name__ == "__main__":
    main()
