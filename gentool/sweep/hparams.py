"""A sweep on TensorBoard's HParams dashboard, where its runs log to TensorBoard (`--set logging.tensorboard=true`):
each finished cell is a session (its swept values and seed, and the final figures sweep.json holds for it) and the
sweep folder holds the experiment (every swept key with the values it takes, the figures as metrics), so
`tensorboard --logdir SWEEP_FOLDER` compares the cells in one table and links each to its curves."""

from __future__ import annotations

from typing import Any

from gentool.runtime.tensorboard import require_tensorboard, wants_tensorboard, write_experiment, write_session
from gentool.sweep.grid import label_of


def logs_to_tensorboard(sweep: Any) -> bool:
    return any(wants_tensorboard(config) for config in sweep.configs.values())


def require(sweep: Any) -> None:
    """The driver writes the dashboard's files: it needs the package as the runs do, before anything runs."""
    for config in sweep.configs.values():
        require_tensorboard(config)  # at once for a config that logs to TensorBoard, nothing for one that does not


def _numeric(values: list) -> bool:
    return all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)


def domains(sweep: Any) -> dict[str, list]:
    """Every swept key's values as the dashboard holds them (numbers as floats where all of a key's values are
    numbers, else the labels the sweep's tables use), and the seeds."""
    shown = {key: [float(v) for v in values] if _numeric(values) else [label_of(v) for v in values]
             for key, values in sweep.grid.items()}
    return {**shown, "seed": [float(seed) for seed in range(sweep.seeds)]}


def log_cell(sweep: Any, record: dict) -> None:
    """A finished cell's session (once; a cell read again later keeps the one it has)."""
    if record["status"] != "done" or not wants_tensorboard(sweep.configs[record["name"]]):
        return
    numeric = {key: _numeric(values) for key, values in sweep.grid.items()}
    hparams = {key: float(value) if numeric[key] else label_of(value) for key, value in record["params"].items()}
    final = {name: value for name, value in record["metrics"].items() if value is not None}
    write_session(sweep.folder / record["path"], {**hparams, "seed": float(record["seed"])}, final)


def log_sweep(sweep: Any, results: dict) -> None:
    """Every finished cell's session (those done in an earlier session of the sweep too) and the experiment."""
    if not logs_to_tensorboard(sweep):
        return
    for record in results["cells"]:
        log_cell(sweep, record)
    write_experiment(sweep.folder, domains(sweep), results["metrics"])
