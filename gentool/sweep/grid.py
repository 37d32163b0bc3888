"""A sweep's grid: `--grid KEY=V1,V2,...` options, validated like `--set` against the family's config, their
product, and seeds 0..N-1 under each combination. Every cell's config is resolved (and so checked) before
anything runs.

A value is read as YAML (so 32 is a number, true a boolean) and recorded as given. For a key that holds a list
(the GAN's `fixes`) a value joins its items with `+` (`FIX+FIX`); for `fixes`, `vanilla` is none.
"""

from __future__ import annotations

import importlib
import itertools
import re
from dataclasses import dataclass
from typing import Any

import yaml

from gentool.errors import UsageError
from gentool.runtime.runs import FAMILIES, Family
from gentool.sweep.metrics import SWEEP_METRICS

SWEEPABLE = tuple(SWEEP_METRICS)


def family_named(name: str) -> Family:
    if name not in SWEEPABLE:
        raise UsageError(f"unknown family '{name}' to sweep; choose from {', '.join(SWEEPABLE)}")
    importlib.import_module(f"gentool.{name}.family")  # registers it
    return FAMILIES[name]


def parse_grid(texts: list[str]) -> dict[str, list[Any]]:
    """['model.z_dim=2,8,32', ...] -> {'model.z_dim': [2, 8, 32], ...}, in the order given."""
    grid: dict[str, list[Any]] = {}
    for text in texts:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise UsageError(f"--grid '{text}' is not of the form KEY=V1,V2,... (for example --grid "
                             f"model.z_dim=16,32,64)")
        if key == "seed":
            raise UsageError("--grid seed=... is not a grid key: seeds 0..N-1 are --seeds N")
        if key in grid:
            raise UsageError(f"--grid names '{key}' twice; give all its values in one --grid {key}=V1,V2,...")
        labels = [part.strip() for part in raw.split(",")]
        if not all(labels):
            raise UsageError(f"--grid '{text}' has an empty value; separate values with single commas")
        if len(set(labels)) != len(labels):
            raise UsageError(f"--grid '{text}' lists a value twice")
        grid[key] = [_scalar(label) for label in labels]
    return grid


def _scalar(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) or value is None else text


def label_of(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def config_value(family: str, key: str, value: Any, base: dict) -> Any:
    """The config value a grid value stands for."""
    current = base
    for part in key.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    if family == "gan" and key == "fixes":
        from gentool.gan.fixes import parse_fix_set

        return parse_fix_set(label_of(value))
    if isinstance(current, list) and isinstance(value, str) and not value.startswith("["):
        return [_scalar(item) for item in value.split("+")]
    return value


@dataclass(frozen=True)
class Cell:
    name: str  # its folder under cells/
    params: dict  # {grid key: value as given}
    seed: int

    @property
    def group(self) -> str:
        return group_label(self.params)


def group_label(params: dict) -> str:
    """'vanilla' for one swept key; 'z_dim=8, schedule=none' for several; 'base' when only seeds are swept."""
    if not params:
        return "base"
    if len(params) == 1:
        return label_of(next(iter(params.values())))
    return ", ".join(f"{_short(key, params)}={label_of(value)}" for key, value in params.items())


def _short(key: str, params: dict) -> str:
    """The key's last part, unless another swept key ends the same way."""
    last = key.rsplit(".", 1)[-1]
    return last if sum(k.rsplit(".", 1)[-1] == last for k in params) == 1 else key


def _folder_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+=,-]", "_", text)


def cells_of(grid: dict[str, list[Any]], seeds: int) -> list[Cell]:
    """Every combination of values (first key slowest) times seeds 0..seeds-1."""
    cells = []
    for combination in itertools.product(*grid.values()):
        params = dict(zip(grid, combination))
        if not params:
            stem = "base"
        elif len(params) == 1:
            stem = label_of(combination[0])
        else:
            stem = "_".join(f"{_short(key, params)}={label_of(value)}" for key, value in params.items())
        for seed in range(seeds):
            cells.append(Cell(name=_folder_part(f"{stem}-s{seed}"), params=params, seed=seed))
    return cells


def cell_assignments(family: str, cell: Cell, base: dict) -> dict:
    """{dotted key: config value} that turns the base config into this cell's."""
    return {**{key: config_value(family, key, value, base) for key, value in cell.params.items()}, "seed": cell.seed}
