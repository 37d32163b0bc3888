"""A family with more than one kind of data keeps one task per kind, picked by one config key: `dataset` (the VAE:
drums or fonts), `target` (MCMC: the mixtures ring8 and grid25, or the Ising lattice).

A task owns what differs between the kinds: its runs' config class (its own keys only, so a drum VAE run's
config.yaml holds no letter keys), the data it loads, its trainer, the run's name and start line, and the lines
`train` prints about a finished run. `task_family` registers the family on the shared run path
(gentool.runtime.runs) with each of these answered by the run's task, so nothing outside a task asks which kind a
run is. Adding a kind of data to a family is adding a task to its TaskSet (docs/architecture-tasks.md).

The GAN's tasks (gentool.gan.tasks.GanTask) are the same idea inside one trainer: its datasets share one config and
one training loop, so its tasks answer what differs within an epoch (real batches, measurements, samples).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

from gentool.config import build_config, config_to_dict, did_you_mean
from gentool.errors import ConfigError
from gentool.runtime.context import RunContext
from gentool.runtime.runs import Family, Runner, register_family


@dataclass(frozen=True)
class Task:
    values: tuple[str, ...]  # the values of the family's task key (`dataset`, `target`) that pick it
    config_class: type  # its runs' config: a dataclass tree with a field named by the task key
    load_data: Callable[[Any, RunContext], Any]  # (config, ctx) -> what the trainer needs; fails on unusable data
    make_trainer: Callable[..., Runner]  # (config, data, run, ctx) -> a trainer at epoch 0
    run_name: Callable[[Any, str], str]  # (config, preset) -> default run folder name
    describe: Callable[[Any, str], str]  # (config, preset) -> what the start line says about the run
    outcome_lines: Callable[[dict], list[str]]  # a finished run's summary -> the lines `train` prints about it


@dataclass(frozen=True)
class TaskSet:
    """A family's tasks and the config key that picks one; the first task's first value is the default, what a
    config that does not name one is."""

    tasks: tuple[Task, ...]
    key: str = "dataset"

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for task in self.tasks for value in task.values)

    def pick(self, value: Any) -> Task:
        for task in self.tasks:
            if value in task.values:
                return task
        raise ConfigError(self.key, f"got {value!r}{did_you_mean(str(value), self.values)}; allowed values: "
                                    f"{', '.join(self.values)}")

    def value_of(self, data: dict) -> str:
        """The task key's value in a config mapping (a merged layer stack, a run's config.yaml), checked."""
        value = data.get(self.key, self.values[0])
        self.pick(value)
        return value

    def of_dict(self, data: dict) -> Task:
        return self.pick(self.value_of(data))

    def of_config(self, config: Any) -> Task:
        return self.pick(getattr(config, self.key))

    def of_summary(self, summary: dict) -> Task:
        """The task of a finished run: its summary.json names the value under the task key, as a string or as the
        name of a mapping (the dataset's record)."""
        value = summary.get(self.key)
        if isinstance(value, dict):  # the dataset's record
            value = value.get("name")
        return self.pick(self.values[0] if value is None else value)

    def read_config(self, data: dict) -> Any:
        """The config of the task `data` names. A key that only another task has is named as that task's."""
        value = self.value_of(data)
        task = self.pick(value)
        own = {field.name for field in dataclasses.fields(task.config_class)}
        for key in data:
            for other in self.tasks:
                if key not in own and key in {field.name for field in dataclasses.fields(other.config_class)}:
                    raise ConfigError(key, f"is a setting of {self.key} {'/'.join(other.values)} runs, and this "
                                           f"config's {self.key} is {value}; drop it, or set {self.key}: "
                                           f"{other.values[0]}")
        return build_config(task.config_class, data)


def task_family(*, name: str, tasks: TaskSet, resolve_config: Callable[..., Any],
                read_config: Callable[[dict], Any] | None = None, **options: Any) -> Family:
    """Register a family each of whose runs is one of `tasks`' kinds. read_config: how a run's saved config is
    read (default: `tasks.read_config`); options: the Family's other fields (default_preset, resumable, verb,
    command)."""
    return register_family(Family(
        name=name, resolve_config=resolve_config, read_config=read_config or tasks.read_config,
        config_dict=config_to_dict,
        load_data=lambda config, ctx: tasks.of_config(config).load_data(config, ctx),
        make_trainer=lambda config, data, run, ctx: tasks.of_config(config).make_trainer(config, data, run, ctx),
        run_name=lambda config, preset: tasks.of_config(config).run_name(config, preset),
        describe=lambda config, preset: tasks.of_config(config).describe(config, preset),
        outcome_lines=lambda summary: tasks.of_summary(summary).outcome_lines(summary), **options))
