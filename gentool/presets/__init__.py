"""YAML presets shipped inside the package: gentool/presets/<group>/<name>.yaml."""

from __future__ import annotations

from importlib import resources

import yaml

from gentool.config import did_you_mean
from gentool.errors import UsageError


def available_presets(group: str) -> list[str]:
    folder = resources.files("gentool.presets") / group
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_preset(group: str, name: str) -> dict:
    names = available_presets(group)
    if name not in names:
        raise UsageError(f"unknown {group} preset '{name}'{did_you_mean(name, names)}; "
                         f"available presets: {', '.join(names)}")
    text = (resources.files("gentool.presets") / group / f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}
