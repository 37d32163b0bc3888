"""A family with more than one kind of data keeps one task per kind, picked by its config's `dataset` key.

A task owns what differs between the kinds: its runs' config class (its own sections only, so a drum VAE run's
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
    dataset: str  # the config's `dataset` value that picks it, and the name of the section that holds its data
    config_class: type  # its runs' config: a dataclass tree with a `dataset` field
    load_data: Callable[[Any, RunContext], Any]  # (config, ctx) -> what the trainer needs; fails on unusable data
    make_trainer: Callable[..., Runner]  # (config, data, run, ctx) -> a trainer at epoch 0
    run_name: Callable[[Any, str], str]  # (config, preset) -> default run folder name
    describe: Callable[[Any, str], str]  # (config, preset) -> what the start line says about the run
    outcome_lines: Callable[[dict], list[str]]  # a finished run's summary -> the lines `train` prints about it


@dataclass(frozen=True)
class TaskSet:
    """A family's tasks; the first is the default, the kind of a config that names no dataset."""

    tasks: tuple[Task, ...]

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(task.dataset for task in self.tasks)

    def pick(self, dataset: Any) -> Task:
        for task in self.tasks:
            if task.dataset == dataset:
                return task
        raise ConfigError("dataset", f"got {dataset!r}{did_you_mean(str(dataset), self.datasets)}; allowed values: "
                                     f"{', '.join(self.datasets)}")

    def of_dict(self, data: dict) -> Task:
        """The task of a config mapping (a merged layer stack, a run's config.yaml)."""
        return self.pick(data.get("dataset", self.tasks[0].dataset))

    def of_summary(self, summary: dict) -> Task:
        """The task of a finished run, from the dataset its summary.json names."""
        return self.pick((summary.get("dataset") or {}).get("name", self.tasks[0].dataset))

    def read_config(self, data: dict) -> Any:
        """The config of the task `data` names. A section that only another task has is named as that task's."""
        task = self.of_dict(data)
        own = {field.name for field in dataclasses.fields(task.config_class)}
        for key in data:
            for other in self.tasks:
                if key not in own and key in {field.name for field in dataclasses.fields(other.config_class)}:
                    raise ConfigError(key, f"is a setting of dataset {other.dataset} runs, and this config's dataset "
                                           f"is {task.dataset}; drop it, or set dataset: {other.dataset}")
        return build_config(task.config_class, data)


def task_family(*, name: str, default_preset: str, tasks: TaskSet, resolve_config: Callable[..., Any],
                read_config: Callable[[dict], Any] | None = None) -> Family:
    """Register a family each of whose runs is one of `tasks`' kinds (read_config: how a run's saved config is
    read, by default `tasks.read_config`)."""
    return register_family(Family(
        name=name, default_preset=default_preset, resolve_config=resolve_config,
        read_config=read_config or tasks.read_config, config_dict=config_to_dict,
        load_data=lambda config, ctx: tasks.pick(config.dataset).load_data(config, ctx),
        make_trainer=lambda config, data, run, ctx: tasks.pick(config.dataset).make_trainer(config, data, run, ctx),
        run_name=lambda config, preset: tasks.pick(config.dataset).run_name(config, preset),
        describe=lambda config, preset: tasks.pick(config.dataset).describe(config, preset),
        outcome_lines=lambda summary: tasks.of_summary(summary).outcome_lines(summary)))
