"""One table per command that maps its options to config keys. Both the config overrides and the --resume guard
are derived from it, so an option added to a command is either a config key, an option --resume accepts, or
refused with --resume: it cannot be let through by forgetting a second list.

`FlagTable.bind(command)` checks at import time that the table names every parameter of the command.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from gentool.errors import UsageError


def resolved_paths(paths: list[Path]) -> list[str]:
    """Folders as absolute paths, so a config.yaml still finds them when run from elsewhere."""
    return [str(Path(p).resolve()) for p in paths]


@dataclass(frozen=True)
class Flag:
    param: str  # the command's parameter name
    option: str  # as the user types it: --batch-size
    keys: tuple[str, ...] = ()  # dotted config keys it sets (none: it shapes the run, e.g. --preset, --out)
    on_resume: bool = False  # accepted with --resume (the run keeps its own config otherwise)
    convert: Callable[[Any], Any] | None = None  # CLI value -> config value


# options that say how a command runs, not what it trains: never config keys, always fine with --resume
SESSION_PARAMS = ("resume", "data_dir", "json_", "quiet")


def given(value: Any) -> bool:
    return value is not None and value != [] and value is not False


class FlagTable:
    def __init__(self, *flags: Flag):
        self.flags = {flag.param: flag for flag in flags}

    def bind(self, command: Callable) -> Callable:
        """Refuse (at import) a command parameter the table does not name."""
        params = set(inspect.signature(command).parameters) - set(SESSION_PARAMS)
        missing = params - set(self.flags)
        if missing:
            raise TypeError(f"{command.__name__}: parameters {sorted(missing)} are not in its flag table")
        return command

    def overrides(self, values: dict[str, Any]) -> dict[str, Any]:
        """{dotted key: value} for every given option that sets config keys (the `flags` layer)."""
        layer: dict[str, Any] = {}
        for param, flag in self.flags.items():
            value = values.get(param)
            if flag.keys and given(value):
                for key in flag.keys:
                    layer[key] = flag.convert(value) if flag.convert else value
        return layer

    def refuse_on_resume(self, values: dict[str, Any]) -> None:
        """--resume continues a run with its own config.yaml: options that would change it are refused."""
        clashing = [flag.option for param, flag in self.flags.items()
                    if not flag.on_resume and given(values.get(param))]
        if clashing:
            allowed = ", ".join(flag.option for flag in self.flags.values() if flag.on_resume)
            raise UsageError(f"--resume continues a run with its own config.yaml, so {', '.join(clashing)} cannot be "
                             f"given with it (only {allowed}, --data-dir, --json, --quiet); start a new run to change "
                             f"the config")
