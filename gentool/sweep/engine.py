"""Run or resume a sweep folder: plan every cell (each an ordinary run folder under cells/), refuse a folder made
with another grid or base config, read finished cells, hand the rest to an executor, and write the results
(sweep.json after every cell; sweep.md, sweep.csv and figures at the end).

Layout of a sweep folder:
    sweep.yaml   {family, grid: {key: [values]}, seeds, base: the resolved base config, baseline, preset}
    sweep.json   {family, grid, seeds, metrics, cells: [...], groups: [...], comparisons: [...]}
    sweep.md, sweep.csv (one row per cell), figures/<key>.png, cells/<name>/ (run folders)
    events.out.tfevents.*.hparams (runs that log to TensorBoard: the HParams experiment; gentool.sweep.hparams)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from gentool.config import dump_yaml, load_yaml_file, parse_set_overrides
from gentool.errors import UsageError
from gentool.evaluate.instruments import mixed_instruments
from gentool.runtime.context import RunContext
from gentool.runtime.device import resolve_device
from gentool.runtime.files import atomic_write_json, atomic_write_text
from gentool.runtime.rundir import RunDir
from gentool.sweep import hparams, stats
from gentool.sweep.cell import CellTask, cell_state
from gentool.sweep.executors import Executor
from gentool.sweep.grid import Cell, cell_assignments, cells_of, family_named, group_label, parse_grid
from gentool.sweep.metrics import sweep_metrics


@dataclass
class Sweep:
    family: str
    grid: dict[str, list[Any]]
    seeds: int
    base: dict
    baseline: str
    preset: str
    folder: Path
    assignments: list[str]
    cells: list[Cell] = field(default_factory=list)
    configs: dict[str, dict] = field(default_factory=dict)  # cell name -> resolved config

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(cell.group for cell in self.cells))

    def header(self) -> dict:
        return {"family": self.family, "grid": self.grid, "seeds": self.seeds, "base": self.base,
                "baseline": self.baseline, "preset": self.preset}


def default_folder(family: str, grid: dict) -> Path:
    """runs/sweeps/FAMILY-KEYS: the same command finds its own folder again, and so continues it."""
    keys = "-".join(key.rsplit(".", 1)[-1] for key in grid) or "seeds"
    return Path("runs") / "sweeps" / f"{family}-{keys}"


def plan_sweep(*, family: str, grid_texts: list[str], seeds: int, preset: str | None, assignments: list[str],
               out: Path | None, baseline: str | None) -> Sweep:
    """Every cell's config resolved and checked, and the folder checked, before anything runs."""
    chosen = family_named(family)
    preset = preset or chosen.default_preset
    grid = parse_grid(grid_texts)
    overridden = parse_set_overrides(assignments)
    for key in grid:
        node: Any = overridden
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            raise UsageError(f"'{key}' is both swept (--grid) and set (--set); drop one of them")
    if seeds < 1:
        raise UsageError(f"--seeds must be >= 1, got {seeds}")
    base = chosen.config_dict(chosen.resolve_config(preset, None, {}, assignments))
    sweep = Sweep(family=family, grid=grid, seeds=seeds, base=base, baseline="", preset=preset,
                  folder=Path(out) if out else default_folder(family, grid), assignments=list(assignments))
    sweep.cells = cells_of(grid, seeds)
    for cell in sweep.cells:
        config = chosen.resolve_config(preset, None, cell_assignments(family, cell, base), assignments)
        sweep.configs[cell.name] = chosen.config_dict(config)
    labels = sweep.labels
    if baseline is not None and baseline not in labels:
        raise UsageError(f"--baseline '{baseline}' is not a group of this sweep; choose from {', '.join(labels)}")
    sweep.baseline = baseline or labels[0]
    check_folder(sweep)
    return sweep


def _comparable(header: dict) -> dict:
    """What must match for a folder to be continued: family, grid, preset and the base config (not its device,
    which --device may change for a resume, nor how runs are logged, which does not change their results)."""
    base = {key: value for key, value in (header.get("base") or {}).items() if key not in ("device", "logging")}
    return {"family": header.get("family"), "grid": header.get("grid"), "preset": header.get("preset"), "base": base}


def check_folder(sweep: Sweep) -> None:
    folder = sweep.folder
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out '{folder}' is a file, not a folder; choose a folder for the sweep")
    if (folder / "config.yaml").is_file() or (folder / "checkpoints").is_dir():
        raise UsageError(f"--out '{folder}' is a run folder, not a sweep folder; choose a new folder (or the one an "
                         f"earlier sweep wrote, to continue it)")
    header_path = folder / "sweep.yaml"
    if not header_path.is_file():
        return
    existing, wanted = _comparable(load_yaml_file(header_path)), _comparable(sweep.header())
    if existing != wanted:
        changed = [f"{key} differs" for key in ("family", "grid", "preset") if existing[key] != wanted[key]]
        base = _changed_keys(existing["base"], wanted["base"])
        shown = "; ".join(f"{key}: {old!r} then, {new!r} now" for key, old, new in base[:4])
        changed += [f"base config {shown}" + (f" and {len(base) - 4} more" if len(base) > 4 else "")] if base else []
        raise UsageError(f"sweep folder '{folder}' was made with other settings ({'; '.join(changed)}); give a new "
                         f"--out folder, or the same options as before (a default that changed with a gentool "
                         f"upgrade shows up here too: continue with the version that made the folder, or start anew)")


_MISSING = "(not set)"


def _changed_keys(old: dict, new: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    """(dotted key, old value, new value) for every leaf that differs between two nested config dicts."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _changed_keys(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append((f"{prefix}{key}", a, b))
    return changes


# ------------------------------------------------------------------------------------------------ running

@dataclass
class SweepEvents:
    """What the engine tells its caller while it runs: the start, each finished cell, the counts for a bar."""

    started: Callable[[Sweep, int, Executor], None] = lambda sweep, done, executor: None
    cell_done: Callable[[dict], None] = lambda record: None
    counts: Callable[[int, int, int], None] = lambda done, running, failed: None


def run_sweep(sweep: Sweep, executor: Executor, ctx: RunContext, events: SweepEvents | None = None) -> dict:
    """Run every unfinished cell; returns the results object (what sweep.json holds). ctx.stop set by Ctrl-C
    ends the sweep early: running cells save their checkpoints and stay pending."""
    events = events or SweepEvents()
    family = family_named(sweep.family)
    hparams.require(sweep)
    sweep.folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(sweep.folder / "sweep.yaml", dump_yaml(sweep.header()))
    records = {cell.name: _record(sweep, cell, "pending", None, None, None) for cell in sweep.cells}
    todo = []
    for cell in sweep.cells:
        folder = _cell_folder(sweep, cell)
        if cell_state(folder, family.resumable) == "done":
            records[cell.name] = _record(sweep, cell, "done", None, _read_summary(folder), None)
        else:
            todo.append(cell)
    done = len(sweep.cells) - len(todo)
    events.started(sweep, done, executor)
    cells_ctx = replace(ctx, requested_device=executor.cell_device(ctx.requested_device))  # with --gpus-per-run: cuda
    if todo:
        _warm_shared_data(family, sweep.configs[todo[0].name], cells_ctx)
    tasks = [_task(sweep, cell, cells_ctx, executor.threads_per_run()) for cell in todo]
    by_name = {cell.name: cell for cell in todo}
    counts = {"done": done, "failed": 0}
    events.counts(done, min(executor.jobs, len(todo)), 0)

    def on_result(result: dict) -> None:
        cell = by_name[result["name"]]
        record = _record(sweep, cell, result["status"], result["reason"], result["summary"], result["seconds"],
                         result.get("place"))
        records[cell.name] = record
        counts["done"] += record["status"] == "done"
        counts["failed"] += record["status"] == "failed"
        left = len(sweep.cells) - counts["done"] - counts["failed"]
        events.counts(counts["done"], 0 if ctx.stop.requested else min(executor.jobs, left), counts["failed"])
        events.cell_done(record)
        hparams.log_cell(sweep, record)
        atomic_write_json(sweep.folder / "sweep.json", results_of(sweep, list(records.values())))

    if tasks:
        executor.run(tasks, ctx.stop, on_result)
    results = results_of(sweep, list(records.values()))
    write_outputs(sweep.folder, results)
    hparams.log_sweep(sweep, results)
    return results


def _cell_folder(sweep: Sweep, cell: Cell) -> Path:
    return sweep.folder / "cells" / cell.name


def _read_summary(folder: Path) -> dict:
    return json.loads(RunDir(folder).summary_path.read_text(encoding="utf-8"))


def _task(sweep: Sweep, cell: Cell, ctx: RunContext, threads: int) -> CellTask:
    return CellTask(name=cell.name, family=sweep.family, config=sweep.configs[cell.name],
                    folder=str(_cell_folder(sweep, cell).resolve()), preset=sweep.preset,
                    command=f"gentool sweep {sweep.family} (cell {cell.name} of {sweep.folder})",
                    data_dir=str(Path(ctx.data_dir).resolve()) if ctx.data_dir else None,
                    device=ctx.requested_device, threads=threads)


def _warm_shared_data(family: Any, config: dict, ctx: RunContext) -> None:
    """Build a dataset (and evaluator) every cell shares once, here, before workers start: they would all build
    it at once. A cached one is a quick read. On the cells' device where this machine has it, else on the CPU (a
    Ray driver without the GPUs its cells get)."""
    device = ctx.requested_device
    if device is not None:
        try:
            resolve_device(device)
        except UsageError:
            device = "cpu"
    family.load_data(family.read_config(config), RunContext(reporter=ctx.reporter, data_dir=ctx.data_dir,
                                                            requested_device=device))


def _record(sweep: Sweep, cell: Cell, status: str, reason: str | None, summary: dict | None,
            seconds: float | None, place: dict | None = None) -> dict:
    metrics = sweep_metrics(sweep.family, summary) if status == "done" and summary else {}
    if summary and summary.get("wall_time_s") is not None:
        seconds = summary["wall_time_s"]
    return {"name": cell.name, "path": f"cells/{cell.name}", "params": dict(cell.params), "seed": cell.seed,
            "status": status, "reason": reason, "metrics": metrics, "seconds": seconds,
            "device": device_used(summary, place),
            "instrument": (summary or {}).get("instrument") if status == "done" else None}


def device_used(summary: dict | None, place: dict | None) -> dict:
    """Where a cell ran: {"device", "gpu", "cuda_visible_devices", "host"}, from its run's summary, else (a cell that
    failed before its run began) from its worker (cell.worker_place); None where neither says."""
    environment = (summary or {}).get("environment") or {}
    place = place or {}
    return {"device": (summary or {}).get("device"), "gpu": environment.get("gpu"),
            "cuda_visible_devices": environment.get("cuda_visible_devices", place.get("cuda_visible_devices")),
            "host": environment.get("host", place.get("host"))}


# ------------------------------------------------------------------------------------------------ results

def results_of(sweep: Sweep, cells: list[dict]) -> dict:
    """The results object: every cell, each group's statistics, and each group against the baseline (none when
    the cells were measured by different instruments: `instruments_note` names them)."""
    metrics: list[str] = []
    for record in cells:
        metrics += [name for name in record["metrics"] if name not in metrics]
    values: dict[str, dict[str, list]] = {}
    params: dict[str, dict] = {}
    for record in cells:
        label = group_label(record["params"])
        params.setdefault(label, record["params"])
        group = values.setdefault(label, {metric: [] for metric in metrics})
        if record["status"] == "done":
            for metric in metrics:
                group[metric].append(record["metrics"].get(metric))
    groups = [{"label": label, "params": params[label],
               "n": sum(1 for r in cells if group_label(r["params"]) == label and r["status"] == "done"),
               "metrics": {metric: {key: value for key, value in stats.describe(group[metric]).items() if key != "n"}
                           for metric in metrics}}
              for label, group in values.items()]
    mixed = mixed_instruments(record.get("instrument") for record in cells if record["status"] == "done")
    comparisons = stats.compare(values, sweep.baseline, metrics) if sweep.baseline in values and not mixed else []
    return {"family": sweep.family, "grid": sweep.grid, "seeds": sweep.seeds, "metrics": metrics, "cells": cells,
            "groups": groups, "comparisons": comparisons, "instruments_note": mixed}


def write_outputs(folder: Path, results: dict) -> list[Path]:
    from gentool.sweep.figures import sweep_figures
    from gentool.sweep.tables import csv_text, markdown_text

    header = load_yaml_file(folder / "sweep.yaml")
    written = [atomic_write_json(folder / "sweep.json", results),
               atomic_write_text(folder / "sweep.md", markdown_text(results, header.get("baseline"))),
               atomic_write_text(folder / "sweep.csv", csv_text(results))]
    return written + sweep_figures(folder / "figures", results)


def load_results(path: Path) -> dict:
    """`sweep show`: a sweep folder's results object."""
    path = Path(path)
    if not (path / "sweep.json").is_file():
        what = "does not exist" if not path.exists() else "holds no sweep.json"
        raise UsageError(f"'{path}' {what}, so it is not a sweep folder; pass a folder `gentool sweep` wrote")
    try:
        return json.loads((path / "sweep.json").read_text(encoding="utf-8"))
    except ValueError:
        raise UsageError(f"{path / 'sweep.json'} is not valid JSON; run the sweep command again to rewrite it") \
            from None


def failed_cells(results: dict) -> list[str]:
    return [cell["name"] for cell in results["cells"] if cell["status"] == "failed"]


def baseline_of(path: Path) -> str | None:
    header = Path(path) / "sweep.yaml"
    return load_yaml_file(header).get("baseline") if header.is_file() else None
