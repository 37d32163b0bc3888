"""YAML presets shipped inside the package: gentool/presets/<group>/<name>.yaml."""

from __future__ import annotations

from importlib import resources

import yaml

from gentool.config import deep_merge, did_you_mean, load_yaml_file, nested_from_dotted, parse_set_overrides
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


def given_layers(config_file: str | None = None, flags: dict | None = None,
                 assignments: list[str] | None = None) -> dict:
    """What the user gives, merged: --config FILE < named flags (dotted keys; None = not given) < --set key=value."""
    merged = load_yaml_file(config_file) if config_file else {}
    for key, value in (flags or {}).items():
        if value is not None:
            merged = deep_merge(merged, nested_from_dotted(key, value))
    return deep_merge(merged, parse_set_overrides(assignments or []))


def layered(group: str, preset: str, config_file: str | None = None, flags: dict | None = None,
            assignments: list[str] | None = None) -> dict:
    """preset < --config FILE < named flags (dotted keys; None = not given) < --set key=value, merged."""
    return deep_merge(load_preset(group, preset), given_layers(config_file, flags, assignments))
